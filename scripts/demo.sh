#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a stock Debian 6.12 guest, load syncsock.ko, add an echo
# listener, talk to it, and show that the handler ran in softirq.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/guest-env.sh"

log "preparing the guest (first run: downloads the kernel, builds the module)"
guest_prepare 6.12
out="${BUILD:-$(dirname "$here")/build}/demo"
python3 "$here/vm.py" "${VM_ARGS[@]}" --log-dir "$out" --timeout 300 --cmd '
. /tests/lib.sh
set -e
echo "== insmod syncsock.ko"
ssk_load
echo "== handlers registered"
cat $SSK_DBG/handlers
echo "== add an echo listener on 127.0.0.1:7000"
id=$(ssk_add addr=127.0.0.1 port=7000 handler=echo)
cat $SSK_DBG/listeners
echo "== 3 clients talk to it"
for i in 1 2 3; do echo "hello from client $i" | nc -w 3 127.0.0.1 7000; done
sleep 1
echo "== where the work ran"
for c in accepted closed rx_bytes rx_softirq rx_deferred tx_inline_softirq_bytes tx_queued_bytes work_runs; do
	printf "  %-26s %s\n" $c $(ssk_stat $id $c)
done
echo "== rmmod syncsock"
ssk_unload
echo "demo finished"
'
log "console and output of the guest: $out/"
