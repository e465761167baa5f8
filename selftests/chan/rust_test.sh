#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernels: skip - it tests user-space code; the C selftests reach
# the same kernel paths there (tools/vm/run-selftests.sh).
# The Rust binding (tools/bindings/rust): its integration tests, built by
# tools/bindings/rust/build.sh build/bindings/rust, as TAP.
#
# Runs every binary of build/bindings/rust/tests one test at a time and
# turns libtest's "test NAME ... ok|FAILED|ignored" lines into "ok N -
# BIN::NAME", "not ok N - BIN::NAME" and "ok N - BIN::NAME # SKIP".  Where
# there is no /dev/chan (the host: no module) every test returns at once,
# and passing ones are reported as SKIP.  A test that a binary listed but
# never reported (it crashed or hung) is "not ok".  Exits non-zero if any
# test or binary failed.
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$top/build/bindings/rust/tests
per_bin_timeout=${CHAN_RUST_TEST_TIMEOUT:-300}
# The guests have no /dev/fd, so no process substitution: the parsing loop
# is the last command of a pipeline, run in this shell.
shopt -s lastpipe

echo "TAP version 13"
bins=()
if [ -d "$dir" ]; then
	for b in "$dir"/*; do
		[ -f "$b" ] && [ -x "$b" ] && bins+=("$b")
	done
fi
if [ ${#bins[@]} -eq 0 ]; then
	# make check builds it (make bindings): missing is a failure.
	echo "1..1"
	echo "not ok 1 - rust binding not built (make bindings)"
	exit 1
fi

skip_note=
[ -e /dev/chan ] || skip_note=" # SKIP no /dev/chan"

# The plan first: every test each binary lists.
total=0
for b in "${bins[@]}"; do
	n=$("$b" --list 2>/dev/null | grep -c ': test$')
	total=$((total + n))
done
echo "1..$total"

num=0 bad=0
declare -A want seen
# One TAP line for test NAME of binary $bin, once.
report() {	# NAME RESULT
	local name=$1 res=$2
	if [ -z "${want[$name]:-}" ] || [ -n "${seen[$name]:-}" ]; then
		echo "# $bin: unexpected result for $name: $res"
		return
	fi
	seen[$name]=1
	num=$((num + 1))
	case "$res" in
	ok) echo "ok $num - $bin::$name$skip_note" ;;
	ignored*) echo "ok $num - $bin::$name # SKIP ignored" ;;
	*) echo "not ok $num - $bin::$name"; bad=1 ;;
	esac
}

for b in "${bins[@]}"; do
	bin=$(basename "$b")
	want=() seen=()
	names=$("$b" --list 2>/dev/null | sed -n 's/: test$//p')
	while IFS= read -r t; do
		[ -n "$t" ] && want[$t]=1
	done <<<"$names"

	pending=
	t0=$SECONDS
	timeout -k 5 "$per_bin_timeout" "$b" --test-threads=1 2>&1 |
	while IFS= read -r line; do
		if [[ $line =~ ^test\ ([^ ]+)\ \.\.\.\ (ok|FAILED|ignored.*)$ ]]; then
			report "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			pending=
		elif [[ $line =~ ^test\ ([^ ]+)\ \.\.\.\ ?(.*)$ ]]; then
			# The result comes later, after output the test let through.
			pending=${BASH_REMATCH[1]}
			[ -n "${BASH_REMATCH[2]}" ] && echo "# ${BASH_REMATCH[2]}"
		elif [ -n "$pending" ] && [[ $line =~ (^|[[:space:]])(ok|FAILED|ignored.*)$ ]]; then
			report "$pending" "${BASH_REMATCH[2]}"
			pending=
		elif [ -n "$line" ]; then
			echo "# $line"
		fi
	done
	rc=${PIPESTATUS[0]}
	echo "# $bin: exit status $rc, $((SECONDS - t0)) s"
	for t in "${!want[@]}"; do
		if [ -z "${seen[$t]:-}" ]; then
			num=$((num + 1))
			echo "not ok $num - $bin::$t # no result (exit status $rc)"
			bad=1
		fi
	done
	if [ "$rc" != 0 ]; then
		bad=1
	fi
done
exit $bad
