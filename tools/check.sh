#!/usr/bin/env bash
# make check: lint, build everything, run the selftests in a guest of every
# installed Debian kernel, and print one summary line for all guests.
# CHECK_FILTER=regex runs only matching test programs; CHECK_NOLINT=1
# skips the lint step.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
pass=0 fail=0 skip=0 bad=0

if [ "${CHECK_NOLINT:-0}" != 1 ]; then
	tools/lint.sh || bad=$((bad + 1))
fi
make -s modules selftests || { echo "0 passed, 1 failed"; exit 1; }

for rel in $(tools/kernels.sh); do
	echo "== selftests on $rel"
	out=$top/build/vm/check-$rel
	tools/vm/run.sh -q -r "$rel" -o "$out" -t 1500 -- \
		tools/vm/run-selftests.sh "${CHECK_FILTER:-.}"
	rc=$?
	[ -f "$out/console.log" ] && grep -E '^(not )?ok |^# guest totals' \
		"$out/console.log" | grep -vE '^ok ' | sed "s/^/[$rel] /"
	if [ -s "$out/counts" ]; then
		read -r p f s <"$out/counts"
		echo "[$rel] $p passed, $f failed, $s skipped"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	fi
	if [ $rc -ne 0 ]; then
		echo "[$rel] guest FAILED (log: $out/console.log)"
		bad=$((bad + 1))
	fi
done

if [ $bad -ne 0 ] && [ $fail -eq 0 ]; then
	fail=$bad	# a failed guest or lint counts even if no test said so
fi
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $bad -eq 0 ] && [ $pass -gt 0 ]
