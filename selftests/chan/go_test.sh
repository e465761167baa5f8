#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernels: skip - it tests user-space code; the C selftests reach
# the same kernel paths there (tools/vm/run-selftests.sh).
# The Go binding (tools/bindings/go): its test binary, as TAP.  Build it
# first with tools/bindings/go/build.sh build/bindings/go.
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/bindings/go
test=$bin/kchan.test
if [ ! -x "$test" ]; then
	# make check builds it (make bindings): missing is a failure.
	echo "1..1"
	echo "not ok 1 - $test missing (make bindings)"
	exit 1
fi
export KCHAN_BIN=$bin

# The plan comes from the binary's own list, so that tests a crash kept
# from reporting count as failures.  (No process substitution: the test
# guests have no /dev/fd.)
list=$("$test" -test.list '.*') || { echo "1..0 # kchan.test -test.list failed"; exit 1; }
read -r -d '' -a tests <<<"$(grep '^Test' <<<"$list")"
if [ "${#tests[@]}" -eq 0 ]; then
	echo "1..0 # kchan.test lists no tests"
	exit 1
fi
echo "1..${#tests[@]}"

log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
# Run from a writable directory: the binary needs none, but the guest's
# root is read-only.
(cd "${TMPDIR:-/tmp}" && "$test" -test.v -test.timeout 10m) >"$log" 2>&1
rc=$?
sed 's/^/# /' "$log"

declare -A result reason
cur=
while IFS= read -r line; do
	case "$line" in
	"=== RUN   "*)
		name=${line#=== RUN   }
		[[ $name == */* ]] || { cur=$name; last=; }
		;;
	"--- PASS: "* | "--- FAIL: "* | "--- SKIP: "*)
		status=${line:4:4}
		name=${line#--- ????: }
		name=${name%% (*}
		result[$name]=$status
		[ "$status" != SKIP ] || reason[$name]=$last
		;;
	"    "*)
		# The last log line of the running top-level test: for a
		# skip, its reason (file.go:NN: reason).
		[ -z "$cur" ] || last=$(sed -E 's/^ +[^ :]+\.go:[0-9]+: //' <<<"$line")
		;;
	esac
done <"$log"

n=0 failed=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	case "${result[$t]:-}" in
	PASS) echo "ok $n - $t" ;;
	SKIP) echo "ok $n - $t # SKIP ${reason[$t]:-skipped}" ;;
	FAIL) echo "not ok $n - $t"; failed=$((failed + 1)) ;;
	*) echo "not ok $n - $t # no result (the test binary died?)"; failed=$((failed + 1)) ;;
	esac
done
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	echo "# kchan.test exited with status $rc"
	failed=1
fi
[ "$failed" -eq 0 ]
