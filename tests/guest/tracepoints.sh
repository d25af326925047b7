#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The syncsock tracepoints are in tracefs with their documented fields, and
# one echo exchange fires accept, rx (in softirq), tx (inline) and close
# (peer_fin), in that order, for the same socket.
. /tests/lib.sh

T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs tracefs $T 2>/dev/null
[ -d $T/events ] || skip "no tracefs in this kernel"
ssk_load
E=$T/events/syncsock
for ev in syncsock_accept syncsock_rx syncsock_tx syncsock_txq_full syncsock_close; do
	[ -f $E/$ev/format ] || fail "event $ev missing from tracefs"
done
check_fields() {
	ev=$1
	shift
	for f in "$@"; do
		grep -q "field:.* $f;" $E/$ev/format || fail "$ev has no field $f"
	done
}
check_fields syncsock_accept skaddr listener family sport dport
check_fields syncsock_rx skaddr listener seq bytes softirq
check_fields syncsock_tx skaddr listener bytes queued
check_fields syncsock_txq_full skaddr listener bytes queued limit
check_fields syncsock_close skaddr listener reason abort

syncsockctl listener add 127.0.0.1:7600 handler echo >/dev/null || fail "listener add"
echo 0 >$T/tracing_on
echo >$T/trace
echo 1 >$E/enable
echo 1 >$T/tracing_on
# The data comes after the accept work has made the connection ours: data
# that arrives before that is delivered by its first process-context pass.
got=$( (sleep 1; echo "traced bytes") | nc -w 5 127.0.0.1 7600)
[ "$got" = "traced bytes" ] || fail "echo returned '$got'"
i=0
while ! grep -q syncsock_close $T/trace && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo 0 >$T/tracing_on
echo 0 >$E/enable
grep syncsock_ $T/trace | sed 's/^ *//'

events=$(grep -o 'syncsock_[a-z_]*:' $T/trace | tr -d ':' | uniq | tr '\n' ' ')
[ "$events" = "syncsock_accept syncsock_rx syncsock_tx syncsock_close " ] ||
	fail "events in order: '$events'"
grep -q 'syncsock_rx:.* bytes=13 context=softirq' $T/trace ||
	fail "the 13 bytes were not delivered in softirq"
grep -q 'syncsock_tx:.* bytes=13 path=inline' $T/trace || fail "no inline send of 13 bytes"
grep -q 'syncsock_close:.* reason=0 abort=0' $T/trace || fail "close not peer_fin"
sk=$(sed -n 's/.*syncsock_accept: skaddr=\([^ ]*\).*/\1/p' $T/trace)
[ "$(grep -c "skaddr=$sk " $T/trace)" -ge 4 ] || fail "events are not all for socket $sk"
echo "tracepoints fire for accept, rx (softirq), tx (inline), close (peer_fin)"
