// SPDX-License-Identifier: GPL-2.0
//! tokio adapters for the endpoints of the [`chan`] crate.
//!
//! [`AsyncSender`] and [`AsyncReceiver`] register an endpoint's descriptor
//! with tokio's reactor ([`AsyncFd`]) and park the task, never the thread,
//! while the channel is full or empty:
//!
//! ```no_run
//! use chan_tokio::{AsyncReceiver, AsyncSender};
//!
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     let (tx, rx) = chan::queue(2, 64)?;
//!     let (tx, rx) = (AsyncSender::new(tx)?, AsyncReceiver::new(rx)?);
//!     let producer = tokio::spawn(async move {
//!         for k in 0..10u8 {
//!             tx.send(&[k]).await?;
//!         }
//!         Ok::<_, chan::SendError>(())
//!     });
//!     while let Ok(msg) = rx.recv().await {
//!         println!("{msg:?}");
//!     }
//!     producer.await.unwrap()?;
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every attempt is a zero-timeout batch ioctl, which never waits whatever
//! the descriptor's `O_NONBLOCK` says, so the adapters leave that flag
//! alone: it belongs to the open file description, which clones of the
//! endpoint (perhaps used for blocking calls on other threads) share.
//!
//! A rendezvous send needs a receiver waiting *inside* a receive, and an
//! async receiver only polls; so when no receiver waits, an
//! [`AsyncSender`] of a rendezvous channel hands the send to tokio's
//! blocking pool, in slices of [`RENDEZVOUS_SLICE`] after each of which the
//! message is withdrawn if nobody took it, until a receiver takes it or
//! the future is dropped.

#![warn(missing_docs)]

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chan::{
    Kind, Receiver, RecvError, RecvTimeoutError, SendError, SendTimeoutError, Sender, TryRecvError,
    TrySendError,
};
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// How long each blocking attempt of a rendezvous send waits for a
/// receiver before withdrawing the message and looking whether the send
/// was given up.
pub const RENDEZVOUS_SLICE: Duration = Duration::from_millis(100);

fn would_block() -> io::Error {
    io::ErrorKind::WouldBlock.into()
}

fn send_error(e: TrySendError) -> SendError {
    match e {
        TrySendError::Disconnected => SendError::Disconnected,
        TrySendError::AlreadySent => SendError::AlreadySent,
        TrySendError::Io(e) => SendError::Io(e),
        TrySendError::Full => SendError::Io(would_block()),
        other => SendError::Io(other.into()),
    }
}

fn recv_error(e: TryRecvError) -> RecvError {
    match e {
        TryRecvError::Disconnected => RecvError::Disconnected,
        TryRecvError::Lagged(n) => RecvError::Lagged(n),
        TryRecvError::Io(e) => RecvError::Io(e),
        TryRecvError::Empty => RecvError::Io(would_block()),
        other => RecvError::Io(other.into()),
    }
}

/// Sets the flag when dropped: a rendezvous send in the blocking pool
/// gives up once its future is gone.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A [`Sender`] for async code.
///
/// [`send`](AsyncSender::send) waits for room by parking the task on the
/// reactor (for the writability `poll(2)` reports), then sends.  Sharing
/// one `AsyncSender` between tasks (`&AsyncSender`, or an `Arc`) is fine.
#[derive(Debug)]
pub struct AsyncSender {
    fd: AsyncFd<Sender>,
    rendezvous: bool,
}

impl AsyncSender {
    /// Registers `tx` with the current runtime's reactor.  Must be called
    /// from within a tokio runtime with IO enabled.  For a rendezvous
    /// channel it clears `O_NONBLOCK`, which the blocking sends need.
    pub fn new(tx: Sender) -> io::Result<AsyncSender> {
        let rendezvous = tx.info()?.kind == Some(Kind::Rendezvous);
        if rendezvous {
            tx.set_nonblocking(false)?;
        }
        Ok(AsyncSender {
            fd: AsyncFd::with_interest(tx, Interest::WRITABLE)?,
            rendezvous,
        })
    }

    /// Sends one message, waiting (asynchronously) while the channel is
    /// full.  Errors as [`Sender::send`]'s.
    ///
    /// Cancelling (dropping the future) before it completes sends nothing,
    /// except on a rendezvous channel, where a receiver may take the
    /// message during the last slice.
    pub async fn send(&self, msg: &[u8]) -> Result<(), SendError> {
        if self.rendezvous {
            return self.send_rendezvous(msg).await;
        }
        loop {
            let mut ready = self.fd.writable().await.map_err(SendError::Io)?;
            let r = ready.try_io(|fd| match fd.get_ref().try_send(msg) {
                Err(TrySendError::Full) => Err(would_block()),
                other => Ok(other),
            });
            match r {
                Ok(Ok(r)) => return r.map_err(send_error),
                Ok(Err(e)) => return Err(SendError::Io(e)),
                Err(_would_block) => continue,
            }
        }
    }

    async fn send_rendezvous(&self, msg: &[u8]) -> Result<(), SendError> {
        match self.fd.get_ref().try_send(msg) {
            Err(TrySendError::Full) => {}
            other => return other.map_err(send_error),
        }
        let tx = self.fd.get_ref().try_clone().map_err(SendError::Io)?;
        let msg = msg.to_vec();
        let cancel = Arc::new(AtomicBool::new(false));
        let _guard = CancelOnDrop(cancel.clone());
        let job = tokio::task::spawn_blocking(move || loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(SendError::Io(io::Error::new(
                    io::ErrorKind::Interrupted,
                    "chan-tokio: send given up",
                )));
            }
            match tx.send_timeout(&msg, RENDEZVOUS_SLICE) {
                Ok(()) => return Ok(()),
                Err(SendTimeoutError::Timeout) => continue,
                Err(SendTimeoutError::Disconnected) => return Err(SendError::Disconnected),
                Err(SendTimeoutError::AlreadySent) => return Err(SendError::AlreadySent),
                Err(e) => return Err(SendError::Io(e.into())),
            }
        });
        match job.await {
            Ok(r) => r,
            Err(e) => Err(SendError::Io(io::Error::new(io::ErrorKind::Other, e))),
        }
    }

    /// Sends up to [`chan::BATCH_MAX`] messages, waiting for room for the
    /// first; returns how many went (see [`Sender::send_batch`]).  Not for
    /// rendezvous channels, whose batches only go to receivers already
    /// waiting.
    pub async fn send_batch<M: AsRef<[u8]>>(&self, msgs: &[M]) -> Result<usize, SendError> {
        loop {
            let mut ready = self.fd.writable().await.map_err(SendError::Io)?;
            let r =
                ready.try_io(
                    |fd| match fd.get_ref().send_batch_timeout(msgs, Duration::ZERO) {
                        Err(SendTimeoutError::Timeout) => Err(would_block()),
                        other => Ok(other),
                    },
                );
            match r {
                Ok(Ok(Ok(n))) => return Ok(n),
                Ok(Ok(Err(SendTimeoutError::Disconnected))) => return Err(SendError::Disconnected),
                Ok(Ok(Err(SendTimeoutError::AlreadySent))) => return Err(SendError::AlreadySent),
                Ok(Ok(Err(e))) => return Err(SendError::Io(e.into())),
                Ok(Err(e)) => return Err(SendError::Io(e)),
                Err(_would_block) => continue,
            }
        }
    }

    /// [`Sender::try_send`]: never waits.
    pub fn try_send(&self, msg: &[u8]) -> Result<(), TrySendError> {
        self.fd.get_ref().try_send(msg)
    }

    /// The wrapped sender, for its other calls (`close`, `info`...).
    pub fn get_ref(&self) -> &Sender {
        self.fd.get_ref()
    }

    /// Deregisters and returns the sender.
    pub fn into_inner(self) -> Sender {
        self.fd.into_inner()
    }
}

/// A [`Receiver`] for async code.
///
/// [`recv`](AsyncReceiver::recv) parks the task on the reactor while the
/// channel is empty; at end of stream it returns
/// [`RecvError::Disconnected`].
#[derive(Debug)]
pub struct AsyncReceiver {
    fd: AsyncFd<Receiver>,
}

impl AsyncReceiver {
    /// Registers `rx` with the current runtime's reactor.  Must be called
    /// from within a tokio runtime with IO enabled.
    pub fn new(rx: Receiver) -> io::Result<AsyncReceiver> {
        rx.msg_max()?; // asked now, not in the middle of a receive
        Ok(AsyncReceiver {
            fd: AsyncFd::with_interest(rx, Interest::READABLE)?,
        })
    }

    async fn recv_with<T>(
        &self,
        mut attempt: impl FnMut(&Receiver) -> Result<T, TryRecvError>,
    ) -> Result<T, RecvError> {
        loop {
            let mut ready = self.fd.readable().await.map_err(RecvError::Io)?;
            let r = ready.try_io(|fd| match attempt(fd.get_ref()) {
                Err(TryRecvError::Empty) => Err(would_block()),
                other => Ok(other),
            });
            match r {
                Ok(Ok(r)) => return r.map_err(recv_error),
                Ok(Err(e)) => return Err(RecvError::Io(e)),
                Err(_would_block) => continue,
            }
        }
    }

    /// Receives the next message, waiting (asynchronously) while the
    /// channel is empty.  Errors as [`Receiver::recv`]'s, among them
    /// [`RecvError::Lagged`] for a lapped broadcast subscriber.
    pub async fn recv(&self) -> Result<Vec<u8>, RecvError> {
        self.recv_with(|rx| rx.try_recv()).await
    }

    /// [`recv`](AsyncReceiver::recv) into `buf`; returns the length.
    pub async fn recv_into(&self, buf: &mut [u8]) -> Result<usize, RecvError> {
        self.recv_with(|rx| rx.try_recv_into(buf)).await
    }

    /// Up to `max` messages, waiting for the first (see
    /// [`Receiver::recv_batch`]).
    pub async fn recv_batch(&self, max: usize) -> Result<Vec<Vec<u8>>, RecvError> {
        self.recv_with(|rx| match rx.recv_batch_timeout(max, Duration::ZERO) {
            Ok(v) => Ok(v),
            Err(RecvTimeoutError::Timeout) => Err(TryRecvError::Empty),
            Err(RecvTimeoutError::Disconnected) => Err(TryRecvError::Disconnected),
            Err(RecvTimeoutError::Lagged(n)) => Err(TryRecvError::Lagged(n)),
            Err(e) => Err(TryRecvError::Io(e.into())),
        })
        .await
    }

    /// [`Receiver::try_recv`]: never waits.
    pub fn try_recv(&self) -> Result<Vec<u8>, TryRecvError> {
        self.fd.get_ref().try_recv()
    }

    /// A new broadcast subscriber ([`Receiver::subscribe`]), registered
    /// too.
    pub fn subscribe(&self) -> io::Result<AsyncReceiver> {
        AsyncReceiver::new(self.fd.get_ref().subscribe()?)
    }

    /// The wrapped receiver, for its other calls.
    pub fn get_ref(&self) -> &Receiver {
        self.fd.get_ref()
    }

    /// Deregisters and returns the receiver.
    pub fn into_inner(self) -> Receiver {
        self.fd.into_inner()
    }
}
