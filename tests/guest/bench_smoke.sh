#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# syncsock-bench in the guest, briefly: every path (the kernel one through an
# echo listener added with syncsockctl; blocking, epoll, io_uring and spin
# in user space) completes a short run in which the client checks every
# echoed byte; sockperf and wrk run against the kernel sockperf and http
# handlers and their user-space peers and their output is understood; an
# open-loop run at a fixed rate completes; the proxy paths (syncsock's
# proxy, HAProxy, nginx, the bench's relay) complete a short run each; the
# JSON written is valid (schema syncsock-bench/1).  Figures are not judged
# here: see Documentation/benchmarks.md.
. /tests/lib.sh
command -v syncsock-bench >/dev/null || fail "syncsock-bench is not in /tests/bin"
ssk_load
id=$(syncsockctl listener add 127.0.0.1:7300 handler echo backlog 1024) ||
	fail "syncsockctl listener add 127.0.0.1:7300 handler echo"

# The debug kernel is ~30x slower: seconds there too, not minutes.
if [ "$ssk_kernel" = debug ]; then
	set -- --conns 1 --sizes 64 --duration 0.3 --warmup 0.2 --wrk-conns 1
else
	set -- --conns 1,32 --sizes 64,4k --duration 0.5 --warmup 0.2 --wrk-conns 1,16
fi
syncsock-bench run --quiet --paths all --kernel-port 7300 --port 7310 "$@" \
	--sockperf --wrk --ext-duration 1 --json /tmp/bench.json ||
	fail "syncsock-bench run failed (a path did not complete or a byte came back wrong)"
syncsock-bench validate --strict --require-paths all /tmp/bench.json ||
	fail "the result file is not valid"
# Open loop at a fixed rate (latency from when each message was due).
syncsock-bench run --quiet --paths kernel,epoll --kernel-port 7300 --port 7310 --conns 8 \
	--sizes 64 --rate 2000 --duration 0.5 --warmup 0.2 --json /tmp/open.json ||
	fail "the open-loop run failed"
syncsock-bench validate --strict --require-paths kernel,epoll /tmp/open.json ||
	fail "the open-loop result file is not valid"
grep -q '"mode": "open"' /tmp/open.json || fail "the open-loop runs are not marked open"
# The proxy paths: syncsock's proxy handler, HAProxy, nginx stream and the
# bench's epoll relay, each relaying to the bench's epoll echo, every byte
# checked; the kernel proxy's forwards are in the result.
if [ "$ssk_kernel" = debug ]; then
	set -- --conns 1 --sizes 64 --duration 0.3 --warmup 0.2
else
	set -- --conns 1,32 --sizes 64,4k --duration 0.5 --warmup 0.2
fi
syncsock-bench run --quiet --paths proxies --port 7410 "$@" --json /tmp/proxy.json ||
	fail "syncsock-bench run --paths proxies failed"
syncsock-bench validate --strict --require-paths proxies /tmp/proxy.json ||
	fail "the proxy result file is not valid"
grep -q '"fwd_inline"' /tmp/proxy.json || fail "the proxy runs have no forward counters"
syncsock-bench table /tmp/proxy.json | grep -q 'through a proxy to one backend' ||
	fail "the table has no proxy cells"
# The kernel path really served the echo runs: the listener counted them.
n=$(syncsockctl -j stats "$id" | sed -n 's/.*"rx_bytes":\([0-9]*\).*/\1/p')
[ "${n:-0}" -gt 0 ] || fail "the syncsockctl listener saw no bytes"
echo "bench smoke: every path ran, $n bytes through the kernel listener"
