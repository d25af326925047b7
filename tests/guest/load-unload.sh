#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module loads, registers its built-in handlers, serves one echo
# exchange, and unloads; ten times over.  /dev/syncsock comes and goes
# with it.
. /tests/lib.sh

for i in 1 2 3 4 5 6 7 8 9 10; do
	ssk_load
	[ -c /dev/syncsock ] || fail "/dev/syncsock missing after insmod"
	handlers=$(syncsockctl handler list) || fail "handler list"
	for h in echo discard http sockperf; do
		echo "$handlers" | grep -q "^$h " || fail "$h handler not listed: $handlers"
	done
	id=$(ssk_add addr=127.0.0.1 port=7100 handler=echo) || fail "listener add"
	[ "$id" = 1 ] || fail "listener add printed '$id', not id 1"
	got=$(echo "round $i" | nc -w 3 127.0.0.1 7100)
	[ "$got" = "round $i" ] || fail "echo returned '$got'"
	ssk_unload
	[ ! -e /dev/syncsock ] || fail "/dev/syncsock left behind after rmmod"
done
echo "10 load/serve/unload cycles"
