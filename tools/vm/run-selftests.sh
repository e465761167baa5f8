#!/bin/bash
# Runs inside the guest: every selftest binary and script, TAP to the
# console and to $CHAN_OUT/results/, totals to $CHAN_OUT/counts as
# "PASS FAIL SKIP".  A test program that dies without reporting a failure
# counts as one failure.
# usage: run-selftests.sh [FILTER-REGEX]
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${CHAN_OUT:-/tmp}
filter=${1:-.}
mkdir -p "$out/results"
pass=0 fail=0 skip=0

run_one() {
	local prog=$1 name=$2 log rc p f s
	log=$out/results/$name.tap
	echo "# === $name"
	timeout -k 5 600 "$prog" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -cE '^ok [0-9]+' "$log" | head -n1)
	s=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log" | head -n1)
	f=$(grep -cE '^not ok [0-9]+' "$log" | head -n1)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "not ok - $name reported no test"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

for prog in "$top"/build/selftests/* "$top"/build/selftests32/* \
	"$top"/selftests/chan/*.sh; do
	[ -x "$prog" ] || continue
	name=$(basename "$(dirname "$prog")")-$(basename "$prog")
	echo "$name" | grep -qE "$filter" || continue
	run_one "$prog" "$name"
done
echo "$pass $fail $skip" >"$out/counts"
echo "# guest totals: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
