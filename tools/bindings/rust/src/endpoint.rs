// SPDX-License-Identifier: GPL-2.0
//! Send and receive endpoints: [`Sender`], [`Receiver`] and the receive
//! iterators.

use std::io;
use std::os::raw::c_ulong;
use std::os::unix::io::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::info::Info;
use crate::ring::{MappedReceiver, MappedSender};
use crate::sys::{self, Plain};

// ---------------------------------------------------------------------------
// What every endpoint has: its descriptor.

/// One open endpoint descriptor, closed on drop.
#[derive(Debug)]
pub(crate) struct Endpoint {
    fd: OwnedFd,
}

impl Endpoint {
    pub(crate) fn new(fd: OwnedFd) -> Self {
        Endpoint { fd }
    }

    /// Takes a descriptor the kernel just returned.
    ///
    /// # Safety
    /// `fd` must be an open descriptor that nothing else owns.
    pub(crate) unsafe fn from_raw(fd: RawFd) -> Self {
        // SAFETY: as the caller vouches.
        Endpoint::new(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    pub(crate) fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    pub(crate) fn owned(&self) -> &OwnedFd {
        &self.fd
    }

    pub(crate) fn into_owned(self) -> OwnedFd {
        self.fd
    }

    pub(crate) fn try_clone(&self) -> io::Result<Endpoint> {
        let fd = sys::dup_cloexec(self.raw())?;
        // SAFETY: a descriptor fcntl just made.
        Ok(unsafe { Endpoint::from_raw(fd) })
    }

    pub(crate) fn info(&self) -> io::Result<Info> {
        let mut i = sys::ChanInfo::zeroed();
        i.size = sys::size32::<sys::ChanInfo>();
        sys::ioctl_ptr(self.raw(), sys::IOC_INFO, &mut i)?;
        Ok(Info::from_raw(&i))
    }

    pub(crate) fn lost(&self) -> io::Result<u64> {
        let mut n: u64 = 0;
        sys::ioctl_ptr(self.raw(), sys::IOC_LOST, &mut n)?;
        Ok(n)
    }

    pub(crate) fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        sys::set_nonblocking(self.raw(), on)
    }

    pub(crate) fn is_nonblocking(&self) -> io::Result<bool> {
        sys::nonblocking(self.raw())
    }

    pub(crate) fn close_send(&self) -> io::Result<()> {
        sys::ioctl_val(self.raw(), sys::IOC_CLOSE, 0).map(drop)
    }
}

/// Implements the descriptor traits for a type with an `ep: Endpoint` field
/// and a `from_endpoint` constructor.
macro_rules! fd_traits {
    ($t:ident) => {
        impl std::os::unix::io::AsFd for $t {
            fn as_fd(&self) -> std::os::unix::io::BorrowedFd<'_> {
                std::os::unix::io::AsFd::as_fd(self.ep.owned())
            }
        }

        impl std::os::unix::io::AsRawFd for $t {
            fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
                self.ep.raw()
            }
        }

        impl std::os::unix::io::IntoRawFd for $t {
            fn into_raw_fd(self) -> std::os::unix::io::RawFd {
                std::os::unix::io::IntoRawFd::into_raw_fd(self.ep.into_owned())
            }
        }

        /// Takes over an endpoint descriptor (for instance one received
        /// through `SCM_RIGHTS`); a descriptor of anything else makes every
        /// call fail.
        impl From<std::os::unix::io::OwnedFd> for $t {
            fn from(fd: std::os::unix::io::OwnedFd) -> Self {
                $t::from_endpoint(crate::endpoint::Endpoint::new(fd))
            }
        }

        impl From<$t> for std::os::unix::io::OwnedFd {
            fn from(e: $t) -> Self {
                e.ep.into_owned()
            }
        }

        impl std::os::unix::io::FromRawFd for $t {
            /// # Safety
            /// `fd` must be an open descriptor that nothing else owns.
            unsafe fn from_raw_fd(fd: std::os::unix::io::RawFd) -> Self {
                // SAFETY: as the caller vouches.
                $t::from(unsafe { std::os::unix::io::OwnedFd::from_raw_fd(fd) })
            }
        }

        /// Duplicates the descriptor (`F_DUPFD_CLOEXEC`), like
        /// [`try_clone`](Self::try_clone).
        ///
        /// # Panics
        /// If the process is out of descriptors.
        impl Clone for $t {
            fn clone(&self) -> Self {
                self.try_clone()
                    .expect("chan: cannot duplicate the endpoint descriptor")
            }
        }
    };
}
pub(crate) use fd_traits;

// ---------------------------------------------------------------------------
// Timeouts and the batch ioctls, shared by every endpoint type.

/// `timeout_ns` of a batch or call: `None` waits for ever.
pub(crate) fn timeout_ns(d: Option<Duration>) -> u64 {
    match d {
        None => sys::TIMEOUT_INFINITE,
        Some(d) => d.as_nanos().min(u128::from(sys::TIMEOUT_INFINITE - 1)) as u64,
    }
}

/// When a wait interrupted by a signal must end, so that a retry waits only
/// for what is left.
#[derive(Clone, Copy)]
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    pub(crate) fn after(d: Option<Duration>) -> Deadline {
        Deadline(d.and_then(|d| Instant::now().checked_add(d)))
    }

    pub(crate) fn left(self) -> Option<Duration> {
        self.0.map(|t| t.saturating_duration_since(Instant::now()))
    }

    pub(crate) fn left_ns(self) -> u64 {
        timeout_ns(self.left())
    }
}

pub(crate) fn is_eintr(e: &io::Error) -> bool {
    e.raw_os_error() == Some(sys::EINTR)
}

pub(crate) fn invalid(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what)
}

fn too_long(len: usize) -> Option<io::Error> {
    if len > u32::MAX as usize {
        Some(io::Error::from_raw_os_error(sys::EMSGSIZE))
    } else {
        None
    }
}

/// CHAN_IOC_SEND_BATCH (or CHAN_IOC_REPLY with ids) of at most BATCH_MAX
/// messages, retried while interrupted.
pub(crate) fn send_msgs(
    fd: RawFd,
    req: sys::IoctlReq,
    msgs: &[(u64, &[u8])],
    deadline: Deadline,
) -> io::Result<usize> {
    let mut raw = Vec::with_capacity(msgs.len().min(sys::BATCH_MAX));
    for (id, m) in msgs.iter().take(sys::BATCH_MAX) {
        if let Some(e) = too_long(m.len()) {
            return Err(e);
        }
        raw.push(sys::ChanMsg {
            buf: m.as_ptr() as usize as u64,
            len: m.len() as u32,
            flags: 0,
            id: *id,
        });
    }
    if raw.is_empty() {
        return Ok(0);
    }
    loop {
        let mut b = sys::ChanBatch::zeroed();
        b.size = sys::size32::<sys::ChanBatch>();
        b.count = raw.len() as u32;
        b.msgs = raw.as_mut_ptr() as usize as u64;
        b.timeout_ns = deadline.left_ns();
        match sys::ioctl_ptr(fd, req, &mut b) {
            Ok(n) => return Ok(n as usize),
            Err(e) if is_eintr(&e) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Most buffer room one batch receive sets aside: a batch of channels with
/// large messages takes fewer of them per call.
const BATCH_ROOM: usize = 64 << 20;

/// CHAN_IOC_RECV_BATCH of up to `count` messages of at most `room` bytes,
/// with their ids; empty at end of stream.
pub(crate) fn recv_msgs(
    fd: RawFd,
    count: usize,
    room: usize,
    deadline: Deadline,
) -> io::Result<Vec<(Vec<u8>, u64)>> {
    let room = room.clamp(1, u32::MAX as usize);
    let count = count
        .clamp(1, sys::BATCH_MAX)
        .min((BATCH_ROOM / room).max(1));
    let mut bufs: Vec<Vec<u8>> = (0..count).map(|_| Vec::with_capacity(room)).collect();
    let mut raw: Vec<sys::ChanMsg> = bufs
        .iter_mut()
        .map(|b| sys::ChanMsg {
            buf: b.as_mut_ptr() as usize as u64,
            len: room as u32,
            flags: 0,
            id: 0,
        })
        .collect();
    let n = loop {
        let mut b = sys::ChanBatch::zeroed();
        b.size = sys::size32::<sys::ChanBatch>();
        b.count = count as u32;
        b.msgs = raw.as_mut_ptr() as usize as u64;
        b.timeout_ns = deadline.left_ns();
        match sys::ioctl_ptr(fd, sys::IOC_RECV_BATCH, &mut b) {
            Ok(n) => break (n as usize).min(count),
            Err(e) if is_eintr(&e) => {
                for m in raw.iter_mut() {
                    m.len = room as u32;
                    m.id = 0;
                }
                continue;
            }
            Err(e) => return Err(e),
        }
    };
    let mut out = Vec::with_capacity(n);
    for (mut buf, m) in bufs.into_iter().zip(raw.iter()).take(n) {
        let len = (m.len as usize).min(room);
        // SAFETY: the kernel wrote m.len bytes (at most the room) there.
        unsafe { buf.set_len(len) };
        buf.shrink_to_fit();
        out.push((buf, m.id));
    }
    Ok(out)
}

/// One message into `buf` through CHAN_IOC_RECV_BATCH; `None` at end of
/// stream.
pub(crate) fn recv_one_into(
    fd: RawFd,
    buf: &mut [u8],
    deadline: Deadline,
) -> io::Result<Option<(usize, u64)>> {
    if buf.is_empty() {
        return Err(invalid("chan: no room to receive into"));
    }
    let room = buf.len().min(u32::MAX as usize) as u32;
    loop {
        let mut m = sys::ChanMsg {
            buf: buf.as_mut_ptr() as usize as u64,
            len: room,
            flags: 0,
            id: 0,
        };
        let mut b = sys::ChanBatch::zeroed();
        b.size = sys::size32::<sys::ChanBatch>();
        b.count = 1;
        b.msgs = &mut m as *mut sys::ChanMsg as usize as u64;
        b.timeout_ns = deadline.left_ns();
        match sys::ioctl_ptr(fd, sys::IOC_RECV_BATCH, &mut b) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(((m.len as usize).min(buf.len()), m.id))),
            Err(e) if is_eintr(&e) => continue,
            Err(e) => return Err(e),
        }
    }
}

// ---------------------------------------------------------------------------
// Sender.

/// The send end of a channel.
///
/// Each [`send`](Sender::send) queues one whole message.  Clones share one
/// open file description (like `dup(2)`): the channel counts them as one
/// sender, and the stream ends for the receivers once every clone is
/// dropped (or [`close`](Sender::close) is called), as with
/// `std::sync::mpsc`.  Sending never raises `SIGPIPE`.
///
/// A `Sender` is `Send` and `Sync`: threads may share one (`&Sender`), and
/// the kernel orders their messages.
///
/// ```no_run
/// let (tx, rx) = chan::queue(16, 256)?;
/// let tx2 = tx.clone();
/// std::thread::spawn(move || tx2.send(b"from a thread"));
/// tx.send(b"from main")?;
/// drop(tx);
/// for msg in &rx {
///     println!("{}", String::from_utf8_lossy(&msg?));
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Sender {
    ep: Endpoint,
}

fd_traits!(Sender);

impl Sender {
    pub(crate) fn from_endpoint(ep: Endpoint) -> Self {
        Sender { ep }
    }

    /// Sends one message (`write(2)`), waiting for room while the channel
    /// is full (under [`Policy::Block`](crate::Policy::Block)); on a
    /// rendezvous channel, until a receiver has taken it.
    ///
    /// Errors: [`SendError::Disconnected`] once no receiver is left or the
    /// channel was closed; [`SendError::AlreadySent`] for a second oneshot
    /// message; [`SendError::Io`] for the rest, such as a message longer
    /// than `msg_max` (`EMSGSIZE`), an empty one (`InvalidInput`: chan has
    /// no empty messages), or `WouldBlock` on a non-blocking endpoint and
    /// under [`Policy::Fail`](crate::Policy::Fail).
    pub fn send(&self, msg: &[u8]) -> Result<(), SendError> {
        if msg.is_empty() {
            return Err(SendError::Io(invalid("chan has no empty messages")));
        }
        loop {
            match sys::write_all(self.ep.raw(), msg) {
                Ok(_) => return Ok(()),
                Err(e) if is_eintr(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends one message only if that needs no wait:
    /// [`TrySendError::Full`] when the channel is full (a rendezvous
    /// channel: when no receiver waits).
    pub fn try_send(&self, msg: &[u8]) -> Result<(), TrySendError> {
        self.send_within(msg, Some(Duration::ZERO))
            .map_err(TrySendError::from)
    }

    /// Sends one message, waiting at most `timeout` for room (a rendezvous
    /// channel: for a receiver to take it; if none did, the message is
    /// withdrawn).
    pub fn send_timeout(&self, msg: &[u8], timeout: Duration) -> Result<(), SendTimeoutError> {
        self.send_within(msg, Some(timeout))
            .map_err(SendTimeoutError::from)
    }

    fn send_within(&self, msg: &[u8], timeout: Option<Duration>) -> io::Result<()> {
        if msg.is_empty() {
            return Err(invalid("chan has no empty messages"));
        }
        send_msgs(
            self.ep.raw(),
            sys::IOC_SEND_BATCH,
            &[(0, msg)],
            Deadline::after(timeout),
        )
        .map(drop)
    }

    /// Sends up to [`BATCH_MAX`](crate::BATCH_MAX) messages in one call
    /// (`CHAN_IOC_SEND_BATCH`, like `sendmmsg(2)`): waits for room for the
    /// first, then sends in order as long as there is room, and returns how
    /// many went.  An error means none did.
    pub fn send_batch<M: AsRef<[u8]>>(&self, msgs: &[M]) -> Result<usize, SendError> {
        self.batch_within(msgs, None).map_err(SendError::from)
    }

    /// [`send_batch`](Sender::send_batch) whose first message waits at most
    /// `timeout` (zero: not at all).
    pub fn send_batch_timeout<M: AsRef<[u8]>>(
        &self,
        msgs: &[M],
        timeout: Duration,
    ) -> Result<usize, SendTimeoutError> {
        self.batch_within(msgs, Some(timeout))
            .map_err(SendTimeoutError::from)
    }

    fn batch_within<M: AsRef<[u8]>>(
        &self,
        msgs: &[M],
        timeout: Option<Duration>,
    ) -> io::Result<usize> {
        let list: Vec<(u64, &[u8])> = msgs
            .iter()
            .take(sys::BATCH_MAX)
            .map(|m| (0, m.as_ref()))
            .collect();
        if list.iter().any(|(_, m)| m.is_empty()) {
            return Err(invalid("chan has no empty messages"));
        }
        send_msgs(
            self.ep.raw(),
            sys::IOC_SEND_BATCH,
            &list,
            Deadline::after(timeout),
        )
    }

    /// Closes the channel for sending, for every sender (`CHAN_IOC_CLOSE`,
    /// Go's `close()`): later sends fail with
    /// [`Disconnected`](SendError::Disconnected), and receivers get what is
    /// queued, then end of stream.  Idempotent.  This is the way to end the
    /// stream of a named channel, which outlives its senders.
    pub fn close(&self) -> io::Result<()> {
        self.ep.close_send()
    }

    /// The channel's state and counters (`CHAN_IOC_INFO`).
    pub fn info(&self) -> io::Result<Info> {
        self.ep.info()
    }

    /// Messages the channel discarded by its policy (dropped plus
    /// overwritten) since this endpoint last asked (`CHAN_IOC_LOST`).
    pub fn lost(&self) -> io::Result<u64> {
        self.ep.lost()
    }

    /// Another descriptor of this endpoint (`F_DUPFD_CLOEXEC`): not a new
    /// sender as the channel counts them; the stream ends when both are
    /// gone.
    pub fn try_clone(&self) -> io::Result<Sender> {
        self.ep.try_clone().map(Sender::from_endpoint)
    }

    /// Sets or clears `O_NONBLOCK`.  It belongs to the open file
    /// description, so every clone sees the change.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.ep.set_nonblocking(nonblocking)
    }

    /// Whether `O_NONBLOCK` is set.
    pub fn is_nonblocking(&self) -> io::Result<bool> {
        self.ep.is_nonblocking()
    }

    /// Maps the ring of a [`mappable`](crate::Builder::mappable) channel and
    /// sends through the mapping from now on (see [`MappedSender`]).
    pub fn into_mapped(self) -> io::Result<MappedSender> {
        MappedSender::new(self.ep)
    }
}

// ---------------------------------------------------------------------------
// Receiver.

/// The receive end of a channel.
///
/// Each receive takes one whole message.  At end of stream (every sender
/// gone, or [`Sender::close`]) and once everything queued was taken,
/// receives report [`RecvError::Disconnected`] and iteration ends.
/// Threads may share a `Receiver`: each message goes to one of them (a
/// broadcast channel: to every subscriber, see
/// [`subscribe`](Receiver::subscribe)).
///
/// ```no_run
/// let (tx, rx) = chan::queue(16, 256)?;
/// tx.send(b"one")?;
/// tx.send(b"two")?;
/// drop(tx);
/// let mut buf = [0u8; 256];
/// let n = rx.recv_into(&mut buf)?;
/// assert_eq!(&buf[..n], b"one");
/// assert_eq!(rx.recv()?, b"two");
/// assert!(matches!(rx.recv(), Err(chan::RecvError::Disconnected)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Receiver {
    ep: Endpoint,
    msg_max: AtomicU32,
}

fd_traits!(Receiver);

impl Receiver {
    pub(crate) fn from_endpoint(ep: Endpoint) -> Self {
        Receiver {
            ep,
            msg_max: AtomicU32::new(0),
        }
    }

    pub(crate) fn with_msg_max(ep: Endpoint, msg_max: u32) -> Self {
        Receiver {
            ep,
            msg_max: AtomicU32::new(msg_max),
        }
    }

    /// The channel's largest message, in bytes (asked once with
    /// `CHAN_IOC_INFO` when not known from the creation).
    pub fn msg_max(&self) -> io::Result<usize> {
        let m = self.msg_max.load(Ordering::Relaxed);
        if m != 0 {
            return Ok(m as usize);
        }
        let m = self.ep.info()?.msg_max;
        self.msg_max.store(m, Ordering::Relaxed);
        Ok(m as usize)
    }

    /// Turns an errno of a receive into the typed error: `EOVERFLOW` is a
    /// lapped broadcast subscriber, whose loss CHAN_IOC_LOST tells.
    fn recv_error(&self, e: io::Error) -> RecvError {
        if e.raw_os_error() == Some(sys::EOVERFLOW) {
            match self.ep.lost() {
                Ok(n) => RecvError::Lagged(n),
                Err(e) => RecvError::Io(e),
            }
        } else {
            RecvError::Io(e)
        }
    }

    /// Receives the next message into `buf` (`read(2)`), waiting while the
    /// channel is empty, and returns its length.
    ///
    /// A `buf` shorter than the message fails with `EMSGSIZE`
    /// ([`RecvError::Io`]) and leaves the message queued.
    pub fn recv_into(&self, buf: &mut [u8]) -> Result<usize, RecvError> {
        if buf.is_empty() {
            return Err(RecvError::Io(invalid("chan: no room to receive into")));
        }
        loop {
            // SAFETY: buf is valid for writes of its length.
            match unsafe { sys::read_raw(self.ep.raw(), buf.as_mut_ptr(), buf.len()) } {
                Ok(0) => return Err(RecvError::Disconnected),
                Ok(n) => return Ok(n),
                Err(e) if is_eintr(&e) => continue,
                Err(e) => return Err(self.recv_error(e)),
            }
        }
    }

    /// Receives the next message, waiting while the channel is empty.
    pub fn recv(&self) -> Result<Vec<u8>, RecvError> {
        let room = self.msg_max().map_err(RecvError::Io)?;
        let mut v: Vec<u8> = Vec::with_capacity(room);
        loop {
            // SAFETY: v has room for `room` bytes; set_len below covers
            // exactly what the kernel wrote.
            match unsafe { sys::read_raw(self.ep.raw(), v.as_mut_ptr(), room) } {
                Ok(0) => return Err(RecvError::Disconnected),
                Ok(n) => {
                    // SAFETY: read(2) wrote n <= room bytes.
                    unsafe { v.set_len(n.min(room)) };
                    v.shrink_to_fit();
                    return Ok(v);
                }
                Err(e) if is_eintr(&e) => continue,
                Err(e) => return Err(self.recv_error(e)),
            }
        }
    }

    fn recv_within(&self, timeout: Option<Duration>) -> Result<Vec<u8>, RecvError> {
        let room = self.msg_max().map_err(RecvError::Io)?;
        match recv_msgs(self.ep.raw(), 1, room, Deadline::after(timeout)) {
            Ok(mut v) => match v.pop() {
                Some((m, _)) => Ok(m),
                None => Err(RecvError::Disconnected),
            },
            Err(e) => Err(self.recv_error(e)),
        }
    }

    fn recv_into_within(
        &self,
        buf: &mut [u8],
        timeout: Option<Duration>,
    ) -> Result<usize, RecvError> {
        match recv_one_into(self.ep.raw(), buf, Deadline::after(timeout)) {
            Ok(Some((n, _))) => Ok(n),
            Ok(None) => Err(RecvError::Disconnected),
            Err(e) => Err(self.recv_error(e)),
        }
    }

    /// Receives the next message if one is queued:
    /// [`TryRecvError::Empty`] otherwise.
    pub fn try_recv(&self) -> Result<Vec<u8>, TryRecvError> {
        self.recv_within(Some(Duration::ZERO))
            .map_err(TryRecvError::from)
    }

    /// [`try_recv`](Receiver::try_recv) into `buf`.
    pub fn try_recv_into(&self, buf: &mut [u8]) -> Result<usize, TryRecvError> {
        self.recv_into_within(buf, Some(Duration::ZERO))
            .map_err(TryRecvError::from)
    }

    /// Receives the next message, waiting at most `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Vec<u8>, RecvTimeoutError> {
        self.recv_within(Some(timeout))
            .map_err(RecvTimeoutError::from)
    }

    /// [`recv_timeout`](Receiver::recv_timeout) into `buf`.
    pub fn recv_timeout_into(
        &self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<usize, RecvTimeoutError> {
        self.recv_into_within(buf, Some(timeout))
            .map_err(RecvTimeoutError::from)
    }

    /// Receives up to `max` messages (at most
    /// [`BATCH_MAX`](crate::BATCH_MAX), and fewer when `msg_max` is so large
    /// that their buffers would pass 64 MiB) in one call (`CHAN_IOC_RECV_BATCH`,
    /// like `recvmmsg(2)`): waits for the first, then takes what else is
    /// queued.  [`RecvError::Disconnected`] at end of stream.  A broadcast
    /// receive stops before a gap, which the next call reports as
    /// [`RecvError::Lagged`].
    pub fn recv_batch(&self, max: usize) -> Result<Vec<Vec<u8>>, RecvError> {
        self.batch_within(max, None)
    }

    /// [`recv_batch`](Receiver::recv_batch) whose first message waits at
    /// most `timeout` (zero: not at all).
    pub fn recv_batch_timeout(
        &self,
        max: usize,
        timeout: Duration,
    ) -> Result<Vec<Vec<u8>>, RecvTimeoutError> {
        self.batch_within(max, Some(timeout))
            .map_err(RecvTimeoutError::from)
    }

    fn batch_within(
        &self,
        max: usize,
        timeout: Option<Duration>,
    ) -> Result<Vec<Vec<u8>>, RecvError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let room = self.msg_max().map_err(RecvError::Io)?;
        match recv_msgs(self.ep.raw(), max, room, Deadline::after(timeout)) {
            Ok(v) if v.is_empty() => Err(RecvError::Disconnected),
            Ok(v) => Ok(v.into_iter().map(|(m, _)| m).collect()),
            Err(e) => Err(self.recv_error(e)),
        }
    }

    /// A blocking iterator over the messages, ending at end of stream.  It
    /// yields [`RecvError::Lagged`] for a lapped broadcast subscriber and
    /// goes on; after any other error it ends.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            rx: self,
            done: false,
        }
    }

    /// An iterator over the messages queued now: it ends when the channel
    /// is empty or at end of stream.
    pub fn try_iter(&self) -> TryIter<'_> {
        TryIter {
            rx: self,
            done: false,
        }
    }

    /// A new subscriber of this broadcast channel (`CHAN_IOC_SUBSCRIBE`): a
    /// receive endpoint of its own, with a cursor that starts at the next
    /// message sent.  A clone, by contrast, shares this one's cursor.  The
    /// new endpoint is non-blocking if this one is.  `EINVAL` on the other
    /// kinds.
    ///
    /// ```no_run
    /// let (tx, rx) = chan::broadcast(4, 64)?;
    /// let sub = rx.subscribe()?;
    /// for k in 0..10u8 {
    ///     tx.send(&[b'0' + k])?;
    /// }
    /// // A ring of 4: both subscribers lost the 6 oldest messages.
    /// assert!(matches!(rx.recv(), Err(chan::RecvError::Lagged(6))));
    /// assert_eq!(rx.recv()?, b"6");
    /// assert!(matches!(sub.recv(), Err(chan::RecvError::Lagged(6))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn subscribe(&self) -> io::Result<Receiver> {
        let mut flags = sys::CLOEXEC;
        if self.ep.is_nonblocking()? {
            flags |= sys::NONBLOCK;
        }
        let fd = sys::ioctl_val(self.ep.raw(), sys::IOC_SUBSCRIBE, flags as c_ulong)?;
        // SAFETY: a descriptor the kernel just made for us.
        let ep = unsafe { Endpoint::from_raw(fd) };
        Ok(Receiver::with_msg_max(
            ep,
            self.msg_max.load(Ordering::Relaxed),
        ))
    }

    /// The channel's state and counters (`CHAN_IOC_INFO`).
    pub fn info(&self) -> io::Result<Info> {
        self.ep.info()
    }

    /// Messages lost since this endpoint last asked (`CHAN_IOC_LOST`): on a
    /// broadcast subscriber, those it missed; otherwise those the policy
    /// discarded.  A [`RecvError::Lagged`] has already asked.
    pub fn lost(&self) -> io::Result<u64> {
        self.ep.lost()
    }

    /// Another descriptor of this endpoint (`F_DUPFD_CLOEXEC`), sharing its
    /// broadcast cursor and its lost count.
    pub fn try_clone(&self) -> io::Result<Receiver> {
        Ok(Receiver::with_msg_max(
            self.ep.try_clone()?,
            self.msg_max.load(Ordering::Relaxed),
        ))
    }

    /// Sets or clears `O_NONBLOCK` (shared with every clone).
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.ep.set_nonblocking(nonblocking)
    }

    /// Whether `O_NONBLOCK` is set.
    pub fn is_nonblocking(&self) -> io::Result<bool> {
        self.ep.is_nonblocking()
    }

    /// Maps the ring of a [`mappable`](crate::Builder::mappable) channel and
    /// receives through the mapping from now on (see [`MappedReceiver`]).
    pub fn into_mapped(self) -> io::Result<MappedReceiver> {
        MappedReceiver::new(self.ep)
    }
}

/// Blocking iterator of a [`Receiver`]: see [`Receiver::iter`].
#[derive(Debug)]
pub struct Iter<'a> {
    rx: &'a Receiver,
    done: bool,
}

/// Non-blocking iterator of a [`Receiver`]: see [`Receiver::try_iter`].
#[derive(Debug)]
pub struct TryIter<'a> {
    rx: &'a Receiver,
    done: bool,
}

/// Owning blocking iterator of a [`Receiver`], ending at end of stream.
#[derive(Debug)]
pub struct IntoIter {
    rx: Receiver,
    done: bool,
}

fn step(rx: &Receiver, done: &mut bool) -> Option<Result<Vec<u8>, RecvError>> {
    if *done {
        return None;
    }
    match rx.recv() {
        Ok(m) => Some(Ok(m)),
        Err(RecvError::Disconnected) => {
            *done = true;
            None
        }
        Err(RecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
        Err(e) => {
            *done = true;
            Some(Err(e))
        }
    }
}

impl Iterator for Iter<'_> {
    type Item = Result<Vec<u8>, RecvError>;

    fn next(&mut self) -> Option<Self::Item> {
        step(self.rx, &mut self.done)
    }
}

impl Iterator for IntoIter {
    type Item = Result<Vec<u8>, RecvError>;

    fn next(&mut self) -> Option<Self::Item> {
        step(&self.rx, &mut self.done)
    }
}

impl Iterator for TryIter<'_> {
    type Item = Result<Vec<u8>, RecvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.rx.try_recv() {
            Ok(m) => Some(Ok(m)),
            Err(TryRecvError::Empty) | Err(TryRecvError::Disconnected) => {
                self.done = true;
                None
            }
            Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
            Err(TryRecvError::Io(e)) => {
                self.done = true;
                Some(Err(RecvError::Io(e)))
            }
        }
    }
}

impl<'a> IntoIterator for &'a Receiver {
    type Item = Result<Vec<u8>, RecvError>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Receiver {
    type Item = Result<Vec<u8>, RecvError>;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            rx: self,
            done: false,
        }
    }
}
