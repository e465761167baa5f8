#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernels: skip
# chan-bridge end to end: two "hosts" are two IPC namespaces (a channel's
# name does not cross them), each with its own bridge, and a nats-server
# on loopback between them.  Queues over core NATS and over JetStream
# (1,000,000 messages from 4 producers to 3 workers, then a server and
# then an importer killed mid-stream), a broadcast to two hosts, calls
# across hosts, oversized messages refused, ends of stream carried.
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TMPDIR:-/tmp}/bridge.$$
C=$top/build/tools/chanctl
BR=$top/build/tools/chan-bridge
# The newest kernel's guest carries the million messages; others a tenth.
N=${BRIDGE_N:-$([ -n "$CHAN_TEST_FULL" ] && echo 1000000 || echo 100000)}
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
expect() {	# expect NAME WANT GOT
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		echo "#   want: $(printf %q "$2")"
		echo "#   got:  $(printf %q "$3")"
	fi
}
stat_of() {	# stat_of FILE FIELD: a counter a bridge keeps
	sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1"
}

echo "TAP version 13"
if ! command -v nats-server >/dev/null || [ ! -x "$BR" ]; then
	echo "1..0 # SKIP nats-server or chan-bridge missing (tools/deps.sh)"
	exit 0
fi
echo "1..36"
mkdir -p "$T"
port=$((14222 + $$ % 1000))
url=nats://127.0.0.1:$port
pids=()
cleanup() {
	for h in A B C; do
		for c in $(host_ls $h); do at $h "$C" rm "$c" 2>/dev/null; done
	done
	kill "${pids[@]}" "$srv" 2>/dev/null
	wait 2>/dev/null
	if [ -n "$BRIDGE_KEEP" ]; then cp "$T"/*.log "$T"/?? "$BRIDGE_KEEP"/ 2>/dev/null; fi
	rm -rf "$T"
}
trap cleanup EXIT

server() {	# start nats-server with JetStream and wait for its port
	nats-server -a 127.0.0.1 -p $port -js -sd "$T/js" >>"$T/nats.log" 2>&1 &
	srv=$!
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && return 0
		sleep 0.1
	done
	echo "# nats-server did not start"; cat "$T/nats.log"; exit 1
}

# A host: a process holding an IPC namespace, entered with nsenter.
declare -A ns
for h in A B C; do
	unshare --ipc sleep 100000 &
	ns[$h]=$!
	pids+=($!)
done
at() { local h=$1; shift; nsenter -t "${ns[$h]}" --ipc -- "$@"; }
at_t() { local t=$1 h=$2; shift 2; timeout "$t" nsenter -t "${ns[$h]}" --ipc -- "$@"; }
host_ls() { at "$1" "$C" ls 2>/dev/null | awk 'NR > 1 {print $2}'; }
bridge() {	# bridge HOST TAG ARGS...: start one, its counters in $T/TAG
	local h=$1 tag=$2; shift 2
	# nsenter execs the bridge: $! is the bridge itself.
	nsenter -t "${ns[$h]}" --ipc -- "$BR" -v -s "$url" -S "$T/$tag" "$@" \
		2>>"$T/$tag.log" &
	eval "pid_$tag=$!"
	pids+=($!)
	for _ in $(seq 100); do [ -s "$T/$tag" ] && return; sleep 0.1; done
	echo "# bridge $tag did not start"; cat "$T/$tag.log"
}
server

# 1. A queue over core NATS, in order, and its end of stream.
at A "$C" create q -c 64; at B "$C" create q -c 64
expect "names do not cross hosts" "q" "$(host_ls B)"
bridge B qb -i q; bridge A qa -e q
seq 1 2000 | at A "$C" send q
expect "2000 queue messages reach host B in order" \
	"$(seq 1 2000 | md5sum)" "$(at B "$C" recv q -n 2000 -w | md5sum)"
at A "$C" rm q		# the last sender is gone: end of stream
at_t 20 B "$C" recv q -w >"$T/q.rest"
expect "end of stream closes host B's channel" "0 0" "$? $(wc -l <"$T/q.rest")"
wait "$pid_qa"; ra=$?; wait "$pid_qb"; rb=$?
expect "both bridges exit 0 at end of stream" "0 0" "$ra $rb"
expect "the export counts 2000 messages and the end" "2000 1" \
	"$(stat_of "$T/qa" msgs) $(stat_of "$T/qa" eof)"
expect "the import counts 2000 messages, no loss" "2000 0 1" \
	"$(stat_of "$T/qb" msgs) $(stat_of "$T/qb" lost) $(stat_of "$T/qb" eof)"
expect "--stat prints the counters" "$(cat "$T/qb")" "$("$BR" --stat "$T/qb")"
at B "$C" rm q

echo "# $(date +%T) broadcast"
# 2. Broadcast to two hosts: every subscriber gets every message.
for h in A B C; do at $h "$C" create news -k broadcast -c 64; done
for h in B C; do
	at_t 60 $h "$C" recv news -w >"$T/news.$h" &
	eval "sub_$h=$!"
done
for _ in $(seq 50); do
	[ "$(at B "$C" ls | awk '$2 == "news" {print $NF}')" = 1 ] &&
	[ "$(at C "$C" ls | awk '$2 == "news" {print $NF}')" = 1 ] && break
	sleep 0.1
done
bridge B nb -i news; bridge C nc -i news; bridge A na -e news
seq 1 500 | sed 's/^/news /' | at A "$C" send news
at A "$C" rm news
wait "$sub_B"; rb=$?; wait "$sub_C"; rc=$?
expect "host B's subscriber gets all 500, in order, then end of stream" \
	"0 $(seq 1 500 | sed 's/^/news /' | md5sum)" "$rb $(md5sum <"$T/news.B")"
expect "host C's subscriber gets all 500, in order, then end of stream" \
	"0 $(seq 1 500 | sed 's/^/news /' | md5sum)" "$rc $(md5sum <"$T/news.C")"
wait "$pid_na" "$pid_nb" "$pid_nc"
expect "no gap seen by either importer" "0 0" \
	"$(stat_of "$T/nb" lost) $(stat_of "$T/nc" lost)"
for h in B C; do at $h "$C" rm news; done

echo "# $(date +%T) calls"
# 3. Calls across hosts: a server on B answers callers on A.
at A "$C" create svc -k reqrep; at B "$C" create svc -k reqrep
nsenter -t "${ns[B]}" --ipc -- "$C" serve svc -p "B says " &
pids+=($!)
bridge B cb -i svc; bridge A ca -e svc -T 3000
expect "a call on host A is answered by the server on host B" \
	"B says hello" "$(at A "$C" call svc hello -t 5000)"
for i in 1 2 3 4 5 6 7 8; do
	at A "$C" call svc "call $i" -t 5000 >"$T/call.$i" &
done
wait $(jobs -p | tail -n 8)
expect "8 concurrent calls each get their own reply" \
	"$(for i in 1 2 3 4 5 6 7 8; do echo "B says call $i"; done)" \
	"$(for i in 1 2 3 4 5 6 7 8; do cat "$T/call.$i"; done)"
kill "$pid_cb"; wait "$pid_cb" 2>/dev/null
start=$(date +%s%N)
at A "$C" call svc nobody -t 1000 2>"$T/call.err"
expect "with no server across, the call fails at its own deadline" \
	"1 chanctl: cannot call channel 'svc': Connection timed out" \
	"$? $(cat "$T/call.err")"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 4000 ] && ok "... after about 1 s, not the bridge's 3 s ($ms ms)" ||
	nok "... after about 1 s, not the bridge's 3 s ($ms ms)"
kill "$pid_ca"; wait "$pid_ca" 2>/dev/null
expect "the export counts 9 answered calls" 9 "$(stat_of "$T/ca" msgs)"
at A "$C" rm svc; at B "$C" rm svc

# 4. A message over the far channel's msg_max is refused and counted.
at A "$C" create big -m 4096; at B "$C" create big -m 16
bridge B bb -i big; bridge A ba -e big
at A "$C" send big short "$(printf '%0100d' 0)" after
expect "the short messages pass, the long one does not" \
	"$(printf 'short\nafter')" "$(at B "$C" recv big -n 2 -w)"
at A "$C" rm big
wait "$pid_ba" "$pid_bb"
expect "the import counts it refused, not lost" "1 0 2" \
	"$(stat_of "$T/bb" refused) $(stat_of "$T/bb" lost) $(stat_of "$T/bb" msgs)"
at B "$C" rm big

echo "# $(date +%T) jetstream"
# 5. JetStream: N messages, 4 producers on A, 3 workers on B.
at A "$C" create wq -c 256; at B "$C" create wq -c 256
bridge B jb -J -i wq; bridge A ja -J -e wq
for w in 1 2 3; do
	at B "$C" recv wq -w >"$T/w.$w" &
	eval "work_$w=$!"
done
for p in 1 2 3 4; do
	seq -f "p$p %.0f" 1 $((N / 4)) | at A "$C" send wq &
done
wait $(jobs -p | tail -n 4)
at A "$C" rm wq
wait "$work_1" "$work_2" "$work_3"
cat "$T"/w.? >"$T/all"
expect "$N messages reach host B's 3 workers" "$N" "$(wc -l <"$T/all")"
expect "... none twice" "$N" "$(sort -u "$T/all" | wc -l)"
expect "... every worker got some" "3" \
	"$(for w in 1 2 3; do [ -s "$T/w.$w" ] && echo; done | wc -l)"
expect "... each in its producer's order" "" \
	"$(for w in 1 2 3; do
		awk '{ if ($2 <= last[$1]) print; last[$1] = $2 }' "$T/w.$w"
	done | head -n 3)"
wait "$pid_ja" "$pid_jb"
expect "the JetStream import drops no redelivery it passed on" \
	"$N 0 1" "$(stat_of "$T/jb" msgs) $(stat_of "$T/jb" refused) $(stat_of "$T/jb" eof)"
at B "$C" rm wq

echo "# $(date +%T) restart"
# 6. The NATS server killed and restarted mid-stream: nothing lost.
M=$((N / 10))
at A "$C" create rs -c 256; at B "$C" create rs -c 256
bridge B rb -J -i rs; bridge A ra -J -e rs
at B "$C" recv rs -w >"$T/rs.out" &
worker=$!
seq -f "m %.0f" 1 $M | at A "$C" send rs &
feeder=$!
for _ in $(seq 300); do
	[ "$(stat_of "$T/rb" msgs)" -ge $((M / 4)) ] 2>/dev/null && break
	sleep 0.1
done
kill -9 "$srv"; wait "$srv" 2>/dev/null
restarted_at=$(stat_of "$T/rb" msgs)
sleep 1
server
wait "$feeder"
at A "$C" rm rs
timeout 300 tail --pid="$worker" -f /dev/null
expect "the server was killed mid-stream" 1 \
	"$([ "$restarted_at" -gt 0 ] && [ "$restarted_at" -lt $M ] && echo 1)"
expect "all $M messages arrive across the restart" "$M" \
	"$(sort -u "$T/rs.out" | wc -l)"
expect "... none twice" "$M" "$(wc -l <"$T/rs.out")"
wait "$pid_ra" "$pid_rb"
expect "both bridges saw the end of stream" "1 1" \
	"$(stat_of "$T/ra" eof) $(stat_of "$T/rb" eof)"
at B "$C" rm rs
echo "# $(date +%T) killed importer"
# 7. An importer killed while it holds messages it could not hand on (its
# worker stopped, the channel full): they come again, to the new importer,
# after the ack wait, and the end of stream waits for them.
M=$((N / 20))
at A "$C" create ki -c 256; at B "$C" create ki -c 16
bridge B kb -J -i ki; bridge A ka -J -e ki
nsenter -t "${ns[B]}" --ipc -- "$C" recv ki -w >"$T/ki.out" &
worker=$!
seq -f "k %.0f" 1 $M | at A "$C" send ki &
feeder=$!
for _ in $(seq 300); do
	[ "$(stat_of "$T/kb" msgs)" -ge $((M / 4)) ] 2>/dev/null && break
	sleep 0.1
done
kill -STOP "$worker"
sleep 2
kill -9 "$pid_kb"; wait "$pid_kb" 2>/dev/null
held=$(($(stat_of "$T/kb" msgs) - $(wc -l <"$T/ki.out")))
rm -f "$T/kb"
bridge B kb -J -i ki
kill -CONT "$worker"
wait "$feeder"
at A "$C" rm ki
timeout 300 tail --pid="$worker" -f /dev/null
expect "the importer was killed holding messages" 1 \
	"$([ "$held" -gt 0 ] && echo 1)"
expect "all $M messages arrive across the importer's death" "$M" \
	"$(sort -u "$T/ki.out" | wc -l)"
wait "$pid_ka" "$pid_kb"
expect "the new importer carried the end of stream" 1 "$(stat_of "$T/kb" eof)"
at B "$C" rm ki
echo "# $(date +%T) full stream"
# 8. A full stream holds the export back, and so the local senders; once
# an importer drains it, everything arrives, in order.
at A "$C" create bp -c 16; at B "$C" create bp -c 256
bridge A pa -J -m 100 -e bp
seq 1 1000 | at A "$C" send bp &
feeder=$!
sleep 3
expect "with the stream full the sender waits, its channel full" "1 16" \
	"$(kill -0 "$feeder" 2>/dev/null && echo 1) $(at A "$C" ls | awk '$2 == "bp" { print $9 }')"
expect "... and the export retries" 1 "$([ "$(stat_of "$T/pa" resent)" -gt 0 ] && echo 1)"
at_t 120 B "$C" recv bp -w >"$T/bp.out" &
worker=$!
bridge B pb -J -i bp
wait "$feeder"
at A "$C" rm bp
wait "$worker"
expect "once drained, all 1000 arrive in order" "$(seq 1 1000 | md5sum)" \
	"$(md5sum <"$T/bp.out")"
wait "$pid_pa" "$pid_pb"
at B "$C" rm bp
echo "# $(date +%T) end"
exit $failed
