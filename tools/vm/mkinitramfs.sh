#!/usr/bin/env bash
# Build a busybox initramfs that can mount the host's root over 9p.
# usage: tools/vm/mkinitramfs.sh MODDIR OUTFILE
#   MODDIR: the guest kernel's module tree (/lib/modules/REL), or "none" for
#           a kernel with virtio-pci and 9p built in.
set -euo pipefail
moddir=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,root,lib/modules}
cp /bin/busybox "$stage/bin/busybox"
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
: >"$stage/modules.list"

# Modules in load order: each wanted module's dependencies (modules.dep
# lists them nearest first, so load them in reverse), then the module.
add_module() {
	local name=$1 line deps rel
	line=$(grep -E "(^|/)$name\.ko(\.[a-z]+)?:" "$moddir/modules.dep" || true)
	[ -n "$line" ] || return 0	# built in
	rel=${line%%:*}
	deps=${line#*:}
	for d in $(echo $deps | tr ' ' '\n' | tac); do
		add_path "$d"
	done
	add_path "$rel"
}
add_path() {
	local rel=$1 base
	base=$(basename "$rel")
	base=${base%.xz}
	base=${base%.zst}
	base=${base%.gz}
	grep -qx "$base" "$stage/modules.list" && return 0
	case "$rel" in
	*.xz)	xz -dc "$moddir/$rel" >"$stage/lib/modules/$base" ;;
	*.zst)	zstd -qdc "$moddir/$rel" >"$stage/lib/modules/$base" ;;
	*.gz)	gzip -dc "$moddir/$rel" >"$stage/lib/modules/$base" ;;
	*)	cp "$moddir/$rel" "$stage/lib/modules/$base" ;;
	esac
	echo "$base" >>"$stage/modules.list"
}
if [ "$moddir" != none ]; then
	for m in virtio_pci 9pnet_virtio 9p; do
		add_module "$m"
	done
fi

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
