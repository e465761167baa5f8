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
	sh -c "build/tools/chanbench ${CHANBENCH_ARGS:-} --ext build/tools/gochan --ext build/tools/rustchan --b8 kernel.b8 --b8-cmd 'insmod $k2k name=kernel.b8 count=${CHANBENCH_B8_COUNT:-200000}' --json /run/chan-out/results.json > /run/chan-out/results.md && rmmod chan_k2k_prod"
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
def label(r):
    name = r["transport"]
    if name == "chan" or name.startswith("go-") or name.startswith("rust-"):
        name += " " + r["mode"] + ("" if r["batch"] == 1 else " x%d" % r["batch"])
    return name
with open("build/bench-b2.dat", "w") as f:
    for r in rows:
        if r["scenario"] in ("B0", "B2"):
            f.write('"%s" %.0f\n' % (label(r), r["msgs_per_sec"]))
with open("build/bench-b1.dat", "w") as f:
    for r in rows:
        if r["scenario"] == "B1" and r.get("msg_size") == 64:
            f.write('"%s" %.1f\n' % (label(r), r["p50_ns"] / 1000))
# B3: one line per producer count, one column per transport.
b3 = ["chan", "pipe", "posix-mq", "go-chan", "rust-sync_channel"]
with open("build/bench-b3.dat", "w") as f:
    f.write("producers " + " ".join('"%s"' % t for t in b3) + "\n")
    for p in (1, 2, 4):
        v = []
        for t in b3:
            m = [r["msgs_per_sec"] for r in rows if r["scenario"] == "B3"
                 and r["transport"] == t and r["producers"] == p]
            v.append("%.0f" % m[0] if m else "NaN")
        f.write("%d %s\n" % (p, " ".join(v)))
with open("build/bench-b6.dat", "w") as f:
    for r in rows:
        if r["scenario"] == "B6":
            f.write('"%s" %.0f %.0f\n' % (r["transport"], r["msgs_per_sec"],
                                            r["cpu_ns_per_msg"]))
PY
gnuplot <<'GP'
set terminal pngcairo size 1200,900 font ",10" noenhanced
set output "bench/plot.png"
set multiplot layout 2,2
set style data histogram
set style fill solid 0.8
set boxwidth 0.8
set xtics rotate by -30
set logscale y
set title "B0 floor and B2 one-way 64 B: messages/s (higher is better)"
plot "build/bench-b2.dat" using 2:xtic(1) notitle lc rgb "#3070b0"
set title "B1 ping-pong 64 B: p50 round trip, us (lower is better)"
plot "build/bench-b1.dat" using 2:xtic(1) notitle lc rgb "#b05030"
set title "B3 fan-in 64 B: messages/s by producers (higher is better)"
set style histogram clustered gap 1
set key top right font ",8"
set xtics norotate
plot for [c=2:6] "build/bench-b3.dat" using c:xtic(1) title columnheader(c)
set title "B6 one consumer, 16 sources, epoll"
set xtics rotate by -15
plot "build/bench-b6.dat" using 2:xtic(1) title "messages/s (higher is better)" lc rgb "#3070b0", \
     "" using 3 title "CPU ns per message (lower is better)" lc rgb "#b05030"
unset multiplot
GP
cat bench/results.md
