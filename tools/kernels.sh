#!/usr/bin/env bash
# Print the installed Debian amd64 kernels that have both an image and
# headers, one "VERSION" per line, oldest first.  Never looks at uname -r.
set -euo pipefail
for h in /usr/src/linux-headers-*-amd64; do
	[ -f "$h/Makefile" ] || continue
	v=${h#/usr/src/linux-headers-}
	[ -f "/boot/vmlinuz-$v" ] || continue
	echo "$v"
done | sort -V
