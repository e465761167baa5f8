#!/usr/bin/env bash
# Print the unpacked linux-source-6.12 tree (see tools/deps.sh).
d=$(ls -d /usr/src/linux-source-6.12*/ 2>/dev/null | sort -V | tail -n1)
echo "${d%/}"
