# SPDX-License-Identifier: GPL-2.0
"""chan: message channels of the Linux chan module, from Python.

Standard library only.  A channel is a pair of endpoints owning file
descriptors::

    import chan
    tx, rx = chan.queue(capacity=64, msg_max=256)
    with tx:
        tx.send(b"hello")
    for msg in rx:            # ends at end of stream: every sender closed
        print(msg)

Every kind: queue(), oneshot(), rendezvous(), broadcast(), reqrep(); named
channels with open_name() and unlink(); limits() and version().  Errors
are OSError subclasses carrying the errno (a ChanError, and where Python
has one, its own class too: BrokenPipe is a BrokenPipeError).  Async
code awaits Sender.asend() and Receiver.arecv(), which park on the
event loop (loop.add_reader/add_writer), never on a thread, except a
rendezvous send, which must wait inside the kernel for its receiver and
so runs in the loop's executor.
"""
import asyncio
import ctypes
import errno
import fcntl
import os
import struct
from collections import namedtuple

__all__ = [
    "ChanError", "BrokenPipe", "WouldBlock", "TimedOut", "MessageTooLong",
    "AlreadySent", "Busy", "Lagged", "ServerGone", "NoSuchChannel",
    "Exists", "PermissionDenied", "queue", "oneshot", "rendezvous",
    "broadcast", "reqrep", "open_name", "unlink", "limits", "version",
    "Sender", "Receiver", "Client", "Server", "Info", "Limits", "Version",
    "QUEUE", "ONESHOT", "RENDEZVOUS", "BROADCAST", "REQREP",
    "BLOCK", "FAIL", "DROP_NEWEST", "OVERWRITE", "BATCH_MAX",
]

DEVICE = "/dev/chan"

QUEUE, ONESHOT, RENDEZVOUS, BROADCAST, REQREP = 1, 2, 3, 4, 5
BLOCK, FAIL, DROP_NEWEST, OVERWRITE = 0, 1, 2, 3
_POLICIES = {"block": BLOCK, "fail": FAIL, "drop": DROP_NEWEST,
             "drop-newest": DROP_NEWEST, "overwrite": OVERWRITE}
_SINGLE_PRODUCER, _SINGLE_CONSUMER, _CLOEXEC, _NONBLOCK, _MAPPABLE = (
    1, 2, 4, 8, 16)
_ROLE_RECV, _ROLE_SEND = 1, 2
BATCH_MAX = 1024
_INFINITE = (1 << 64) - 1
_NAME_MAX = 64


# --- the ioctl numbers of include/uapi/linux/chan.h ------------------------

def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (0xC4 << 8) | nr


_W, _R, _RW = 1, 2, 3
_VERSION = struct.Struct("=IIQII2Q")                # struct chan_version
_CREATE = struct.Struct("=IIIIIIIIQii2Q")           # struct chan_create
_OPEN = struct.Struct("=IIIiQ2Q")                   # struct chan_open
_UNLINK = struct.Struct("=IIQ")                     # struct chan_unlink
_INFO = struct.Struct("=16I8Q64s4Q")                # struct chan_info
_MSG = struct.Struct("=QIIQ")                       # struct chan_msg
_BATCH = struct.Struct("=IIIIQQ2Q")                 # struct chan_batch
_CALL = struct.Struct("=IIQIIQQQ2Q")                # struct chan_call
_LIMITS = struct.Struct("=IIIIQQIIQ2Q")             # struct chan_limits

IOC_VERSION = _ioc(_RW, 0x00, _VERSION.size)
IOC_CREATE = _ioc(_RW, 0x01, _CREATE.size)
IOC_OPEN = _ioc(_RW, 0x02, _OPEN.size)
IOC_UNLINK = _ioc(_W, 0x03, _UNLINK.size)
IOC_LIMITS = _ioc(_RW, 0x05, _LIMITS.size)
IOC_INFO = _ioc(_RW, 0x10, _INFO.size)
IOC_CLOSE = _ioc(0, 0x11, 0)
IOC_LOST = _ioc(_R, 0x12, 8)
IOC_SEND_BATCH = _ioc(_RW, 0x13, _BATCH.size)
IOC_RECV_BATCH = _ioc(_RW, 0x14, _BATCH.size)
IOC_SUBSCRIBE = _ioc(0, 0x15, 0)
IOC_CALL = _ioc(_RW, 0x16, _CALL.size)
IOC_REPLY = _ioc(_RW, 0x17, _BATCH.size)


# --- errors ------------------------------------------------------------------

class ChanError(OSError):
    """Any failure of a chan call; .errno says which."""


class BrokenPipe(ChanError, BrokenPipeError):
    """EPIPE: no receiver left, or the channel is closed for sending."""


class WouldBlock(ChanError, BlockingIOError):
    """EAGAIN: full (send) or empty (receive), and not to wait."""


class TimedOut(ChanError, TimeoutError):
    """ETIMEDOUT: the timeout passed."""


class MessageTooLong(ChanError):
    """EMSGSIZE: over msg_max, or a buffer too small (the message stays)."""


class AlreadySent(ChanError):
    """EALREADY: a oneshot channel's message was already sent."""


class Busy(ChanError):
    """EBUSY: a second sender (receiver) on a single-producer (-consumer)
    channel."""


class ServerGone(ChanError, ConnectionResetError):
    """ECONNRESET: the last server of a request/reply channel went away."""


class NoSuchChannel(ChanError, FileNotFoundError):
    """ENOENT: no channel of that name (or no call of that id)."""


class Exists(ChanError, FileExistsError):
    """EEXIST: the name is taken."""


class PermissionDenied(ChanError, PermissionError):
    """EACCES, EPERM."""


class Lagged(ChanError):
    """EOVERFLOW: a broadcast subscriber was lapped; .count messages lost
    (tokio's RecvError::Lagged(n)).  Receiving goes on after it."""

    def __init__(self, count):
        super().__init__(errno.EOVERFLOW, "lagged behind: %d messages lost"
                         % count)
        self.count = count


_ERRORS = {
    errno.EPIPE: BrokenPipe, errno.EAGAIN: WouldBlock,
    errno.ETIMEDOUT: TimedOut, errno.EMSGSIZE: MessageTooLong,
    errno.EALREADY: AlreadySent, errno.EBUSY: Busy,
    errno.ECONNRESET: ServerGone, errno.ENOENT: NoSuchChannel,
    errno.EEXIST: Exists, errno.EACCES: PermissionDenied,
    errno.EPERM: PermissionDenied,
}


def _error(err, what=None):
    cls = _ERRORS.get(err, ChanError)
    if what is None:
        return cls(err, os.strerror(err))
    return cls(err, os.strerror(err), what)


def _call(fd, req, arg):
    try:
        if isinstance(arg, int):
            return fcntl.ioctl(fd, req, arg)
        return fcntl.ioctl(fd, req, arg, True)
    except OSError as e:
        raise _error(e.errno) from None


class _Buf:
    """A bytes-like object pinned where the kernel can reach it."""

    def __init__(self, data=None, size=0):
        if data is not None:
            size = len(data)
        self.raw = ctypes.create_string_buffer(max(size, 1))
        if data:
            ctypes.memmove(self.raw, bytes(data), size)
        self.size = size

    @property
    def addr(self):
        return ctypes.addressof(self.raw)

    def take(self, n):
        return self.raw.raw[:n]


def _timeout_ns(timeout):
    if timeout is None:
        return _INFINITE
    return max(0, int(timeout * 1e9))


# --- descriptions ------------------------------------------------------------

Info = namedtuple("Info", [
    "kind", "flags", "policy", "capacity", "msg_max", "mode", "uid", "gid",
    "role", "senders", "receivers", "send_waiters", "recv_waiters",
    "closed", "id", "depth", "sent", "received", "dropped", "overwritten",
    "send_waits", "recv_waits", "name", "map_size", "rejects", "cancelled"])
Limits = namedtuple("Limits", [
    "exempt", "channels", "max_channels", "bytes", "max_bytes",
    "channels_left", "bytes_left"])
Version = namedtuple("Version", [
    "abi_version", "features", "max_capacity", "max_msg_size"])


def _dev():
    return os.open(DEVICE, os.O_RDWR | os.O_CLOEXEC)


def version():
    """CHAN_IOC_VERSION: the module's ABI version, features and maxima."""
    fd = _dev()
    try:
        b = bytearray(_VERSION.pack(_VERSION.size, 0, 0, 0, 0, 0, 0))
        _call(fd, IOC_VERSION, b)
        _, abi, feat, cap, msg, _, _ = _VERSION.unpack(b)
        return Version(abi, feat, cap, msg)
    finally:
        os.close(fd)


def limits():
    """CHAN_IOC_LIMITS: the caller's share of the per-user limits."""
    fd = _dev()
    try:
        b = bytearray(_LIMITS.size)
        struct.pack_into("=I", b, 0, _LIMITS.size)
        _call(fd, IOC_LIMITS, b)
        v = _LIMITS.unpack(b)
        return Limits(bool(v[1] & 1), v[2], v[3], v[4], v[5], v[6], v[8])
    finally:
        os.close(fd)


def _name_buf(name):
    raw = name.encode() if isinstance(name, str) else bytes(name)
    if len(raw) >= _NAME_MAX:
        raise _error(errno.ENAMETOOLONG, name)
    return _Buf(raw + b"\0")


# --- endpoints ---------------------------------------------------------------

def _info(fd):
    b = bytearray(_INFO.size)
    struct.pack_into("=I", b, 0, _INFO.size)
    _call(fd, IOC_INFO, b)
    v = list(_INFO.unpack(b))
    # Drop size and the reserved words; the name is a C string.
    fields = v[1:15] + v[16:24] + [v[24].split(b"\0")[0].decode()] + v[25:28]
    return Info(*fields)


class _Endpoint:
    """One end of a channel, owning its descriptor (closed by close(),
    by the with statement, or when collected)."""

    def __init__(self, fd, kind):
        self._fd = fd
        self.kind = kind

    def fileno(self):
        if self._fd < 0:
            raise ValueError("endpoint is closed")
        return self._fd

    @property
    def closed(self):
        return self._fd < 0

    def close(self):
        """Close the descriptor.  The last sender closing ends the stream."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except OSError:
            pass

    def dup(self):
        """Another endpoint on the same open file description (shares
        CHAN_IOC_LOST; adds no sender or receiver)."""
        return type(self)(os.dup(self.fileno()), self.kind)

    def info(self):
        """CHAN_IOC_INFO as an Info."""
        return _info(self.fileno())

    def lost(self):
        """CHAN_IOC_LOST: messages lost since this descriptor last asked."""
        b = bytearray(8)
        _call(self.fileno(), IOC_LOST, b)
        return struct.unpack("=Q", b)[0]

    def _batch(self, req, msgs, timeout):
        arr = (ctypes.c_char * (_MSG.size * len(msgs)))()
        for k, (buf, length, ident) in enumerate(msgs):
            _MSG.pack_into(arr, k * _MSG.size, buf.addr, length, 0, ident)
        b = bytearray(_BATCH.pack(_BATCH.size, len(msgs), 0, 0,
                                  ctypes.addressof(arr),
                                  _timeout_ns(timeout), 0, 0))
        n = _call(self.fileno(), req, b)
        out = [_MSG.unpack_from(arr, k * _MSG.size) for k in range(n)]
        return n, out

    def __repr__(self):
        state = "closed" if self.closed else "fd=%d" % self._fd
        return "<chan.%s %s>" % (type(self).__name__, state)


class Sender(_Endpoint):
    """A send endpoint.  Sending never raises SIGPIPE: a channel with no
    receiver left gives BrokenPipe."""

    def send(self, data, timeout=None):
        """Send one message; wait for room at most timeout seconds (None:
        as long as it takes).  Returns its length."""
        data = bytes(data)
        if not data:
            raise ValueError("chan has no empty messages")
        if timeout is None and self.kind != REQREP:
            try:
                return os.write(self.fileno(), data)
            except OSError as e:
                raise _error(e.errno) from None
        self.send_many([data], timeout)
        return len(data)

    def try_send(self, data):
        """Send only if it needs no wait: WouldBlock when full."""
        return self.send(data, timeout=0)

    def send_many(self, msgs, timeout=None):
        """CHAN_IOC_SEND_BATCH: send up to 1024 messages in one call, the
        first waiting at most timeout.  Returns how many were sent."""
        bufs = [_Buf(bytes(m)) for m in msgs]
        n, _ = self._batch(IOC_SEND_BATCH,
                           [(b, b.size, 0) for b in bufs], timeout)
        return n

    def close_send(self):
        """CHAN_IOC_CLOSE (Go's close()): end the stream for every sender;
        receivers drain what is queued, then see the end."""
        _call(self.fileno(), IOC_CLOSE, 0)

    async def asend(self, data):
        """send(), parking on the running event loop while full."""
        loop = asyncio.get_running_loop()
        if self.kind == RENDEZVOUS:
            return await loop.run_in_executor(None, self.send, data)
        while True:
            try:
                return self.send(data, timeout=0)
            except WouldBlock:
                await _ready(loop, self.fileno(), write=True)


class Receiver(_Endpoint):
    """A receive endpoint.  Iterating yields each message until end of
    stream."""

    def __init__(self, fd, kind, msg_max=None):
        super().__init__(fd, kind)
        self._room = msg_max

    @property
    def msg_max(self):
        if self._room is None:
            self._room = self.info().msg_max
        return self._room

    def dup(self):
        return type(self)(os.dup(self.fileno()), self.kind, self._room)

    def _lagged(self):
        return Lagged(self.lost())

    def recv(self, timeout=None):
        """The next message as bytes, or None at end of stream; wait at
        most timeout seconds (None: as long as it takes).  A lapped
        broadcast subscriber gets Lagged once."""
        if timeout is None and self.kind != REQREP:
            try:
                data = os.read(self.fileno(), self.msg_max)
            except OSError as e:
                if e.errno == errno.EOVERFLOW:
                    raise self._lagged() from None
                raise _error(e.errno) from None
            return data if data else None
        got = self.recv_many(1, timeout)
        return got[0] if got else None

    def try_recv(self):
        """recv() that never waits: WouldBlock when empty."""
        return self.recv(timeout=0)

    def recv_many(self, count, timeout=None):
        """CHAN_IOC_RECV_BATCH: up to count messages, the first waiting at
        most timeout; an empty list at end of stream."""
        return [m for m, _ in self._recv_ids(count, timeout)]

    def _recv_ids(self, count, timeout):
        bufs = [_Buf(size=self.msg_max) for _ in range(count)]
        try:
            n, out = self._batch(IOC_RECV_BATCH,
                                 [(b, b.size, 0) for b in bufs], timeout)
        except ChanError as e:
            if e.errno == errno.EOVERFLOW:
                raise self._lagged() from None
            raise
        return [(bufs[k].take(out[k][1]), out[k][3]) for k in range(n)]

    def subscribe(self):
        """CHAN_IOC_SUBSCRIBE (broadcast): a new subscriber, starting with
        the next message sent."""
        fd = _call(self.fileno(), IOC_SUBSCRIBE, _CLOEXEC)
        return Receiver(fd, self.kind, self._room)

    def __iter__(self):
        while True:
            msg = self.recv()
            if msg is None:
                return
            yield msg

    async def arecv(self):
        """recv(), parking on the running event loop while empty."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                return self.recv(timeout=0)
            except WouldBlock:
                await _ready(loop, self.fileno(), write=False)

    def __aiter__(self):
        return self

    async def __anext__(self):
        msg = await self.arecv()
        if msg is None:
            raise StopAsyncIteration
        return msg


class Client(Sender):
    """The calling end of a request/reply channel."""

    def call(self, request, timeout=None, reply_max=None):
        """CHAN_IOC_CALL: send request and wait for its reply (bytes);
        TimedOut, ServerGone when the last server left."""
        req = _Buf(bytes(request))
        room = reply_max if reply_max is not None else self._reply_room()
        rep = _Buf(size=room)
        b = bytearray(_CALL.pack(_CALL.size, 0, req.addr, req.size, room,
                                 rep.addr, _timeout_ns(timeout), 0, 0, 0))
        n = _call(self.fileno(), IOC_CALL, b)
        return rep.take(n)

    def _reply_room(self):
        if not hasattr(self, "_room"):
            self._room = self.info().msg_max
        return self._room


class Server(Receiver):
    """The serving end of a request/reply channel."""

    def recv_request(self, timeout=None):
        """The next request as (call id, bytes), or None at end of
        stream."""
        got = self._recv_ids(1, timeout)
        if not got:
            return None
        data, ident = got[0]
        return ident, data

    def reply(self, ident, data):
        """CHAN_IOC_REPLY: answer call ident; NoSuchChannel if it no
        longer waits."""
        buf = _Buf(bytes(data))
        self._batch(IOC_REPLY, [(buf, buf.size, ident)], 0)

    def serve(self, handler):
        """Answer every request with handler(request) until end of
        stream; returns how many were answered."""
        n = 0
        while True:
            req = self.recv_request()
            if req is None:
                return n
            ident, data = req
            try:
                self.reply(ident, handler(data))
                n += 1
            except NoSuchChannel:
                pass        # its caller gave up meanwhile

    def __iter__(self):
        while True:
            req = self.recv_request()
            if req is None:
                return
            yield req


def _ready(loop, fd, write):
    fut = loop.create_future()
    add, remove = ((loop.add_writer, loop.remove_writer) if write else
                   (loop.add_reader, loop.remove_reader))

    def wake():
        remove(fd)
        if not fut.done():
            fut.set_result(None)
    add(fd, wake)
    fut.add_done_callback(lambda f: remove(fd))
    return fut


# --- making channels ---------------------------------------------------------

_PAIRS = {QUEUE: (Sender, Receiver), ONESHOT: (Sender, Receiver),
          RENDEZVOUS: (Sender, Receiver), BROADCAST: (Sender, Receiver),
          REQREP: (Client, Server)}


def _create(kind, capacity, msg_max, policy="block", single_producer=False,
            single_consumer=False, mappable=False, nonblock=False,
            name=None, mode=0o600):
    flags = _CLOEXEC
    flags |= _SINGLE_PRODUCER if single_producer else 0
    flags |= _SINGLE_CONSUMER if single_consumer else 0
    flags |= _MAPPABLE if mappable else 0
    flags |= _NONBLOCK if nonblock else 0
    pol = _POLICIES[policy] if isinstance(policy, str) else policy
    nbuf = _name_buf(name) if name is not None else None
    b = bytearray(_CREATE.pack(_CREATE.size, kind, flags, pol, capacity,
                               msg_max, mode, 0,
                               nbuf.addr if nbuf else 0, -1, -1, 0, 0))
    fd = _dev()
    try:
        _call(fd, IOC_CREATE, b)
    finally:
        os.close(fd)
    rfd, sfd = struct.unpack_from("=ii", b, 40)
    tx, rx = _PAIRS[kind]
    return tx(sfd, kind), rx(rfd, kind, msg_max)


def queue(capacity=64, msg_max=4096, **kw):
    """A queue: each message reaches exactly one receiver, FIFO per
    producer.  Keywords: policy ('block', 'fail', 'drop', 'overwrite'),
    single_producer, single_consumer, mappable, nonblock, name, mode.
    Returns (Sender, Receiver)."""
    return _create(QUEUE, capacity, msg_max, **kw)


def oneshot(msg_max=4096, **kw):
    """One message, then end of stream (tokio's oneshot)."""
    return _create(ONESHOT, 1, msg_max, **kw)


def rendezvous(msg_max=4096, **kw):
    """Go's unbuffered channel: send() returns once a receiver took it."""
    return _create(RENDEZVOUS, 0, msg_max, **kw)


def broadcast(capacity=64, msg_max=4096, **kw):
    """Every receiver (subscriber) gets every message sent after it
    subscribed; with policy='overwrite' a laggard gets Lagged(n)."""
    return _create(BROADCAST, capacity, msg_max, **kw)


def reqrep(capacity=64, msg_max=4096, **kw):
    """Request/reply: (Client, Server)."""
    return _create(REQREP, capacity, msg_max, **kw)


def open_name(name, role, kind=None):
    """CHAN_IOC_OPEN: role 'send' or 'recv' of the channel called name."""
    r = {"recv": _ROLE_RECV, "send": _ROLE_SEND}[role]
    nbuf = _name_buf(name)
    b = bytearray(_OPEN.pack(_OPEN.size, r, _CLOEXEC, -1, nbuf.addr, 0, 0))
    fd = _dev()
    try:
        _call(fd, IOC_OPEN, b)
    finally:
        os.close(fd)
    efd = struct.unpack_from("=i", b, 12)[0]
    if kind is None:
        try:
            kind = _info(efd).kind
        except ChanError:
            os.close(efd)
            raise
    tx, rx = _PAIRS[kind]
    return rx(efd, kind) if r == _ROLE_RECV else tx(efd, kind)


def unlink(name):
    """CHAN_IOC_UNLINK: remove a name (owner only)."""
    nbuf = _name_buf(name)
    b = bytearray(_UNLINK.pack(_UNLINK.size, 0, nbuf.addr))
    fd = _dev()
    try:
        _call(fd, IOC_UNLINK, b)
    finally:
        os.close(fd)
