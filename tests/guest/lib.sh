# SPDX-License-Identifier: GPL-2.0
# Helpers for in-guest test scripts: . /tests/lib.sh
#
# Tests exit 0 on success, 77 to skip (say why first), anything else fails.

SSK_DBG=/sys/kernel/debug/syncsock

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

ssk_load() {
	grep -q '^syncsock ' /proc/modules || insmod /modules/syncsock.ko "$@" ||
		fail "insmod syncsock.ko"
}

ssk_unload() {
	rmmod syncsock || fail "rmmod syncsock"
}

# ssk_add KEY=VALUE...: add a listener (debugfs control), print its id.
ssk_add() {
	echo "add $*" >"$SSK_DBG/control" || return 1
	local port addr
	for kv in "$@"; do
		case "$kv" in
		port=*) port=${kv#port=} ;;
		addr=*) addr=${kv#addr=} ;;
		esac
	done
	sed -n "s/^id=\([0-9]*\) state=listening .* addr=$addr port=$port .*/\1/p" \
		"$SSK_DBG/listeners" | tail -n1
}

ssk_del() { echo "del id=$*" >"$SSK_DBG/control"; }

# ssk_stat ID NAME: a listener's counter summed over CPUs ("module" for all).
ssk_stat() {
	local scope="listener=$1"
	[ "$1" = module ] && scope=module
	sed -n "s/^$scope cpu=all.* $2=\([0-9]*\).*/\1/p" "$SSK_DBG/stats"
}
