#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything syncsock needs, from Debian packages only.
# Idempotent and quick when everything is already there: it only calls
# apt-get when a package is missing.
#
#   scripts/deps.sh          host tools and libraries
#
# Kernel images and headers are never installed here: scripts/kernels.sh
# downloads and unpacks them into the cache, because installing one would
# touch the host's /boot (Debian's 6.12 headers depend on their image).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

pkgs=(
	build-essential gcc-multilib g++-multilib bc bison flex cpio xz-utils zstd kmod file
	libelf-dev libssl-dev dwarves sparse
	qemu-system-x86 busybox-static
	clang llvm libbpf-dev bpftool pkg-config
	cmake catch2 liburing-dev nlohmann-json3-dev libcli11-dev
	sockperf wrk iperf3 curl iproute2 gnuplot-nox python3-docutils bash-completion
	haproxy nginx libnginx-mod-stream
	debhelper dh-dkms dkms lintian fakeroot dpkg-dev
	linux-source-6.12
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	log "apt-get update"
	apt-get update -qq
	apt_updated=1
}

if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	log "installing ${missing[*]}"
	# haproxy and nginx are only run by the benchmark, in guests: their
	# packages must not start them as services on this host.
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		trap 'rm -f "$policy"' EXIT
		printf '#!/bin/sh\n# syncsock scripts/deps.sh: no service starts while it installs\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
	# Nor at the next boot: the services this installed stay off.
	for svc in haproxy nginx; do
		case " ${missing[*]} " in *" $svc "*)
			if command -v systemctl >/dev/null; then
				systemctl disable --quiet "$svc" 2>/dev/null || true
			fi ;;
		esac
	done
fi

# The stock kernels of the matrix (scripts/kernels.sh fetches them) must be
# known to apt.  Versions come from the archive's meta packages, so a Debian
# security update moves them along.
for series in 6.1 6.12 rt; do
	if ! kernel_release "$series" >/dev/null 2>&1; then
		apt_update
		kernel_release "$series" >/dev/null ||
			die "the Debian archive has no '$series' kernel (scripts/lib.sh)"
	fi
done
exit 0
