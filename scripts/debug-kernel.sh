#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the syncsock debug kernel from Debian's linux-source-6.12 with
# allnoconfig + scripts/kconfig/debug.config, and print its build directory.
# The result is cached in $SYNCSOCK_CACHE/debug-kernel/<source version>-<config
# hash>/, so only the first run on a machine pays for the build.
#
#   scripts/debug-kernel.sh [--rt]          build if needed, print the tree's path
#   scripts/debug-kernel.sh [--rt] --path   print the path without building
#
# --rt builds the PREEMPT_RT variant (debug.config + debug-rt.config), cached
# in $SYNCSOCK_CACHE/debug-kernel-rt/ (the torture campaign's).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

flavour=debug-kernel
fragments=("$here/kconfig/debug.config")
if [ "${1:-}" = --rt ]; then
	flavour=debug-kernel-rt
	fragments+=("$here/kconfig/debug-rt.config")
	shift
fi
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1) ||
	true
[ -n "$tarball" ] || die "linux-source-6.12 is not installed: run scripts/deps.sh"
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key="$srcver-$(cat "${fragments[@]}" "$0" | sha256sum | cut -c1-12)"
dir="$SYNCSOCK_CACHE/$flavour/$key"
tree="$dir/linux"

if [ "${1:-}" = --path ]; then
	echo "$tree"
	exit 0
fi

mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

if [ -e "$dir/.done" ]; then
	echo "$tree"
	exit 0
fi

jobs=$(($(nproc) + 1))
start=$(date +%s)
if [ ! -e "$dir/.unpacked" ]; then
	log "unpacking $(basename "$tarball") ($srcver)"
	rm -rf "$tree" "$dir/tmp"
	mkdir -p "$dir/tmp"
	tar -C "$dir/tmp" -xf "$tarball"
	mv "$dir/tmp"/linux-source-6.12 "$tree"
	rmdir "$dir/tmp"
	touch "$dir/.unpacked"
fi

# Later fragments override earlier ones.
fragment="$dir/config.fragment"
cat "${fragments[@]}" >"$fragment"
log "configuring the $flavour (allnoconfig + $(basename -a "${fragments[@]}" | tr '\n' ' ' | sed 's/ $//'))"
make -C "$tree" -s KCONFIG_ALLCONFIG="$fragment" allnoconfig >/dev/null

# Kconfig silently drops an option whose dependencies are not met: check that
# every line of the fragment made it into .config.
bad=0
while IFS= read -r line; do
	# A line a later fragment overrides is not expected to stick.
	[ "$(grep -c "^${line%%=*}=" "$fragment")" -le 1 ] ||
		[ "$(grep "^${line%%=*}=" "$fragment" | tail -n1)" = "$line" ] || continue
	case "$line" in
	CONFIG_*=n) opt=${line%%=*}
		grep -qx "# $opt is not set" "$tree/.config" ||
			! grep -q "^$opt=" "$tree/.config" || { log "kconfig: $line did not stick"; bad=1; } ;;
	CONFIG_*) grep -qx "$line" "$tree/.config" || { log "kconfig: $line did not stick"; bad=1; } ;;
	esac
done <"$fragment"
[ $bad -eq 0 ] || die "the debug kernel config is incomplete (see above)"

log "building the $flavour with -j$jobs (about 10 minutes on 2 cores, once per machine)"
if ! make -C "$tree" -j"$jobs" -s bzImage modules >"$dir/build.log" 2>&1; then
	tail -n 40 "$dir/build.log" >&2
	die "debug kernel build failed; full log: $dir/build.log"
fi
echo $(($(date +%s) - start)) >"$dir/build-seconds"
touch "$dir/.done"
log "$flavour built in $(cat "$dir/build-seconds") s"
# Builds for other sources or configs are superseded: free their space.
for old in "$SYNCSOCK_CACHE/$flavour"/*/; do
	[ "${old%/}" = "$dir" ] || rm -rf "${old%/}"
done
echo "$tree"
