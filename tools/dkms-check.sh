#!/usr/bin/env bash
# Build chan with Debian's dkms against every installed Debian kernel, from
# a private DKMS tree so nothing on the system changes.  Prints one line
# per kernel and exits non-zero if any build failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/chan-$ver" "$work/tree"
cp -r "$top/Kbuild" "$top/dkms.conf" "$top/kmod" "$top/include" \
	"$work/src/chan-$ver/"
find "$work/src" -name '*.o' -o -name '*.ko' -o -name '.*.cmd' | xargs rm -f
rc=0
for rel in $("$top/tools/kernels.sh"); do
	if dkms build --sourcetree "$work/src" --dkmstree "$work/tree" \
		-m chan -v "$ver" -k "$rel" >"$work/log" 2>&1 &&
		ls "$work/tree/chan/$ver/$rel"/*/module/chan.ko* >/dev/null 2>&1; then
		echo "ok - dkms build chan/$ver for $rel"
	else
		echo "not ok - dkms build chan/$ver for $rel"
		sed 's/^/# /' "$work/log" | tail -n 20
		rc=1
	fi
done
exit $rc
