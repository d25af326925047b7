#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completions of userspace/completion/: what each offers where, and
# that every option it offers is one the tool's own help names.
#
#   tests/host/completion_test.sh SYNCSOCKCTL SYNCSOCK-BENCH [SYNCSOCK-TRACE]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
comp=$here/../../userspace/completion
ctl=${1:?usage: completion_test.sh SYNCSOCKCTL SYNCSOCK-BENCH [SYNCSOCK-TRACE]}
bench=${2:?usage: completion_test.sh SYNCSOCKCTL SYNCSOCK-BENCH [SYNCSOCK-TRACE]}
trace=${3:-}
bc=/usr/share/bash-completion/bash_completion
[ -r "$bc" ] || { echo "SKIP: no $bc (apt-get install bash-completion)"; exit 77; }
# shellcheck disable=SC1090
. "$bc"
for f in syncsockctl syncsock-bench syncsock-trace; do
	# shellcheck disable=SC1090
	. "$comp/$f"
done
failed=0

# complete FUNCTION WORD...: the words offered for the last WORD, sorted.
complete() {
	local fn=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect WANT FUNCTION WORD...: exactly WANT (sorted, blank-separated).
expect() {
	local want=$1 got
	shift
	got=$(complete "$@")
	if [ "$got" != "$want" ]; then
		echo "FAIL: ${*:2} -> '$got', want '$want'"
		failed=$((failed + 1))
	fi
}

# has WORD FUNCTION WORD...: WORD is among those offered; lacks: it is not.
has() {
	local w=$1
	shift
	[[ " $(complete "$@") " == *" $w "* ]] || { echo "FAIL: ${*:2} does not offer $w"; failed=$((failed + 1)); }
}
lacks() {
	local w=$1
	shift
	[[ " $(complete "$@") " != *" $w "* ]] || { echo "FAIL: ${*:2} offers $w"; failed=$((failed + 1)); }
}

# syncsockctl (not in PATH here: the handlers are the built-in ones)
expect "handler help listener pair stats version" _syncsockctl syncsockctl ""
expect "add del help list show" _syncsockctl syncsockctl listener ""
expect "add" _syncsockctl syncsockctl -j listener a
has handler _syncsockctl syncsockctl listener add 127.0.0.1:7000 ""
has freebind _syncsockctl syncsockctl listener add 127.0.0.1:7000 ""
expect "discard echo http proxy sockperf" _syncsockctl syncsockctl listener add 127.0.0.1:7000 handler ""
lacks handler _syncsockctl syncsockctl listener add 127.0.0.1:7000 handler echo backlog 5 ""
lacks backlog _syncsockctl syncsockctl listener add 127.0.0.1:7000 handler echo backlog 5 ""
has idle-timeout _syncsockctl syncsockctl listener add 127.0.0.1:7000 handler echo backlog 5 ""
expect "off" _syncsockctl syncsockctl listener add 127.0.0.1:7000 handler echo idle-timeout o
expect "abort" _syncsockctl syncsockctl listener del 3 ""
expect "list" _syncsockctl syncsockctl pair l
expect "listener" _syncsockctl syncsockctl pair list ""
expect "--count --per-cpu --watch" _syncsockctl syncsockctl stats --
expect "--device" _syncsockctl syncsockctl --d
# Prefixes and aliases, as the tool takes them.
expect "abort" _syncsockctl syncsockctl l dele 3 ""
has freebind _syncsockctl syncsockctl li a 127.0.0.1:7000 ""
expect "listener" _syncsockctl syncsockctl p ls ""
lacks abort _syncsockctl syncsockctl listener d 3 ''

# syncsock-bench
expect "help plot report run serve table validate version" _syncsock_bench syncsock-bench ""
expect "kernel" _syncsock_bench syncsock-bench run --paths ker
expect "kernel,epoll kernel,epoll-busy kernel,epoll-reuseport" _syncsock_bench syncsock-bench run --paths kernel,epoll
expect "proxies proxy" _syncsock_bench syncsock-bench run --paths prox
expect "cross none same" _syncsock_bench syncsock-bench run --pin ""
has relay _syncsock_bench syncsock-bench serve ""
has --backend _syncsock_bench syncsock-bench serve relay --
has --strict _syncsock_bench syncsock-bench validate --

# Every option offered is one the tool's help names.
opts() {	# FUNCTION WORD...: the options offered for "-"
	complete "$@" | tr ' ' '\n' | grep '^-'
}
check_opts() {	# TOOL-HELP-TEXT NAME FUNCTION WORD...
	local help=$1 name=$2 o
	shift 2
	for o in $(opts "$@"); do
		[[ $o == --help || $o == -h ]] && continue
		grep -q -- "$o\b" <<<"$help" || { echo "FAIL: $name offers $o, which its help does not name"; failed=$((failed + 1)); }
	done
}
check_opts "$("$ctl" help 2>&1; "$ctl" stats help 2>&1)" syncsockctl _syncsockctl syncsockctl -
check_opts "$("$ctl" help 2>&1; "$ctl" stats help 2>&1)" "syncsockctl stats" _syncsockctl syncsockctl stats -
bhelp=$("$bench" help 2>&1)
for sub in run serve validate plot; do
	check_opts "$bhelp" "syncsock-bench $sub" _syncsock_bench syncsock-bench "$sub" -
done
if [ -n "$trace" ]; then
	check_opts "$("$trace" --help 2>&1)" syncsock-trace _syncsock_trace syncsock-trace -
	expect "--json" _syncsock_trace syncsock-trace --js
fi

[ "$failed" -eq 0 ] && echo "completion: all as expected"
exit "$failed"
