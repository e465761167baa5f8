#!/usr/bin/env bash
# Run the protocol models under spin, exhaustively, printing TAP lines:
# the current protocol must pass every model; each model of the code
# before a review fix (OLD_*) must make spin find that bug, so that a
# model too weak to see it cannot pass unnoticed.
# usage: tools/model/check.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

# model, spin -D options, expect (pass or the error spin must report), what
run() {
	local model=$1 defs=$2 expect=$3 what=$4 out
	rm -f pan pan.c ./*.trail
	if ! spin -a $defs "$here/$model" >spin.log 2>&1 ||
		! gcc -O2 -DSAFETY -w -o pan pan.c >>spin.log 2>&1; then
		echo "not ok - $what: the model does not build"
		sed 's/^/# /' spin.log
		return
	fi
	out=$(./pan -m100000 2>&1)
	states=$(echo "$out" | sed -n 's/^ *\([0-9e.+]*\) states, stored.*/\1/p')
	if [ "$expect" = pass ]; then
		if echo "$out" | grep -q 'errors: 0$'; then
			echo "ok - $what ($states states)"
		else
			echo "not ok - $what"
			echo "$out" | grep -E 'pan:|violated|invalid' | sed 's/^/# /'
		fi
	elif echo "$out" | grep -q "$expect"; then
		echo "ok - $what (spin: $expect)"
	else
		echo "not ok - $what: spin did not find it"
	fi
}

run eof.pml "-DNR=3 -DNS=1" pass \
	"model eof: 3 receivers, a send in flight, a close"
run eof.pml "-DNR=2 -DNS=2" pass \
	"model eof: 2 receivers, 2 sends in flight, a close"
run eof.pml "-DNR=3 -DNS=1 -DOLD_C1" "invalid end state" \
	"model eof finds C1 (wake-one after a close) in the old protocol"
run eof.pml "-DNR=2 -DNS=2 -DOLD_C2" "invalid end state" \
	"model eof finds C2 (stale head in the wait predicate) in the old protocol"
run eof_sp.pml "" pass \
	"model eof_sp: single producer, store buffers and load reordering"
run eof_sp.pml "-DOLD_C3" "invalid end state" \
	"model eof_sp finds C3 (smp_mb__after_atomic after a plain store)"
run eof_sp.pml "-DOLD_C4" "assertion violated" \
	"model eof_sp finds C4 (plain load of sp_busy before acquire of tail)"
