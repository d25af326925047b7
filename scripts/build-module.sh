#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build syncsock.ko (and, when the kernel has KUnit, syncsock_kunit.ko)
# against one kernel tree, out of the source tree:
#
#   scripts/build-module.sh KDIR OUTDIR [make arguments...]
#
# OUTDIR gets a mirror of the sources made of symlinks, so that builds for
# several kernels never share object files.  Warnings are errors (W=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

kdir=${1:?usage: build-module.sh KDIR OUTDIR [make args]}
out=${2:?usage: build-module.sh KDIR OUTDIR [make args]}
shift 2
[ -e "$kdir/Makefile" ] ||
	die "no kernel build tree at $kdir: install the kernel's headers (Debian: linux-headers-\$(uname -r)) or pass KDIR=/path/to/tree"

mkdir -p "$out"
# Absolute: make -C would read a relative M= from inside KDIR.
out=$(cd "$out" && pwd)
for d in module uapi tests/kunit; do
	mkdir -p "$out/$d"
	cp -rsf "$top/$d/." "$out/$d/"
done
cp -sf "$top/Kbuild" "$out/Kbuild"
# Sources deleted since the last build leave dangling links behind.
find "$out" -xtype l -delete

make -C "$kdir" M="$out" W=1 SYNCSOCK_WERROR=y -j"$(nproc)" "$@" modules
