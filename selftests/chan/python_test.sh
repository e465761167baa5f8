#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernels: skip - it tests user-space code; the C selftests reach
# the same kernel paths there (tools/vm/run-selftests.sh).
# The Python binding (tools/bindings/python): its unittest suite, as TAP.
top=$(cd "$(dirname "$0")/../.." && pwd)
export PYTHONDONTWRITEBYTECODE=1
exec /usr/bin/python3 "$top/tools/bindings/python/test_chan.py"
