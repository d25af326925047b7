# SPDX-License-Identifier: GPL-2.0
# Helpers for in-guest test scripts: . /tests/lib.sh
#
# Tests exit 0 on success, 77 to skip (say why first), anything else fails.
# The control plane is syncsockctl (in /tests/bin) on /dev/syncsock.

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

ssk_load() {
	grep -q '^syncsock ' /proc/modules || insmod /modules/syncsock.ko "$@" ||
		fail "insmod syncsock.ko"
}

ssk_unload() {
	rmmod syncsock || fail "rmmod syncsock"
}

# ssk_rmmod_wait MODULE [SECONDS]: unload MODULE, trying again while it is
# in use (listeners of namespaces that a test left are closed when the kernel
# dismantles them, asynchronously) for SECONDS (60) at most.
ssk_rmmod_wait() {
	_left=${2:-60}
	until rmmod "$1" 2>/dev/null; do
		if [ "$_left" -le 0 ]; then
			echo "FAIL: $1 still in use after ${2:-60} s:"
			syncsockctl -j listener list 2>&1 | head -c 2000
			return 1
		fi
		_left=$((_left - 1))
		sleep 1
	done
}

# ssk_add addr=A port=P handler=H [backlog=N] [max_conns=N] [txq_limit=N]
#         [close_timeout_ms=N] [config=STRING]: add a listener with
# syncsockctl and print its id.
ssk_add() {
	local addr= port= args=
	for kv in "$@"; do
		case "$kv" in
		addr=*) addr=${kv#addr=} ;;
		port=*) port=${kv#port=} ;;
		handler=*) args="$args handler ${kv#handler=}" ;;
		backlog=*) args="$args backlog ${kv#backlog=}" ;;
		max_conns=*) args="$args max-conns ${kv#max_conns=}" ;;
		txq_limit=*) args="$args txq-limit ${kv#txq_limit=}" ;;
		close_timeout_ms=*) args="$args close-timeout ${kv#close_timeout_ms=}" ;;
		*) echo "ssk_add: unknown argument '$kv'" >&2; return 1 ;;
		esac
	done
	case "$addr" in
	*:*) addr="[$addr]" ;;
	esac
	# shellcheck disable=SC2086 # the words of $args are separate arguments
	syncsockctl listener add "$addr:$port" $args
}

# ssk_del ID [abort]
ssk_del() { syncsockctl listener del "$@"; }
