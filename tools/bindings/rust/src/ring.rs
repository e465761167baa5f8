// SPDX-License-Identifier: GPL-2.0
//! Mapped rings: a [`MappedSender`] and a [`MappedReceiver`] move messages
//! through a `CHAN_MAPPABLE` queue's ring with plain loads and stores on a
//! shared mapping, entering the kernel only to sleep (`CHAN_IOC_WAIT`) and
//! to wake the other side when its flag says it sleeps (`CHAN_IOC_WAKE`).
//!
//! The protocol is the one `struct chan_ring_hdr` in `<linux/chan.h>`
//! describes.  Positions are free-running `u32`; the ring holds
//! `tail - head` messages.
//!
//! * The producer checks `tail - load_acquire(head) < capacity`, fills the
//!   slot (a zero word, the length, the bytes), `store_release(tail,
//!   tail + 1)`, then issues a full fence and calls `CHAN_IOC_WAKE` if
//!   `recv_wake` is set.
//! * The consumer checks `load_acquire(tail) != head`, copies the message
//!   out, `store_release(head, head + 1)`, then a full fence and
//!   `CHAN_IOC_WAKE` if `send_wake` is set.
//! * A side that finds the ring full (empty) waits in `CHAN_IOC_WAIT`,
//!   which arms its flag, fences, and looks at the ring again before it
//!   sleeps: with the fence after publishing, no wakeup is lost.
//!
//! The other side may be the kernel (`read(2)`/`write(2)` on the other
//! endpoint keep working) or another process.  Everything in the mapping
//! is writable by both ends, so every shared word is read once and checked
//! before it is used, and the ring's description is taken from
//! `CHAN_IOC_INFO`, not from the header, where it can be.

use std::io;
use std::ptr;
use std::sync::atomic::{fence, AtomicU32, Ordering};
use std::time::Duration;

use crate::endpoint::{invalid, send_msgs, Deadline, Endpoint};
use crate::error::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
use crate::info::Info;
use crate::sys::{self, Plain};
use crate::{Policy, Role};

/// Looks at the ring before sleeping in the kernel.
const SPIN_LOOKS: u32 = 128;
/// A long batch publishes its progress this often, so the other side can
/// start on the first messages.
const PUBLISH_EVERY: u32 = 32;

/// Why an operation on the mapping stopped.
enum Stop {
    /// Full (send) or empty (receive), and no wait was asked for.
    Now,
    /// The timeout passed.
    Timeout,
    /// Send: no receiver, or closed.  Receive: end of stream.
    Disconnected,
    /// Anything else.
    Io(io::Error),
}

fn os(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

/// A shared mapping of a ring, unmapped on drop.
struct Ring {
    base: *mut u8,
    len: usize,
    slots: *mut u8,
    capacity: u32,
    stride: usize,
    msg_max: u32,
    policy: Option<Policy>,
}

// SAFETY: the mapping lives until drop, and through &self only atomic
// words of it are touched; slots are written and read through &mut self of
// the one MappedSender or MappedReceiver.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

impl Ring {
    fn map(ep: &Endpoint, info: &Info) -> io::Result<Ring> {
        if !info.mappable || info.map_size == 0 {
            return Err(invalid("chan: the channel is not mappable"));
        }
        let len = usize::try_from(info.map_size).map_err(|_| os(sys::EINVAL))?;
        let base = sys::map_shared(ep.raw(), len)?;
        let mut ring = Ring {
            base,
            len,
            slots: ptr::null_mut(),
            capacity: info.capacity,
            stride: 0,
            msg_max: info.msg_max,
            policy: info.policy,
        };
        let hdr = base as *const sys::ChanRingHdr;
        // SAFETY: the mapping is at least a page, the header's size.  Each
        // description word is read once (anyone who maps it can write it).
        let (magic, capacity, stride, offset) = unsafe {
            (
                ptr::read_volatile(ptr::addr_of!((*hdr).magic)),
                ptr::read_volatile(ptr::addr_of!((*hdr).capacity)),
                ptr::read_volatile(ptr::addr_of!((*hdr).stride)),
                ptr::read_volatile(ptr::addr_of!((*hdr).slots_offset)),
            )
        };
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "chan: invalid ring header");
        if len < std::mem::size_of::<sys::ChanRingHdr>()
            || magic != sys::RING_MAGIC
            || capacity != info.capacity
            || !capacity.is_power_of_two()
            || (stride as u64) < 8 + u64::from(info.msg_max)
            || stride % 8 != 0
            || (offset as usize) < std::mem::size_of::<sys::ChanRingHdr>()
            || u64::from(offset) + u64::from(capacity) * u64::from(stride) > len as u64
        {
            return Err(bad());
        }
        ring.stride = stride as usize;
        // SAFETY: checked above to lie inside the mapping.
        ring.slots = unsafe { base.add(offset as usize) };
        Ok(ring)
    }

    fn word(&self, p: *mut u32) -> &AtomicU32 {
        // SAFETY: p points at an aligned u32 of the live mapping, which is
        // only ever accessed atomically (or by the kernel and other
        // processes).
        unsafe { &*(p as *const AtomicU32) }
    }

    fn hdr(&self) -> *mut sys::ChanRingHdr {
        self.base as *mut sys::ChanRingHdr
    }

    fn tail(&self) -> &AtomicU32 {
        // SAFETY: address arithmetic inside the mapped header.
        self.word(unsafe { ptr::addr_of_mut!((*self.hdr()).tail) })
    }

    fn head(&self) -> &AtomicU32 {
        // SAFETY: as above.
        self.word(unsafe { ptr::addr_of_mut!((*self.hdr()).head) })
    }

    fn recv_wake(&self) -> &AtomicU32 {
        // SAFETY: as above.
        self.word(unsafe { ptr::addr_of_mut!((*self.hdr()).recv_wake) })
    }

    fn send_wake(&self) -> &AtomicU32 {
        // SAFETY: as above.
        self.word(unsafe { ptr::addr_of_mut!((*self.hdr()).send_wake) })
    }

    fn state(&self) -> &AtomicU32 {
        // SAFETY: as above.
        self.word(unsafe { ptr::addr_of_mut!((*self.hdr()).state) })
    }

    /// The slot of position `pos`.
    fn slot(&self, pos: u32) -> *mut u8 {
        let k = (pos & (self.capacity - 1)) as usize;
        // SAFETY: k < capacity, and capacity slots of stride bytes were
        // checked to fit the mapping.
        unsafe { self.slots.add(k * self.stride) }
    }

    /// After publishing (retiring): a full fence, then wake the other side
    /// if its flag says it sleeps.  The fence pairs with the kernel's full
    /// barrier between arming the flag and looking at the ring again.
    fn kick(&self, ep: &Endpoint, flag: &AtomicU32) {
        fence(Ordering::SeqCst);
        if flag.load(Ordering::Relaxed) != 0 {
            // It cannot fail on a mappable endpoint; if it did, the sleeper
            // would still see the ring at its next wakeup or timeout.
            let _ = sys::ioctl_val(ep.raw(), sys::IOC_WAKE, 0);
        }
    }

    /// Waits in `CHAN_IOC_WAIT` after `spins` more looks; maps what it says
    /// into whether to look again.
    fn wait(
        &self,
        ep: &Endpoint,
        spins: &mut u32,
        deadline: Deadline,
        zero: bool,
    ) -> Result<(), Stop> {
        if *spins > 0 {
            *spins -= 1;
            std::hint::spin_loop();
            return Ok(());
        }
        let mut w = sys::ChanWait::zeroed();
        w.size = sys::size32::<sys::ChanWait>();
        w.timeout_ns = if zero { 0 } else { deadline.left_ns() };
        match sys::ioctl_ptr(ep.raw(), sys::IOC_WAIT, &mut w) {
            Ok(_) => Ok(()),
            Err(e) => match e.raw_os_error() {
                Some(sys::EINTR) => Ok(()),
                Some(sys::EAGAIN) if zero => Err(Stop::Now),
                Some(sys::EAGAIN) | Some(sys::ETIMEDOUT) => Err(Stop::Timeout),
                Some(sys::EPIPE) => Err(Stop::Disconnected),
                _ => Err(Stop::Io(e)),
            },
        }
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: our mapping; nothing refers to it any more.
        unsafe { sys::unmap(self.base, self.len) };
    }
}

fn check_len(len: usize, msg_max: u32) -> Result<(), Stop> {
    if len == 0 {
        Err(Stop::Io(invalid("chan has no empty messages")))
    } else if len > msg_max as usize {
        Err(Stop::Io(os(sys::EMSGSIZE)))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The producer.

/// The send end of a mapped single-producer, single-consumer queue.
///
/// Made by [`mapped`](crate::mapped), [`Builder::build_mapped`](crate::Builder::build_mapped)
/// or [`Sender::into_mapped`](crate::Sender::into_mapped).  Sending takes
/// `&mut self`: the ring has one producer, and this is it (do not send
/// through another endpoint of the channel meanwhile).  Dropping it unmaps
/// the ring and closes the descriptor, which ends the stream as for a
/// [`Sender`](crate::Sender).
///
/// ```no_run
/// let (mut tx, mut rx) = chan::mapped(64, 128)?;
/// let t = std::thread::spawn(move || {
///     for k in 0..1000u32 {
///         tx.send(&k.to_le_bytes()).unwrap();
///     }
/// });
/// let mut n = 0;
/// for msg in rx.iter() {
///     assert_eq!(msg?, (n as u32).to_le_bytes());
///     n += 1;
/// }
/// t.join().unwrap();
/// assert_eq!(n, 1000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MappedSender {
    // Unmapped before the descriptor closes: a mapping holds its endpoint
    // open, so the stream ends only once both are gone.
    ring: Ring,
    ep: Endpoint,
}

impl std::fmt::Debug for Ring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ring")
            .field("base", &self.base)
            .field("len", &self.len)
            .field("capacity", &self.capacity)
            .field("msg_max", &self.msg_max)
            .finish()
    }
}

impl MappedSender {
    pub(crate) fn new(ep: Endpoint) -> io::Result<MappedSender> {
        let info = ep.info()?;
        if info.role != Some(Role::Send) {
            return Err(invalid("chan: not a send endpoint"));
        }
        let ring = Ring::map(&ep, &info)?;
        Ok(MappedSender { ring, ep })
    }

    /// Waits for room; returns the tail and the free slots.
    fn room(&self, deadline: Deadline, zero: bool) -> Result<(u32, u32), Stop> {
        let r = &self.ring;
        let mut spins = if zero { 0 } else { SPIN_LOOKS };
        loop {
            let state = r.state().load(Ordering::Acquire);
            if state & (sys::RING_CLOSED | sys::RING_NO_RECEIVERS) != 0 {
                return Err(Stop::Disconnected);
            }
            let tail = r.tail().load(Ordering::Relaxed);
            let used = tail.wrapping_sub(r.head().load(Ordering::Acquire));
            if used < r.capacity {
                return Ok((tail, r.capacity - used));
            }
            if used > r.capacity {
                return Err(Stop::Io(os(sys::EPROTO)));
            }
            if r.policy != Some(Policy::Block) {
                // Full: let the kernel apply the policy.
                return Err(Stop::Now);
            }
            r.wait(&self.ep, &mut spins, deadline, zero)?;
        }
    }

    /// Fills slots from `tail` on with `msgs` and publishes them.
    fn fill(&self, tail: u32, msgs: &[&[u8]]) {
        let r = &self.ring;
        for (i, m) in msgs.iter().enumerate() {
            let s = r.slot(tail.wrapping_add(i as u32));
            // SAFETY: the slot is the producer's until tail passes it; it
            // holds 8 + msg_max >= 8 + m.len() bytes, 8-aligned.
            unsafe {
                ptr::write_volatile(s as *mut u32, 0);
                ptr::write_volatile(s.add(4) as *mut u32, m.len() as u32);
                ptr::copy_nonoverlapping(m.as_ptr(), s.add(8), m.len());
            }
            let done = i as u32 + 1;
            if done % PUBLISH_EVERY == 0 && (done as usize) < msgs.len() {
                r.tail().store(tail.wrapping_add(done), Ordering::Release);
            }
        }
        r.tail()
            .store(tail.wrapping_add(msgs.len() as u32), Ordering::Release);
        r.kick(&self.ep, r.recv_wake());
    }

    fn send_some(&self, msgs: &[&[u8]], deadline: Deadline, zero: bool) -> Result<usize, Stop> {
        let n = msgs
            .iter()
            .take(sys::BATCH_MAX)
            .position(|m| check_len(m.len(), self.ring.msg_max).is_err())
            .unwrap_or_else(|| msgs.len().min(sys::BATCH_MAX));
        if n == 0 {
            return match msgs.first() {
                Some(m) => check_len(m.len(), self.ring.msg_max).map(|_| 0),
                None => Ok(0),
            };
        }
        match self.room(deadline, zero) {
            Ok((tail, room)) => {
                let k = n.min(room as usize);
                self.fill(tail, &msgs[..k]);
                Ok(k)
            }
            Err(Stop::Now) if self.ring.policy != Some(Policy::Block) => {
                // The kernel applies the full-channel policy.
                let list: Vec<(u64, &[u8])> = msgs[..n].iter().map(|m| (0, *m)).collect();
                match send_msgs(
                    self.ep.raw(),
                    sys::IOC_SEND_BATCH,
                    &list,
                    Deadline::after(Some(Duration::ZERO)),
                ) {
                    Ok(k) => Ok(k),
                    Err(e) if e.raw_os_error() == Some(sys::EAGAIN) => Err(Stop::Now),
                    Err(e) if e.raw_os_error() == Some(sys::EPIPE) => Err(Stop::Disconnected),
                    Err(e) => Err(Stop::Io(e)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Sends one message through the mapping, waiting (a short spin, then
    /// `CHAN_IOC_WAIT`) while the ring is full.  Under a policy other than
    /// [`Policy::Block`] a full ring is left to the kernel, which applies
    /// the policy.  Errors as for [`Sender::send`](crate::Sender::send).
    pub fn send(&mut self, msg: &[u8]) -> Result<(), SendError> {
        match self.send_some(&[msg], Deadline::after(None), false) {
            Ok(_) => Ok(()),
            Err(Stop::Disconnected) => Err(SendError::Disconnected),
            Err(Stop::Now) | Err(Stop::Timeout) => Err(SendError::Io(os(sys::EAGAIN))),
            Err(Stop::Io(e)) => Err(SendError::Io(e)),
        }
    }

    /// Sends one message if the ring has room now.
    pub fn try_send(&mut self, msg: &[u8]) -> Result<(), TrySendError> {
        match self.send_some(&[msg], Deadline::after(Some(Duration::ZERO)), true) {
            Ok(_) => Ok(()),
            Err(Stop::Disconnected) => Err(TrySendError::Disconnected),
            Err(Stop::Now) | Err(Stop::Timeout) => Err(TrySendError::Full),
            Err(Stop::Io(e)) => Err(TrySendError::Io(e)),
        }
    }

    /// Sends one message, waiting at most `timeout` for room.
    pub fn send_timeout(&mut self, msg: &[u8], timeout: Duration) -> Result<(), SendTimeoutError> {
        let zero = timeout == Duration::ZERO;
        match self.send_some(&[msg], Deadline::after(Some(timeout)), zero) {
            Ok(_) => Ok(()),
            Err(Stop::Disconnected) => Err(SendTimeoutError::Disconnected),
            Err(Stop::Now) | Err(Stop::Timeout) => Err(SendTimeoutError::Timeout),
            Err(Stop::Io(e)) => Err(SendTimeoutError::Io(e)),
        }
    }

    /// Sends as many of `msgs` (up to [`BATCH_MAX`](crate::BATCH_MAX)) as
    /// the ring has room for, waiting for room for the first; publishes
    /// them together (every 32 in a long batch) and wakes the receiver once.
    /// Returns how many went; stops before an invalid message.
    pub fn send_batch<M: AsRef<[u8]>>(&mut self, msgs: &[M]) -> Result<usize, SendError> {
        let list: Vec<&[u8]> = msgs
            .iter()
            .take(sys::BATCH_MAX)
            .map(|m| m.as_ref())
            .collect();
        match self.send_some(&list, Deadline::after(None), false) {
            Ok(n) => Ok(n),
            Err(Stop::Disconnected) => Err(SendError::Disconnected),
            Err(Stop::Now) | Err(Stop::Timeout) => Err(SendError::Io(os(sys::EAGAIN))),
            Err(Stop::Io(e)) => Err(SendError::Io(e)),
        }
    }

    /// Closes the channel for sending (`CHAN_IOC_CLOSE`): the receiver gets
    /// what is in the ring, then end of stream; later sends fail with
    /// [`SendError::Disconnected`].
    pub fn close(&self) -> io::Result<()> {
        self.ep.close_send()
    }

    /// The channel's state and counters (`CHAN_IOC_INFO`; messages moved
    /// through the mapping alone are not in `sent` and `received`).
    pub fn info(&self) -> io::Result<Info> {
        self.ep.info()
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> u32 {
        self.ring.capacity
    }

    /// Largest message, in bytes.
    pub fn msg_max(&self) -> usize {
        self.ring.msg_max as usize
    }
}

// ---------------------------------------------------------------------------
// The consumer.

/// The receive end of a mapped single-producer, single-consumer queue.
///
/// Made by [`mapped`](crate::mapped), [`Builder::build_mapped`](crate::Builder::build_mapped)
/// or [`Receiver::into_mapped`](crate::Receiver::into_mapped).  Receiving
/// takes `&mut self`: the ring has one consumer, and this is it.
#[derive(Debug)]
pub struct MappedReceiver {
    ring: Ring,
    ep: Endpoint,
}

/// Where a received message goes.
enum Dst<'a> {
    Buf(&'a mut [u8]),
    Vec(&'a mut Vec<u8>),
}

impl MappedReceiver {
    pub(crate) fn new(ep: Endpoint) -> io::Result<MappedReceiver> {
        let info = ep.info()?;
        if info.role != Some(Role::Recv) {
            return Err(invalid("chan: not a receive endpoint"));
        }
        let ring = Ring::map(&ep, &info)?;
        Ok(MappedReceiver { ring, ep })
    }

    /// Waits for a message; returns the head and how many are queued.
    fn ready(&self, deadline: Deadline, zero: bool) -> Result<(u32, u32), Stop> {
        let r = &self.ring;
        let mut spins = if zero { 0 } else { SPIN_LOOKS };
        loop {
            let head = r.head().load(Ordering::Relaxed);
            let used = r.tail().load(Ordering::Acquire).wrapping_sub(head);
            if used > r.capacity {
                return Err(Stop::Io(os(sys::EPROTO)));
            }
            if used > 0 {
                return Ok((head, used));
            }
            // Empty: a look in the kernel tells empty from end of stream.
            r.wait(&self.ep, &mut spins, deadline, zero)?;
        }
    }

    /// The length word of the slot at `pos`, read once.
    fn slot_len(&self, pos: u32) -> usize {
        let s = self.ring.slot(pos);
        // SAFETY: the slot is published (below tail) and 8-aligned.
        unsafe { ptr::read_volatile(s.add(4) as *const u32) as usize }
    }

    /// Copies `len` bytes of the slot at `pos` into `dst`.
    fn copy_out(&self, pos: u32, len: usize, dst: &mut Dst<'_>) {
        let src = self.ring.slot(pos);
        // SAFETY: len <= msg_max bytes follow the slot's 8-byte prefix, and
        // dst has room for len (checked or reserved by the caller).
        unsafe {
            match dst {
                Dst::Buf(b) => ptr::copy_nonoverlapping(src.add(8), b.as_mut_ptr(), len),
                Dst::Vec(v) => {
                    v.clear();
                    v.reserve_exact(len);
                    ptr::copy_nonoverlapping(src.add(8), v.as_mut_ptr(), len);
                    v.set_len(len);
                }
            }
        }
    }

    /// Retires everything up to `head` and wakes a waiting producer.
    fn retire(&self, head: u32) {
        self.ring.head().store(head, Ordering::Release);
        self.ring.kick(&self.ep, self.ring.send_wake());
    }

    /// A slot with a length outside 1..=msg_max: the kernel's read()
    /// retires it and says `EPROTO` (or returns it, if fixed meanwhile).
    fn through_kernel(&self, dst: &mut Dst<'_>) -> Result<usize, Stop> {
        let room = self.ring.msg_max as usize;
        let mut tmp = Vec::with_capacity(room);
        // SAFETY: tmp has room for msg_max bytes.
        match unsafe { sys::read_raw(self.ep.raw(), tmp.as_mut_ptr(), room) } {
            Ok(0) => Err(Stop::Disconnected),
            Ok(n) => {
                // SAFETY: read(2) wrote n bytes.
                unsafe { tmp.set_len(n.min(room)) };
                match dst {
                    Dst::Buf(b) if b.len() < tmp.len() => Err(Stop::Io(os(sys::EMSGSIZE))),
                    Dst::Buf(b) => {
                        b[..tmp.len()].copy_from_slice(&tmp);
                        Ok(tmp.len())
                    }
                    Dst::Vec(v) => {
                        let n = tmp.len();
                        **v = tmp;
                        Ok(n)
                    }
                }
            }
            Err(e) => Err(Stop::Io(e)),
        }
    }

    fn recv_one(&self, mut dst: Dst<'_>, deadline: Deadline, zero: bool) -> Result<usize, Stop> {
        if let Dst::Buf(b) = &dst {
            if b.is_empty() {
                return Err(Stop::Io(invalid("chan: no room to receive into")));
            }
        }
        let (head, _) = self.ready(deadline, zero)?;
        let len = self.slot_len(head);
        if len == 0 || len > self.ring.msg_max as usize {
            return self.through_kernel(&mut dst);
        }
        if let Dst::Buf(b) = &dst {
            if b.len() < len {
                return Err(Stop::Io(os(sys::EMSGSIZE)));
            }
        }
        self.copy_out(head, len, &mut dst);
        self.retire(head.wrapping_add(1));
        Ok(len)
    }

    /// Receives the next message, waiting (a short spin, then
    /// `CHAN_IOC_WAIT`) while the ring is empty;
    /// [`RecvError::Disconnected`] at end of stream.
    pub fn recv(&mut self) -> Result<Vec<u8>, RecvError> {
        let mut v = Vec::new();
        self.recv_one(Dst::Vec(&mut v), Deadline::after(None), false)
            .map(|_| v)
            .map_err(recv_error)
    }

    /// Receives the next message into `buf`; `EMSGSIZE` (and the message
    /// stays) if it does not fit.
    pub fn recv_into(&mut self, buf: &mut [u8]) -> Result<usize, RecvError> {
        self.recv_one(Dst::Buf(buf), Deadline::after(None), false)
            .map_err(recv_error)
    }

    /// Receives the next message if one is in the ring.
    pub fn try_recv(&mut self) -> Result<Vec<u8>, TryRecvError> {
        let mut v = Vec::new();
        self.recv_one(
            Dst::Vec(&mut v),
            Deadline::after(Some(Duration::ZERO)),
            true,
        )
        .map(|_| v)
        .map_err(try_recv_error)
    }

    /// [`try_recv`](MappedReceiver::try_recv) into `buf`.
    pub fn try_recv_into(&mut self, buf: &mut [u8]) -> Result<usize, TryRecvError> {
        self.recv_one(Dst::Buf(buf), Deadline::after(Some(Duration::ZERO)), true)
            .map_err(try_recv_error)
    }

    /// Receives the next message, waiting at most `timeout`.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Result<Vec<u8>, RecvTimeoutError> {
        let mut v = Vec::new();
        let zero = timeout == Duration::ZERO;
        self.recv_one(Dst::Vec(&mut v), Deadline::after(Some(timeout)), zero)
            .map(|_| v)
            .map_err(recv_timeout_error)
    }

    /// Receives up to `max` messages at once, waiting for the first, and
    /// retires them together (every 32 in a long batch), waking the
    /// producer once.  [`RecvError::Disconnected`] at end of stream.
    pub fn recv_batch(&mut self, max: usize) -> Result<Vec<Vec<u8>>, RecvError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        let (head, avail) = self
            .ready(Deadline::after(None), false)
            .map_err(recv_error)?;
        let n = (avail as usize).min(max).min(sys::BATCH_MAX);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let pos = head.wrapping_add(i as u32);
            let len = self.slot_len(pos);
            if len == 0 || len > self.ring.msg_max as usize {
                break;
            }
            let mut v = Vec::new();
            self.copy_out(pos, len, &mut Dst::Vec(&mut v));
            out.push(v);
            let done = i as u32 + 1;
            if done % PUBLISH_EVERY == 0 && (done as usize) < n {
                self.ring
                    .head()
                    .store(head.wrapping_add(done), Ordering::Release);
            }
        }
        if out.is_empty() {
            let mut v = Vec::new();
            self.through_kernel(&mut Dst::Vec(&mut v))
                .map_err(recv_error)?;
            out.push(v);
            return Ok(out);
        }
        self.retire(head.wrapping_add(out.len() as u32));
        Ok(out)
    }

    /// A blocking iterator over the messages, ending at end of stream (and
    /// after an error, which it yields).
    pub fn iter(&mut self) -> MappedIter<'_> {
        MappedIter {
            rx: self,
            done: false,
        }
    }

    /// The channel's state and counters (`CHAN_IOC_INFO`).
    pub fn info(&self) -> io::Result<Info> {
        self.ep.info()
    }

    /// Slots in the ring.
    pub fn capacity(&self) -> u32 {
        self.ring.capacity
    }

    /// Largest message, in bytes.
    pub fn msg_max(&self) -> usize {
        self.ring.msg_max as usize
    }
}

fn recv_error(s: Stop) -> RecvError {
    match s {
        Stop::Disconnected => RecvError::Disconnected,
        Stop::Now | Stop::Timeout => RecvError::Io(os(sys::EAGAIN)),
        Stop::Io(e) => RecvError::Io(e),
    }
}

fn try_recv_error(s: Stop) -> TryRecvError {
    match s {
        Stop::Disconnected => TryRecvError::Disconnected,
        Stop::Now | Stop::Timeout => TryRecvError::Empty,
        Stop::Io(e) => TryRecvError::Io(e),
    }
}

fn recv_timeout_error(s: Stop) -> RecvTimeoutError {
    match s {
        Stop::Disconnected => RecvTimeoutError::Disconnected,
        Stop::Now | Stop::Timeout => RecvTimeoutError::Timeout,
        Stop::Io(e) => RecvTimeoutError::Io(e),
    }
}

/// Blocking iterator of a [`MappedReceiver`]: see [`MappedReceiver::iter`].
#[derive(Debug)]
pub struct MappedIter<'a> {
    rx: &'a mut MappedReceiver,
    done: bool,
}

impl Iterator for MappedIter<'_> {
    type Item = Result<Vec<u8>, RecvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.rx.recv() {
            Ok(m) => Some(Ok(m)),
            Err(RecvError::Disconnected) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

macro_rules! mapped_fd_traits {
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
    };
}

mapped_fd_traits!(MappedSender);
mapped_fd_traits!(MappedReceiver);
