# SPDX-License-Identifier: GPL-2.0
# Source after lib.sh: guest_prepare KERNEL builds what a guest of KERNEL
# needs and sets VM_ARGS (vm.py arguments carrying the modules, the test
# programs and scripts).
guest_prepare() {
	local k=$1 top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	"$top/scripts/deps.sh"
	eval "$("$top/scripts/kernels.sh" "$k")"
	local out="${BUILD:-$top/build}/kmod/$KREL"
	case "$k" in debug*) out="${BUILD:-$top/build}/kmod/$k-$KREL" ;; esac
	"$top/scripts/build-module.sh" "$KDIR" "$out" >"$out.log" 2>&1 ||
		{ tail -n 30 "$out.log"; die "building syncsock.ko for $k failed"; }
	cmake -S "$top/userspace" -B "${BUILD:-$top/build}/userspace" \
		-DSYNCSOCK_WERROR=ON >/dev/null &&
		cmake --build "${BUILD:-$top/build}/userspace" -j"$(nproc)" >/dev/null ||
		die "building the user-space programs failed"
	"$top/scripts/build-example.sh" "$KDIR" "$out" "$out-example" >"$out-example.log" 2>&1 ||
		{ tail -n 30 "$out-example.log"; die "building examples/kvcounter for $k failed"; }
	VM_ARGS=(--kernel "$k")
	for f in /usr/sbin/ip curl wrk sockperf /usr/sbin/haproxy /usr/sbin/nginx; do VM_ARGS+=(--host-tool "$f"); done
	VM_ARGS+=(--host-file /usr/lib/nginx/modules/ngx_stream_module.so)
	VM_ARGS+=(--module "$out-example/syncsock_kvcounter.ko")
	local f
	for f in "$out/module/syncsock.ko" "$out/tests/kunit/syncsock_kunit.ko"; do
		[ -e "$f" ] && VM_ARGS+=(--module "$f")
	done
	for f in "$top"/tests/guest/*.sh "$top"/tests/guest/*.expected; do
		VM_ARGS+=(--script "$f")
	done
	for f in "${BUILD:-$top/build}/userspace/cli/syncsockctl" \
		 "${BUILD:-$top/build}/userspace/trace/syncsock-trace"; do
		[ -x "$f" ] && VM_ARGS+=(--bin "$f")
	done
	for f in "${BUILD:-$top/build}"/userspace/guest-bin/*; do
		[ -x "$f" ] && VM_ARGS+=(--bin "$f")
	done
	return 0
}
