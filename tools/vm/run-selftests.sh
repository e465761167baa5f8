#!/bin/bash
# Runs inside the guest: every selftest binary and script, TAP to the
# console and to $CHAN_OUT/results/, totals to $CHAN_OUT/counts as
# "PASS FAIL SKIP".  A test program that dies without reporting a failure
# counts as one failure.
# usage: run-selftests.sh [FILTER-REGEX [32]]
#   32: also run the 32-bit builds (compat_ioctl); one guest does.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${CHAN_OUT:-/tmp}
filter=${1:-.}
with32=${2:-}
mkdir -p "$out/results"
: >"$out/times"
uname -r >"$out/release"	# the kernel this guest really ran (README tables)
pass=0 fail=0 skip=0

run_one() {
	local prog=$1 name=$2 log rc p f s t0=$SECONDS
	log=$out/results/$name.tap
	echo "# === $name"
	timeout -k 5 600 "$prog" >"$log" 2>&1
	rc=$?
	cat "$log"
	echo "# time $name $((SECONDS - t0)) s" | tee -a "$out/times"
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

# KCSAN kernels: report only races whose access lies in chan's own code
# (the core kernel's known races are not ours to fix here).
if [ -w /sys/kernel/debug/kcsan ]; then
	awk '$4 == "[chan]" { print "!" $3 }' /proc/kallsyms |
		while read -r f; do echo "$f" >/sys/kernel/debug/kcsan; done
	echo whitelist >/sys/kernel/debug/kcsan
	echo on >/sys/kernel/debug/kcsan	# booted with early_enable=0
	echo "# kcsan: reporting races in $(grep -c '\[chan\]' /proc/kallsyms) chan functions"
fi

# A debug build's race windows are held open by its delay points: its
# guest runs the long soaks at a tenth of their length, and leaves out the
# scripts marked "# debug-kernels: skip" (they test user-space code -
# documentation, language bindings - whose kernel paths the C selftests
# run there too; the Debian kernels run them all).
debug=
if [ -d /sys/kernel/debug/chan/delay ]; then
	debug=1
	export CHAN_TEST_SCALE=10
	echo "# delay points present: soaks at ${CHAN_TEST_SCALE}%"
fi

kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear >$kmemleak

# KUnit suites ran when chan.ko was loaded (kernels with CONFIG_KUNIT).
for suite in /sys/kernel/debug/kunit/chan_*; do
	[ -f "$suite/results" ] || continue
	name=kunit-$(basename "$suite")
	echo "$name" | grep -qE "$filter" || continue
	echo "# === $name"
	cp "$suite/results" "$out/results/$name.tap"
	cat "$suite/results"
	p=$(grep -cE '^ +ok [0-9]+' "$suite/results")
	f=$(grep -cE '^ +not ok [0-9]+' "$suite/results")
	if [ $((p + f)) -eq 0 ]; then
		echo "not ok - $name reported no test case"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f))
done

progs32=
[ "$with32" = 32 ] && progs32=$(echo "$top"/build/selftests32/*)
# The newest kernel's guest (the one with the 32-bit pass) runs the long
# user-space scenarios at full length (bridge_test.sh's million messages
# through JetStream); the other guests run them shorter.
[ "$with32" = 32 ] && export CHAN_TEST_FULL=1
for prog in "$top"/build/selftests/* $progs32 "$top"/selftests/chan/*.sh; do
	[ -x "$prog" ] || continue
	# Unloading comes last, after the leak scan below.
	[ "$(basename "$prog")" = module_test.sh ] && continue
	name=$(basename "$(dirname "$prog")")-$(basename "$prog")
	echo "$name" | grep -qE "$filter" || continue
	if [ -n "$debug" ] && grep -q '^# debug-kernels: skip' "$prog"; then
		echo "# === $name: not on a debug kernel (user-space code)"
		continue
	fi
	run_one "$prog" "$name"
done
# A kmemleak scan (debug kernels) must find nothing allocated by chan.
if [ -w $kmemleak ] && echo "kmemleak" | grep -qE "$filter"; then
	echo scan >$kmemleak
	sleep 1
	echo scan >$kmemleak
	cat $kmemleak >"$out/kmemleak"
	if grep -q '\[chan\]' "$out/kmemleak"; then
		sed 's/^/# /' "$out/kmemleak"
		echo "not ok - kmemleak found objects leaked by chan"
		fail=$((fail + 1))
	else
		echo "ok - kmemleak: nothing leaked by chan"
		pass=$((pass + 1))
	fi
fi
if echo chan-module_test.sh | grep -qE "$filter"; then
	run_one "$top/selftests/chan/module_test.sh" chan-module_test.sh
fi
echo "$pass $fail $skip" >"$out/counts"
echo "# guest totals: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
