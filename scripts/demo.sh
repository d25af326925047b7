#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a stock Debian 6.12 guest, load syncsock.ko, add an echo
# listener with syncsockctl, run a short comparison of every server path
# (the kernel one against blocking, epoll, io_uring and spin servers in user
# space, then sockperf and wrk), print the table, and say where the JSON and
# the plots are.  A few minutes on 2 cores under TCG (the first run also
# installs the Debian packages, downloads the kernel and builds); the full
# matrix is make bench.  Non-interactive.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/bench.sh"	# bench_prepare, bench_guest

start=$(date +%s)
log "preparing: Debian packages, the stock 6.12 kernel, syncsock.ko, syncsockctl, syncsock-bench"
bench_prepare
out="$SSB_BUILD/demo"
mkdir -p "$out"
rm -rf "$out/plots" "$out/bench.json"
others=$(pgrep -c qemu-system || true)
note="host $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, $others other QEMU guest(s) running"
[ "$others" -eq 0 ] || log "warning: $others other QEMU guest(s) running: the figures will be noisy"

log "booting the guest ($KREL, 2 vCPUs, TCG); its output follows"
bench_guest "$out" bench 600 '
. /tests/lib.sh
set -e
echo "== insmod syncsock.ko"
ssk_load
echo "== syncsockctl listener add 127.0.0.1:7000 handler echo backlog 4096"
id=$(syncsockctl listener add 127.0.0.1:7000 handler echo backlog 4096)
syncsockctl listener list
echo "== syncsock-bench: the same echo served by each path, then sockperf and wrk"
syncsock-bench run --kernel-port 7000 --conns 1,64 --sizes 64 --duration 2 --warmup 0.5 \
	--sockperf --wrk --wrk-conns 64 --ext-duration 2 --json /tmp/bench.json \
	--label "make demo; '"$note"'"
echo "== where the kernel path ran (listener $id): softirq, not process context"
syncsockctl stats "$id" | grep -E "^(COUNTER|accepted|rx_softirq|rx_process|rx_deferred|tx_inline_softirq_bytes|tx_queued_bytes|work_runs) "
echo "##SSB-JSON-BEGIN"
cat /tmp/bench.json
echo "##SSB-JSON-END"
syncsockctl listener del "$id"
ssk_unload
echo "demo finished"
' --smp 2 --mem 2G || die "the demo guest failed; its console and output are in $out/bench/"

[ -s "$out/bench.json" ] || die "the guest printed no results: see $out/bench/tests.log"
"$SSB_BIN" validate "$out/bench.json" >/dev/null ||
	die "the guest's results did not come back whole: see $out/bench/tests.log"
log "results (schema syncsock-bench/1): $out/bench.json"
log "the table again: $SSB_BIN table $out/bench.json"
if plots=$("$SSB_BIN" plot -o "$out/plots" "$out/bench.json"); then
	for p in $plots; do log "plot: $p"; done
else
	log "gnuplot failed; the data is in $out/bench.json"
fi
log "console and output of the guest: $out/bench/"
log "make demo took $(( $(date +%s) - start )) s; the full matrix is make bench (Documentation/benchmarks.md)"
