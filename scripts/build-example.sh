#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a handler module as an outside author would: in its own directory
# (a copy under OUTDIR), with only syncsock's public header and the
# Module.symvers of a syncsock.ko built for the same kernel.
# examples/kvcounter by default; tests/probe (the tests' handler) with SRCDIR.
#
#   scripts/build-example.sh KDIR SYNCSOCK_BUILD_DIR OUTDIR [SRCDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:?usage: build-example.sh KDIR SYNCSOCK_BUILD_DIR OUTDIR}
sbuild=${2:?usage}
out=${3:?usage}
src=${4:-$top/examples/kvcounter}
mkdir -p "$out"
cp "$src"/Kbuild "$src"/Makefile "$src"/*.c "$out/"
make -C "$out" KDIR="$kdir" SYNCSOCK_SRC="$top" \
	SYNCSOCK_SYMVERS="$sbuild/Module.symvers" W=1 EXTRA_CFLAGS=-Werror
