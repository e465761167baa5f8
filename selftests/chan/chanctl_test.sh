#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# chanctl end to end: create, ls, send, recv, stat, rm round trips, hex,
# stdin, friendly errors and exit codes.
top=$(cd "$(dirname "$0")/../.." && pwd)
T=${TMPDIR:-/tmp}	# /run/tmp when the project itself lives in /tmp (guest.sh)
C=$top/build/tools/chanctl
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n $1"; }
expect() {	# expect NAME WANT GOT
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		echo "#   want: $(printf %q "$2")"
		echo "#   got:  $(printf %q "$3")"
	fi
}
q=ctl.$$

echo "TAP version 13"
echo "1..27"
"$C" create "$q" -c 4 -m 32 -M 0640; expect "create exits 0" 0 $?
"$C" create "$q" 2>"$T/ctl.err"; expect "create again exits 1" 1 $?
expect "create again says why" \
	"chanctl: cannot create channel '$q': File exists" "$(cat "$T/ctl.err")"
"$C" send "$q" one "two words"; expect "send exits 0" 0 $?
printf 'three\nfour\n' | "$C" send "$q"
expect "recv prints each message on a line" \
	"$(printf 'one\ntwo words\nthree\nfour')" "$("$C" recv "$q")"
line=$("$C" ls | grep " $q ")
expect "ls shows name, kind, owner, group, mode, policy, counts; no endpoint open" \
	"$q queue root root 0640 block 4 0 4 4 0 0 0 0" \
	"$(echo "$line" | awk '{$1 = ""; print substr($0, 2)}')"
expect "ls -n shows owner and group as numbers" "0 0" \
	"$("$C" ls -n | awk -v n="$q" '$2 == n {print $4, $5}')"
expect "ls names every column" \
	"ID NAME KIND OWNER GROUP MODE POLICY CAP DEPTH SENT RECEIVED DROPPED OVERWR SND RCV" \
	"$("$C" ls | head -n1 | tr -s ' ')"
"$C" send -x "$q" 00ff41; expect "send -x exits 0" 0 $?
expect "recv -x prints hex" "00ff41" "$("$C" recv -x "$q")"
"$C" send "$q" 0123456789012345678901234567890123 2>"$T/ctl.err"
expect "an oversized message is refused" \
	"chanctl: cannot send to channel '$q': Message too long" \
	"$(cat "$T/ctl.err")"
expect "stat piped prints the ls header and the channel's row, once" \
	"$("$C" ls | sed -n "1p; / $q /p")" "$("$C" stat "$q" | cat)"
setpriv --reuid=65534 --regid=65534 --clear-groups "$C" send "$q" x \
	2>"$T/ctl.err"
expect "another user is refused with exit 1" 1 $?
expect "the refusal names channel and reason" \
	"chanctl: cannot open channel '$q': Permission denied" \
	"$(cat "$T/ctl.err")"
"$C" rm "$q"; expect "rm exits 0" 0 $?
"$C" recv "$q" 2>"$T/ctl.err"
expect "a removed channel is gone" \
	"chanctl: cannot open channel '$q': No such file or directory" \
	"$(cat "$T/ctl.err")"
"$C" create "$q.r" -k rendezvous; expect "create -k rendezvous exits 0" 0 $?
expect "ls shows a rendezvous channel with capacity 0" "rendezvous 0" \
	"$("$C" ls | awk -v n="$q.r" '$2 == n {print $3, $8}')"
"$C" rm "$q.r"
"$C" create "$q.k" -k bogus 2>"$T/ctl.err"
expect "an unknown kind exits 2 and says so" \
	"2 chanctl: unknown kind 'bogus'" "$? $(cat $T/ctl.err)"
"$C" create "$q.m" --mmap -c 8; expect "create --mmap exits 0" 0 $?
"$C" send "$q.m" mapped ring
expect "a mappable channel carries messages" "$(printf 'mapped\nring')" \
	"$("$C" recv "$q.m")"
"$C" rm "$q.m"
expect "version lists the mmap feature" 1 \
	"$("$C" version | grep -c '^features:.* mmap')"
expect "limits tells root it is exempt" 1 \
	"$("$C" limits | grep -c '^exempt: CAP_SYS_RESOURCE')"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody "$C" create "$q.n" -M 0644
expect "another user's channel shows its owner's names" "nobody nogroup" \
	"$("$C" ls | awk -v n="$q.n" '$2 == n {print $4, $5}')"
expect "limits counts the caller's own channels" \
	"channels: 1 of $(cat /sys/module/chan/parameters/max_user_channels), $(($(cat /sys/module/chan/parameters/max_user_channels) - 1)) left" \
	"$(nobody "$C" limits | head -n1)"
nobody "$C" rm "$q.n"
"$C" bogus >/dev/null 2>&1; expect "an unknown command exits 2" 2 $?
"$C" --help | grep -q '^usage: chanctl'; expect "--help prints usage" 0 $?
exit $failed
