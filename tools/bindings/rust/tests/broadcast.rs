// SPDX-License-Identifier: GPL-2.0
//! The broadcast kind: subscribers, cursors, and Lagged(n).
#[macro_use]
mod common;

use std::time::Duration;

use chan::{Builder, Kind, Policy, RecvError, TryRecvError, TrySendError};

#[test]
fn every_subscriber_gets_every_message_in_order() {
    require_chan!();
    let (tx, rx) = chan::broadcast(16, 16).unwrap();
    let sub = rx.subscribe().unwrap();
    let sub2 = sub.subscribe().unwrap();
    assert_eq!(tx.info().unwrap().receivers, 3);
    for k in 0..5u8 {
        tx.send(&[k]).unwrap();
    }
    drop(tx);
    let want: Vec<Vec<u8>> = (0..5u8).map(|k| vec![k]).collect();
    for r in [&rx, &sub, &sub2] {
        let got: Vec<Vec<u8>> = r.iter().map(Result::unwrap).collect();
        assert_eq!(got, want);
    }
}

#[test]
fn a_subscriber_starts_at_the_next_message() {
    require_chan!();
    let (tx, rx) = chan::broadcast(8, 8).unwrap();
    tx.send(b"before").unwrap();
    let late = rx.subscribe().unwrap();
    tx.send(b"after").unwrap();
    assert_eq!(late.recv().unwrap(), b"after");
    assert!(matches!(late.try_recv(), Err(TryRecvError::Empty)));
    assert_eq!(rx.recv().unwrap(), b"before");
    assert_eq!(rx.recv().unwrap(), b"after");
}

#[test]
fn a_clone_shares_the_cursor() {
    require_chan!();
    let (tx, rx) = chan::broadcast(8, 8).unwrap();
    let same = rx.clone();
    tx.send(b"a").unwrap();
    tx.send(b"b").unwrap();
    assert_eq!(rx.recv().unwrap(), b"a");
    assert_eq!(same.recv().unwrap(), b"b");
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
}

#[test]
fn a_lapped_subscriber_gets_lagged_with_the_exact_count() {
    require_chan!();
    let (tx, rx) = chan::broadcast(4, 8).unwrap();
    assert_eq!(rx.info().unwrap().policy, Some(Policy::Overwrite));
    let sub = rx.subscribe().unwrap();
    for k in 0..10u8 {
        tx.send(&[b'0' + k]).unwrap();
    }
    assert!(matches!(rx.recv(), Err(RecvError::Lagged(6))));
    let rest: Vec<Vec<u8>> = rx.recv_batch(8).unwrap();
    assert_eq!(rest, [b"6", b"7", b"8", b"9"]);
    // The batch receive reports the gap too, once.
    assert!(matches!(sub.recv_batch(8), Err(RecvError::Lagged(6))));
    assert_eq!(sub.lost().unwrap(), 0);
    tx.close().unwrap();
    let rest: Vec<Vec<u8>> = sub.iter().map(Result::unwrap).collect();
    assert_eq!(rest, [b"6", b"7", b"8", b"9"]);
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn the_iterator_yields_lagged_and_goes_on() {
    require_chan!();
    let (tx, rx) = chan::broadcast(2, 8).unwrap();
    for k in 0..5u8 {
        tx.send(&[k]).unwrap();
    }
    drop(tx);
    let items: Vec<Result<Vec<u8>, RecvError>> = rx.iter().collect();
    assert_eq!(items.len(), 3);
    assert!(matches!(items[0], Err(RecvError::Lagged(3))));
    assert_eq!(items[1].as_ref().unwrap(), &[3]);
    assert_eq!(items[2].as_ref().unwrap(), &[4]);
    let e: std::io::Error = RecvError::Lagged(3).into();
    assert!(e.to_string().contains("3 messages lost"));
}

#[test]
fn try_and_timeout_receives_report_lagged_too() {
    require_chan!();
    let (tx, rx) = chan::broadcast(2, 8).unwrap();
    for k in 0..4u8 {
        tx.send(&[k]).unwrap();
    }
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Lagged(2))));
    assert_eq!(rx.recv_timeout(Duration::from_millis(10)).unwrap(), [2]);
}

#[test]
fn under_block_the_slowest_subscriber_holds_senders_back() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Broadcast)
        .capacity(2)
        .msg_max(8)
        .build()
        .unwrap();
    let sub = rx.subscribe().unwrap();
    tx.send(b"1").unwrap();
    tx.send(b"2").unwrap();
    assert_eq!(rx.recv().unwrap(), b"1");
    assert_eq!(rx.recv().unwrap(), b"2");
    assert!(matches!(tx.try_send(b"3"), Err(TrySendError::Full)));
    assert_eq!(sub.recv().unwrap(), b"1");
    tx.try_send(b"3").unwrap();
}

#[test]
fn subscribe_is_for_broadcast_only() {
    require_chan!();
    let (_tx, rx) = chan::queue(2, 8).unwrap();
    assert_eq!(
        rx.subscribe().unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
}
