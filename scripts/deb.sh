#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages, built by Debian's own tooling (debhelper,
# dh-dkms) from a copy of the tree, and checked by lintian.
#
#   scripts/deb.sh [OUT]
#
# OUT (default BUILD/deb, build/deb) gets syncsock-dkms_VERSION_all.deb
# (the module's source in /usr/src/syncsock-VERSION, registered with DKMS
# when installed) and syncsock-tools_VERSION_amd64.deb (libsyncsock, its
# headers, CMake and pkg-config files, syncsockctl, syncsock-bench,
# syncsock-trace, man pages, bash completions), and lintian.log.  Fails when
# the build does, or when lintian reports an error or a warning (overrides,
# each with its reason, are in debian/*.lintian-overrides).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

out=${1:-${BUILD:-$top/build}/deb}
"$here/deps.sh"
version=$(cd "$top" && dpkg-parsechangelog -S Version)
src="$out/build/syncsock-$version"
rm -rf "$out"
mkdir -p "$src"
# The tree as git sees it (tracked files and new ones it does not ignore), else
# everything but the build directory.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# (a tracked file deleted in the working tree is left out)
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 cp --parents -t "$src")
else
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) | (cd "$src" && tar -xf -)
fi
log "dpkg-buildpackage in $src (log: $out/build.log)"
# Two packages: no automatic -dbgsym one.
(cd "$src" && dpkg-checkbuilddeps &&
	DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b -J"$(nproc)") \
	>"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log"; die "dpkg-buildpackage failed (log: $out/build.log)"; }
mv "$out"/build/*.deb "$out"/build/*.changes "$out"/build/*.buildinfo "$out"/
debs=("$out"/syncsock-dkms_"$version"_all.deb "$out"/syncsock-tools_"$version"_*.deb)
for d in "${debs[@]}"; do
	[ -e "$d" ] || die "no $d after the build (log: $out/build.log)"
done
rm -rf "$out/build"
# Errors and warnings fail; info and pedantic tags are shown.
lintian --fail-on error,warning --display-info "${debs[@]}" >"$out/lintian.log" 2>&1 || {
	cat "$out/lintian.log"
	die "lintian: errors or warnings (log: $out/lintian.log)"
}
[ -s "$out/lintian.log" ] && sed 's/^/  lintian: /' "$out/lintian.log"
for d in "${debs[@]}"; do
	log "$d ($(du -h "$d" | cut -f1)), lintian clean"
done
