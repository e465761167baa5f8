#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernels: skip - it tests user-space code; the C selftests reach
# the same kernel paths there (tools/vm/run-selftests.sh).
# One contract, four languages: programs in C, Go, Rust and Python
# exchange messages through named channels, each side through its own
# binding.  Every message must arrive exactly, once and in order, and the
# consumer must stop by itself at end of stream (the producer's
# CHAN_IOC_CLOSE: a named channel stays open when its last sender goes).
top=$(cd "$(dirname "$0")/../.." && pwd)
b=$top/build
chanctl=$b/tools/chanctl
export PYTHONDONTWRITEBYTECODE=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; failed=1; fi
}

# expect_go COUNT / expect_c COUNT: what each producer sends.
expect_go() { seq 0 $(($1 - 1)) | sed 's/^/go-/'; }
expect_c() {
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		s = ""; for (k = 0; k < i % 40; k++)
			s = s sprintf("%c", 97 + i % 26)
		print "c-" i ":" s } }'
}

# pipeline NAME PRODUCER... -- CONSUMER...: the consumer starts first and
# must end by itself once the producer is done; its stdout to $work/NAME.
pipeline() {
	local name=$1 p=() c=() pid rc
	shift
	while [ "$1" != -- ]; do p+=("$1"); shift; done
	shift
	c=("$@")
	"$chanctl" create "$name" -m 64 -c 256 || return 1
	timeout 120 "${c[@]}" "$name" >"$work/$name" 2>"$work/$name.err" &
	pid=$!
	timeout 120 "${p[@]}" || { kill $pid; return 1; }
	wait $pid
	rc=$?
	"$chanctl" rm "$name"
	[ $rc = 0 ] || { cat "$work/$name.err" >&2; return 1; }
}

go_produce=$b/bindings/go/produce
rust_consume=$b/bindings/rust/examples/consume
py_consume="/usr/bin/python3 $top/selftests/chan/lang/py_consume.py"
c_produce=$b/lang/c_produce
count=20000

# pair TAG PRODUCER-LANG CONSUMER-LANG: one producer, one consumer.
pair() {
	local from=$1 to=$2 prod cons
	case $from in
	go) prod=$go_produce ;;
	c) prod=$c_produce ;;
	esac
	case $to in
	rust) cons=$rust_consume ;;
	python) cons=$py_consume ;;
	esac
	if [ ! -x "$prod" ] || [ ! -x "${cons%% *}" ]; then
		# make check builds them all (make bindings).
		ok 1 "$from -> $to: $prod and $cons are built"
		return
	fi
	pipeline "lang.$from.$to" $prod "lang.$from.$to" $count -- $cons
	ok $? "$from -> $to: the consumer ends at the producer's close"
	"expect_$from" $count | cmp -s - "$work/lang.$from.$to"
	ok $? "$from -> $to: $count messages, exact, in order, once"
}

pair go rust
pair c python
pair go python
pair c rust
echo "1..$n"
[ $failed = 0 ]
