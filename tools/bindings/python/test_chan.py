# SPDX-License-Identifier: GPL-2.0
"""Tests of the chan Python module; run in the guests with chan loaded
(selftests/chan/python_test.sh), TAP on standard output."""
import asyncio
import errno
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chan  # noqa: E402

NOBODY = 65534
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..",
                                   ".."))


def as_nobody(fn):
    """Run fn() in a child as nobody; its return value (an int) back."""
    pid = os.fork()
    if pid == 0:
        code = 99
        try:
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
            code = fn()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


class Abi(unittest.TestCase):
    def test_ioctl_numbers_and_sizes_match_the_header(self):
        names = ["VERSION", "CREATE", "OPEN", "UNLINK", "LIMITS", "INFO",
                 "CLOSE", "LOST", "SEND_BATCH", "RECV_BATCH", "SUBSCRIBE",
                 "CALL", "REPLY"]
        src = "#include <stdio.h>\n#include <linux/chan.h>\nint main(void)\n{\n"
        for n in names:
            src += '\tprintf("%%lu\\n", (unsigned long)CHAN_IOC_%s);\n' % n
        src += "\treturn 0;\n}\n"
        with tempfile.TemporaryDirectory() as d:
            c, exe = os.path.join(d, "abi.c"), os.path.join(d, "abi")
            with open(c, "w") as f:
                f.write(src)
            subprocess.run(["gcc", "-I", os.path.join(TOP, "include/uapi"),
                            "-o", exe, c], check=True)
            out = subprocess.run([exe], check=True, capture_output=True,
                                 text=True).stdout.split()
        for n, v in zip(names, out):
            self.assertEqual(getattr(chan, "IOC_" + n), int(v), n)


class Queue(unittest.TestCase):
    def test_send_recv_and_end_of_stream(self):
        tx, rx = chan.queue(capacity=4, msg_max=32)
        with tx:
            self.assertEqual(tx.send(b"one"), 3)
            tx.send(bytearray(b"two"))
        self.assertEqual(list(rx), [b"one", b"two"])
        self.assertIsNone(rx.recv())
        rx.close()

    def test_every_sender_dropped_ends_the_stream_once_drained(self):
        tx, rx = chan.queue(capacity=8, msg_max=8)
        tx2 = tx.dup()
        tx.send(b"a")
        tx.close()
        self.assertEqual(rx.info().senders, 1)  # the dup shares the end
        tx2.send(b"b")
        tx2.close()
        self.assertEqual(rx.recv_many(8), [b"a", b"b"])
        self.assertEqual(rx.recv_many(8), [])
        rx.close()

    def test_full_and_empty_are_wouldblock_and_timeouts_timedout(self):
        tx, rx = chan.queue(capacity=1, msg_max=8)
        tx.try_send(b"x")
        with self.assertRaises(chan.WouldBlock) as e:
            tx.try_send(b"y")
        self.assertEqual(e.exception.errno, errno.EAGAIN)
        self.assertIsInstance(e.exception, BlockingIOError)
        t0 = time.monotonic()
        with self.assertRaises(chan.TimedOut):
            tx.send(b"y", timeout=0.05)
        self.assertGreaterEqual(time.monotonic() - t0, 0.04)
        self.assertEqual(rx.try_recv(), b"x")
        with self.assertRaises(chan.WouldBlock):
            rx.try_recv()
        with self.assertRaises(chan.TimedOut):
            rx.recv(timeout=0.01)
        tx.close()
        rx.close()

    def test_errors_carry_errno_and_python_classes(self):
        tx, rx = chan.queue(capacity=2, msg_max=4)
        with self.assertRaises(chan.MessageTooLong) as e:
            tx.send(b"12345")
        self.assertEqual(e.exception.errno, errno.EMSGSIZE)
        rx.close()
        with self.assertRaises(BrokenPipeError) as e:
            tx.send(b"1")
        self.assertIsInstance(e.exception, chan.ChanError)
        self.assertEqual(e.exception.errno, errno.EPIPE)
        tx.close()
        self.assertRaises(ValueError, tx.fileno)

    def test_close_send_ends_every_sender(self):
        tx, rx = chan.queue(capacity=4, msg_max=8)
        other = tx.dup()
        tx.send(b"last")
        other.close_send()
        with self.assertRaises(chan.BrokenPipe):
            tx.send(b"more")
        self.assertEqual(list(rx), [b"last"])
        for e in (tx, other, rx):
            e.close()

    def test_batches_move_many_in_one_call(self):
        tx, rx = chan.queue(capacity=64, msg_max=16)
        msgs = [b"m%02d" % k for k in range(50)]
        self.assertEqual(tx.send_many(msgs), 50)
        self.assertEqual(rx.recv_many(20), msgs[:20])
        self.assertEqual(rx.recv_many(64, timeout=0), msgs[20:])
        info = rx.info()
        self.assertEqual((info.sent, info.received, info.depth), (50, 50, 0))
        tx.close()
        rx.close()

    def test_threads_fan_in_every_message_once(self):
        tx, rx = chan.queue(capacity=16, msg_max=16)
        senders = [tx.dup() for _ in range(4)]
        tx.close()

        def produce(k, s):
            with s:
                for i in range(500):
                    s.send(b"%d:%d" % (k, i))
        ths = [threading.Thread(target=produce, args=(k, s))
               for k, s in enumerate(senders)]
        for t in ths:
            t.start()
        got = list(rx)
        for t in ths:
            t.join()
        self.assertEqual(len(got), 2000)
        self.assertEqual(len(set(got)), 2000)
        for k in range(4):  # FIFO per producer
            mine = [int(m.split(b":")[1]) for m in got
                    if m.startswith(b"%d:" % k)]
            self.assertEqual(mine, list(range(500)))
        rx.close()


class Kinds(unittest.TestCase):
    def test_oneshot_sends_once(self):
        tx, rx = chan.oneshot(msg_max=16)
        tx.send(b"only")
        with self.assertRaises(chan.AlreadySent) as e:
            tx.send(b"again")
        self.assertEqual(e.exception.errno, errno.EALREADY)
        self.assertEqual(rx.recv(), b"only")
        self.assertIsNone(rx.recv())  # then end of stream
        tx.close()
        rx.close()

    def test_rendezvous_send_returns_once_taken(self):
        tx, rx = chan.rendezvous(msg_max=16)
        done = []

        def send():
            tx.send(b"hand")
            done.append(time.monotonic())
        t = threading.Thread(target=send)
        t.start()
        time.sleep(0.1)
        self.assertEqual(done, [])  # nobody took it yet
        took = time.monotonic()
        self.assertEqual(rx.recv(), b"hand")
        t.join()
        self.assertGreaterEqual(done[0], took)
        with self.assertRaises(chan.WouldBlock):
            tx.try_send(b"nobody waits")
        tx.close()
        rx.close()

    def test_broadcast_reaches_every_subscriber_and_lag_is_counted(self):
        tx, rx = chan.broadcast(capacity=4, msg_max=8, policy="overwrite")
        sub = rx.subscribe()
        for k in range(10):
            tx.send(b"%d" % k)
        with self.assertRaises(chan.Lagged) as e:
            rx.recv()
        self.assertEqual(e.exception.count, 6)
        self.assertEqual(e.exception.errno, errno.EOVERFLOW)
        self.assertEqual(rx.recv_many(8), [b"6", b"7", b"8", b"9"])
        with self.assertRaises(chan.Lagged) as e:
            sub.recv_many(8)
        self.assertEqual(e.exception.count, 6)
        tx.close()
        self.assertEqual(list(sub), [b"6", b"7", b"8", b"9"])
        self.assertIsNone(rx.recv())
        sub.close()
        rx.close()

    def test_reqrep_calls_are_answered_by_id(self):
        client, server = chan.reqrep(capacity=8, msg_max=64)
        t = threading.Thread(target=server.serve,
                             args=(lambda req: req.upper(),))
        t.start()
        self.assertEqual(client.call(b"hello"), b"HELLO")
        self.assertEqual(client.call(b"x" * 64), b"X" * 64)
        client.close()
        t.join()
        server.close()

    def test_a_call_without_a_reply_times_out_and_the_server_gone_resets(self):
        client, server = chan.reqrep(capacity=8, msg_max=16)
        with self.assertRaises(chan.TimedOut):
            client.call(b"anyone?", timeout=0.05)
        # Its request was never taken: the server skips and counts it.
        with self.assertRaises(chan.TimedOut):
            server.recv_request(timeout=0.01)
        self.assertEqual(server.info().cancelled, 1)
        res = {}

        def call():
            try:
                client.call(b"wait")
            except chan.ServerGone as e:
                res["err"] = e.errno
        t = threading.Thread(target=call)
        t.start()
        ident, data = server.recv_request()
        self.assertEqual(data, b"wait")
        server.close()
        t.join()
        self.assertEqual(res["err"], errno.ECONNRESET)
        client.close()


class Names(unittest.TestCase):
    def setUp(self):
        self.name = "py.%d.%s" % (os.getpid(), self._testMethodName[:20])

    def tearDown(self):
        try:
            chan.unlink(self.name)
        except chan.NoSuchChannel:
            pass

    def test_open_by_name_and_unlink(self):
        old = os.umask(0)
        try:
            tx, rx = chan.queue(capacity=4, msg_max=16, name=self.name,
                                mode=0o604)
        finally:
            os.umask(old)
        with self.assertRaises(chan.Exists):
            chan.queue(name=self.name)
        other = chan.open_name(self.name, "send")
        self.assertIsInstance(other, chan.Sender)
        other.send(b"by name")
        self.assertEqual(rx.recv(), b"by name")
        self.assertEqual(rx.info().name, self.name)
        self.assertEqual(rx.info().mode, 0o604)

        name = self.name

        def nobody():
            try:
                chan.open_name(name, "send")
                return 1
            except chan.PermissionDenied as e:
                if e.errno != errno.EACCES:
                    return 2
            with chan.open_name(name, "recv") as r:
                return 0 if isinstance(r, chan.Receiver) else 3
        self.assertEqual(as_nobody(nobody), 0)
        chan.unlink(self.name)
        with self.assertRaises(chan.NoSuchChannel):
            chan.open_name(self.name, "recv")
        for e in (tx, rx, other):
            e.close()

    def test_a_reqrep_name_opens_as_client_and_server(self):
        c, s = chan.reqrep(capacity=2, msg_max=8, name=self.name)
        c2 = chan.open_name(self.name, "send")
        s2 = chan.open_name(self.name, "recv")
        self.assertIsInstance(c2, chan.Client)
        self.assertIsInstance(s2, chan.Server)
        for e in (c, s, c2, s2):
            e.close()


class Limits(unittest.TestCase):
    def test_version_and_limits(self):
        v = chan.version()
        self.assertEqual(v.abi_version, 1)
        self.assertTrue(v.features & (1 << 11))
        lim = chan.limits()
        self.assertTrue(lim.exempt)  # root

        def nobody():
            before = chan.limits()
            tx, rx = chan.queue(capacity=4, msg_max=56)
            after = chan.limits()
            ok = (not after.exempt and
                  after.channels == before.channels + 1 and
                  after.bytes == before.bytes + 256 and
                  after.channels_left == before.channels_left - 1)
            return 0 if ok else 1
        self.assertEqual(as_nobody(nobody), 0)


class Async(unittest.TestCase):
    def test_asend_and_arecv_park_on_the_loop(self):
        tx, rx = chan.queue(capacity=2, msg_max=16)

        async def main():
            async def produce():
                for k in range(20):
                    await tx.asend(b"%d" % k)
                tx.close()
            task = asyncio.ensure_future(produce())
            got = [m async for m in rx]
            await task
            return got
        got = asyncio.run(main())
        self.assertEqual(got, [b"%d" % k for k in range(20)])
        rx.close()

    def test_a_hundred_tasks_wait_on_one_thread(self):
        pairs = [chan.queue(capacity=1, msg_max=8) for _ in range(100)]

        async def main():
            tasks = [asyncio.ensure_future(rx.arecv()) for _, rx in pairs]
            await asyncio.sleep(0.05)
            self.assertFalse(any(t.done() for t in tasks))
            self.assertEqual(threading.active_count(), 1)
            for k, (tx, _) in enumerate(pairs):
                tx.send(b"%d" % k)
            return await asyncio.gather(*tasks)
        got = asyncio.run(main())
        self.assertEqual(got, [b"%d" % k for k in range(100)])
        for tx, rx in pairs:
            tx.close()
            rx.close()

    def test_async_rendezvous_meets_a_blocking_receiver(self):
        tx, rx = chan.rendezvous(msg_max=8)
        got = []
        t = threading.Thread(target=lambda: got.append(rx.recv()))
        t.start()
        asyncio.run(tx.asend(b"meet"))
        t.join()
        self.assertEqual(got, [b"meet"])
        tx.close()
        rx.close()


class Tap(unittest.TextTestResult):
    """unittest results as TAP lines."""
    n = 0

    def _line(self, test, ok, note=""):
        Tap.n += 1
        print("%s %d %s%s" % ("ok" if ok else "not ok", Tap.n, test.id(),
                              note), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(test, False)
        print("# " + self._exc_info_to_string(err, test).replace(
            "\n", "\n# "), flush=True)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(test, False)
        print("# " + self._exc_info_to_string(err, test).replace(
            "\n", "\n# "), flush=True)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, True, " # SKIP " + reason)


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[__name__])
    print("TAP version 13\n1..%d" % suite.countTestCases(), flush=True)
    with open(os.devnull, "w") as null:
        res = unittest.TextTestRunner(stream=null, resultclass=Tap).run(suite)
    sys.exit(0 if res.wasSuccessful() else 1)
