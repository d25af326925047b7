# SPDX-License-Identifier: GPL-2.0
# Shared helpers for syncsock's scripts.  Source it; do not run it.

SYNCSOCK_CACHE=${SYNCSOCK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/syncsock}

log() { printf '\033[1m[syncsock]\033[0m %s\n' "$*" >&2; }
die() { printf 'syncsock: error: %s\n' "$*" >&2; exit 1; }

# kernel_release SERIES: the newest Debian cloud kernel release of a series
# ("6.1" or "6.12"), e.g. 6.1.0-56-cloud-amd64, read from the meta package's
# dependency in the apt cache.
kernel_release() {
	local meta
	case "$1" in
	6.1) meta=linux-image-cloud-amd64 ;;
	6.12) meta=linux-image-6.12-cloud-amd64 ;;
	*) die "unknown kernel series '$1' (use 6.1 or 6.12)" ;;
	esac
	local dep
	dep=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(.*-cloud-amd64\)\(-unsigned\)\{0,1\}$/\1/p' |
		head -n1)
	[ -n "$dep" ] || return 1
	# 6.1 releases are named 6.1.0-N, 6.12 ones 6.12.N+debM.
	case "$dep" in
	"$1".*) ;;
	*) return 1 ;;
	esac
	printf '%s\n' "$dep"
}
