#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module loads, registers its built-in handlers, serves one echo
# exchange, and unloads; ten times over.
. /tests/lib.sh

for i in 1 2 3 4 5 6 7 8 9 10; do
	ssk_load
	grep -q '^echo ' "$SSK_DBG/handlers" || fail "echo handler not registered"
	grep -q '^discard ' "$SSK_DBG/handlers" || fail "discard handler not registered"
	id=$(ssk_add addr=127.0.0.1 port=7100 handler=echo) || fail "listener add"
	[ -n "$id" ] || fail "listener not listed"
	got=$(echo "round $i" | nc -w 3 127.0.0.1 7100)
	[ "$got" = "round $i" ] || fail "echo returned '$got'"
	ssk_unload
	[ ! -d "$SSK_DBG" ] || fail "debugfs directory left behind"
done
echo "10 load/serve/unload cycles"
