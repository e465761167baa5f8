#!/usr/bin/env bash
# Put the table of the last make check (build/check-results.md, written by
# tools/check.sh with the kernel each guest really ran) into README.md,
# between its check-results markers, so that the kernels it names are the
# ones the run used, never typed by hand.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
table=$top/build/check-results.md
[ -s "$table" ] || { echo "readme-results: no $table; run make check" >&2; exit 1; }
grep -q '^<!-- check-results begin' "$top/README.md" ||
	{ echo "readme-results: README.md has no check-results markers" >&2; exit 1; }
awk -v table="$table" '
	/^<!-- check-results begin/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
	/^<!-- check-results end/ { skip = 0 }
	!skip' "$top/README.md" >"$top/README.md.new"
mv "$top/README.md.new" "$top/README.md"
