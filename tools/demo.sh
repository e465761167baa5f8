#!/usr/bin/env bash
# make demo: boot a guest of the newest installed Debian kernel, load chan
# and show channels at work (tools/demo-guest.sh runs inside).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make -s modules tools
echo "demo: booting $(tools/kernels.sh | tail -n1) under QEMU (TCG)..."
tools/vm/run.sh -q -o "$top/build/vm/demo" -t 300 -- tools/demo-guest.sh
sed -n '/^=== chan demo/,/^=== end of demo/p' "$top/build/vm/demo/console.log"
