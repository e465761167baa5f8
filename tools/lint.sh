#!/usr/bin/env bash
# make lint: checkpatch --strict, sparse (C=2) and W=1 builds against every
# installed Debian kernel, kernel-doc, the uapi header on its own in C90, and
# the layers of kmod/README (tools/layers.py).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
src=$(tools/linux-src.sh)
[ -f "$src/scripts/checkpatch.pl" ] || { echo "lint: no linux-source tree"; exit 1; }
bad=0
ksrc=$(find kmod include -name '*.[ch]' | sort)

echo "lint: checkpatch --strict"
for f in $ksrc; do
	perl "$src/scripts/checkpatch.pl" --strict --no-tree --quiet \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" || bad=1
done

echo "lint: kernel-doc"
if perl "$src/scripts/kernel-doc" -none -Wall $ksrc 2>&1 | grep .; then
	bad=1
fi

echo "lint: uapi header, -std=c90 standalone"
gcc -std=c90 -pedantic -Wall -Werror -fsyntax-only -Iinclude/uapi \
	-x c include/uapi/linux/chan.h || bad=1

echo "lint: layers"
python3 tools/layers.py || bad=1

mkdir -p "$top/build"
for rel in $(tools/kernels.sh); do
	echo "lint: sparse C=2 and W=1 against $rel"
	log=$top/build/lint-$rel.log
	tools/build-module.sh "/usr/src/linux-headers-$rel" \
		"$top/build/lint-$rel" C=2 >"$log" 2>&1 || { cat "$log"; bad=1; }
	if grep -E 'warning|error' "$log"; then
		bad=1
	fi
done

if [ $bad -ne 0 ]; then
	echo "lint: FAILED"
	exit 1
fi
echo "lint: clean"
