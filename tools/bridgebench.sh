#!/usr/bin/env bash
# B11: chan-bridge's throughput and call latency against the same through
# plain NATS clients, in one guest of the newest Debian kernel: 64-byte
# messages from a producer on host A to a consumer on host B (two IPC
# namespaces, a nats-server on loopback), over core NATS and through
# JetStream, and calls one after another.  Prints a markdown table (kept
# in build/bridgebench.md).
#   BRIDGEBENCH_N      messages per stream (default 100000)
#   BRIDGEBENCH_CALLS  calls per latency row (default 2000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
N=${BRIDGEBENCH_N:-100000} K=${BRIDGEBENCH_CALLS:-2000}
if [ "${1:-}" != --guest ]; then
	tools/deps.sh
	make -s modules tools
	rel=$(tools/kernels.sh | tail -n1)
	tools/vm/run.sh -q -r "$rel" -o build/vm/bridgebench -t 1800 -- \
		env BRIDGEBENCH_N="$N" BRIDGEBENCH_CALLS="$K" \
		bash tools/bridgebench.sh --guest
	cp build/vm/bridgebench/bridgebench.md build/bridgebench.md
	cat build/bridgebench.md
	exit 0
fi

T=$(mktemp -d /tmp/bb.XXXXXX)
C=build/tools/chanctl BR=build/tools/chan-bridge NB=build/tools/natsbench
url=nats://127.0.0.1:4222
nats-server -a 127.0.0.1 -p 4222 -js -sd "$T/js" >"$T/nats.log" 2>&1 &
srv=$!
pids=($srv)
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$T"' EXIT
for _ in $(seq 100); do
	(exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null && break
	sleep 0.1
done
declare -A ns
for h in A B; do
	unshare --ipc sleep 100000 &
	ns[$h]=$!
	pids+=($!)
done
at() { local h=$1; shift; nsenter -t "${ns[$h]}" --ipc -- "$@"; }
# In the background, with $! the process itself (nsenter execs it).
bg_at() { local h=$1; shift; nsenter -t "${ns[$h]}" --ipc -- "$@" & pids+=($!); }
wait_ready() { for _ in $(seq 100); do grep -q READY "$1" && return; sleep 0.1; done; }
wait_file() { for _ in $(seq 100); do [ -s "$1" ] && return; sleep 0.1; done; }
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

# Plain NATS: a publisher and a queue subscriber.
$NB sub $url plain.s "$N" >"$T/sub" &
s=$!
wait_ready "$T/sub"
$NB pub $url plain.s "$N" 64
wait $s
plain=$(field RATE "$T/sub")

# Through the bridges: a channel on A exported, one on B imported.
stream() {	# stream TAG BRIDGE-ARGS...
	local tag=$1; shift
	at A $C create "$tag" -c 256; at B $C create "$tag" -c 256
	bg_at B $BR -S "$T/$tag.b" "$@" -i "$tag"
	local bb=$!
	wait_file "$T/$tag.b"
	bg_at A $BR -S "$T/$tag.a" "$@" -e "$tag"
	local ba=$!
	wait_file "$T/$tag.a"
	nsenter -t "${ns[B]}" --ipc -- $NB recv-chan "$tag" "$N" >"$T/$tag.rate" &
	local r=$!
	at A $NB send-chan "$tag" "$N" 64
	wait $r
	at A $C rm "$tag"
	wait $ba $bb
	at B $C rm "$tag"
	field RATE "$T/$tag.rate"
}
core=$(stream core)
js=$(stream js -J)

# Calls: plain request/reply, then a chan call across the bridges.
$NB reply $url plain.c >"$T/reply" &
pids+=($!)
wait_ready "$T/reply"
read -r plain50 plain99 <<<"$($NB req $url plain.c "$K" | awk '$1 == "LAT" { print $2, $3 }')"
at A $C create svc -k reqrep; at B $C create svc -k reqrep
bg_at B $C serve svc
bg_at B $BR -S "$T/svc.b" -i svc
bg_at A $BR -S "$T/svc.a" -e svc
wait_file "$T/svc.a"; wait_file "$T/svc.b"
read -r call50 call99 <<<"$(at A $NB call-chan svc "$K" | awk '$1 == "LAT" { print $2, $3 }')"
at A $C rm svc; at B $C rm svc
kill "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true

out=/run/chan-out/bridgebench.md
[ -d /run/chan-out ] || out=$T/bridgebench.md
{
	echo "| B11: 64-byte messages, host A to host B | msg/s | vs plain NATS |"
	echo "|---|---:|---:|"
	printf "| plain NATS, publisher to queue subscriber | %.0f | 1.00 |\n" "$plain"
	printf "| chan -> chan-bridge -> NATS -> chan-bridge -> chan | %.0f | %.2f |\n" \
		"$core" "$(echo "$core / $plain" | bc -l)"
	printf "| the same through JetStream (-J: stored, acknowledged) | %.0f | %.2f |\n" \
		"$js" "$(echo "$js / $plain" | bc -l)"
	echo
	echo "| B11: calls, one after another | p50 us | p99 us | p50 vs plain |"
	echo "|---|---:|---:|---:|"
	printf "| plain NATS request/reply | %.0f | %.0f | 1.00 |\n" \
		"$(echo "$plain50 / 1000" | bc -l)" "$(echo "$plain99 / 1000" | bc -l)"
	printf "| CHAN_IOC_CALL on A, chanctl serve on B, through two bridges | %.0f | %.0f | %.2f |\n" \
		"$(echo "$call50 / 1000" | bc -l)" "$(echo "$call99 / 1000" | bc -l)" \
		"$(echo "$call50 / $plain50" | bc -l)"
} >"$out"
cat "$out"
