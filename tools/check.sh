#!/usr/bin/env bash
# make check: lint, build everything, run the selftests in a guest of every
# installed Debian kernel and of the KASAN and KCSAN debug kernels, and
# print one summary line for all guests.
#   CHECK_FILTER=regex   run only matching test programs
#   CHECK_KERNELS=list   a subset of: debian kasan kcsan (default: all)
#   CHECK_NOLINT=1       skip the lint step
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
kernels=${CHECK_KERNELS:-debian kasan kcsan}
pass=0 fail=0 skip=0 bad=0 t0=$SECONDS
rows=()	# "label|release|passed|failed|skipped" per guest, for the results table
newest=$(tools/kernels.sh | tail -n1)

if [ "${CHECK_NOLINT:-0}" != 1 ]; then
	tools/lint.sh || bad=$((bad + 1))
fi
make -s modules selftests tools lib bindings || { echo "0 passed, 1 failed"; exit 1; }

# The ring core on the host's real cores, under ThreadSanitizer.
if [ -z "${CHECK_FILTER:-}" ] || echo ringtest | grep -qE "$CHECK_FILTER"; then
	for m in "stress spsc 1 1 200000" "stress mpsc 3 1 200000" \
		"stress spmc 1 3 200000" "stress mpmc 2 2 200000" \
		"stress mpmc 4 4 200000" "close spsc 1 1 200" \
		"close spmc 1 3 200" "close mpsc 3 1 200" "close mpmc 2 3 200"; do
		if TSAN_OPTIONS=halt_on_error=1 build/tools/ringtest-tsan \
			$m >build/ringtest.log 2>&1; then
			pass=$((pass + 1))
		else
			echo "[host] not ok ringtest-tsan $m"
			sed 's/^/[host] # /' build/ringtest.log | head -n 40
			fail=$((fail + 1))
		fi
	done
	echo "[host] ringtest under ThreadSanitizer: $pass passed, $fail failed"
	ringtest_pass=$pass ringtest_fail=$fail
fi

# Host checks that print "ok - ..." / "not ok - ..." lines.
host_tap() {
	local name=$1 p f
	shift
	[ -z "${CHECK_FILTER:-}" ] || echo "$name" | grep -qE "$CHECK_FILTER" ||
		return 0
	"$@" >"build/$name.log" 2>&1
	p=$(grep -c '^ok ' "build/$name.log")
	f=$(grep -c '^not ok ' "build/$name.log")
	grep -A20 '^not ok ' "build/$name.log" | sed "s/^/[host] /"
	echo "[host] $name: $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
	[ $((p + f)) -gt 0 ] || { echo "[host] $name ran no test"; bad=$((bad + 1)); }
	host_rows+=("$name $p")
	host_pass=$((host_pass + p)) host_fail=$((host_fail + f))
}
host_rows=() host_pass=0 host_fail=0

# pc_build LABEL CMD...: a libchan program builds with CMD's flags.
pc_build() {
	local label=$1 flags
	shift
	flags=$("$@") &&
		printf '%s\n' '#include <libchan.h>' \
			'int main(void) { struct chan_version v; return chan_version(&v); }' |
		gcc -x c -o build/pc-test - $flags 2>build/pc-test.log
	if [ $? -eq 0 ]; then echo "ok - $label: a libchan program builds";
	else echo "not ok - $label: a libchan program builds"; cat build/pc-test.log; fi
}

install_check() {
	local d
	d=$(mktemp -d)
	make -s install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1
	for f in usr/bin/chanctl usr/bin/chan-pcap usr/bin/chan-bridge \
		usr/include/linux/chan.h \
		usr/include/libchan.h usr/lib/libchan.a usr/lib/libchan.so.1 \
		usr/lib/pkgconfig/libchan.pc usr/share/man/man4/chan.4 \
		usr/share/man/man3/libchan.3 usr/share/man/man8/chanctl.8 \
		usr/share/man/man8/chan-pcap.8 usr/share/man/man8/chan-bridge.8 \
		usr/share/man/man7/chan-samples.7 \
		etc/udev/rules.d/60-chan.rules; do
		if [ -e "$d/$f" ]; then echo "ok - make install puts /$f";
		else echo "not ok - make install puts /$f"; fi
	done
	# libchan(3), BUILDING: what pkg-config gives compiles and links.
	pc_build "installed pkg-config" \
		env PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" \
		PKG_CONFIG_SYSROOT_DIR="$d" pkg-config --cflags --libs libchan
	pc_build "build-tree pkg-config" \
		env PKG_CONFIG_PATH=build/lib pkg-config --cflags --libs libchan
	if printf '#include <linux/chan.h>\nint v = CHAN_ABI_VERSION;\n' |
		gcc -I include -x c -c -o /dev/null - 2>/dev/null; then
		echo "not ok - -I include (the kernel header) fails, as libchan(3) says"
	else
		echo "ok - -I include (the kernel header) fails, as libchan(3) says"
	fi
	if ls "$d"/lib/modules/*/extra/chan.ko >/dev/null 2>&1; then
		echo "ok - make install puts chan.ko under /lib/modules"
	else
		echo "not ok - make install puts chan.ko under /lib/modules"
	fi
	rm -rf "$d"
	# The mode of /dev/chan is dev_mode's alone (chan(4), SECURITY).
	if grep -v '^#' tools/udev/60-chan.rules | grep -q 'MODE'; then
		echo "not ok - the udev rule sets no MODE"
	else
		echo "ok - the udev rule sets no MODE"
	fi
	if PKG_CONFIG_PATH=build/lib pkg-config --cflags --libs libchan |
		grep -q -- '-lchan'; then
		echo "ok - pkg-config finds libchan in the build tree"
	else
		echo "not ok - pkg-config finds libchan in the build tree"
	fi
	if build/tools/chan-pcap -h >/dev/null 2>&1; then
		echo "ok - chan-pcap -h exits 0"
	else
		echo "not ok - chan-pcap -h exits 0"
	fi
	if build/tools/chan-pcap --no-such-option >/dev/null 2>&1; then
		echo "not ok - chan-pcap refuses an unknown option"
	else
		echo "ok - chan-pcap refuses an unknown option"
	fi
}

host_tap model tools/model/check.sh
host_tap man-examples tools/man-examples.sh
host_tap dkms tools/dkms-check.sh
host_tap install install_check

# build/check-results.md: this run's table, with the kernel each guest
# really ran; tools/readme-results.sh puts it into README.md.
results_table() {
	local r label rel p f s what
	what=$(IFS=,; echo "${host_rows[*]}" | sed 's/,/, /g')
	echo "Run of $(date -u +%Y-%m-%d) at $(git rev-parse --short HEAD 2>/dev/null)" \
		"($(git status --porcelain 2>/dev/null | grep -q . && echo 'with local changes, ')$(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s):" \
		"**$pass passed, $fail failed, $skip skipped**."
	echo
	echo "| where | kernel | passed | failed | skipped |"
	echo "|---|---|---:|---:|---:|"
	echo "| host: ringtest under TSan ${ringtest_pass:-0}, $what | $(uname -r) (no module) | $((host_pass + ${ringtest_pass:-0})) | $((host_fail + ${ringtest_fail:-0})) | 0 |"
	for r in "${rows[@]}"; do
		IFS='|' read -r label rel p f s <<<"$r"
		echo "| $(guest_what "$label") | $rel | $p | $f | $s |"
	done
}

# What runs in the guest of @label.
guest_what() {
	case $1 in
	debug-kasan) echo "KASAN, lockdep, UBSAN, kmemleak, fault injection, KUnit, delay points" ;;
	debug-kcsan) echo "KCSAN (strict, weak-memory modelling), delay points" ;;
	"$newest") echo "Debian kernel, 64- and 32-bit callers" ;;
	*) echo "Debian kernel, 64-bit callers" ;;
	esac
}

# One guest: label, kernel image, module tree ("none": built in), chan.ko,
# extra kernel command line, "32" to run the 32-bit selftests too.
guest() {
	local label=$1 image=$2 moddir=$3 ko=$4 out=$top/build/vm/check-$1 rc
	local p f s try
	echo "== selftests on $label"
	for try in 1 2; do
		rm -f "$out/counts"	# never count an earlier run's results
		tools/vm/run.sh -q -i "$image" -m "$moddir" -K "$ko" -o "$out" \
			-A "${5:-}" -t 2400 -- tools/vm/run-selftests.sh \
			"${CHECK_FILTER:-.}" "${6:-}"
		rc=$?
		# A kernel that dies booting, before chan.ko was even loaded
		# (TCG rarely trips over early code patching), boots once more.
		[ $rc -ne 0 ] && [ $try = 1 ] && [ -f "$out/console.log" ] &&
			! grep -aq 'chan: loading out-of-tree module' \
				"$out/console.log" || break
		echo "[$label] the kernel failed to boot before chan was loaded:"
		grep -a -m3 -E 'Oops|panic|RIP:' "$out/console.log" |
			sed "s/^/[$label]   /"
		echo "[$label] booting it once more"
	done
	[ -f "$out/console.log" ] && grep -E '^not ok |^# (fuzz|op [0-9])' \
		"$out/console.log" | sed "s/^/[$label] /"
	if [ -s "$out/counts" ]; then
		read -r p f s <"$out/counts"
		echo "[$label] $p passed, $f failed, $s skipped"
		rows+=("$label|$(cat "$out/release" 2>/dev/null)|$p|$f|$s")
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	fi
	if [ $rc -ne 0 ]; then
		echo "[$label] guest FAILED (log: $out/console.log)"
		bad=$((bad + 1))
	fi
}

for k in $kernels; do
	case $k in
	debian)
		# The 32-bit callers (compat_ioctl) run on the newest only.
		for rel in $(tools/kernels.sh); do
			guest "$rel" "/boot/vmlinuz-$rel" "/lib/modules/$rel" \
				"$top/build/kmod-linux-headers-$rel/kmod/chan.ko" \
				"" "$([ "$rel" = "$newest" ] && echo 32)"
		done
		;;
	kasan|kcsan)
		if ! kdir=$(tools/debug-kernel.sh "$k"); then
			echo "[$k] debug kernel build FAILED"
			bad=$((bad + 1))
			continue
		fi
		# Debug kernels get the module's delay points (kmod/debug.h).
		if ! tools/build-module.sh "$kdir" "$top/build/kmod-debug-$k" \
			CHAN_DEBUG=y >"$top/build/kmod-debug-$k.log" 2>&1; then
			cat "$top/build/kmod-debug-$k.log"
			bad=$((bad + 1))
			continue
		fi
		# KCSAN starts once run-selftests.sh has set its filter.
		guest "debug-$k" "$kdir/arch/x86/boot/bzImage" none \
			"$top/build/kmod-debug-$k/kmod/chan.ko" \
			"$([ $k = kcsan ] && echo kcsan.early_enable=0)"
		;;
	esac
done

if [ $bad -ne 0 ] && [ $fail -eq 0 ]; then
	fail=$bad	# a failed guest or lint counts even if no test said so
fi
results_table >build/check-results.md
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $bad -eq 0 ] && [ $pass -gt 0 ]
