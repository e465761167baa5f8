#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Go binding offline: gofmt check, go vet, the test binary
# OUTDIR/kchan.test and the examples OUTDIR/produce and OUTDIR/hello, all
# static (CGO_ENABLED=0) so that they run in the test guests.
#
# usage: tools/bindings/go/build.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
src=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

export GOFLAGS="-mod=mod -p=1" GOPROXY=off GO111MODULE=on GOSUMDB=off
export GOPATH=$out/gopath GOCACHE=$out/gocache CGO_ENABLED=0
unset GOTMPDIR GOBIN
cd "$src"

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "build.sh: not gofmt'd:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
go test -c -trimpath -o "$out/kchan.test" .
go build -trimpath -o "$out/produce" ./examples/produce
go build -trimpath -o "$out/hello" ./examples/hello
echo "build.sh: built $out/kchan.test $out/produce $out/hello"
