#!/usr/bin/env bash
# make bench: run chanbench in a guest of the newest Debian kernel and
# keep bench/results.json, bench/results.md and bench/plot.png.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
make -s modules tools
rel=$(tools/kernels.sh | tail -n1)
out=$top/build/vm/bench
mkdir -p bench
echo "bench: running chanbench in a 2-vCPU TCG guest of $rel ..."
# B8: the chan_k2k_prod sample (a kthread) produces; chanbench drains it.
k2k=build/kmod-linux-headers-$rel/kmod/samples/chan_k2k_prod.ko
tools/vm/run.sh -q -r "$rel" -o "$out" -t 1800 -- \
	sh -c "build/tools/chanbench ${CHANBENCH_ARGS:-} --b8 kernel.b8 --b8-cmd 'insmod $k2k name=kernel.b8 count=${CHANBENCH_B8_COUNT:-200000}' --json /run/chan-out/results.json > /run/chan-out/results.md && rmmod chan_k2k_prod"
cp "$out/results.json" bench/results.json
{
	echo "Measured by \`make bench\` on $(date -u +%Y-%m-%d): Linux $rel guest,"
	echo "QEMU TCG, 2 vCPUs, on a $(nproc)-core $(uname -m) host"
	echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
	echo
	cat "$out/results.md"
} >bench/results.md
python3 - <<'PY'
import json
rows = json.load(open("bench/results.json"))
with open("build/bench-b2.dat", "w") as f:
    for r in rows:
        if r["scenario"] == "B2":
            name = r["transport"]
            if name == "chan":
                name += " " + r["mode"] + ("" if r["batch"] == 1 else " x%d" % r["batch"])
            f.write('"%s" %.0f\n' % (name, r["msgs_per_sec"]))
with open("build/bench-b1.dat", "w") as f:
    for r in rows:
        if r["scenario"] == "B1" and r["msg_size"] == 64:
            name = r["transport"] + (" " + r["mode"] if r["transport"] == "chan" else "")
            f.write('"%s" %.1f\n' % (name, r["p50_ns"] / 1000))
PY
gnuplot <<'GP'
set terminal pngcairo size 1000,420 font ",10"
set output "bench/plot.png"
set multiplot layout 1,2
set style data histogram
set style fill solid 0.8
set boxwidth 0.8
set xtics rotate by -30
set logscale y
set title "B2 one-way 64 B: messages/s (higher is better)"
plot "build/bench-b2.dat" using 2:xtic(1) notitle lc rgb "#3070b0"
set title "B1 ping-pong 64 B: p50 round trip, us (lower is better)"
plot "build/bench-b1.dat" using 2:xtic(1) notitle lc rgb "#b05030"
unset multiplot
GP
cat bench/results.md
