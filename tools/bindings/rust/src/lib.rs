// SPDX-License-Identifier: GPL-2.0
//! Message channels of the Linux `chan` module, from Rust, with the
//! standard library only.
//!
//! `/dev/chan` makes channels: pairs of file descriptors, like `pipe2(2)`,
//! through which whole messages move.  Each send queues one message and
//! each receive takes one whole message; once every [`Sender`] is dropped
//! (or [`Sender::close`] is called) and the queue is drained, receivers see
//! end of stream — the semantics of `std::sync::mpsc`, across threads and
//! processes.
//!
//! ```no_run
//! let (tx, rx) = chan::queue(64, 256)?;
//! tx.send(b"hello")?;
//! drop(tx); // the last sender: end of stream after the queue drains
//! for msg in &rx {
//!     println!("{}", String::from_utf8_lossy(&msg?));
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Kinds
//!
//! * [`queue`]: each message reaches exactly one receiver, FIFO per
//!   producer.
//! * [`oneshot`]: one message, then end of stream; a second send fails with
//!   [`SendError::AlreadySent`].
//! * [`rendezvous`]: Go's unbuffered channel; a send returns once a
//!   receiver took the message.
//! * [`broadcast`]: every subscriber ([`Receiver::subscribe`]) gets every
//!   message; a lapped one gets [`RecvError::Lagged`] with the exact count
//!   it lost.
//! * [`reqrep()`]: [`Client::call`] waits for the reply a [`Server`] sends
//!   with [`Server::reply`] (or [`Server::serve`]).
//! * [`mapped`]: a single-producer single-consumer queue whose ring is
//!   mapped into both ends ([`MappedSender`], [`MappedReceiver`]), moving
//!   messages with loads and stores.
//!
//! [`Builder`] sets the rest (policy, single producer/consumer,
//! non-blocking, a name and its permissions); [`Named`] creates, opens and
//! removes named channels, which outlive their processes like POSIX
//! message queues.
//!
//! # Errors
//!
//! Sends and receives return typed errors shaped like `std::sync::mpsc`'s
//! ([`SendError`], [`TrySendError`], [`RecvError`], ...), each with an
//! `Io` variant for everything else the kernel can say; the rest of the
//! API returns [`std::io::Error`], whose `raw_os_error()` is the errno
//! `chan(4)` documents.  Every typed error converts into `io::Error`.
//!
//! # Async
//!
//! The `chan-tokio` crate next to this one (in `chan-tokio/`) wraps
//! [`Sender`] and [`Receiver`] for tokio.  It is a crate of its own so that
//! this one has no dependency at all, not even an optional one.

#![warn(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::io::AsRawFd;

mod endpoint;
mod error;
mod info;
mod reqrep;
mod ring;
mod sys;

pub use endpoint::{IntoIter, Iter, Receiver, Sender, TryIter};
pub use error::{
    CallError, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
pub use info::{feature, limits, list, version, Info, Limits, Version};
pub use reqrep::{Client, Request, Server};
pub use ring::{MappedIter, MappedReceiver, MappedSender};

use endpoint::{invalid, Endpoint};
use sys::Plain;

/// The device that makes channels.
pub const DEVICE: &str = "/dev/chan";

/// Most messages one batch call moves (`CHAN_BATCH_MAX`).
pub const BATCH_MAX: usize = sys::BATCH_MAX;

/// Longest channel name, in bytes, its terminating NUL included
/// (`CHAN_NAME_MAX`): names have at most 63 characters.
pub const NAME_MAX: usize = sys::NAME_MAX;

/// The interface version this crate speaks (`CHAN_ABI_VERSION`).
pub const ABI_VERSION: u32 = 1;

/// Default largest message of the shortcuts that take none, in bytes.
pub const DEFAULT_MSG_MAX: u32 = 4096;

/// Default capacity of [`Named::create`] and [`Builder::new`], in
/// messages.
pub const DEFAULT_CAPACITY: u32 = 64;

pub(crate) fn open_device() -> io::Result<File> {
    // std opens with O_CLOEXEC.
    OpenOptions::new().read(true).write(true).open(DEVICE)
}

/// What a channel does with a message (`enum chan_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// Each message reaches exactly one receiver, in FIFO order per
    /// producer.
    Queue,
    /// One message, then end of stream.
    Oneshot,
    /// Capacity 0: a send returns once a receiver took its message.
    Rendezvous,
    /// Every subscriber receives every message sent after it subscribed.
    Broadcast,
    /// Request/reply: [`Client`] and [`Server`].
    Reqrep,
}

impl Kind {
    fn raw(self) -> u32 {
        match self {
            Kind::Queue => 1,
            Kind::Oneshot => 2,
            Kind::Rendezvous => 3,
            Kind::Broadcast => 4,
            Kind::Reqrep => 5,
        }
    }

    pub(crate) fn from_raw(v: u32) -> Option<Kind> {
        Some(match v {
            1 => Kind::Queue,
            2 => Kind::Oneshot,
            3 => Kind::Rendezvous,
            4 => Kind::Broadcast,
            5 => Kind::Reqrep,
            _ => return None,
        })
    }

    fn default_capacity(self) -> u32 {
        match self {
            Kind::Oneshot => 1,
            Kind::Rendezvous => 0,
            _ => DEFAULT_CAPACITY,
        }
    }
}

/// What a send does when the channel is full (`enum chan_policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// Wait for room (a non-blocking endpoint gets `WouldBlock`).
    Block,
    /// Fail at once with `EAGAIN` (`WouldBlock`), even when blocking.
    Fail,
    /// Discard the message being sent, count it as dropped, report success.
    DropNewest,
    /// Discard the oldest queued message for the new one; a broadcast
    /// subscriber that falls a whole ring behind gets
    /// [`RecvError::Lagged`].
    Overwrite,
}

impl Policy {
    fn raw(self) -> u32 {
        match self {
            Policy::Block => 0,
            Policy::Fail => 1,
            Policy::DropNewest => 2,
            Policy::Overwrite => 3,
        }
    }

    pub(crate) fn from_raw(v: u32) -> Option<Policy> {
        Some(match v {
            0 => Policy::Block,
            1 => Policy::Fail,
            2 => Policy::DropNewest,
            3 => Policy::Overwrite,
            _ => return None,
        })
    }
}

/// Which end of a channel an endpoint is (`enum chan_role`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// A receive endpoint.
    Recv,
    /// A send endpoint.
    Send,
}

/// Options of a new channel (`struct chan_create`).
///
/// ```no_run
/// use chan::{Builder, Kind, Policy};
/// let (tx, rx) = Builder::new(Kind::Queue)
///     .capacity(1024)
///     .msg_max(512)
///     .policy(Policy::DropNewest)
///     .single_consumer(true)
///     .build()?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    kind: Kind,
    capacity: u32,
    msg_max: u32,
    policy: Policy,
    flags: u32,
    name: Option<(String, u32)>,
}

impl Builder {
    /// A channel of `kind` with the kernel's defaults: policy
    /// [`Policy::Block`], messages of at most [`DEFAULT_MSG_MAX`] bytes,
    /// and [`DEFAULT_CAPACITY`] of them (a oneshot channel 1, a rendezvous
    /// channel 0).
    pub fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            capacity: kind.default_capacity(),
            msg_max: DEFAULT_MSG_MAX,
            policy: Policy::Block,
            flags: 0,
            name: None,
        }
    }

    /// Messages the ring holds, rounded up to a power of two by the
    /// kernel (a queue, broadcast or request/reply channel needs at least
    /// 1, a oneshot channel 0 or 1, a rendezvous channel exactly 0).
    pub fn capacity(mut self, capacity: u32) -> Builder {
        self.capacity = capacity;
        self
    }

    /// Largest message in bytes, at least 1.
    pub fn msg_max(mut self, msg_max: u32) -> Builder {
        self.msg_max = msg_max;
        self
    }

    /// What a send does when the channel is full.
    pub fn policy(mut self, policy: Policy) -> Builder {
        self.policy = policy;
        self
    }

    fn flag(mut self, flag: u32, on: bool) -> Builder {
        if on {
            self.flags |= flag;
        } else {
            self.flags &= !flag;
        }
        self
    }

    /// At most one sender at a time (`CHAN_SINGLE_PRODUCER`): a concurrent
    /// second send fails with `EBUSY`.
    pub fn single_producer(self, on: bool) -> Builder {
        self.flag(sys::SINGLE_PRODUCER, on)
    }

    /// At most one receiver at a time (`CHAN_SINGLE_CONSUMER`).
    pub fn single_consumer(self, on: bool) -> Builder {
        self.flag(sys::SINGLE_CONSUMER, on)
    }

    /// Make both endpoints non-blocking (`O_NONBLOCK`): a send or receive
    /// that would wait fails with `WouldBlock` instead.
    pub fn nonblocking(self, on: bool) -> Builder {
        self.flag(sys::NONBLOCK, on)
    }

    /// Allow mapping the ring (`CHAN_MAPPABLE`; a single-producer,
    /// single-consumer queue whose policy is not overwrite).
    /// [`build_mapped`](Builder::build_mapped) sets all three.
    pub fn mappable(self, on: bool) -> Builder {
        self.flag(sys::MAPPABLE, on)
    }

    /// Give the channel a name that other processes can open, with the
    /// permission bits `mode` (read to receive, write to send; the
    /// creator's umask applies).  A named channel lives until
    /// [`Named::unlink`], even with no endpoint open.
    pub fn name(mut self, name: &str, mode: u32) -> Builder {
        self.name = Some((name.to_owned(), mode));
        self
    }

    fn create(&self) -> io::Result<(Endpoint, Endpoint)> {
        let name = match &self.name {
            Some((n, _)) => Some(name_cstring(n)?),
            None => None,
        };
        let mut c = sys::ChanCreate::zeroed();
        c.size = sys::size32::<sys::ChanCreate>();
        c.kind = self.kind.raw();
        c.flags = self.flags | sys::CLOEXEC;
        c.policy = self.policy.raw();
        c.capacity = self.capacity;
        c.msg_max = self.msg_max;
        c.mode = self.name.as_ref().map_or(0, |(_, m)| *m);
        c.name = name.as_ref().map_or(0, |n| n.as_ptr() as usize as u64);
        c.recv_fd = -1;
        c.send_fd = -1;
        let dev = open_device()?;
        sys::ioctl_ptr(dev.as_raw_fd(), sys::IOC_CREATE, &mut c)?;
        // SAFETY: two new descriptors the kernel made for us.
        unsafe { Ok((Endpoint::from_raw(c.send_fd), Endpoint::from_raw(c.recv_fd))) }
    }

    /// Creates the channel (`CHAN_IOC_CREATE`).  A request/reply channel
    /// takes [`build_reqrep`](Builder::build_reqrep) instead.
    pub fn build(&self) -> io::Result<(Sender, Receiver)> {
        if self.kind == Kind::Reqrep {
            return Err(invalid("chan: a reqrep channel is built by build_reqrep()"));
        }
        let (tx, rx) = self.create()?;
        Ok((
            Sender::from_endpoint(tx),
            Receiver::with_msg_max(rx, self.msg_max),
        ))
    }

    /// Creates a request/reply channel: its [`Client`] and [`Server`].
    pub fn build_reqrep(&self) -> io::Result<(Client, Server)> {
        if self.kind != Kind::Reqrep {
            return Err(invalid("chan: build_reqrep() needs Kind::Reqrep"));
        }
        let (tx, rx) = self.create()?;
        Ok((
            Client::with_msg_max(tx, self.msg_max),
            Server::with_msg_max(rx, self.msg_max),
        ))
    }

    /// Creates a mappable queue (single producer, single consumer,
    /// [`mappable`](Builder::mappable)) and maps its ring into both ends.
    pub fn build_mapped(&self) -> io::Result<(MappedSender, MappedReceiver)> {
        let b = self
            .clone()
            .single_producer(true)
            .single_consumer(true)
            .mappable(true);
        let (tx, rx) = b.build()?;
        Ok((tx.into_mapped()?, rx.into_mapped()?))
    }
}

fn name_cstring(name: &str) -> io::Result<CString> {
    CString::new(name).map_err(|_| invalid("chan: a name has no NUL byte"))
}

/// A queue of `capacity` messages of at most `msg_max` bytes, policy
/// [`Policy::Block`]: each message reaches exactly one receiver.
pub fn queue(capacity: u32, msg_max: u32) -> io::Result<(Sender, Receiver)> {
    Builder::new(Kind::Queue)
        .capacity(capacity)
        .msg_max(msg_max)
        .build()
}

/// A oneshot channel (tokio's `oneshot`): one message of at most
/// [`DEFAULT_MSG_MAX`] bytes, then end of stream.  The first send that
/// succeeds closes it for sending; a later one fails with
/// [`SendError::AlreadySent`].  The receiver gets the message, then
/// [`RecvError::Disconnected`] (at once, if every sender went away without
/// sending).  [`Builder`] makes other sizes.
///
/// ```no_run
/// let (tx, rx) = chan::oneshot()?;
/// tx.send(b"done")?;
/// assert!(matches!(tx.send(b"again"), Err(chan::SendError::AlreadySent)));
/// assert_eq!(rx.recv()?, b"done");
/// assert!(matches!(rx.recv(), Err(chan::RecvError::Disconnected)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn oneshot() -> io::Result<(Sender, Receiver)> {
    Builder::new(Kind::Oneshot).build()
}

/// A rendezvous channel (Go's unbuffered channel) of messages of at most
/// `msg_max` bytes: [`Sender::send`] returns only once a receiver has
/// taken its message, and [`Sender::try_send`] succeeds only if a receiver
/// is waiting in a receive.
pub fn rendezvous(msg_max: u32) -> io::Result<(Sender, Receiver)> {
    Builder::new(Kind::Rendezvous).msg_max(msg_max).build()
}

/// A broadcast channel with a ring of `capacity` messages, policy
/// [`Policy::Overwrite`] as in tokio's `broadcast`: senders never wait, and
/// a subscriber that falls a whole ring behind gets
/// [`RecvError::Lagged(n)`](RecvError::Lagged) once, `n` being exactly the
/// messages it missed, then goes on with the oldest one left.  The
/// returned receiver is the first subscriber; [`Receiver::subscribe`]
/// makes more.  (`Builder::new(Kind::Broadcast)` keeps the kernel's
/// default, [`Policy::Block`]: the slowest subscriber holds senders back.)
pub fn broadcast(capacity: u32, msg_max: u32) -> io::Result<(Sender, Receiver)> {
    Builder::new(Kind::Broadcast)
        .capacity(capacity)
        .msg_max(msg_max)
        .policy(Policy::Overwrite)
        .build()
}

/// A request/reply channel: up to `capacity` queued requests, requests and
/// replies of at most `msg_max` bytes.
pub fn reqrep(capacity: u32, msg_max: u32) -> io::Result<(Client, Server)> {
    Builder::new(Kind::Reqrep)
        .capacity(capacity)
        .msg_max(msg_max)
        .build_reqrep()
}

/// A single-producer, single-consumer queue whose ring both ends map:
/// messages move by loads and stores on shared memory, and the kernel is
/// entered only to sleep on an empty (full) ring and to wake a sleeper.
pub fn mapped(capacity: u32, msg_max: u32) -> io::Result<(MappedSender, MappedReceiver)> {
    Builder::new(Kind::Queue)
        .capacity(capacity)
        .msg_max(msg_max)
        .build_mapped()
}

/// Named channels: create, open by name, and remove names
/// (`CHAN_IOC_CREATE` with a name, `CHAN_IOC_OPEN`, `CHAN_IOC_UNLINK`).
///
/// A named channel lives in the IPC namespace it was created in until it
/// is unlinked; while named it stays open for sending when its last sender
/// closes (end its stream with [`Sender::close`]) and keeps messages with
/// no receiver open.  Names are 1 to 63 visible ASCII characters other
/// than `/`.  Opening checks the channel's mode: read permission to
/// receive, write permission to send, both for a mappable channel.
///
/// ```no_run
/// use chan::{Kind, Named};
/// let (tx, _rx) = Named::create("jobs", Kind::Queue, 0o600)?;
/// tx.send(b"work")?;
/// // Elsewhere, perhaps in another process:
/// let rx = Named::open_receiver("jobs")?;
/// assert_eq!(rx.recv()?, b"work");
/// Named::unlink("jobs")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub enum Named {}

impl Named {
    /// Creates the channel `name` of `kind` with permission bits `mode`
    /// (the umask applies) and the defaults of [`Builder::new`]; the
    /// [`Builder`] sets the rest.  `AlreadyExists` (`EEXIST`) if the name
    /// is taken, `PermissionDenied` (`EPERM`) for names starting with
    /// `kernel.`.  A request/reply channel takes
    /// [`create_reqrep`](Named::create_reqrep).
    pub fn create(name: &str, kind: Kind, mode: u32) -> io::Result<(Sender, Receiver)> {
        Builder::new(kind).name(name, mode).build()
    }

    /// Creates the request/reply channel `name` with permission bits
    /// `mode`.
    pub fn create_reqrep(name: &str, mode: u32) -> io::Result<(Client, Server)> {
        Builder::new(Kind::Reqrep).name(name, mode).build_reqrep()
    }

    fn open(name: &str, role: u32) -> io::Result<Endpoint> {
        let cname = name_cstring(name)?;
        let mut o = sys::ChanOpen::zeroed();
        o.size = sys::size32::<sys::ChanOpen>();
        o.role = role;
        o.flags = sys::CLOEXEC;
        o.fd = -1;
        o.name = cname.as_ptr() as usize as u64;
        let dev = open_device()?;
        sys::ioctl_ptr(dev.as_raw_fd(), sys::IOC_OPEN, &mut o)?;
        // SAFETY: a new descriptor the kernel made for us.
        Ok(unsafe { Endpoint::from_raw(o.fd) })
    }

    /// Opens a send endpoint of the channel `name`.  `NotFound` (`ENOENT`)
    /// if there is none, `PermissionDenied` (`EACCES`) without write
    /// permission.
    pub fn open_sender(name: &str) -> io::Result<Sender> {
        Named::open(name, sys::ROLE_SEND).map(Sender::from_endpoint)
    }

    /// Opens a receive endpoint of the channel `name` (of a broadcast
    /// channel: a new subscriber).  Needs read permission.
    pub fn open_receiver(name: &str) -> io::Result<Receiver> {
        Named::open(name, sys::ROLE_RECV).map(Receiver::from_endpoint)
    }

    /// Opens the request/reply channel `name` as a client.
    pub fn open_client(name: &str) -> io::Result<Client> {
        Named::open(name, sys::ROLE_SEND).map(Client::from_endpoint)
    }

    /// Opens the request/reply channel `name` as a server.
    pub fn open_server(name: &str) -> io::Result<Server> {
        Named::open(name, sys::ROLE_RECV).map(Server::from_endpoint)
    }

    /// Removes the name (`CHAN_IOC_UNLINK`; the owner, or a caller with
    /// `CAP_IPC_OWNER`, only: `PermissionDenied` otherwise).  Endpoints
    /// still open keep working, as for an anonymous channel.
    pub fn unlink(name: &str) -> io::Result<()> {
        let cname = name_cstring(name)?;
        let mut u = sys::ChanUnlink::zeroed();
        u.size = sys::size32::<sys::ChanUnlink>();
        u.name = cname.as_ptr() as usize as u64;
        let dev = open_device()?;
        sys::ioctl_ptr(dev.as_raw_fd(), sys::IOC_UNLINK, &mut u).map(drop)
    }
}

// Every endpoint is usable from any thread.
#[allow(dead_code)]
fn assert_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Sender>();
    check::<Receiver>();
    check::<Client>();
    check::<Server>();
    check::<MappedSender>();
    check::<MappedReceiver>();
}
