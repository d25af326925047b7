#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve the guest kernels of the test matrix and print, for one of them,
# shell assignments the other scripts eval:
#
#   scripts/kernels.sh 6.1|6.12|rt|debug|debug-rt
#
#   6.1, 6.12   Debian's cloud kernels
#   rt          Debian's PREEMPT_RT kernel of the 6.12 series (-rt-amd64)
#   debug       the debug kernel built by scripts/debug-kernel.sh
#   debug-rt    the same with PREEMPT_RT (scripts/debug-kernel.sh --rt)
#
#   KREL=...     the kernel release (uname -r in the guest)
#   KIMAGE=...   the bzImage QEMU boots
#   KDIR=...     the tree syncsock.ko is built against
#   KMODDIR=...  the kernel's own modules (empty for the debug kernel)
#
# Stock Debian images and headers are downloaded with apt-get download and
# unpacked into $SYNCSOCK_CACHE/stock/<release>/, never installed: the 6.12
# headers package depends on its image, so installing it would put a kernel
# into the host's /boot (and make it the default one).  Image and headers are
# the same release, so vermagic matches.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# fetch_unpack ROOT PKG...: apt-get download the packages and unpack them
# all into ROOT.
fetch_unpack() {
	local root=$1 dl deb
	shift
	log "downloading $*"
	dl=$(mktemp -d)
	chown _apt "$dl" 2>/dev/null || chmod 0777 "$dl"
	(cd "$dl" && apt-get download -qq "$@" >/dev/null) ||
		{ rm -rf "$dl"; die "apt-get download $* failed"; }
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$dl"
}

which=${1:-}
case "$which" in
6.1|6.12|rt)
	rel=$(kernel_release "$which") ||
		die "cannot resolve the $which kernel from the apt cache: run scripts/deps.sh"
	dir="$SYNCSOCK_CACHE/stock/$rel"
	kdir=$dir/headers/usr/src/linux-headers-$rel
	mkdir -p "$dir"
	if [ ! -e "$dir/.headers-done" ] || [ ! -e "$dir/.done" ]; then
		exec 9>"$dir/.lock"
		flock 9
	fi
	if [ ! -e "$dir/.headers-done" ]; then
		# The arch package, the common one and the kbuild tools.
		rm -rf "$dir/headers"
		fetch_unpack "$dir/headers" "linux-headers-$rel" \
			$(apt-cache depends "linux-headers-$rel" |
			  sed -n 's/^ *Depends: \(linux-\(headers-.*-common\(-rt\)\{0,1\}\|kbuild-.*\)\)$/\1/p')
		# The arch tree includes the common one by its installed path;
		# its other links (scripts, tools) are relative.
		sed -i "s|^include /usr/src/|include $dir/headers/usr/src/|" "$kdir/Makefile"
		[ -e "$kdir/scripts/basic/fixdep" ] ||
			die "$kdir: the kbuild tools did not unpack"
		touch "$dir/.headers-done"
	fi
	if [ ! -e "$dir/.done" ]; then
		tmp=$(mktemp -d)
		trap 'rm -rf "$tmp"' EXIT
		pkg=linux-image-$rel
		apt-cache show "$pkg" >/dev/null 2>&1 || pkg=$pkg-unsigned
		fetch_unpack "$tmp/root" "$pkg"
		rm -rf "$dir/modules"
		cp "$tmp/root/boot/vmlinuz-$rel" "$dir/vmlinuz"
		mv "$tmp/root/lib/modules/$rel" "$dir/modules"
		# The package leaves modules.dep to its postinst.
		mkdir -p "$tmp/dm/lib/modules"
		ln -s "$dir/modules" "$tmp/dm/lib/modules/$rel"
		depmod -b "$tmp/dm" "$rel"
		touch "$dir/.done"
	fi
	printf 'KREL=%q\nKIMAGE=%q\nKDIR=%q\nKMODDIR=%q\n' \
		"$rel" "$dir/vmlinuz" "$kdir" "$dir/modules"
	;;
debug|debug-rt)
	if [ "$which" = debug-rt ]; then
		tree=$("$here/debug-kernel.sh" --rt)
	else
		tree=$("$here/debug-kernel.sh")
	fi
	rel=$(cat "$tree/include/config/kernel.release")
	printf 'KREL=%q\nKIMAGE=%q\nKDIR=%q\nKMODDIR=\n' \
		"$rel" "$tree/arch/x86/boot/bzImage" "$tree"
	;;
*)
	die "usage: scripts/kernels.sh 6.1|6.12|rt|debug|debug-rt"
	;;
esac
