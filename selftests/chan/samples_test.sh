#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel API samples: one module feeding another (unloaded in either
# order), a kernel producer feeding user space, and the netfilter tap
# captured to a pcap file that tshark must read.
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TMPDIR:-/tmp}	# /run/tmp when the project itself lives in /tmp (guest.sh)
S=$(dirname "${CHAN_KO:?}")/samples
C=$top/build/tools/chanctl
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
skip() { n=$((n + 1)); echo "ok $n $1 # SKIP $2"; }
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		nok "$1"; echo "#   want: $2"; echo "#   got:  $3"; fi
}
param() { cat "/sys/module/$1/parameters/$2"; }
wait_for() {	# wait_for MODULE PARAM VALUE
	local k
	for k in $(seq 1 600); do
		[ "$(param "$1" "$2" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

echo "TAP version 13"
echo "1..15"

# Kernel to kernel, consumer unloaded first, then producer first.
for order in cons-first prod-first; do
	insmod "$S/chan_k2k_prod.ko" name=kernel.k2k.$order count=20000
	insmod "$S/chan_k2k_cons.ko" name=kernel.k2k.$order
	wait_for chan_k2k_cons done Y
	expect "k2k ($order): every message arrived, in order" \
		"20000 0 Y" "$(param chan_k2k_cons received) $(param chan_k2k_cons errors) $(param chan_k2k_cons done)"
	if [ $order = cons-first ]; then
		rmmod chan_k2k_cons && rmmod chan_k2k_prod
	else
		rmmod chan_k2k_prod && rmmod chan_k2k_cons
	fi
	expect "k2k ($order): both unload" 0 $?
done

# Unloading the consumer while the producer is still blocked sending.
insmod "$S/chan_k2k_prod.ko" name=kernel.k2k.busy count=1000000
insmod "$S/chan_k2k_cons.ko" name=kernel.k2k.busy
sleep 0.5
rmmod chan_k2k_cons && rmmod chan_k2k_prod
expect "k2k: unloading mid-stream is safe" 0 $?

# A kernel producer feeding user space through a name.
insmod "$S/chan_k2k_prod.ko" name=kernel.k2k.user count=50
wait_for chan_k2k_prod sent 50
got=$("$C" recv -x kernel.k2k.user | wc -l)
expect "kernel producer -> chanctl recv: 50 messages" 50 "$got"
first=$("$C" recv -x kernel.k2k.user -n 1)
expect "after draining, nothing is left" "" "$first"
rmmod chan_k2k_prod
expect "the channel goes with the producer's name" "" \
	"$("$C" ls | grep -w kernel.k2k.user)"

# The netfilter tap: built wherever the kernel has netfilter.
if [ ! -f "$S/chan_nftap.ko" ]; then
	for t in udp-count udp-addrs udp-payloads tshark-udp tcp-payload \
		tshark-tcp tap-detached queue-only disarms-without-reader; do
		if [ -d /proc/sys/net/netfilter ] ||
			grep -qw nf_register_net_hook /proc/kallsyms; then
			nok "nftap $t: chan_nftap.ko was not built"
		else
			skip "nftap $t" "kernel without netfilter"
		fi
	done
	exit $failed
fi
insmod "$S/chan_nftap.ko" proto=17 port=5555 snaplen=128
"$top/build/tools/chan-pcap" -w $T/udp.pcap -c 10 -t 60 2>"$T/pcap.err" &
pcap=$!
for k in $(seq 1 100); do
	[ "$(param chan_nftap attach_fd)" != 0 ] && break
	sleep 0.1
done
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(10):
    s.sendto(b"pkt-%d" % i, ("127.0.0.1", 5555))
PY
wait $pcap
expect "nftap: chan-pcap wrote 10 UDP packets" \
	"chan-pcap: 10 packets written to $T/udp.pcap, 0 dropped by the tap" \
	"$(tail -n1 $T/pcap.err)"
fields=$(tshark -r $T/udp.pcap -T fields -e ip.src -e ip.dst -e udp.dstport \
	2>/dev/null | sort -u)
expect "nftap: tshark sees loopback addresses and port 5555" \
	"$(printf '127.0.0.1\t127.0.0.1\t5555')" "$fields"
payloads=$(tshark -r $T/udp.pcap -T fields -e data.data 2>/dev/null |
	xxd -r -p | tr -d '\n')
expect "nftap: payloads pkt-0 .. pkt-9 in order" \
	"pkt-0pkt-1pkt-2pkt-3pkt-4pkt-5pkt-6pkt-7pkt-8pkt-9" "$payloads"
expect "nftap: tshark counts 10 packets" 10 \
	"$(tshark -r $T/udp.pcap 2>/dev/null | wc -l)"
rmmod chan_nftap

insmod "$S/chan_nftap.ko" proto=6 port=5556 snaplen=256
"$top/build/tools/chan-pcap" -w $T/tcp.pcap -t 8 2>"$T/pcap.err" &
pcap=$!
for k in $(seq 1 100); do
	[ "$(param chan_nftap attach_fd)" != 0 ] && break
	sleep 0.1
done
python3 - <<'PY'
import socket, threading
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 5556)); srv.listen(1)
def serve():
    c, _ = srv.accept(); c.recv(100); c.sendall(b"hello-back"); c.close()
t = threading.Thread(target=serve); t.start()
c = socket.create_connection(("127.0.0.1", 5556)); c.sendall(b"hello-tcp")
c.recv(100); c.close(); t.join()
PY
wait $pcap
tcp=$(tshark -r $T/tcp.pcap -T fields -e tcp.payload 2>/dev/null |
	xxd -r -p | tr -d '\n')
expect "nftap: TCP payloads in both directions" "hello-tcphello-back" "$tcp"
syn=$(tshark -r $T/tcp.pcap -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' \
	-T fields -e tcp.dstport 2>/dev/null)
expect "nftap: tshark parses the SYN to port 5556" 5556 "$syn"
expect "nftap: detached after capture" 0 "$(param chan_nftap attach_fd)"

# Only a queue channel is taken; a tap whose reader died without
# detaching (SIGKILL) disarms itself at the next packet.
python3 - <<'PY' >"$T/nftap.py.out" 2>&1
import fcntl, os, socket, struct, time
CREATE = (3 << 30) | (64 << 16) | (0xC4 << 8) | 0x01
def make(kind):
    dev = os.open("/dev/chan", os.O_RDWR)
    c = bytearray(struct.pack("<IIIIIIIIQiiQQ", 64, kind, 0, 0, 8, 4200,
                              0, 0, 0, -1, -1, 0, 0))
    fcntl.ioctl(dev, CREATE, c)
    return struct.unpack_from("<ii", c, 40)
def attach(fd):                    # unbuffered: the write's errno is ours
    p = os.open("/sys/module/chan_nftap/parameters/attach_fd", os.O_WRONLY)
    try:
        os.write(p, str(fd).encode())
    finally:
        os.close(p)
r, s = make(4)                     # broadcast
try:
    attach(s)
    print("broadcast accepted")
except OSError as e:
    print("broadcast refused", e.errno)
P = "/sys/module/chan_nftap/parameters/"
open(P + "proto", "w").write("17")
open(P + "port", "w").write("5557")
r, s = make(1)                     # queue
attach(s)
os.close(r)                        # the reader goes, the tap stays armed
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(b"nobody-reads", ("127.0.0.1", 5557))
for i in range(50):
    if open("/sys/module/chan_nftap/parameters/attach_fd").read().strip() == "0":
        print("disarmed"); break
    time.sleep(0.1)
else:
    print("still armed")
PY
expect "nftap: a broadcast channel is refused" "broadcast refused 22" \
	"$(sed -n 1p $T/nftap.py.out)"
expect "nftap: disarms once its reader is gone" "disarmed" \
	"$(sed -n 2p $T/nftap.py.out)"
rmmod chan_nftap
exit $failed
