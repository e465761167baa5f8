// SPDX-License-Identifier: GPL-2.0
//! What the kernel tells about channels and about itself: [`Info`],
//! [`Version`], [`Limits`], and [`list`].

use std::io;
use std::os::unix::io::AsRawFd;

use crate::sys::{self, Plain};
use crate::{open_device, Kind, Policy, Role};

/// The state and counters of a channel (`struct chan_info`), as
/// [`Sender::info`](crate::Sender::info) and the other endpoints'
/// `info()`, or [`list`], report them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Info {
    /// The kind; `None` for a kind this crate does not know.
    pub kind: Option<Kind>,
    /// Created with [`Builder::single_producer`](crate::Builder::single_producer).
    pub single_producer: bool,
    /// Created with [`Builder::single_consumer`](crate::Builder::single_consumer).
    pub single_consumer: bool,
    /// Created [`mappable`](crate::Builder::mappable).
    pub mappable: bool,
    /// The full-channel policy; `None` for one this crate does not know.
    pub policy: Option<Policy>,
    /// Ring size in messages (a power of two; 0 for a rendezvous channel).
    pub capacity: u32,
    /// Largest message in bytes.
    pub msg_max: u32,
    /// Permission bits (of a named channel).
    pub mode: u32,
    /// Owner: the creator's effective uid.
    pub uid: u32,
    /// Group: the creator's effective gid.
    pub gid: u32,
    /// The endpoint asked; `None` in a [`list`].
    pub role: Option<Role>,
    /// Open send endpoints (open file descriptions: clones add none).
    pub senders: u32,
    /// Open receive endpoints, likewise.
    pub receivers: u32,
    /// Tasks waiting in a send now.
    pub send_waiters: u32,
    /// Tasks waiting in a receive now.
    pub recv_waiters: u32,
    /// Closed for sending.
    pub closed: bool,
    /// Unique id of the channel while the module stays loaded.
    pub id: u64,
    /// Messages queued now (broadcast: what the slowest subscriber has yet
    /// to read).
    pub depth: u64,
    /// Messages queued since creation.
    pub sent: u64,
    /// Messages received since creation (broadcast: one per subscriber).
    pub received: u64,
    /// Messages discarded by [`Policy::DropNewest`].
    pub dropped: u64,
    /// Messages discarded by [`Policy::Overwrite`].
    pub overwritten: u64,
    /// Times a sender went to sleep on a full channel.
    pub send_waits: u64,
    /// Times a receiver went to sleep on an empty channel.
    pub recv_waits: u64,
    /// The name; empty if anonymous or unlinked.
    pub name: String,
    /// Bytes a mapping of the whole ring takes (mappable channels), else 0.
    pub map_size: u64,
    /// Times the kernel found a mapped ring's shared words invalid.
    pub rejects: u64,
    /// Request/reply: requests skipped because their caller had gone.
    pub cancelled: u64,
}

impl Info {
    pub(crate) fn from_raw(i: &sys::ChanInfo) -> Info {
        let end = i.name.iter().position(|&b| b == 0).unwrap_or(i.name.len());
        Info {
            kind: Kind::from_raw(i.kind),
            single_producer: i.flags & sys::SINGLE_PRODUCER != 0,
            single_consumer: i.flags & sys::SINGLE_CONSUMER != 0,
            mappable: i.flags & sys::MAPPABLE != 0,
            policy: Policy::from_raw(i.policy),
            capacity: i.capacity,
            msg_max: i.msg_max,
            mode: i.mode,
            uid: i.uid,
            gid: i.gid,
            role: match i.role {
                sys::ROLE_RECV => Some(Role::Recv),
                sys::ROLE_SEND => Some(Role::Send),
                _ => None,
            },
            senders: i.senders,
            receivers: i.receivers,
            send_waiters: i.send_waiters,
            recv_waiters: i.recv_waiters,
            closed: i.closed != 0,
            id: i.id,
            depth: i.depth,
            sent: i.sent,
            received: i.received,
            dropped: i.dropped,
            overwritten: i.overwritten,
            send_waits: i.send_waits,
            recv_waits: i.recv_waits,
            name: String::from_utf8_lossy(&i.name[..end]).into_owned(),
            map_size: i.map_size,
            rejects: i.rejects,
            cancelled: i.cancelled,
        }
    }
}

/// Capability bits of [`Version::features`] (`enum chan_feature`).
pub mod feature {
    /// The queue kind.
    pub const QUEUE: u64 = 1 << 0;
    /// Full-channel policies.
    pub const POLICY: u64 = 1 << 1;
    /// Named channels.
    pub const NAMES: u64 = 1 << 2;
    /// `CHAN_IOC_LIST`.
    pub const LIST: u64 = 1 << 3;
    /// `CHAN_IOC_INFO` and `CHAN_IOC_LOST`.
    pub const INFO: u64 = 1 << 4;
    /// The batch ioctls.
    pub const BATCH: u64 = 1 << 5;
    /// The oneshot kind.
    pub const ONESHOT: u64 = 1 << 6;
    /// The rendezvous kind.
    pub const RENDEZVOUS: u64 = 1 << 7;
    /// The broadcast kind and `CHAN_IOC_SUBSCRIBE`.
    pub const BROADCAST: u64 = 1 << 8;
    /// The request/reply kind.
    pub const REQREP: u64 = 1 << 9;
    /// Mapped rings.
    pub const MMAP: u64 = 1 << 10;
    /// `CHAN_IOC_LIMITS`.
    pub const LIMITS: u64 = 1 << 11;
}

/// The running module's interface version, features and maxima
/// (`CHAN_IOC_VERSION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Version {
    /// `CHAN_ABI_VERSION` of the module (this crate speaks version 1).
    pub abi_version: u32,
    /// Bitmask of [`feature`] bits.
    pub features: u64,
    /// Largest capacity a channel may have, in messages.
    pub max_capacity: u32,
    /// Largest message a channel may carry, in bytes.
    pub max_msg_size: u32,
}

impl Version {
    /// Whether every bit of `features` (of [`feature`]) is there.
    pub fn has(&self, features: u64) -> bool {
        self.features & features == features
    }
}

/// The caller's share of the per-user limits (`CHAN_IOC_LIMITS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// The caller has `CAP_SYS_RESOURCE` in the initial user namespace: no
    /// limit refuses its creates (the counts are still kept).
    pub exempt: bool,
    /// Channels charged to the caller.
    pub channels: u32,
    /// The module's `max_user_channels`.
    pub max_channels: u32,
    /// Ring memory of those channels, in bytes.
    pub bytes: u64,
    /// The module's `max_user_bytes`.
    pub max_bytes: u64,
    /// Channels the caller may still create (0: the next create fails
    /// with `EMFILE`).
    pub channels_left: u32,
    /// Ring memory the caller may still take, in bytes.
    pub bytes_left: u64,
}

/// The module's version, features and maxima (`CHAN_IOC_VERSION`).
pub fn version() -> io::Result<Version> {
    let dev = open_device()?;
    let mut v = sys::ChanVersion::zeroed();
    v.size = sys::size32::<sys::ChanVersion>();
    sys::ioctl_ptr(dev.as_raw_fd(), sys::IOC_VERSION, &mut v)?;
    Ok(Version {
        abi_version: v.abi_version,
        features: v.features,
        max_capacity: v.max_capacity,
        max_msg_size: v.max_msg_size,
    })
}

/// The caller's use of the per-user limits (`CHAN_IOC_LIMITS`).
pub fn limits() -> io::Result<Limits> {
    let dev = open_device()?;
    let mut l = sys::ChanLimits::zeroed();
    l.size = sys::size32::<sys::ChanLimits>();
    sys::ioctl_ptr(dev.as_raw_fd(), sys::IOC_LIMITS, &mut l)?;
    Ok(Limits {
        exempt: l.flags & sys::LIMITS_EXEMPT != 0,
        channels: l.channels,
        max_channels: l.max_channels,
        bytes: l.bytes,
        max_bytes: l.max_bytes,
        channels_left: l.channels_left,
        bytes_left: l.bytes_left,
    })
}

/// The channels of the caller's IPC namespace that it may see, in creation
/// order (`CHAN_IOC_LIST`; [`Info::role`] is `None`).  Of another user's
/// named channel it may not open, only the description is filled in.
pub fn list() -> io::Result<Vec<Info>> {
    let dev = open_device()?;
    let mut room = 16usize;
    loop {
        let mut entries: Vec<sys::ChanInfo> = (0..room).map(|_| sys::ChanInfo::zeroed()).collect();
        let mut l = sys::ChanList::zeroed();
        l.size = sys::size32::<sys::ChanList>();
        l.entry_size = sys::size32::<sys::ChanInfo>();
        l.count = room as u32;
        l.entries = entries.as_mut_ptr() as usize as u64;
        sys::ioctl_ptr(dev.as_raw_fd(), sys::IOC_LIST, &mut l)?;
        if (l.total as usize) <= room {
            let n = (l.count as usize).min(room);
            return Ok(entries[..n].iter().map(Info::from_raw).collect());
        }
        room = l.total as usize + 16;
    }
}
