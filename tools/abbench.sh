#!/usr/bin/env bash
# A/B of two modules in one guest: chan.ko built from git revision REV (A)
# against this tree's (B), loaded in turn (insmod, chanbench --only LIST
# --json, rmmod; the order swapped every round, one chanbench for both),
# then the median of B / A per chan row.
#   usage: tools/abbench.sh REV LIST ROUNDS
#   ABBENCH_ARGS: chanbench's other arguments (default --quick)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rev=$1 list=$2 rounds=$3
rel=$(tools/kernels.sh | tail -n1)
kdir=/usr/src/linux-headers-$rel
out=$top/build/vm/ab
wt=$top/build/ab-src
make -s tools
tools/build-module.sh "$kdir" "$top/build/kmod-linux-headers-$rel" >/dev/null
rm -rf "$wt" && git worktree prune && git worktree add -f -q "$wt" "$rev"
rm -rf "$top/build/ab-kmod"
"$wt/tools/build-module.sh" "$kdir" "$top/build/ab-kmod" >/dev/null
git worktree remove --force "$wt"
mkdir -p "$out"
rm -f "$out"/*.json
a=$top/build/ab-kmod/kmod/chan.ko
b=$top/build/kmod-linux-headers-$rel/kmod/chan.ko
script=
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then o="a b"; else o="b a"; fi
	for m in $o; do
		ko=$a; [ $m = b ] && ko=$b
		script="$script insmod $ko && build/tools/chanbench ${ABBENCH_ARGS:---quick} --only $list --json /run/chan-out/$m-$r.json >/dev/null 2>&1 && rmmod chan &&"
	done
done
tools/vm/run.sh -q -r "$rel" -K none -o "$out" -t 1800 -- sh -c "$script true"
python3 - "$out" "$rounds" <<'PY'
import json, sys, statistics
out, rounds = sys.argv[1], int(sys.argv[2])
def key(r):
    return (r["scenario"], r["transport"], r["mode"], r.get("batch"), r.get("msg_size"), r.get("producers"))
vals = {}
for m in "ab":
    for i in range(1, rounds + 1):
        for r in json.load(open("%s/%s-%d.json" % (out, m, i))):
            if "msgs_per_sec" in r:
                vals.setdefault(key(r), {}).setdefault(m, []).append((r["msgs_per_sec"], r["cpu_ns_per_msg"]))
print("| row | A msg/s | B msg/s | B / A | A CPU ns/msg | B CPU ns/msg |")
print("|---|---:|---:|---:|---:|---:|")
for k, v in vals.items():
    if "chan" not in k[1] or "a" not in v or "b" not in v:
        continue
    am = statistics.median(x[0] for x in v["a"]); bm = statistics.median(x[0] for x in v["b"])
    ac = statistics.median(x[1] for x in v["a"]); bc = statistics.median(x[1] for x in v["b"])
    print("| %s %s %s x%s %sB p%s | %.0f | %.0f | %.2f | %.0f | %.0f |" % (k + (am, bm, bm / am, ac, bc)))
PY
