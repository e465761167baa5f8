#!/bin/bash
# Runs inside the guest, in the host's root (read-only) moved over /.
# Sets up writable mounts, loads chan.ko, runs the job's command, unloads
# the module and records dmesg, taint and the exit status in the output
# share.  The host treats a missing status file as a failure.
OUT=/run/chan-out
# shellcheck source=/dev/null
. "$OUT/job.env"

mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
# A tmpfs over /tmp would hide a project that lives under /tmp.
case "$CHAN_PROJECT/" in
/tmp/*) mkdir -p -m 1777 /run/tmp; export TMPDIR=/run/tmp ;;
*) mount -t tmpfs tmpfs /tmp ;;
esac
ip link set lo up 2>/dev/null
echo 7 >/proc/sys/kernel/printk
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export CHAN_GUEST=1 CHAN_OUT=$OUT CHAN_KO CHAN_KO_ARGS
cd "$CHAN_PROJECT" || exit 1

rc=0
# O (out of tree), E (unsigned), N (KUnit ran)
allowed_taint=$(( (1 << 12) | (1 << 13) | (1 << 18) ))
if [ -n "$CHAN_KO" ]; then
	if ! insmod "$CHAN_KO" $CHAN_KO_ARGS; then
		echo "guest: insmod $CHAN_KO failed"
		echo 1 >"$OUT/status"
		exit 1
	fi
fi

bash "$OUT/cmd.sh"
rc=$?
echo "guest: command exited with status $rc"

if [ -n "$CHAN_KO" ] && grep -q '^chan ' /proc/modules; then
	if ! rmmod chan; then
		echo "guest: rmmod chan failed"
		rc=1
	fi
fi
dmesg >"$OUT/dmesg"
taint=$(cat /proc/sys/kernel/tainted)
if [ $(( taint & ~allowed_taint )) -ne 0 ]; then
	echo "guest: kernel tainted: $taint"
	[ $rc -ne 0 ] || rc=1
fi
sync
echo "$rc" >"$OUT/status"
sync
exit "$rc"
