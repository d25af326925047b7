# SPDX-License-Identifier: GPL-2.0
# Shared helpers for syncsock's scripts.  Source it; do not run it.

SYNCSOCK_CACHE=${SYNCSOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/syncsock}

log() { printf '\033[1m[syncsock]\033[0m %s\n' "$*" >&2; }
die() { printf 'syncsock: error: %s\n' "$*" >&2; exit 1; }

# kernel_release KERNEL: the newest Debian kernel release of a matrix kernel,
# read from the meta package's dependency in the apt cache:
#   6.1    the cloud flavour of 6.1, e.g. 6.1.0-57-cloud-amd64
#   6.12   the cloud flavour of 6.12, e.g. 6.12.118+deb12-cloud-amd64
#   rt     the PREEMPT_RT flavour of 6.12, e.g. 6.12.118+deb12-rt-amd64
kernel_release() {
	local meta series flavour
	case "$1" in
	6.1) meta=linux-image-cloud-amd64 series=6.1 flavour=cloud-amd64 ;;
	6.12) meta=linux-image-6.12-cloud-amd64 series=6.12 flavour=cloud-amd64 ;;
	rt) meta=linux-image-6.12-rt-amd64 series=6.12 flavour=rt-amd64 ;;
	*) die "unknown kernel '$1' (use 6.1, 6.12 or rt)" ;;
	esac
	local dep
	dep=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n "s/^ *Depends: linux-image-\\(.*-$flavour\\)\\(-unsigned\\)\\{0,1\\}\$/\\1/p" |
		head -n1)
	[ -n "$dep" ] || return 1
	# 6.1 releases are named 6.1.0-N, 6.12 ones 6.12.N+debM.
	case "$dep" in
	"$series".*) ;;
	*) return 1 ;;
	esac
	printf '%s\n' "$dep"
}
