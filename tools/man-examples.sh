#!/usr/bin/env bash
# Compile every example in the man pages (between '.\" begin example' and
# '.\" end example') and every C block of README.md, check that README's
# copies of the binding examples are the files, that the pages render
# without warnings, and that every make target README names exists.  The
# shell transcripts run in the guests (selftests/chan/docs_test.sh).
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
# README's C blocks: whole programs as they are, fragments inside a main().
awk -v dir="$work" '
	/^```c$/ { k++; f = dir "/readme-" k ".c"; on = 1; n = 0; next }
	on && /^```/ {
		on = 0
		if (!whole) {
			print "#include <fcntl.h>\n#include <sys/ioctl.h>\n#include <unistd.h>\n#include <linux/chan.h>\nint main(void)\n{" > f
		}
		for (i = 1; i <= n; i++) print line[i] > f
		if (!whole) print "\treturn 0;\n}" > f
		whole = 0; next
	}
	on { line[++n] = $0; if ($0 ~ /^int main/) whole = 1 }
' "$top/README.md"
for src in "$work"/*.c; do
	[ -f "$src" ] || continue
	# A README fragment may leave a result it shows unused.
	case $src in */readme-*) extra=-Wno-unused-variable ;; *) extra= ;; esac
	if gcc -Wall -Werror -Wno-unused-result $extra -I"$top/include/uapi" \
		-I"$top/tools/lib/chan" -o "${src%.c}" "$src" \
		"$top/tools/lib/chan/libchan.c" -luring 2>"$work/err"; then
		echo "ok - man example $(basename "$src") compiles"
		# "// example: NAME" first: kept as build/readme/NAME, for
		# README's transcripts to run in the guests.
		name=$(sed -n '1s|^// example: \([a-z0-9-]*\)$|\1|p' "$src")
		if [ -n "$name" ]; then
			mkdir -p "$top/build/readme"
			cp "${src%.c}" "$top/build/readme/$name"
		fi
	else
		echo "not ok - man example $(basename "$src") compiles"
		sed 's/^/# /' "$work/err"
		rc=1
	fi
done
# A README block after "<!-- file PATH -->" is PATH, verbatim (the Go and
# Rust examples, which make bindings builds and the guests run).
awk -v dir="$work" '
	/^<!-- file / { path = $3; want = 1; next }
	want && /^```/ { on = 1; want = 0; k++; f = dir "/block-" k;
		print path > (f ".path"); printf "" > f; next }
	on && /^```/ { on = 0; next }
	on { print > f }' "$top/README.md"
for f in "$work"/block-*.path; do
	[ -f "$f" ] || continue
	path=$(cat "$f")
	if cmp -s "${f%.path}" "$top/$path"; then
		echo "ok - README's copy of $path is the file"
	else
		echo "not ok - README's copy of $path is the file"
		diff "${f%.path}" "$top/$path" | sed 's/^/# /'
		rc=1
	fi
done
# Every make target README names exists.
for t in $(grep -oE '^ +make [a-z][a-z-]*|`make [a-z][a-z-]*' "$top/README.md" |
	awk '{ print $NF }' | sort -u); do
	if make -C "$top" -n "$t" >/dev/null 2>&1; then
		echo "ok - README's make $t exists"
	else
		echo "not ok - README's make $t exists"
		rc=1
	fi
done
exit $rc
