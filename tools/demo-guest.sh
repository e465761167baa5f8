#!/bin/bash
# Runs inside the demo guest (see tools/demo.sh): chanctl at work.
C=build/tools/chanctl
say() { echo; echo "--- $*"; }
run() { shift; echo "\$ chanctl $*"; "$C" "$@"; }

echo "=== chan demo on Linux $(uname -r)"
run $C version

say "a named work queue: three jobs in, then a worker takes them in order"
run $C create jobs -c 8 -m 256 -M 0644
run $C send jobs "build the kernel" "run the tests" "ship it"
run $C ls
run $C recv jobs

say "a 4-slot telemetry ring with the overwrite policy keeps the newest"
run $C create telemetry -c 4 -p overwrite
for i in $(seq 1 10); do $C send telemetry "sample $i"; done
echo "(sent sample 1 .. sample 10)"
run $C stat telemetry -n 1
run $C recv telemetry

say "permissions: 'jobs' is 0644, so user nobody may receive but not send"
echo "\$ setpriv --reuid=nobody chanctl send jobs intruder"
setpriv --reuid=65534 --regid=65534 --clear-groups $C send jobs intruder
echo "(exit status $?)"

say "broadcast: every subscriber gets every message sent after it joined"
run $C create news -k broadcast -c 8
echo "\$ chanctl recv news -n 2 -w   # twice, in the background: two subscribers"
$C recv news -n 2 -w >/tmp/sub1 &
$C recv news -n 2 -w >/tmp/sub2 &
sleep 0.5
run $C send news "6.12 is out" "chan has broadcast"
wait
echo "subscriber 1:"; sed 's/^/  /' /tmp/sub1
echo "subscriber 2:"; sed 's/^/  /' /tmp/sub2
run $C rm news

say "a mappable ring: libchan moves messages through it without system calls;"
echo "    read(), write() and chanctl still work on the same ring"
run $C create fast --mmap -c 16 -m 64
run $C send fast "through the" "mapped ring"
run $C recv fast
run $C rm fast

say "kernel code feeding user space: a module's kthread sends into a channel"
S=$(dirname "$CHAN_KO")/samples
echo "\$ insmod chan_k2k_prod.ko name=kernel.feed count=5 text=1"
insmod "$S/chan_k2k_prod.ko" name=kernel.feed count=5 text=1
sleep 0.5
run $C ls
run $C recv kernel.feed
rmmod chan_k2k_prod

say "removing the names frees the channels"
run $C rm jobs
run $C rm telemetry
run $C ls
echo
echo "=== end of demo"
