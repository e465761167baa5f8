// SPDX-License-Identifier: GPL-2.0
//! Request/reply channels: [`Client`] calls, [`Server`] answers.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::endpoint::{fd_traits, invalid, recv_msgs, send_msgs, Deadline, Endpoint};
use crate::error::{CallError, RecvError, RecvTimeoutError, TryRecvError};
use crate::info::Info;
use crate::sys::{self, Plain};

/// The calling end of a request/reply channel (its send endpoint).
///
/// [`call`](Client::call) queues a request and waits for the reply to it;
/// any number of threads may call through one `Client` at once (unless the
/// channel is single-producer).
///
/// ```no_run
/// let (client, server) = chan::reqrep(8, 256)?;
/// let t = std::thread::spawn(move || server.serve(|req| req.to_ascii_uppercase()));
/// assert_eq!(client.call(b"hello", None)?, b"HELLO");
/// drop(client); // end of stream: serve() returns
/// assert_eq!(t.join().unwrap()?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Client {
    ep: Endpoint,
    reply_max: AtomicU32,
}

fd_traits!(Client);

impl Client {
    pub(crate) fn from_endpoint(ep: Endpoint) -> Self {
        Client {
            ep,
            reply_max: AtomicU32::new(0),
        }
    }

    pub(crate) fn with_msg_max(ep: Endpoint, msg_max: u32) -> Self {
        Client {
            ep,
            reply_max: AtomicU32::new(msg_max),
        }
    }

    fn reply_room(&self) -> io::Result<usize> {
        let m = self.reply_max.load(Ordering::Relaxed);
        if m != 0 {
            return Ok(m as usize);
        }
        let m = self.ep.info()?.msg_max;
        self.reply_max.store(m, Ordering::Relaxed);
        Ok(m as usize)
    }

    /// Sends `request` and waits for its reply (`CHAN_IOC_CALL`), at most
    /// `timeout` in all (`None`: as long as it takes).
    ///
    /// [`CallError::Timeout`] when no reply came in time (the call leaves
    /// nothing behind), [`CallError::ServerGone`] when the last server
    /// closed meanwhile, [`CallError::Disconnected`] when there is no server
    /// or the channel is closed.  A signal ends the call with `EINTR`
    /// ([`CallError::Io`]): it is never restarted, since the server may
    /// have seen the request.
    pub fn call(&self, request: &[u8], timeout: Option<Duration>) -> Result<Vec<u8>, CallError> {
        let room = self.reply_room().map_err(CallError::Io)?;
        let mut reply: Vec<u8> = Vec::with_capacity(room);
        let (n, _) = self.call_raw(request, reply.as_mut_ptr(), room, timeout)?;
        // SAFETY: the kernel wrote n <= room bytes of reply.
        unsafe { reply.set_len(n.min(room)) };
        reply.shrink_to_fit();
        Ok(reply)
    }

    /// [`call`](Client::call) with the reply written into `reply`; returns
    /// its length.  A reply longer than `reply` fails the server's answer
    /// with `EMSGSIZE`, and the call goes on waiting.
    pub fn call_into(
        &self,
        request: &[u8],
        reply: &mut [u8],
        timeout: Option<Duration>,
    ) -> Result<usize, CallError> {
        self.call_raw(request, reply.as_mut_ptr(), reply.len(), timeout)
            .map(|(n, _)| n.min(reply.len()))
    }

    fn call_raw(
        &self,
        request: &[u8],
        reply: *mut u8,
        room: usize,
        timeout: Option<Duration>,
    ) -> Result<(usize, u64), CallError> {
        if request.is_empty() {
            return Err(CallError::Io(invalid("chan has no empty requests")));
        }
        if request.len() > u32::MAX as usize {
            return Err(CallError::Io(io::Error::from_raw_os_error(sys::EMSGSIZE)));
        }
        let mut c = sys::ChanCall::zeroed();
        c.size = sys::size32::<sys::ChanCall>();
        c.req = request.as_ptr() as usize as u64;
        c.req_len = request.len() as u32;
        c.reply = reply as usize as u64;
        c.reply_len = room.min(u32::MAX as usize) as u32;
        c.timeout_ns = crate::endpoint::timeout_ns(timeout);
        let n = sys::ioctl_ptr(self.ep.raw(), sys::IOC_CALL, &mut c)?;
        Ok((n as usize, c.id))
    }

    /// Closes the channel for calls (`CHAN_IOC_CLOSE`): servers drain the
    /// requests queued, then see end of stream.
    pub fn close(&self) -> io::Result<()> {
        self.ep.close_send()
    }

    /// The channel's state and counters (`CHAN_IOC_INFO`).
    pub fn info(&self) -> io::Result<Info> {
        self.ep.info()
    }

    /// Another descriptor of this endpoint (`F_DUPFD_CLOEXEC`).
    pub fn try_clone(&self) -> io::Result<Client> {
        Ok(Client::with_msg_max(
            self.ep.try_clone()?,
            self.reply_max.load(Ordering::Relaxed),
        ))
    }

    /// Sets or clears `O_NONBLOCK`: a non-blocking client does not wait for
    /// room to queue its request (`EAGAIN`), only for the reply.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.ep.set_nonblocking(nonblocking)
    }
}

/// A request as a [`Server`] receives it: the call id to answer and the
/// request's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The call id, for [`Server::reply`].
    pub id: u64,
    /// The request.
    pub data: Vec<u8>,
}

/// The serving end of a request/reply channel (its receive endpoint).
///
/// Every `Server` (every receive endpoint, and every thread sharing one)
/// takes requests off the same queue.  When the last one closes, the calls
/// still waiting fail at once with [`CallError::ServerGone`].
#[derive(Debug)]
pub struct Server {
    ep: Endpoint,
    msg_max: AtomicU32,
}

fd_traits!(Server);

impl Server {
    pub(crate) fn from_endpoint(ep: Endpoint) -> Self {
        Server {
            ep,
            msg_max: AtomicU32::new(0),
        }
    }

    pub(crate) fn with_msg_max(ep: Endpoint, msg_max: u32) -> Self {
        Server {
            ep,
            msg_max: AtomicU32::new(msg_max),
        }
    }

    fn room(&self) -> io::Result<usize> {
        let m = self.msg_max.load(Ordering::Relaxed);
        if m != 0 {
            return Ok(m as usize);
        }
        let m = self.ep.info()?.msg_max;
        self.msg_max.store(m, Ordering::Relaxed);
        Ok(m as usize)
    }

    fn requests_within(
        &self,
        max: usize,
        timeout: Option<Duration>,
    ) -> Result<Vec<Request>, RecvError> {
        let room = self.room().map_err(RecvError::Io)?;
        match recv_msgs(self.ep.raw(), max, room, Deadline::after(timeout)) {
            Ok(v) if v.is_empty() => Err(RecvError::Disconnected),
            Ok(v) => Ok(v
                .into_iter()
                .map(|(data, id)| Request { id, data })
                .collect()),
            Err(e) => Err(RecvError::Io(e)),
        }
    }

    /// The next request, waiting for one; [`RecvError::Disconnected`] at
    /// end of stream (every client gone, or closed).  Requests whose caller
    /// already gave up are skipped.
    pub fn recv_request(&self) -> Result<Request, RecvError> {
        self.requests_within(1, None).map(|mut v| v.remove(0))
    }

    /// The next request if one is queued.
    pub fn try_recv_request(&self) -> Result<Request, TryRecvError> {
        self.requests_within(1, Some(Duration::ZERO))
            .map(|mut v| v.remove(0))
            .map_err(TryRecvError::from)
    }

    /// The next request, waiting at most `timeout`.
    pub fn recv_request_timeout(&self, timeout: Duration) -> Result<Request, RecvTimeoutError> {
        self.requests_within(1, Some(timeout))
            .map(|mut v| v.remove(0))
            .map_err(RecvTimeoutError::from)
    }

    /// Up to `max` requests (at most [`BATCH_MAX`](crate::BATCH_MAX)),
    /// waiting for the first.
    pub fn recv_requests(&self, max: usize) -> Result<Vec<Request>, RecvError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        self.requests_within(max, None)
    }

    /// Answers call `id` with `reply` (`CHAN_IOC_REPLY`; an empty reply is
    /// fine).  `NotFound` (`ENOENT`) when that call no longer waits (it
    /// timed out, its caller died, or it was answered); `EMSGSIZE` when the
    /// reply is longer than the caller's room (the call keeps waiting).
    pub fn reply(&self, id: u64, reply: &[u8]) -> io::Result<()> {
        send_msgs(
            self.ep.raw(),
            sys::IOC_REPLY,
            &[(id, reply)],
            Deadline::after(Some(Duration::ZERO)),
        )
        .map(drop)
    }

    /// Answers several calls in one `CHAN_IOC_REPLY` (at most
    /// [`BATCH_MAX`](crate::BATCH_MAX)); returns how many replies were
    /// delivered, in order, before one could not be.
    pub fn reply_batch<M: AsRef<[u8]>>(&self, replies: &[(u64, M)]) -> io::Result<usize> {
        let list: Vec<(u64, &[u8])> = replies
            .iter()
            .take(sys::BATCH_MAX)
            .map(|(id, m)| (*id, m.as_ref()))
            .collect();
        send_msgs(
            self.ep.raw(),
            sys::IOC_REPLY,
            &list,
            Deadline::after(Some(Duration::ZERO)),
        )
    }

    /// Answers every request with `handler(request)` until end of stream,
    /// and returns how many replies were delivered.  A call whose caller
    /// gave up before its answer (`ENOENT`) is skipped; any other error
    /// ends the loop.
    pub fn serve<F, R>(&self, mut handler: F) -> io::Result<u64>
    where
        F: FnMut(&[u8]) -> R,
        R: AsRef<[u8]>,
    {
        let mut served = 0;
        loop {
            let req = match self.recv_request() {
                Ok(r) => r,
                Err(RecvError::Disconnected) => return Ok(served),
                Err(e) => return Err(e.into()),
            };
            let answer = handler(&req.data);
            match self.reply(req.id, answer.as_ref()) {
                Ok(()) => served += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The channel's state and counters (`CHAN_IOC_INFO`).
    pub fn info(&self) -> io::Result<Info> {
        self.ep.info()
    }

    /// Another descriptor of this endpoint (`F_DUPFD_CLOEXEC`).
    pub fn try_clone(&self) -> io::Result<Server> {
        Ok(Server::with_msg_max(
            self.ep.try_clone()?,
            self.msg_max.load(Ordering::Relaxed),
        ))
    }

    /// Sets or clears `O_NONBLOCK`.
    pub fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        self.ep.set_nonblocking(nonblocking)
    }
}
