#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A syncsockctl session as an operator would type it, compared byte for byte
# with tests/guest/cli_session.expected.  Run with SSK_RECORD=1 to print the
# transcript instead (to review it, then update the expected file).
. /tests/lib.sh

run() {
	echo "\$ $*"
	"$@" 2>&1
	echo "[exit $?]"
}

# Wait until listener $1 has counted $2 connections closed.
wait_closed() {
	i=0
	while [ $i -lt 100 ]; do
		syncsockctl -j stats "$1" | grep -q "\"closed\":$2[,}]" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "listener $1 never counted $2 closed"
	return 1
}

transcript() {
	run syncsockctl listener list
	insmod /modules/syncsock.ko || return 1
	run syncsockctl handler list
	run syncsockctl listener add 127.0.0.1:7400 handler echo
	run syncsockctl listener add '[::1]:7401' handler discard txq-limit 64k max-conns 100
	run syncsockctl listener list
	echo '$ echo "hello, syncsock" | nc 127.0.0.1 7400'
	echo "hello, syncsock" | nc -w 3 127.0.0.1 7400
	wait_closed 1 1
	run syncsockctl -j listener show 2
	run syncsockctl listener add 127.0.0.1:7400 handler echo
	run syncsockctl listener add 127.0.0.1:7402 handler nope
	run syncsockctl listener add 192.0.2.1:7402 handler echo
	run syncsockctl listener add 127.0.0.1:7402 handler discard config x=1
	run syncsockctl listener add 127.0.0.1 handler echo
	run syncsockctl listener del 99
	run syncsockctl listener frob
	run syncsockctl listener del 2 abort
	run syncsockctl -j listener list
	run syncsockctl listener del 1
	rmmod syncsock
	run syncsockctl listener list
	run syncsockctl -j version
}

if [ -n "$SSK_RECORD" ]; then
	transcript
	exit 0
fi
transcript >/tmp/cli_session.out 2>&1
# The CLI version is the one thing allowed to differ.
if diff -u /tests/cli_session.expected /tmp/cli_session.out; then
	echo "the session matches cli_session.expected ($(wc -l </tmp/cli_session.out) lines)"
else
	fail "syncsockctl output differs from cli_session.expected (diff above)"
fi
