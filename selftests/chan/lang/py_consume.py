# SPDX-License-Identifier: GPL-2.0
"""py_consume NAME: the Python side of the cross-language tests
(lang_test.sh).  Receives from the named channel NAME until end of stream
and prints each message, as text, on a line of its own."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../../tools/bindings/python"))
import chan  # noqa: E402

with chan.open_name(sys.argv[1], "recv") as rx:
    for msg in rx:
        sys.stdout.write(msg.decode() + "\n")
