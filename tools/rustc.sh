#!/usr/bin/env bash
# Print the rustc to use: the one on PATH, else the machine's rustup
# toolchain in ~/.cargo/bin, else Debian's (installed on demand).
set -euo pipefail
for r in "$(command -v rustc || true)" "$HOME/.cargo/bin/rustc" /usr/bin/rustc; do
	if [ -n "$r" ] && [ -x "$r" ]; then
		echo "$r"
		exit 0
	fi
done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends rustc >/dev/null
echo /usr/bin/rustc
