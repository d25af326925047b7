#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the syncsock-bench matrix in stock Debian 6.12 guests, and the
# report.
#
#   scripts/bench.sh [--quick] [--duration SEC] [--guests LIST] [--trace]
#                    [--kernel 6.12|rt] [--out DIR]
#
# Guests (one boot each, results copied out of the guest as JSON):
#   split     the server on a CPU of its own: two 1-vCPU guests, each QEMU
#             on a host core of its own, joined by a virtio NIC (QEMU's
#             socket netdev over the host's loopback, 198.18.0.0/24 in the
#             guests).  The server guest runs syncsock-bench serve, the
#             client guest syncsock-bench run --server: every path at 64
#             and 1,000 connections, 64 B, depth 1 and 8, open loop at 50
#             and 90 % of each path's peak, churn (the accept rate), with
#             each side's CPU time on its own; then 10,000 connections
#             (split-10k.json), 4 KiB at 64 and 1,000 connections with the
#             open loop (split-4k.json) and at 10,000 (split-10k-4k.json),
#             the headline cells three times
#             (split-repeat.json) and fixed open-loop rates
#             (split-rates.json); then the proxies (split-proxy.json):
#             syncsock's proxy handler, HAProxy, nginx stream and the
#             bench's epoll relay on the server's vCPU, relaying to the
#             bench's epoll echo on the client's (the client and the
#             backend share it), at 1, 64 and 1,000 connections, 64 B and
#             4 KiB, each cell three times (the median and the spread)
#   smp2      2 vCPUs: every path at 1, 64, 1,000 and 10,000 connections,
#             64 B and 4 KiB messages; sockperf (64 B, 4 KiB) and wrk
#             (1, 64 and 1,000 connections)
#   smp1      the same on 1 vCPU (control: no cross-CPU wakeups at all)
#   idlepoll  2 vCPUs booted with idle=poll (control: an idle vCPU does not
#             halt, so waking it is not a host thread wakeup), 1 and 64
#             connections, 64 B
#   mem1g     a 1 GiB guest holding 10,000 connections on the kernel and
#             epoll paths (slab memory per connection, the module's own),
#             and running them
#   mem100k   a 4 GiB guest holding 100,000 connections, each answered once,
#             on the kernel and epoll paths (from several loopback client
#             addresses): memory per connection with pages (MemFree), the
#             module's own against epoll's
# Then, on the host: DIR/table.txt (the terminal table), DIR/report.md (the
# same in Markdown, with the conditions and the size of the module's
# per-connection structure from pahole) and DIR/plots/*.png (gnuplot).
# DIR is BUILD/bench (build/bench).
#
#   --duration SEC  measured seconds per run (default 3, after 1 s warm-up;
#                   sockperf and wrk runs take as long).  The default matrix
#                   took 11 minutes on 2 host cores under TCG.
#   --guests LIST   a subset of split,smp2,smp1,idlepoll,mem1g,mem100k
#                   (default: all)
#   --quick         1 and 64 connections, 64 B, 1 s runs (split: 64
#                   connections and churn at 32): a few minutes, to
#                   try the script
#   --split-files LIST  split: only these of its files (default: all):
#                   main (split.json), 10k, 4k, 10k-4k, repeat, rates,
#                   proxy (split-SUFFIX.json)
#   --kernel K      the guest kernel: 6.12 (default) or rt, Debian's 6.12
#                   PREEMPT_RT kernel (the same ratios, measured on RT)
#   --sysctl K=V    set this sysctl in every guest before it runs (a
#                   control: e.g. net.ipv4.tcp_autocorking=0); repeatable,
#                   recorded in each file's note
#   --append ARGS   split: these kernel parameters in both guests (a
#                   control: e.g. idle=poll), recorded in each file's note
#   --trace         syncsock-trace alongside each run (needs the tracer:
#                   built when the debug kernel exists); its figures are not
#                   comparable with untraced runs
# Run it on an otherwise idle machine: the host's load is recorded with the
# results, and other QEMU guests make the figures noisy.
#
# Sourced (by demo.sh), it only defines bench_prepare and bench_guest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# bench_prepare: what a benchmark guest needs, and only that (the test
# programs of make check are not built): deps, the stock 6.12 kernel,
# syncsock.ko, syncsockctl, syncsock-bench and syncsock-trace (where clang,
# bpftool and libbpf are: deps.sh installs them).  Sets VM_ARGS, KREL,
# SSB_BUILD (the build directory) and SSB_BIN (syncsock-bench on the host).
bench_prepare() {
	local top
	top=$(dirname "$here")
	SSB_BUILD=${BUILD:-$top/build}
	"$top/scripts/deps.sh"
	eval "$("$top/scripts/kernels.sh" "${SSB_KERNEL:-6.12}")"
	local kout="$SSB_BUILD/kmod/$KREL"
	mkdir -p "$SSB_BUILD/kmod"
	"$top/scripts/build-module.sh" "$KDIR" "$kout" >"$kout.log" 2>&1 ||
		{ tail -n 30 "$kout.log"; die "building syncsock.ko for $KREL failed (log: $kout.log)"; }
	local ulog="$SSB_BUILD/userspace-bench.log" targets=(syncsock-bench syncsockctl)
	cmake -S "$top/userspace" -B "$SSB_BUILD/userspace" -DSYNCSOCK_WERROR=ON >"$ulog" 2>&1 ||
		{ tail -n 30 "$ulog"; die "configuring the user-space programs failed (log: $ulog)"; }
	# syncsock-trace (run --trace) where clang, bpftool and libbpf are.
	grep -q 'syncsock-trace is not built' "$ulog" || targets+=(syncsock-trace)
	cmake --build "$SSB_BUILD/userspace" -j"$(nproc)" --target "${targets[@]}" >>"$ulog" 2>&1 ||
		{ tail -n 30 "$ulog"; die "building ${targets[*]} failed (log: $ulog)"; }
	SSB_BIN="$SSB_BUILD/userspace/guest-bin/syncsock-bench"
	VM_ARGS=(--kernel "${SSB_KERNEL:-6.12}" --module "$kout/module/syncsock.ko")
	local f
	# HAProxy and nginx (with its stream module): the proxy paths.
	for f in wrk sockperf haproxy nginx; do VM_ARGS+=(--host-tool "$f"); done
	VM_ARGS+=(--host-file /usr/lib/nginx/modules/ngx_stream_module.so)
	for f in "$top/tests/guest/lib.sh" "$top/tests/guest/bench_smoke.sh"; do
		VM_ARGS+=(--script "$f")
	done
	for f in "$SSB_BUILD/userspace/cli/syncsockctl" "$SSB_BIN" \
		"$SSB_BUILD/userspace/trace/syncsock-trace"; do
		[ -x "$f" ] && VM_ARGS+=(--bin "$f")
	done
	return 0
}

# bench_guest DIR NAME TIMEOUT COMMAND [vm.py args]: boot a guest (VM_ARGS of
# guest_prepare) that runs COMMAND, show its output as it comes, and cut
# the JSON it prints between ##SSB-JSON-BEGIN and ##SSB-JSON-END lines into
# DIR/NAME.json (DIR/NAME-SUFFIX.json after "##SSB-JSON-BEGIN SUFFIX").
# Fails if the guest did.
bench_guest() {
	local dir=$1 name=$2 timeout=$3 cmd=$4
	shift 4
	local log="$dir/$name"
	mkdir -p "$log"
	rm -f "$log/tests.log" "$dir/$name.json" "$dir/$name"-*.json
	python3 "$here/vm.py" "${VM_ARGS[@]}" "$@" --log-dir "$log" --timeout "$timeout" \
		--quiet --cmd "$cmd" >"$log/vm.log" 2>&1 &
	local vm=$! rc=0
	tail -n +1 -F --pid="$vm" "$log/tests.log" 2>/dev/null | tr -d '\r' |
		awk '/^##SSB-JSON-BEGIN/ { skip = 1; next } /^##SSB-JSON-END/ { skip = 0; next }
		     /^##SYNCSOCK/ { next } !skip { print "    | " $0; fflush() }' || true
	wait "$vm" || rc=$?
	grep -v '^ *|' "$log/vm.log" | sed 's/^/  /' >&2
	tr -d '\r' <"$log/tests.log" |
		awk -v base="$dir/$name" '
			/^##SSB-JSON-BEGIN/ { f = base ($2 != "" ? "-" $2 : "") ".json"; printf "" >f; p = 1; next }
			/^##SSB-JSON-END/ { p = 0; close(f); next }
			p { print >f }'
	[ -s "$dir/$name.json" ] || rm -f "$dir/$name.json"
	return "$rc"
}

# The guest side: load the module, add the echo listener with syncsockctl,
# run syncsock-bench with ARGS, print the JSON between the markers.
bench_guest_cmd() {
	cat <<GUEST
. /tests/lib.sh
set -e
$(sysctl_lines)
ssk_load
# max-conns: the mem100k guest holds 100,000 (the default is 65,536).
id=\$(syncsockctl listener add 127.0.0.1:7000 handler echo backlog 4096 max-conns 1000000)
echo "syncsock listener \$id: 127.0.0.1:7000 handler echo max-conns 1000000 (syncsockctl)"
syncsock-bench run --kernel-port 7000 $1 --json /tmp/bench.json --label "$2"
echo "##SSB-JSON-BEGIN"
cat /tmp/bench.json
echo "##SSB-JSON-END"
GUEST
}

# --sysctl's settings, as guest shell lines (sysctl(8) is not in the guest:
# /proc/sys).
sysctl_lines() {
	local kv
	local kv f
	for kv in ${SSB_SYSCTLS:-}; do
		f=/proc/sys/$(echo "${kv%%=*}" | tr . /)
		echo "[ -w $f ] || { echo '--sysctl ${kv%%=*}: no such sysctl in this guest' >&2; exit 1; }"
		echo "echo '${kv#*=}' >$f"
		echo "echo 'sysctl ${kv}'"
	done
}

# The two guests of the split set-up (bench_split).
split_server_cmd() {
	cat <<GUEST
. /tests/lib.sh
set -e
ip link set lo up
ip link set eth0 up
ip addr add 198.18.0.1/24 dev eth0
$(sysctl_lines)
ssk_load
syncsock-bench serve --listen 198.18.0.1:7099 --host 198.18.0.1 --cpus 0
GUEST
}

# split_client_cmd ARGS LABEL [SUFFIX=ARGS]...: the client guest runs
# syncsock-bench run --server with ARGS (none if empty), then with each
# further ARGS (their JSON goes to NAME-SUFFIX.json); the last run asks the
# server to exit.  A run that fails does not stop the next ones.
split_client_cmd() {
	local args=$1 label=$2 more
	shift 2
	cat <<GUEST
set -e
ip link set lo up
ip link set eth0 up
ip addr add 198.18.0.2/24 dev eth0
$(sysctl_lines)
rc=0
GUEST
	local runs=() i suffix exit
	[ -z "$args" ] || runs+=("=$args")
	runs+=("$@")
	for i in "${!runs[@]}"; do
		suffix=${runs[$i]%%=*} more=${runs[$i]#*=} exit=
		[ "$i" -eq $((${#runs[@]} - 1)) ] && exit=--server-exit
		cat <<GUEST
syncsock-bench run --server 198.18.0.1 --server-wait 120 $exit $more --json /tmp/bench$suffix.json --label "$label" || rc=1
if [ -s /tmp/bench$suffix.json ]; then
	echo "##SSB-JSON-BEGIN $suffix"
	cat /tmp/bench$suffix.json
	echo "##SSB-JSON-END"
fi
GUEST
	done
	echo 'exit $rc'
}

# bench_split DIR NAME TIMEOUT ARGS LABEL [SUFFIX=ARGS]...: the isolated
# server.  Two 1-vCPU guests, each QEMU on a host core of its own (when the
# host has two), on one virtio link (QEMU's socket netdev over UDP, a
# datagram a frame, on two free ports of the host's loopback; SSB_LINK=tcp:
# over a TCP connection, as before 2026-12-06, whose Nagle and delayed ACKs
# between the two QEMUs held frames back 40 ms): the server guest (DIR/NAME-server/) serves every
# path on its one vCPU, the client guest runs syncsock-bench run --server
# ARGS and its JSON goes to DIR/NAME.json; then each further ARGS, into
# DIR/NAME-SUFFIX.json.
bench_split() {
	local dir=$1 name=$2 timeout=$3 args=$4 label=$5
	shift 5
	local srv="$dir/$name-server" port port2 rc=0 cpu0=() cpu1=() sl cl
	mkdir -p "$srv"
	if [ "${SSB_LINK:-udp}" = udp ]; then
		# One UDP datagram a frame, each way: nothing between the
		# two QEMUs waits for anything (no Nagle, no delayed ACK).
		read -r port port2 < <(python3 -c 'import socket
s = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
		sl="socket,id=n0,udp=127.0.0.1:$port2,localaddr=127.0.0.1:$port"
		cl="socket,id=n0,udp=127.0.0.1:$port,localaddr=127.0.0.1:$port2"
	else
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		sl="socket,id=n0,listen=127.0.0.1:$port" cl="socket,id=n0,connect=127.0.0.1:$port"
	fi
	if [ "$(nproc)" -ge 2 ]; then
		cpu0=(--host-cpus 0) cpu1=(--host-cpus 1)
	else
		log "warning: one host core: the two guests share it"
	fi
	local nic=(--smp 1 --kmod virtio_net ${SSB_APPEND:+--append "$SSB_APPEND"} --qemu-arg=-device)
	python3 "$here/vm.py" "${VM_ARGS[@]}" "${nic[@]}" \
		--qemu-arg=virtio-net-pci,netdev=n0,mac=52:54:00:53:00:01 "${cpu0[@]}" \
		--qemu-arg=-netdev --qemu-arg="$sl" \
		--log-dir "$srv" --timeout "$timeout" --quiet --cmd "$(split_server_cmd)" \
		>"$srv/vm.log" 2>&1 &
	local vm=$! i
	for i in $(seq 200); do
		[ "${SSB_LINK:-udp}" = udp ] && break	# the client waits for serve itself
		ss -Hltn "sport = :$port" | grep -q . && break
		sleep 0.1
	done
	bench_guest "$dir" "$name" "$timeout" "$(split_client_cmd "$args" "$label" "$@")" \
		"${nic[@]}" --qemu-arg=virtio-net-pci,netdev=n0,mac=52:54:00:53:00:02 "${cpu1[@]}" \
		--qemu-arg=-netdev --qemu-arg="$cl" || rc=$?
	# The client asked the server to exit (--server-exit); a client that
	# failed before that leaves it waiting: stop it rather than wait for
	# its watchdog.
	for i in $(seq 300); do
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$vm" 2>/dev/null; then
		log "the server guest did not exit after the client: stopping it"
		kill "$vm" 2>/dev/null || true
		wait "$vm" 2>/dev/null || true
		rc=1
	else
		wait "$vm" || { log "the server guest failed: see $srv/"; rc=1; }
	fi
	return "$rc"
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
	return 0
fi

. "$here/lib.sh"

SSB_SYSCTLS= SSB_APPEND=
quick= split_files=main,10k,4k,10k-4k,repeat,rates,proxy trace= duration=3 guests=split,smp2,smp1,idlepoll,mem1g,mem100k out=
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--split-files)
		split_files=${2:?--split-files needs a list}
		for f in ${split_files//,/ }; do
			case "$f" in main | 10k | 4k | 10k-4k | repeat | rates | proxy) ;;
			*) die "--split-files: unknown file '$f' (main, 10k, 4k, 10k-4k, repeat, rates, proxy)" ;;
			esac
		done
		shift ;;
	--trace) trace=--trace ;;
	--append) SSB_APPEND=${2:?--append needs kernel parameters}; shift ;;
	--sysctl)
		[[ "${2:-}" =~ ^[a-z0-9_.]+=[A-Za-z0-9_.-]+$ ]] ||
			die "--sysctl: NAME=VALUE, e.g. net.ipv4.tcp_autocorking=0 (a value without blanks)"
		SSB_SYSCTLS="${SSB_SYSCTLS:-} $2"
		shift ;;
	--duration)
		duration=${2:?--duration needs seconds}
		[[ "$duration" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--duration: seconds, e.g. 3 or 0.5"
		shift ;;
	--guests)
		guests=${2:?--guests needs a list}
		for g in ${guests//,/ }; do
			case "$g" in split | smp2 | smp1 | idlepoll | mem1g | mem100k) ;;
			*) die "--guests: unknown guest '$g' (split, smp2, smp1, idlepoll, mem1g, mem100k)" ;;
			esac
		done
		shift ;;
	--out) out=${2:?--out needs a directory}; shift ;;
	--kernel)
		case "${2:-}" in 6.12 | rt) SSB_KERNEL=$2 ;;
		*) die "--kernel: 6.12 or rt" ;;
		esac
		shift ;;
	-h | --help) awk 'NR < 4 { next } /^#/ { print; next } { exit }' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

start=$(date +%s)
log "preparing: Debian packages, the stock ${SSB_KERNEL:-6.12} kernel, syncsock.ko, syncsockctl, syncsock-bench"
bench_prepare
out=${out:-$SSB_BUILD/bench}
ko="$SSB_BUILD/kmod/$KREL/module/syncsock.ko"
mkdir -p "$out"
rm -rf "$out/plots" "$out"/*.json "$out/host-load.txt"
if [ -n "$trace" ] && [ ! -x "$SSB_BUILD/userspace/trace/syncsock-trace" ]; then
	log "--trace: syncsock-trace is not built (it needs clang, bpftool and libbpf-dev: scripts/deps.sh installs them); the runs go untraced"
	trace=
fi

others=$(pgrep -c qemu-system || true)
note="kernel $KREL${SSB_SYSCTLS:+, sysctl$SSB_SYSCTLS in the guests}${SSB_APPEND:+, split guests booted with $SSB_APPEND}, host $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start, $others other QEMU guest(s) running"
[ "$others" -eq 0 ] || log "warning: $others other QEMU guest(s) running: the figures will be noisy"
log "$note"

warm=1
[ -n "$quick" ] && duration=1 warm=0.5
t="--duration $duration --warmup $warm --ext-duration $duration $trace"
if [ -n "$quick" ]; then
	split="--conns 64 --sizes 64 --depth 1 --churn 32 $t"
	split_more=("proxy=--paths proxies --conns 1,64 --sizes 64 $t")
	matrix="--conns 1,64 --sizes 64 $t --sockperf --wrk --wrk-conns 64"
	control="--conns 1,64 --sizes 64 $t"
	memory="--paths kernel,epoll --conns 1k --sizes 64 $t --memory 1000"
	memory100k="--paths kernel,epoll --conns 64 --sizes 64 $t --memory 5000"
else
	split="--conns 64,1k --sizes 64 --depth 1,8 --load 50,90 --churn 32 $t"
	# 4 KiB with its open loop at 64 and 1,000 connections; 10,000
	# connections without (an open loop answers 10,000 connections once
	# each slowly: its warm-up alone takes minutes, for each rate the
	# capacity search tries); the headline cells three times (the
	# spread); fixed open-loop rates below epoll's saturation (the
	# server's CPU per request at each).
	split_more=("10k=--conns 10k --sizes 64 --depth 1,8 $t"
		"4k=--conns 64,1k --sizes 4k --depth 1,8 --load 50,90 $t"
		"10k-4k=--conns 10k --sizes 4k --depth 1,8 $t"
		"repeat=--paths kernel,epoll,epoll-reuseport --conns 64,1k --sizes 64 --depth 1,8 --repeat 3 $t"
		"rates=--paths kernel,epoll,epoll-reuseport --conns 64,1k --sizes 64 --rate 2k,5k,8k $t"
		"proxy=--paths proxies --conns 1,64,1k --sizes 64,4k --repeat 3 $t")
	matrix="--conns 1,64,1k,10k --sizes 64,4k $t --sockperf --sockperf-sizes 64,4k --wrk --wrk-conns 1,64,1k"
	control="--conns 1,64 --sizes 64 $t --sockperf"
	memory="--paths kernel,epoll --conns 10k --sizes 64 $t --memory 10000"
	memory100k="--paths kernel,epoll --conns 64 --sizes 64 $t --memory 100000"
fi
sel=()
for e in "${split_more[@]}"; do
	case ",$split_files," in *",${e%%=*},"*) sel+=("$e") ;; esac
done
[[ ",$split_files," == *,main,* ]] || split=
[ -n "$split" ] || [ ${#sel[@]} -gt 0 ] || die "--split-files $split_files: none of them in this mode"
split_more=("${sel[@]}")
# Watchdogs: generous multiples of what the runs take at the default.
scale=$(awk -v d="$duration" 'BEGIN { s = (d + 3) / 6; print (s < 1 ? 1 : s) }')
wd() { awk -v b="$1" -v s="$scale" 'BEGIN { printf "%d", b * s }'; }

failed=0
run() {	# NAME TIMEOUT ARGS [vm.py args]
	local name=$1 timeout=$2 args=$3
	shift 3
	case ",$guests," in *",$name,"*) ;; *) return 0 ;; esac
	log "guest $name ($*): syncsock-bench run $args"
	local before
	before="$(cut -d' ' -f1-3 /proc/loadavg), $(pgrep -c qemu-system || true) QEMU guest(s)"
	bench_guest "$out" "$name" "$timeout" "$(bench_guest_cmd "$args" "make bench, $name; $note")" "$@" ||
		{ log "guest $name failed: see $out/$name/"; failed=$((failed + 1)); }
	# Other work on the host slows the vCPUs down: say how loaded it was.
	echo "- guest $name: host load average $before before it, $(cut -d' ' -f1-3 /proc/loadavg) after it (it adds about its own vCPU count)" >>"$out/host-load.txt"
}
case ",$guests," in *,split,*)
	log "guests split (server and client on a vCPU and host core each), files ${split_files}: syncsock-bench run --server${split:+ $split}"
	bench_split "$out" split "$(wd 5400)" "$split" "make bench, split; $note" "${split_more[@]}" ||
		{ log "the split guests failed: see $out/split/ and $out/split-server/"; failed=$((failed + 1)); }
	;;
esac
run smp2 "$(wd 2400)" "$matrix" --smp 2 --mem 2G
run smp1 "$(wd 2400)" "$matrix" --smp 1 --mem 2G
run idlepoll "$(wd 900)" "$control" --smp 2 --mem 2G --append idle=poll
run mem1g "$(wd 900)" "$memory" --smp 2 --mem 1G
run mem100k "$(wd 1200)" "$memory100k" --smp 2 --mem 4G

files=()
for n in split split-10k split-4k split-10k-4k split-repeat split-rates split-proxy smp2 smp1 idlepoll mem1g mem100k; do
	[ -s "$out/$n.json" ] && files+=("$out/$n.json")
done
[ ${#files[@]} -gt 0 ] || die "no guest produced results"
"$SSB_BIN" validate "${files[@]}" || failed=$((failed + 1))

"$SSB_BIN" table "${files[@]}" | tee "$out/table.txt"
{
	echo "# syncsock-bench report"
	echo
	echo "Generated by make bench in $(( $(date +%s) - start )) s; $note."
	echo
	cat "$out/host-load.txt" 2>/dev/null && echo
	if command -v pahole >/dev/null && [ -e "$ko" ]; then
		size=$(pahole -C syncsock_conn "$ko" 2>/dev/null | sed -n 's|.*/\* size: \([0-9]*\),.*|\1|p')
		[ -n "$size" ] && echo "sizeof(struct syncsock_conn) = $size bytes (pahole, $ko)" && echo
	fi
	"$SSB_BIN" report "${files[@]}"
} >"$out/report.md"
"$SSB_BIN" plot -o "$out/plots" "${files[@]}" >"$out/plots.txt" || log "gnuplot failed: see above"

log "results: ${files[*]}"
log "report: $out/report.md, table: $out/table.txt, plots: $out/plots/ ($(wc -l <"$out/plots.txt") PNGs)"
log "took $(( ($(date +%s) - start) / 60 )) min"
[ "$failed" -eq 0 ] || die "$failed guest(s) or checks failed"
