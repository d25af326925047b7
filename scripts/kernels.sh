#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Resolve the guest kernels of the test matrix and print, for one of them,
# shell assignments the other scripts eval:
#
#   scripts/kernels.sh 6.1|6.12|debug
#
#   KREL=...     the kernel release (uname -r in the guest)
#   KIMAGE=...   the bzImage QEMU boots
#   KDIR=...     the tree syncsock.ko is built against
#   KMODDIR=...  the kernel's own modules (empty for the debug kernel)
#
# Stock Debian images are downloaded with apt-get download and unpacked into
# $SYNCSOCK_CACHE/stock/<release>/, never installed into the host's /boot.
# Image and headers are the same release, so vermagic matches.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

which=${1:-}
case "$which" in
6.1|6.12)
	rel=$(kernel_release "$which") ||
		die "cannot resolve the $which kernel from the apt cache: run scripts/deps.sh"
	kdir=/usr/src/linux-headers-$rel
	[ -e "$kdir/Makefile" ] || die "$kdir is missing: run scripts/deps.sh"
	dir="$SYNCSOCK_CACHE/stock/$rel"
	if [ ! -e "$dir/.done" ]; then
		mkdir -p "$dir"
		exec 9>"$dir/.lock"
		flock 9
		if [ ! -e "$dir/.done" ]; then
			log "downloading linux-image-$rel"
			tmp=$(mktemp -d)
			chown _apt "$tmp" 2>/dev/null || chmod 0777 "$tmp"
			trap 'rm -rf "$tmp"' EXIT
			pkg=linux-image-$rel
			apt-cache show "$pkg" >/dev/null 2>&1 || pkg=$pkg-unsigned
			(cd "$tmp" && apt-get download -qq "$pkg" >/dev/null) ||
				die "apt-get download $pkg failed"
			dpkg-deb -x "$tmp"/*.deb "$tmp/root"
			rm -rf "$dir/modules"
			cp "$tmp/root/boot/vmlinuz-$rel" "$dir/vmlinuz"
			mv "$tmp/root/lib/modules/$rel" "$dir/modules"
			# The package leaves modules.dep to its postinst.
			mkdir -p "$tmp/dm/lib/modules"
			ln -s "$dir/modules" "$tmp/dm/lib/modules/$rel"
			depmod -b "$tmp/dm" "$rel"
			touch "$dir/.done"
		fi
	fi
	printf 'KREL=%q\nKIMAGE=%q\nKDIR=%q\nKMODDIR=%q\n' \
		"$rel" "$dir/vmlinuz" "$kdir" "$dir/modules"
	;;
debug)
	tree=$("$here/debug-kernel.sh")
	rel=$(cat "$tree/include/config/kernel.release")
	printf 'KREL=%q\nKIMAGE=%q\nKDIR=%q\nKMODDIR=\n' \
		"$rel" "$tree/arch/x86/boot/bzImage" "$tree"
	;;
*)
	die "usage: scripts/kernels.sh 6.1|6.12|debug"
	;;
esac
