// SPDX-License-Identifier: GPL-2.0
//! The oneshot and rendezvous kinds.
#[macro_use]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chan::{Builder, Kind, RecvError, SendError, SendTimeoutError, TryRecvError, TrySendError};

#[test]
fn oneshot_sends_once_then_ends() {
    require_chan!();
    let (tx, rx) = chan::oneshot().unwrap();
    assert_eq!(tx.info().unwrap().capacity, 1);
    assert_eq!(rx.msg_max().unwrap(), chan::DEFAULT_MSG_MAX as usize);
    tx.send(b"only").unwrap();
    assert!(matches!(tx.send(b"again"), Err(SendError::AlreadySent)));
    assert!(matches!(
        tx.try_send(b"again"),
        Err(TrySendError::AlreadySent)
    ));
    assert!(matches!(
        tx.send_timeout(b"again", Duration::from_millis(5)),
        Err(SendTimeoutError::AlreadySent)
    ));
    let e: std::io::Error = SendError::AlreadySent.into();
    assert_eq!(e.raw_os_error(), Some(114)); // EALREADY
                                             // The stream ends after the message, with the sender still open.
    assert_eq!(rx.recv().unwrap(), b"only");
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
    drop(tx);
}

#[test]
fn oneshot_dropped_unsent_ends_the_stream() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Oneshot).msg_max(8).build().unwrap();
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    drop(tx);
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn oneshot_across_threads() {
    require_chan!();
    let (tx, rx) = chan::oneshot().unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        tx.send(b"result").unwrap();
    });
    assert_eq!(rx.recv().unwrap(), b"result");
    t.join().unwrap();
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn rendezvous_send_returns_once_taken() {
    require_chan!();
    let (tx, rx) = chan::rendezvous(16).unwrap();
    assert_eq!(tx.info().unwrap().capacity, 0);
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let t = s.spawn(|| {
            tx.send(b"hand").unwrap();
            done.store(true, Ordering::SeqCst);
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(!done.load(Ordering::SeqCst), "nobody took it yet");
        assert_eq!(rx.recv().unwrap(), b"hand");
        t.join().unwrap();
        assert!(done.load(Ordering::SeqCst));
    });
}

#[test]
fn rendezvous_try_send_needs_a_waiting_receiver() {
    require_chan!();
    let (tx, rx) = chan::rendezvous(16).unwrap();
    assert!(matches!(tx.try_send(b"nobody"), Err(TrySendError::Full)));
    std::thread::scope(|s| {
        let t = s.spawn(|| rx.recv().unwrap());
        assert!(common::eventually(|| tx.info().unwrap().recv_waiters == 1));
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            match tx.try_send(b"meet") {
                Ok(()) => break,
                Err(TrySendError::Full) if Instant::now() < end => continue,
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(t.join().unwrap(), b"meet");
    });
}

#[test]
fn rendezvous_timeout_withdraws_the_message() {
    require_chan!();
    let (tx, rx) = chan::rendezvous(16).unwrap();
    let t0 = Instant::now();
    assert!(matches!(
        tx.send_timeout(b"late", Duration::from_millis(50)),
        Err(SendTimeoutError::Timeout)
    ));
    assert!(t0.elapsed() >= Duration::from_millis(40));
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    drop(rx);
    assert!(matches!(tx.send(b"x"), Err(SendError::Disconnected)));
}

#[test]
fn rendezvous_end_of_stream() {
    require_chan!();
    let (tx, rx) = chan::rendezvous(8).unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            for k in 0..20u8 {
                tx.send(&[k]).unwrap();
            }
        });
        let got: Vec<Vec<u8>> = rx.iter().map(Result::unwrap).collect();
        assert_eq!(got, (0..20u8).map(|k| vec![k]).collect::<Vec<_>>());
    });
}
