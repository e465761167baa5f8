#!/usr/bin/env bash
# Install everything chan's build, tests and demo need from Debian's archive
# ("deps.sh bench": and what make bench needs besides).
# Idempotent: installs only what is missing, runs apt-get update only when
# something must be installed.
set -euo pipefail

PKGS=(
	make gcc libc6-dev bc flex bison libelf-dev libssl-dev dwarves kmod
	cpio busybox-static qemu-system-x86 sparse python3 perl
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12
	xz-utils gcc-multilib liburing-dev stress-ng tshark gnuplot-nox iproute2 procps xxd
	util-linux dkms man-db spin pkg-config
	golang-go librust-tokio-dev librust-libc-dev jq
	nats-server libnats-dev
)

# The Rust binding builds with the machine's cargo (rustup's, if any),
# else Debian's; its tokio feature takes Debian's packaged crates.
if ! command -v cargo >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
	PKGS+=(cargo)
fi

# make bench also profiles with perf.
if [ "${1:-}" = bench ]; then
	PKGS+=(linux-perf)
fi

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		$SUDO debconf-set-selections
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# linux-source ships as a tarball; unpack it once next to itself.
src_tar=$(ls /usr/src/linux-source-6.12*.tar.xz 2>/dev/null | sort -V | tail -n1)
if [ -n "$src_tar" ]; then
	src_dir=${src_tar%.tar.xz}
	if [ ! -f "$src_dir/Makefile" ]; then
		echo "deps: unpacking $src_tar"
		tar -C /usr/src -xf "$src_tar"
	fi
fi
exit 0
