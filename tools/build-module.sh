#!/usr/bin/env bash
# Build chan.ko against one kernel tree in an output directory of its own,
# so builds for different kernels never clobber each other.
# usage: tools/build-module.sh KDIR OUTDIR [extra kbuild args...]
set -euo pipefail
kdir=$1 out=$(realpath -m "$2")
shift 2
top=$(cd "$(dirname "$0")/.." && pwd)

# Mirror the sources as symlinks: kbuild writes objects next to them.
mkdir -p "$out"
find "$out" -xtype l -delete 2>/dev/null || true
for f in Kbuild $(cd "$top" && find kmod include -type f \
	\( -name '*.c' -o -name '*.h' -o -name Kbuild \)); do
	mkdir -p "$out/$(dirname "$f")"
	ln -sf "$top/$f" "$out/$f"
done
exec make -C "$kdir" M="$out" W=1 "$@" modules
