#!/usr/bin/env bash
# The C1 soak on every installed Debian kernel: ITERATIONS (default
# 10000) iterations with the default module parameters, then as many
# with spin_ns=0.  Not part of make check (minutes per guest); the
# closing notes quote its figures.
# usage: tools/soak/c1.sh [ITERATIONS]
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-10000}
cd "$top" || exit 1
make -s modules tools || exit 1
rc=0
for rel in $(tools/kernels.sh); do
	for args in "" "spin_ns=0"; do
		echo "== $rel ${args:-default parameters}"
		tools/vm/run.sh -q -r "$rel" -a "$args" -o "build/vm/soak-$rel" \
			-t 3600 -- build/tools/c1soak "$n" || rc=1
		grep -a 'c1soak' "build/vm/soak-$rel/console.log"
	done
done
exit $rc
