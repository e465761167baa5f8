// SPDX-License-Identifier: GPL-2.0
//! Typed errors of sending, receiving and calling, shaped like those of
//! `std::sync::mpsc` (and tokio's broadcast `Lagged`), each with an
//! [`Io`](SendError::Io) variant for whatever else the kernel said.
//!
//! Every error converts into [`std::io::Error`]; the variants that stand for
//! an errno convert to that errno (`Disconnected` on the sending side is
//! `EPIPE`, `Full` and `Empty` are `EAGAIN`, `Timeout` is `ETIMEDOUT`).

use std::error::Error;
use std::fmt;
use std::io;

use crate::sys;

fn errno(e: &io::Error) -> Option<i32> {
    e.raw_os_error()
}

fn os(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

/// The errno-less error a receive reports at end of stream.
fn end_of_stream() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "end of stream")
}

/// The error of a blocking send ([`Sender::send`](crate::Sender::send)).
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// No receive endpoint is left, or the channel was closed for sending
    /// (`EPIPE`): the message was not sent, and no later one will be.
    Disconnected,
    /// A oneshot channel's one message was sent already (`EALREADY`).
    AlreadySent,
    /// Anything else: a message longer than `msg_max` (`EMSGSIZE`), an empty
    /// message, `EAGAIN` on a non-blocking endpoint or under
    /// [`Policy::Fail`](crate::Policy::Fail), `EBUSY` on a single-producer
    /// channel, `EINTR`...
    Io(io::Error),
}

/// The error of [`try_send`](crate::Sender::try_send).
#[derive(Debug)]
#[non_exhaustive]
pub enum TrySendError {
    /// No room now (`EAGAIN`); for a rendezvous channel: no receiver is
    /// waiting to take the message.
    Full,
    /// No receive endpoint is left, or the channel was closed for sending.
    Disconnected,
    /// A oneshot channel's one message was sent already.
    AlreadySent,
    /// Anything else the kernel reported.
    Io(io::Error),
}

/// The error of [`send_timeout`](crate::Sender::send_timeout).
#[derive(Debug)]
#[non_exhaustive]
pub enum SendTimeoutError {
    /// The timeout passed before there was room (a rendezvous message is
    /// withdrawn: no receiver will see it).
    Timeout,
    /// No receive endpoint is left, or the channel was closed for sending.
    Disconnected,
    /// A oneshot channel's one message was sent already.
    AlreadySent,
    /// Anything else the kernel reported.
    Io(io::Error),
}

/// The error of a blocking receive ([`Receiver::recv`](crate::Receiver::recv)).
#[derive(Debug)]
#[non_exhaustive]
pub enum RecvError {
    /// End of stream: the channel is closed for sending (every sender gone,
    /// or [`Sender::close`](crate::Sender::close)) and everything queued has
    /// been received.
    Disconnected,
    /// A broadcast subscriber was lapped and lost exactly this many
    /// messages (`EOVERFLOW`, then `CHAN_IOC_LOST`); receiving goes on with
    /// the oldest message left.
    Lagged(u64),
    /// Anything else: a buffer shorter than the next message (`EMSGSIZE`;
    /// the message stays queued), `EAGAIN` on a non-blocking endpoint...
    Io(io::Error),
}

/// The error of [`try_recv`](crate::Receiver::try_recv).
#[derive(Debug)]
#[non_exhaustive]
pub enum TryRecvError {
    /// Nothing is queued now, and the stream has not ended.
    Empty,
    /// End of stream.
    Disconnected,
    /// A broadcast subscriber lost this many messages.
    Lagged(u64),
    /// Anything else the kernel reported.
    Io(io::Error),
}

/// The error of [`recv_timeout`](crate::Receiver::recv_timeout).
#[derive(Debug)]
#[non_exhaustive]
pub enum RecvTimeoutError {
    /// The timeout passed with nothing received.
    Timeout,
    /// End of stream.
    Disconnected,
    /// A broadcast subscriber lost this many messages.
    Lagged(u64),
    /// Anything else the kernel reported.
    Io(io::Error),
}

/// The error of a request/reply [`call`](crate::Client::call).
#[derive(Debug)]
#[non_exhaustive]
pub enum CallError {
    /// No reply came in time (`ETIMEDOUT`); the call leaves nothing behind.
    Timeout,
    /// The last server closed while the call waited (`ECONNRESET`).
    ServerGone,
    /// The request could not be queued: no server is open, or the channel
    /// was closed for sending (`EPIPE`).
    Disconnected,
    /// Anything else: `EMSGSIZE` (request over `msg_max`, or a reply longer
    /// than the room given), `EINTR` (never restarted), `EBUSY`...
    Io(io::Error),
}

impl From<io::Error> for SendError {
    fn from(e: io::Error) -> Self {
        match errno(&e) {
            Some(sys::EPIPE) => SendError::Disconnected,
            Some(sys::EALREADY) => SendError::AlreadySent,
            _ => SendError::Io(e),
        }
    }
}

impl From<io::Error> for TrySendError {
    fn from(e: io::Error) -> Self {
        match errno(&e) {
            Some(sys::EAGAIN) => TrySendError::Full,
            Some(sys::EPIPE) => TrySendError::Disconnected,
            Some(sys::EALREADY) => TrySendError::AlreadySent,
            _ => TrySendError::Io(e),
        }
    }
}

impl From<io::Error> for SendTimeoutError {
    fn from(e: io::Error) -> Self {
        match errno(&e) {
            Some(sys::ETIMEDOUT) | Some(sys::EAGAIN) => SendTimeoutError::Timeout,
            Some(sys::EPIPE) => SendTimeoutError::Disconnected,
            Some(sys::EALREADY) => SendTimeoutError::AlreadySent,
            _ => SendTimeoutError::Io(e),
        }
    }
}

impl From<io::Error> for CallError {
    fn from(e: io::Error) -> Self {
        match errno(&e) {
            Some(sys::ETIMEDOUT) => CallError::Timeout,
            Some(sys::ECONNRESET) => CallError::ServerGone,
            Some(sys::EPIPE) => CallError::Disconnected,
            _ => CallError::Io(e),
        }
    }
}

impl From<SendError> for TrySendError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Disconnected => TrySendError::Disconnected,
            SendError::AlreadySent => TrySendError::AlreadySent,
            SendError::Io(e) => TrySendError::from(e),
        }
    }
}

impl From<SendError> for SendTimeoutError {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Disconnected => SendTimeoutError::Disconnected,
            SendError::AlreadySent => SendTimeoutError::AlreadySent,
            SendError::Io(e) => SendTimeoutError::from(e),
        }
    }
}

impl From<RecvError> for TryRecvError {
    fn from(e: RecvError) -> Self {
        match e {
            RecvError::Disconnected => TryRecvError::Disconnected,
            RecvError::Lagged(n) => TryRecvError::Lagged(n),
            RecvError::Io(e) if errno(&e) == Some(sys::EAGAIN) => TryRecvError::Empty,
            RecvError::Io(e) => TryRecvError::Io(e),
        }
    }
}

impl From<RecvError> for RecvTimeoutError {
    fn from(e: RecvError) -> Self {
        match e {
            RecvError::Disconnected => RecvTimeoutError::Disconnected,
            RecvError::Lagged(n) => RecvTimeoutError::Lagged(n),
            RecvError::Io(e) => match errno(&e) {
                Some(sys::ETIMEDOUT) | Some(sys::EAGAIN) => RecvTimeoutError::Timeout,
                _ => RecvTimeoutError::Io(e),
            },
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Disconnected => f.write_str("sending on a disconnected channel"),
            SendError::AlreadySent => f.write_str("the oneshot message was sent already"),
            SendError::Io(e) => write!(f, "send failed: {e}"),
        }
    }
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full => f.write_str("sending on a full channel"),
            TrySendError::Disconnected => f.write_str("sending on a disconnected channel"),
            TrySendError::AlreadySent => f.write_str("the oneshot message was sent already"),
            TrySendError::Io(e) => write!(f, "send failed: {e}"),
        }
    }
}

impl fmt::Display for SendTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout => f.write_str("timed out waiting on send operation"),
            SendTimeoutError::Disconnected => f.write_str("sending on a disconnected channel"),
            SendTimeoutError::AlreadySent => f.write_str("the oneshot message was sent already"),
            SendTimeoutError::Io(e) => write!(f, "send failed: {e}"),
        }
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Disconnected => f.write_str("receiving on a closed channel"),
            RecvError::Lagged(n) => write!(f, "receiver lagged behind: {n} messages lost"),
            RecvError::Io(e) => write!(f, "receive failed: {e}"),
        }
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Disconnected => f.write_str("receiving on a closed channel"),
            TryRecvError::Lagged(n) => write!(f, "receiver lagged behind: {n} messages lost"),
            TryRecvError::Io(e) => write!(f, "receive failed: {e}"),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out waiting on receive operation"),
            RecvTimeoutError::Disconnected => f.write_str("receiving on a closed channel"),
            RecvTimeoutError::Lagged(n) => write!(f, "receiver lagged behind: {n} messages lost"),
            RecvTimeoutError::Io(e) => write!(f, "receive failed: {e}"),
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout => f.write_str("timed out waiting for the reply"),
            CallError::ServerGone => f.write_str("the server went away before replying"),
            CallError::Disconnected => f.write_str("calling on a channel without a server"),
            CallError::Io(e) => write!(f, "call failed: {e}"),
        }
    }
}

macro_rules! error_source {
    ($($t:ident),*) => {$(
        impl Error for $t {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                match self {
                    $t::Io(e) => Some(e),
                    _ => None,
                }
            }
        }
    )*};
}

error_source!(
    SendError,
    TrySendError,
    SendTimeoutError,
    RecvError,
    TryRecvError,
    RecvTimeoutError,
    CallError
);

impl From<SendError> for io::Error {
    fn from(e: SendError) -> Self {
        match e {
            SendError::Disconnected => os(sys::EPIPE),
            SendError::AlreadySent => os(sys::EALREADY),
            SendError::Io(e) => e,
        }
    }
}

impl From<TrySendError> for io::Error {
    fn from(e: TrySendError) -> Self {
        match e {
            TrySendError::Full => os(sys::EAGAIN),
            TrySendError::Disconnected => os(sys::EPIPE),
            TrySendError::AlreadySent => os(sys::EALREADY),
            TrySendError::Io(e) => e,
        }
    }
}

impl From<SendTimeoutError> for io::Error {
    fn from(e: SendTimeoutError) -> Self {
        match e {
            SendTimeoutError::Timeout => os(sys::ETIMEDOUT),
            SendTimeoutError::Disconnected => os(sys::EPIPE),
            SendTimeoutError::AlreadySent => os(sys::EALREADY),
            SendTimeoutError::Io(e) => e,
        }
    }
}

/// `Lagged(n)` becomes an error of kind `Other` that carries the typed
/// error (get it back with `get_ref()` and `downcast_ref`).
impl From<RecvError> for io::Error {
    fn from(e: RecvError) -> Self {
        match e {
            RecvError::Disconnected => end_of_stream(),
            RecvError::Lagged(_) => io::Error::new(io::ErrorKind::Other, e),
            RecvError::Io(e) => e,
        }
    }
}

impl From<TryRecvError> for io::Error {
    fn from(e: TryRecvError) -> Self {
        match e {
            TryRecvError::Empty => os(sys::EAGAIN),
            TryRecvError::Disconnected => end_of_stream(),
            TryRecvError::Lagged(n) => RecvError::Lagged(n).into(),
            TryRecvError::Io(e) => e,
        }
    }
}

impl From<RecvTimeoutError> for io::Error {
    fn from(e: RecvTimeoutError) -> Self {
        match e {
            RecvTimeoutError::Timeout => os(sys::ETIMEDOUT),
            RecvTimeoutError::Disconnected => end_of_stream(),
            RecvTimeoutError::Lagged(n) => RecvError::Lagged(n).into(),
            RecvTimeoutError::Io(e) => e,
        }
    }
}

impl From<CallError> for io::Error {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Timeout => os(sys::ETIMEDOUT),
            CallError::ServerGone => os(sys::ECONNRESET),
            CallError::Disconnected => os(sys::EPIPE),
            CallError::Io(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errnos_become_variants_and_back() {
        assert!(matches!(
            SendError::from(os(sys::EPIPE)),
            SendError::Disconnected
        ));
        assert!(matches!(
            TrySendError::from(os(sys::EAGAIN)),
            TrySendError::Full
        ));
        assert!(matches!(
            SendTimeoutError::from(os(sys::ETIMEDOUT)),
            SendTimeoutError::Timeout
        ));
        assert!(matches!(
            CallError::from(os(sys::ECONNRESET)),
            CallError::ServerGone
        ));
        let e: io::Error = TrySendError::Full.into();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        let e: io::Error = SendError::Disconnected.into();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        let e: io::Error = RecvError::Lagged(7).into();
        let inner = e.get_ref().and_then(|i| i.downcast_ref::<RecvError>());
        assert!(matches!(inner, Some(RecvError::Lagged(7))));
        assert_eq!(
            RecvError::Lagged(3).to_string(),
            "receiver lagged behind: 3 messages lost"
        );
    }
}
