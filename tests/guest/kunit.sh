#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load the KUnit module; print each suite's KTAP between markers the host
# hands to kunit.py parse; fail if any case failed.
. /tests/lib.sh

[ -d /sys/kernel/debug/kunit ] || skip "this kernel has no KUnit"
ssk_load
insmod /modules/syncsock_kunit.ko || fail "insmod syncsock_kunit.ko"
rc=0
for d in /sys/kernel/debug/kunit/syncsock_*; do
	[ -f "$d/results" ] || fail "no KUnit results in $d"
	echo "##SYNCSOCK ktap-begin ${d##*/}"
	cat "$d/results"
	echo "##SYNCSOCK ktap-end"
	grep -q '^[[:space:]]*not ok' "$d/results" && rc=1
done
rmmod syncsock_kunit
exit $rc
