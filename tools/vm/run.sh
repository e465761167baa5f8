#!/usr/bin/env bash
# Boot a kernel in QEMU, load chan.ko, run a command in the guest and return
# its exit status.
#
# usage: tools/vm/run.sh [options] [--] COMMAND [ARGS...]
#   -r REL     Debian kernel release to boot (default: newest installed)
#   -i IMAGE   kernel image (default: /boot/vmlinuz-REL)
#   -m MODDIR  module tree holding virtio/9p (default: /lib/modules/REL;
#              "none" when they are built in)
#   -K KO      chan.ko to load (default: this tree's build for REL; "none")
#   -a ARGS    module parameters for chan.ko
#   -A ARGS    extra kernel command line
#   -o DIR     output directory (default: build/vm/REL); keeps console.log,
#              dmesg and status for post-mortem
#   -t SECS    host-side timeout (default: 900)
#   -c CPUS    guest vCPUs (default: 2);  -M MB  guest memory (default: 2048)
#   -q         do not echo the guest console
#   --kvm      use KVM instead of TCG
#
# Guests boot with tsc=reliable: under TCG on a loaded host the clocksource
# watchdog can otherwise mark the TSC unstable mid-run, and guests have died
# while the kernel re-patched sched_clock (a test-bed failure, not chan's).
#
# Fails on: a non-zero command status, a kernel panic, a timeout, a missing
# exit status, rmmod failing, a taint other than O/E, and any BUG:,
# WARNING:, KASAN:, UBSAN:, Call Trace, Oops or INFO: line in the guest's
# kernel log.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rel= image= moddir= ko= koargs= cmdline= out= timeout=900 cpus=2 mem=2048 quiet=0
accel=tcg,thread=multi
while [ $# -gt 0 ]; do
	case "$1" in
	-r) rel=$2; shift 2 ;;
	-i) image=$2; shift 2 ;;
	-m) moddir=$2; shift 2 ;;
	-K) ko=$2; shift 2 ;;
	-a) koargs=$2; shift 2 ;;
	-A) cmdline=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-t) timeout=$2; shift 2 ;;
	-c) cpus=$2; shift 2 ;;
	-M) mem=$2; shift 2 ;;
	-q) quiet=1; shift ;;
	--kvm) accel=kvm; shift ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || { echo "run.sh: no command" >&2; exit 2; }
[ -n "$rel" ] || rel=$("$top/tools/kernels.sh" | tail -n1)
[ -n "$image" ] || image=/boot/vmlinuz-$rel
[ -n "$moddir" ] || moddir=/lib/modules/$rel
[ -n "$ko" ] || ko=$top/build/kmod-linux-headers-$rel/kmod/chan.ko
[ "$ko" != none ] || ko=
[ -n "$out" ] || out=$top/build/vm/$rel
[ -z "$ko" ] || [ -f "$ko" ] || { echo "run.sh: no module $ko" >&2; exit 2; }

mkdir -p "$out" "$top/build/vm"
rm -f "$out/status" "$out/dmesg" "$out/console.log"
initrd=$top/build/vm/initramfs-$(basename "$moddir").cpio.gz
if [ ! -f "$initrd" ] || [ "$top/tools/vm/init" -nt "$initrd" ] ||
	[ "$top/tools/vm/mkinitramfs.sh" -nt "$initrd" ]; then
	"$top/tools/vm/mkinitramfs.sh" "$moddir" "$initrd" || exit 1
fi

{
	echo "CHAN_PROJECT=$(printf %q "$top")"
	echo "CHAN_KO=$(printf %q "$ko")"
	echo "CHAN_KO_ARGS=$(printf %q "$koargs")"
} >"$out/job.env"
printf '%q ' "$@" >"$out/cmd.sh"
echo >>"$out/cmd.sh"
cat >"$out/job.sh" <<EOS
exec /bin/bash $(printf %q "$top")/tools/vm/guest.sh
EOS

qemu=(qemu-system-x86_64 -accel "$accel" -cpu max -smp "$cpus" -m "$mem"
	-display none -monitor none -serial stdio -no-reboot
	-kernel "$image" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 oops=panic log_buf_len=8M quiet tsc=reliable $cmdline"
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$out,mount_tag=chanout,security_model=none,multidevs=remap")

if [ $quiet = 1 ]; then
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null >"$out/console.log" 2>&1
else
	timeout -k 10 "$timeout" "${qemu[@]}" </dev/null 2>&1 | tee "$out/console.log"
fi
qrc=${PIPESTATUS[0]}

fail() {
	echo "run.sh: FAIL ($(basename "$image")): $*" >&2
	echo "run.sh: guest log kept in $out/console.log" >&2
	exit 1
}
[ "$qrc" -ne 124 ] && [ "$qrc" -ne 137 ] || fail "guest hung (timeout ${timeout}s)"
grep -q 'Kernel panic' "$out/console.log" && fail "kernel panic"
[ -s "$out/status" ] || fail "no exit status from the guest"
splat='BUG:|WARNING:|KASAN:|UBSAN:|Call Trace|Oops|general protection|INFO: |kmemleak: .*new suspected'
if grep -E "$splat" "$out/dmesg" >"$out/splats" 2>/dev/null; then
	head -n 20 "$out/splats" >&2
	fail "kernel splat in the guest log (see $out/dmesg)"
fi
status=$(cat "$out/status")
[ "$status" = 0 ] || fail "guest command exited with status $status"
exit 0
