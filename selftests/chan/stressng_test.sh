#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An external client nobody here wrote: stress-ng's device and ioctl
# stressors pointed at /dev/chan, and memory and scheduler pressure while
# the chan stress test (a quarter of its 1M messages, checked for loss)
# runs.
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TMPDIR:-/tmp}	# /run/tmp when the project itself lives in /tmp (guest.sh)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
echo "TAP version 13"
if ! command -v stress-ng >/dev/null; then
	echo "1..1"
	echo "ok 1 stress-ng # SKIP stress-ng not installed"
	exit 0
fi
echo "1..3"
secs=${CHAN_STRESSNG_SECS:-8}
# stress-ng needs a writable working directory; the test tree is shared
# read-only from the host.
cd "$T" || exit 1

if stress-ng --temp-path "$T" --dev 2 --dev-file /dev/chan \
	--timeout "${secs}s" --metrics-brief >"$T/stressng-dev.log" 2>&1 &&
	grep -q 'successful run completed' $T/stressng-dev.log; then
	ok "stress-ng --dev on /dev/chan"
else
	sed 's/^/# /' $T/stressng-dev.log
	nok "stress-ng --dev on /dev/chan"
fi

# The pressure runs for longer than the stress test can take; it must
# still be running when the test ends, or the test ran without pressure.
stress-ng --temp-path "$T" --vm 1 --vm-bytes 256M --yield 1 --cpu 1 \
	--timeout 3600s >"$T/stressng-bg.log" 2>&1 &
bg=$!
# A quarter of the stress test's messages: the point is the pressure
# (selftests-stress_test runs it at full length without).
q=$(( ${CHAN_TEST_SCALE:-100} / 4 ))
if CHAN_TEST_SCALE=$(( q > 0 ? q : 1 )) \
	"$top/build/selftests/stress_test" >"$T/stressng-chan.log" 2>&1 &&
	kill -0 "$bg" 2>/dev/null; then
	ok "chan stress test under memory and scheduler pressure"
else
	sed 's/^/# /' $T/stressng-bg.log
	sed 's/^/# /' $T/stressng-chan.log
	nok "chan stress test under memory and scheduler pressure"
fi
kill "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
# Nothing left behind by either: no channel of ours remains.
if [ "$("$top/build/tools/chanctl" ls | wc -l)" -eq 1 ]; then
	ok "no channel left behind"
else
	"$top/build/tools/chanctl" ls | sed 's/^/# /'
	nok "no channel left behind"
fi
exit $failed
