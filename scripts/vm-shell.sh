#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make vm-shell KERNEL=6.1|6.12|debug: an interactive guest with the module,
# the test programs and scripts in it.  Leave with "poweroff -f".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/guest-env.sh"
guest_prepare "${1:-6.12}"
exec python3 "$here/vm.py" "${VM_ARGS[@]}" --shell --log-dir "${BUILD:-$(dirname "$here")/build}/vm-shell"
