#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb, tested: the two packages built by Debian's tooling and lintian
# clean (scripts/deb.sh); the tools package unpacked into a scratch tree
# (dpkg -x) and its programs run from there; the module source of the dkms
# package built by DKMS against each kernel tree given, in a DKMS tree and
# source tree of its own (the host's /var/lib/dkms and /usr/src are left
# alone).
#
#   tests/install/check_deb.sh OUT KDIR...
#
# One line per check: "##CHECK NAME ok|not-ok DETAIL"; the exit status is
# the number of checks that failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:?usage: check_deb.sh OUT KDIR...}
shift
failed=0
say() {	# NAME ok|not-ok DETAIL
	echo "##CHECK $1 $2 $3"
	[ "$2" = ok ] || failed=$((failed + 1))
}

rm -rf "$out"
mkdir -p "$out"
if ! "$top/scripts/deb.sh" "$out/deb" >"$out/deb.log" 2>&1; then
	tail -n 30 "$out/deb.log"
	say build not-ok "make deb failed: see $out/deb.log"
	exit 1
fi
version=$(cd "$top" && dpkg-parsechangelog -S Version)
tools=$(ls "$out"/deb/syncsock-tools_"$version"_*.deb)
dkms_deb=$out/deb/syncsock-dkms_"$version"_all.deb
say build ok "$(basename "$dkms_deb") and $(basename "$tools"), lintian clean ($(grep -c '^[IP]:' "$out/deb/lintian.log") info tags)"

# The tools, unpacked: they run from there, with what the package holds.
root=$out/tools
dpkg -x "$tools" "$root"
lib=$(dirname "$(ls "$root"/usr/lib/*/libsyncsock.so.0)")
if h1=$("$root/usr/sbin/syncsockctl" --help 2>&1) && [[ $h1 == *"Usage: syncsockctl"* ]] &&
	h2=$("$root/usr/bin/syncsock-bench" help 2>&1) && [[ $h2 == *"syncsock-bench run"* ]] &&
	h3=$("$root/usr/sbin/syncsock-trace" --help 2>&1) && [[ $h3 == *"Usage: syncsock-trace"* ]] &&
	[ -e "$root/usr/share/man/man8/syncsockctl.8.gz" ] &&
	[ -e "$root/usr/share/bash-completion/completions/syncsockctl" ] &&
	[ -e "$lib/pkgconfig/syncsock.pc" ] && [ -e "$lib/cmake/syncsock/syncsockConfig.cmake" ]; then
	say tools-unpacked ok "syncsockctl --help, syncsock-bench help and syncsock-trace --help from dpkg -x; man pages, completions, library files there"
else
	say tools-unpacked not-ok "a program did not run from the unpacked package, or a file is missing"
fi

# The dkms package's source, built by DKMS for each kernel.
src=$out/dkms-src
dpkg -x "$dkms_deb" "$src"
for kdir in "$@"; do
	krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
	tree=$out/dkms-tree-$krel
	mkdir -p "$tree"
	log=$out/dkms-$krel.log
	if dkms add -m syncsock -v "$version" --dkmstree "$tree" --sourcetree "$src/usr/src" >"$log" 2>&1 &&
		dkms build -m syncsock -v "$version" -k "$krel" --kernelsourcedir "$kdir" \
			--dkmstree "$tree" --sourcetree "$src/usr/src" >>"$log" 2>&1 &&
		ko=$(find "$tree/syncsock/$version/$krel" -name 'syncsock.ko*' -print -quit) && [ -n "$ko" ] &&
		modinfo -F vermagic "$ko" | grep -q "^$krel "; then
		say "dkms-$krel" ok "dkms build: $(basename "$ko") for $krel"
	else
		tail -n 20 "$log"
		say "dkms-$krel" not-ok "dkms build failed: see $log"
	fi
done
exit "$failed"
