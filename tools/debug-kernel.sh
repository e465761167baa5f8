#!/usr/bin/env bash
# Build (once) a debug kernel from Debian's linux-source-6.12 and print its
# build directory.  The build is cached under $CHAN_CACHE (default
# /var/cache/chan), keyed by the config fragments and the source version,
# and rebuilt when missing.
# usage: tools/debug-kernel.sh kasan|kcsan
set -euo pipefail
name=$1
top=$(cd "$(dirname "$0")/.." && pwd)
frag=$top/tools/kconfig
src=$("$top/tools/linux-src.sh")
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(cat "$frag/base.config" "$frag/$name.config" | sha256sum | cut -c1-12)
out=${CHAN_CACHE:-/var/cache/chan}/kernel-$name-$srcver-$key

if [ -f "$out/.chan-done" ]; then
	echo "$out"
	exit 0
fi
echo "debug-kernel: building $name kernel in $out (a few minutes)" >&2
rm -rf "$out"
mkdir -p "$out"
{
	make -C "$src" O="$out" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$frag/base.config" "$frag/$name.config"
	make -C "$src" O="$out" olddefconfig
} >"$out/build.log" 2>&1

# Every option the fragments ask for must have survived olddefconfig.
missing=0
for opt in $(grep -h '^CONFIG_.*=y' "$frag/base.config" "$frag/$name.config"); do
	if ! grep -qx "$opt" "$out/.config"; then
		echo "debug-kernel: $opt did not stick" >&2
		missing=1
	fi
done
[ $missing = 0 ] || exit 1

if ! make -C "$src" O="$out" -j"$(nproc)" bzImage modules \
	>>"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	exit 1
fi
touch "$out/.chan-done"
# Older builds of this kernel (other fragments or sources) are stale.
for old in "${out%/*}/kernel-$name-"*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out"
