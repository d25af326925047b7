#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style gates on the module: checkpatch.pl --strict (from the debug
# kernel's source tree) and sparse (make C=2) against the stock 6.12 headers.
# Prints "checkpatch: ok|FAIL" and "sparse: ok|FAIL".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

tree=$("$here/debug-kernel.sh") || die "no kernel source tree for checkpatch"
files=$(cd "$top" && git ls-files -co --exclude-standard module tests/kunit tests/harness tests/probe uapi examples |
	grep -E '\.(c|h)$')
rc=0
ignore=FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LINUX_VERSION_CODE
# TRACE_EVENT() definitions have a layout of their own (open-ended macro
# argument lines), which --strict flags in the kernel's own trace headers too.
trace_files=$(echo "$files" | grep '/trace\.h$' || true)
files=$(echo "$files" | grep -v '/trace\.h$')
# The kernel's own spelling list and const_structs, no git, no tree checks.
if (cd "$top" && "$tree/scripts/checkpatch.pl" --strict --no-tree --file --terse \
	--ignore "$ignore" $files &&
	{ [ -z "$trace_files" ] || "$tree/scripts/checkpatch.pl" --strict --no-tree --file \
	--terse --ignore "$ignore,OPEN_ENDED_LINE,PARENTHESIS_ALIGNMENT" $trace_files; }); then
	echo "checkpatch: ok ($(echo "$files $trace_files" | wc -w) files)"
else
	echo "checkpatch: FAIL"
	rc=1
fi

eval "$("$here/kernels.sh" 6.12)"
out="${BUILD:-$top/build}/kmod/sparse-$KREL"
if "$here/build-module.sh" "$KDIR" "$out" C=2 CHECK="sparse -Wno-decl" >"$out.log" 2>&1 &&
	! grep -E '(warning|error):' "$out.log" | grep -q '/module/\|/tests/kunit/'; then
	echo "sparse: ok"
else
	grep -E '(warning|error):' "$out.log" | grep '/module/\|/tests/kunit/' | head -40
	echo "sparse: FAIL (log: $out.log)"
	rc=1
fi
exit $rc
