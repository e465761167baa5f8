#!/usr/bin/env bash
# make profile: where the time of a chanbench scenario goes, per transport,
# in a guest of the newest Debian kernel.  perf samples the cpu-clock
# event of every CPU (the one that works under TCG) while chanbench runs
# one scenario of one transport; the report keeps the top symbols.
#   PROFILE="B2:chan B2:pipe ..."   the scenario:transport pairs to profile
#   PROFILE_TOP=N                   symbols kept per report (default 25)
# Reports land in build/profile/SCENARIO-TRANSPORT.txt.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
tools/deps.sh bench
make -s modules tools
rel=$(tools/kernels.sh | tail -n1)
out=$top/build/vm/profile
pairs=${PROFILE:-B2:chan B2:pipe B0:all B3:chan B3:pipe B6:chan B6:eventfd}
n=${PROFILE_TOP:-25}
script=
for p in $pairs; do
	sc=${p%%:*} t=${p#*:}
	targ="--transport $t"
	[ "$t" != all ] || targ=
	script="$script perf record -q -e cpu-clock -a -g -o /tmp/$sc-$t.data -- build/tools/chanbench --only $sc $targ >/dev/null 2>&1 &&"
	script="$script perf report -q -i /tmp/$sc-$t.data --stdio --no-children --sort comm,dso,sym -g none --percent-limit 0.5 2>/dev/null | head -n $n >/run/chan-out/$sc-$t.txt &&"
done
tools/vm/run.sh -q -r "$rel" -o "$out" -t 1800 -- sh -c "$script true"
mkdir -p build/profile
for p in $pairs; do
	sc=${p%%:*} t=${p#*:}
	cp "$out/$sc-$t.txt" "build/profile/$sc-$t.txt"
	echo "== $sc $t"
	cat "build/profile/$sc-$t.txt"
done
