#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module life cycle: parameters, unload and reload.  Runs in the guest
# with chan loaded; leaves it loaded with default parameters.
ko=${CHAN_KO:?}
top=$(cd "$(dirname "$0")/../.." && pwd)
C=$top/build/tools/chanctl
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else nok "$name"; fi; }
mode_of() { stat -c %a /dev/chan 2>/dev/null; }

echo "TAP version 13"
echo "1..9"
check "module is loaded" grep -q '^chan ' /proc/modules
check "parameters are documented" \
	bash -c "modinfo -F parm '$ko' | grep -q '^dev_mode:' &&
		 modinfo -F parm '$ko' | grep -q '^max_capacity:'"
# An open descriptor holds the module; a name alone does not (chan(4)).
check "rmmod is refused while a descriptor is open" \
	bash -c "exec 7<>/dev/chan; ! rmmod chan 2>/dev/null"
kept=module_test.kept
check "a named channel is made and fed" \
	bash -c "'$C' create $kept && '$C' send $kept m"
check "rmmod succeeds" rmmod chan
check "device node is gone after unload" test ! -e /dev/chan
check "reload with dev_mode=0600 sets the mode" \
	bash -c "insmod '$ko' dev_mode=0600 && [ \"\$(stat -c %a /dev/chan)\" = 600 ]"
check "the name and its message are gone after a reload" \
	test "$("$C" recv $kept 2>&1)" = \
		"chanctl: cannot open channel '$kept': No such file or directory"
check "reload with defaults" bash -c "rmmod chan && insmod '$ko' && [ \"\$(stat -c %a /dev/chan)\" = 666 ]"
exit $failed
