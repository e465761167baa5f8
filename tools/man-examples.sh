#!/usr/bin/env bash
# Compile every example in the man pages (between '.\" begin example' and
# '.\" end example') and check the pages render without warnings.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
for page in "$top"/docs/man/*.[1-8]; do
	if LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null | grep .; then
		echo "not ok - $(basename "$page") renders with warnings"
		rc=1
	fi
	awk -v dir="$work" '
		/^\.\\" begin example/ { f = dir "/" $4; on = 1; next }
		/^\.\\" end example/ { on = 0; next }
		on && !/^\.(EX|EE)$/ { gsub(/\\e/, "\\"); gsub(/\\-/, "-"); print > f }
	' "$page"
done
for src in "$work"/*.c; do
	[ -f "$src" ] || continue
	if gcc -Wall -Werror -Wno-unused-result -I"$top/include/uapi" \
		-I"$top/tools/lib/chan" -o "${src%.c}" "$src" \
		"$top/tools/lib/chan/libchan.c" 2>"$work/err"; then
		echo "ok - man example $(basename "$src") compiles"
	else
		echo "not ok - man example $(basename "$src") compiles"
		sed 's/^/# /' "$work/err"
		rc=1
	fi
done
exit $rc
