#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernels: skip - it tests user-space code; the C selftests reach
# the same kernel paths there (tools/vm/run-selftests.sh).
# The documentation's transcripts, run: every block of the man pages
# between '.\" begin transcript NAME' and '.\" end transcript', and every
# README block after '<!-- transcript NAME -->'.  A line '$ CMD' is a
# command, a line '> MORE' continues it (a here-document, say); the other
# lines after it, up to the next command, are its exact standard output.
# The commands of one block run in one shell, in a scratch directory
# holding links to the sample modules and to build/, with the tools on
# PATH, the Python binding on PYTHONPATH and umask 022; each must succeed.
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TMPDIR:-/tmp}	# /run/tmp when the project itself lives in /tmp (guest.sh)
S=$(dirname "${CHAN_KO:?}")/samples
work=$(mktemp -d "$T/docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0 failed=0

# Every transcript as FILE.txt in $work/t, man escapes undone.
mkdir -p "$work/t"
for page in "$top"/docs/man/*.[1-8]; do
	awk -v dir="$work/t" '
		/^\.\\" begin transcript/ { f = dir "/" $4 ".txt"; on = 1; next }
		/^\.\\" end transcript/ { on = 0; next }
		on && !/^\.(EX|EE)$/ {
			gsub(/\\-/, "-"); gsub(/\\\(aq/, "\047");
			gsub(/\\\(dq/, "\""); gsub(/\\e/, "\\"); print > f
		}' "$page"
done
awk -v dir="$work/t" '
	/^<!-- transcript / { f = dir "/" $3 ".txt"; want = 1; next }
	want && /^```/ { on = 1; want = 0; next }
	on && /^```/ { on = 0; next }
	on { print > f }' "$top/README.md"

echo "TAP version 13"
echo "1..$(ls "$work/t" | wc -l)"
for t in "$work"/t/*.txt; do
	name=$(basename "$t" .txt)
	run=$work/run.$name
	mkdir -p "$run"
	ln -sf "$S"/*.ko "$run/"
	ln -s "$top/build" "$run/build"	# README's build/bindings/..., build/readme/...
	# The script prints a marker before each command; so does the want.
	awk '/^\$ / { k++; print "echo \"@@ " k "\""; print substr($0, 3); next }
		/^> / { print substr($0, 3) }' "$t" >"$run/script"
	awk '/^\$ / { k++; print "@@ " k; next } /^> / { next } { print }' \
		"$t" >"$run/want"
	(cd "$run" && umask 022 && PATH=$top/build/tools:$PATH \
		PYTHONPATH=$top/tools/bindings/python PYTHONDONTWRITEBYTECODE=1 \
		bash -e script \
		>"$run/got" 2>"$run/err")
	rc=$?
	n=$((n + 1))
	if [ $rc -eq 0 ] && cmp -s "$run/want" "$run/got"; then
		echo "ok $n transcript $name"
	else
		failed=1
		echo "not ok $n transcript $name (exit $rc)"
		diff "$run/want" "$run/got" | sed 's/^/#   /'
		sed 's/^/#   stderr: /' "$run/err" | head -n 20
	fi
done
exit $failed
