#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the Rust binding offline and lay out what the guests run.
#
# usage: tools/bindings/rust/build.sh OUTDIR
#
# Builds the chan crate (standard library only) and the chan-tokio crate
# (tokio from Debian's packaged crates, /usr/share/cargo/registry): the
# examples in release mode, the integration tests without running them
# (they need /dev/chan: selftests/chan/rust_test.sh runs them in a guest),
# and runs on this machine what needs no module: the unit tests and the doc
# tests (marked no_run where they would open /dev/chan, so only compiled).
# Also checks the rustdoc (warnings are errors: every public item has
# docs), that the std-only crate builds with no crate source at all,
# rustfmt's formatting, and clippy's lints (reported, not fatal) when the
# toolchain has them.
#
# Leaves OUTDIR/tests/NAME (one binary per test file: queue, kinds,
# broadcast, reqrep, named, mapped, tokio) and OUTDIR/examples/NAME (hello,
# consume, tokio_pipeline).  Cargo's target directory is OUTDIR-target,
# next to OUTDIR, never in the source tree.  CARGO_BUILD_JOBS is honoured.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
target=$(dirname "$out")/$(basename "$out")-target
export CARGO_TARGET_DIR=$target
export CARGO_NET_OFFLINE=true
registry=/usr/share/cargo/registry

cargo=$(command -v cargo || true)
[ -n "$cargo" ] || cargo=$HOME/.cargo/bin/cargo
if [ ! -x "$cargo" ]; then
	echo "build.sh: no cargo: neither on PATH nor in ~/.cargo/bin" >&2
	echo "build.sh: install one (apt-get install cargo, or tools/deps.sh)" >&2
	exit 1
fi
if ! ls -d "$registry"/tokio-1.* >/dev/null 2>&1; then
	echo "build.sh: no tokio in $registry: apt-get install librust-tokio-dev (tools/deps.sh)" >&2
	exit 1
fi
command -v jq >/dev/null || { echo "build.sh: jq is needed to find the test binaries" >&2; exit 1; }

t0=$SECONDS
step() { echo "build.sh: $* ($((SECONDS - t0)) s)"; }

# Test executables of `cargo test --no-run` as "NAME PATH" lines.
test_bins() {
	"$cargo" test --offline --no-run --message-format=json "$@" |
		jq -r 'select(.reason == "compiler-artifact" and .executable != null
			and (.target.kind | index("test")))
			| "\(.target.name) \(.executable)"'
}

rm -rf "$out/tests" "$out/examples"
mkdir -p "$out/tests" "$out/examples"

for crate in "$src" "$src/chan-tokio"; do
	name=$(basename "$crate")
	[ "$crate" = "$src" ] && name=chan
	cd "$crate"
	step "$name: examples (release)"
	"$cargo" build --offline --release --examples
	step "$name: tests (no run)"
	test_bins >"$target/$name.tests"
	while read -r t exe; do
		cp "$exe" "$out/tests/$t"
	done <"$target/$name.tests"
	for e in examples/*.rs; do
		e=$(basename "$e" .rs)
		cp "$target/release/examples/$e" "$out/examples/$e"
	done
	step "$name: unit and doc tests, here"
	"$cargo" test --offline --lib --quiet
	"$cargo" test --offline --doc --quiet
	step "$name: rustdoc (every public item documented, links resolve)"
	RUSTDOCFLAGS="-D warnings" "$cargo" doc --offline --no-deps --quiet
	if "$cargo" fmt --version >/dev/null 2>&1; then
		step "$name: rustfmt"
		"$cargo" fmt --check
	fi
	if "$cargo" clippy --version >/dev/null 2>&1; then
		step "$name: clippy"
		"$cargo" clippy --offline --quiet --all-targets -- -D warnings ||
			echo "build.sh: clippy has something to say (not fatal)"
	fi
done

# The std-only crate must not need any crate source: build it with the
# directory source pointing nowhere.
cd "$src"
step "chan: builds with no crate source"
"$cargo" --config 'source.debian.directory="/nonexistent"' check --offline --quiet --lib

n=$(find "$out/tests" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "build.sh: no test binary found" >&2; exit 1; }
step "done: $n test binaries in $out/tests, examples in $out/examples"
