// SPDX-License-Identifier: GPL-2.0
//! Mapped rings: messages through the mapping in order, between the
//! mapping and read()/write(), wakeups across threads, full, empty, end of
//! stream, batches.
#[macro_use]
mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use chan::{
    Builder, Kind, Policy, RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySendError,
};

const EMSGSIZE: i32 = 90;

fn spsc(capacity: u32, msg_max: u32) -> Builder {
    Builder::new(Kind::Queue)
        .capacity(capacity)
        .msg_max(msg_max)
        .single_producer(true)
        .single_consumer(true)
        .mappable(true)
}

#[test]
fn the_ring_is_described() {
    require_chan!();
    let (tx, rx) = chan::mapped(8, 100).unwrap();
    assert_eq!((tx.capacity(), tx.msg_max()), (8, 100));
    assert_eq!((rx.capacity(), rx.msg_max()), (8, 100));
    let i = tx.info().unwrap();
    assert!(i.mappable && i.single_producer && i.single_consumer);
    assert!(i.map_size >= 4096 + 8 * 108);
    assert_eq!(i.rejects, 0);
}

#[test]
fn many_messages_in_order_through_the_mapping_across_threads() {
    require_chan!();
    const N: u32 = 20_000;
    let (mut tx, mut rx) = chan::mapped(8, 100).unwrap();
    let producer = std::thread::spawn(move || {
        for k in 0..N {
            tx.send(&common::pattern(1 + (k % 100) as usize, k))
                .unwrap();
        }
    });
    let mut k = 0;
    let mut buf = [0u8; 100];
    while k < N {
        if k % 2 == 0 {
            let n = rx.recv_into(&mut buf).unwrap();
            assert_eq!(&buf[..n], &common::pattern(1 + (k % 100) as usize, k)[..]);
        } else {
            assert_eq!(
                rx.recv().unwrap(),
                common::pattern(1 + (k % 100) as usize, k)
            );
        }
        k += 1;
    }
    producer.join().unwrap();
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
    assert_eq!(rx.info().unwrap().rejects, 0);
}

#[test]
fn batches_in_both_directions() {
    require_chan!();
    const N: usize = 5000;
    let (mut tx, mut rx) = chan::mapped(64, 16).unwrap();
    let producer = std::thread::spawn(move || {
        let msgs: Vec<Vec<u8>> = (0..N).map(|k| (k as u32).to_le_bytes().to_vec()).collect();
        let mut sent = 0;
        while sent < N {
            sent += tx.send_batch(&msgs[sent..(sent + 100).min(N)]).unwrap();
        }
    });
    let mut got = 0usize;
    while got < N {
        for m in rx.recv_batch(50).unwrap() {
            assert_eq!(m, (got as u32).to_le_bytes());
            got += 1;
        }
    }
    producer.join().unwrap();
    assert!(matches!(rx.recv_batch(8), Err(RecvError::Disconnected)));
}

#[test]
fn a_sleeping_receiver_is_woken() {
    require_chan!();
    let (mut tx, mut rx) = chan::mapped(4, 16).unwrap();
    let info = tx.info().unwrap();
    let t = std::thread::spawn(move || {
        let m = rx.recv().unwrap();
        (m, rx)
    });
    // It waits in CHAN_IOC_WAIT: a recv_waiter, counted in recv_waits.
    assert!(common::eventually(|| tx.info().unwrap().recv_waiters == 1));
    tx.send(b"wake up").unwrap();
    let (m, rx) = t.join().unwrap();
    assert_eq!(m, b"wake up");
    assert!(rx.info().unwrap().recv_waits > info.recv_waits);
}

#[test]
fn a_sleeping_sender_is_woken() {
    require_chan!();
    let (mut tx, mut rx) = chan::mapped(2, 16).unwrap();
    tx.send(b"1").unwrap();
    tx.send(b"2").unwrap();
    assert!(matches!(tx.try_send(b"3"), Err(TrySendError::Full)));
    let t = std::thread::spawn(move || {
        tx.send(b"3").unwrap();
        tx
    });
    assert!(common::eventually(|| rx.info().unwrap().send_waiters == 1));
    assert_eq!(rx.recv().unwrap(), b"1");
    let tx = t.join().unwrap();
    assert!(tx.info().unwrap().send_waits >= 1);
    assert_eq!(rx.recv().unwrap(), b"2");
    assert_eq!(rx.recv().unwrap(), b"3");
}

#[test]
fn ping_pong_wakes_both_ways() {
    require_chan!();
    let (mut a_tx, mut a_rx) = chan::mapped(1, 8).unwrap();
    let (mut b_tx, mut b_rx) = chan::mapped(1, 8).unwrap();
    let echo = std::thread::spawn(move || {
        while let Ok(m) = a_rx.recv() {
            b_tx.send(&m).unwrap();
        }
    });
    for k in 0..500u32 {
        a_tx.send(&k.to_le_bytes()).unwrap();
        assert_eq!(b_rx.recv().unwrap(), k.to_le_bytes());
    }
    drop(a_tx);
    echo.join().unwrap();
    assert!(matches!(b_rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn the_mapping_and_the_kernel_path_interoperate() {
    require_chan!();
    // Mapped producer, read() consumer.
    let (tx, rx) = spsc(4, 32).build().unwrap();
    let mut tx = tx.into_mapped().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            for k in 0..300u32 {
                tx.send(&k.to_be_bytes()).unwrap();
            }
        });
        for k in 0..300u32 {
            assert_eq!(rx.recv().unwrap(), k.to_be_bytes());
        }
        assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
    });
    // write() producer, mapped consumer.
    let (tx, rx) = spsc(4, 32).build().unwrap();
    let mut rx = rx.into_mapped().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            for k in 0..300u32 {
                tx.send(&k.to_be_bytes()).unwrap();
            }
        });
        let mut n = 0u32;
        for m in rx.iter() {
            assert_eq!(m.unwrap(), n.to_be_bytes());
            n += 1;
        }
        assert_eq!(n, 300);
    });
}

#[test]
fn full_empty_and_timeouts() {
    require_chan!();
    let (mut tx, mut rx) = chan::mapped(4, 8).unwrap();
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    let t0 = Instant::now();
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(50)),
        Err(RecvTimeoutError::Timeout)
    ));
    assert!(t0.elapsed() >= Duration::from_millis(40));
    for k in 0..4u8 {
        tx.try_send(&[k]).unwrap();
    }
    assert!(matches!(tx.try_send(b"x"), Err(TrySendError::Full)));
    let t0 = Instant::now();
    assert!(matches!(
        tx.send_timeout(b"x", Duration::from_millis(50)),
        Err(SendTimeoutError::Timeout)
    ));
    assert!(t0.elapsed() >= Duration::from_millis(40));
    assert_eq!(tx.info().unwrap().depth, 4);
    let mut buf = [0u8; 8];
    assert_eq!(rx.try_recv_into(&mut buf).unwrap(), 1);
    assert_eq!(buf[0], 0);
    tx.send_timeout(b"x", Duration::from_millis(50)).unwrap();
    assert_eq!(
        rx.recv_batch(10).unwrap(),
        [vec![1], vec![2], vec![3], b"x".to_vec()]
    );
}

#[test]
fn end_of_stream_and_no_receivers() {
    require_chan!();
    let (mut tx, mut rx) = chan::mapped(4, 8).unwrap();
    tx.send(b"before").unwrap();
    tx.close().unwrap();
    assert!(matches!(tx.send(b"after"), Err(SendError::Disconnected)));
    assert_eq!(rx.recv().unwrap(), b"before");
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Disconnected)));

    let (mut tx, rx) = chan::mapped(4, 8).unwrap();
    drop(rx);
    assert!(matches!(tx.send(b"x"), Err(SendError::Disconnected)));
    assert!(matches!(tx.try_send(b"x"), Err(TrySendError::Disconnected)));

    // A receiver asleep on the empty ring sees the end when the sender
    // goes away.
    let (tx, mut rx) = chan::mapped(4, 8).unwrap();
    let t = std::thread::spawn(move || rx.recv());
    std::thread::sleep(Duration::from_millis(50));
    drop(tx);
    assert!(matches!(t.join().unwrap(), Err(RecvError::Disconnected)));
}

#[test]
fn sizes_are_checked() {
    require_chan!();
    let (mut tx, mut rx) = chan::mapped(4, 8).unwrap();
    match tx.send(b"123456789") {
        Err(SendError::Io(e)) => assert_eq!(e.raw_os_error(), Some(EMSGSIZE)),
        other => panic!("{other:?}"),
    }
    match tx.send(b"") {
        Err(SendError::Io(e)) => assert_eq!(e.kind(), ErrorKind::InvalidInput),
        other => panic!("{other:?}"),
    }
    tx.send(b"12345678").unwrap();
    let mut small = [0u8; 4];
    match rx.recv_into(&mut small) {
        Err(RecvError::Io(e)) => assert_eq!(e.raw_os_error(), Some(EMSGSIZE)),
        other => panic!("{other:?}"),
    }
    assert_eq!(rx.recv().unwrap(), b"12345678");
}

#[test]
fn a_full_ring_under_drop_newest_is_left_to_the_kernel() {
    require_chan!();
    let (tx, rx) = spsc(2, 8)
        .policy(Policy::DropNewest)
        .build_mapped()
        .unwrap();
    let (mut tx, mut rx) = (tx, rx);
    for m in [b"1", b"2", b"3"] {
        tx.send(m).unwrap();
    }
    assert_eq!(tx.info().unwrap().dropped, 1);
    assert_eq!(rx.recv().unwrap(), b"1");
    assert_eq!(rx.recv().unwrap(), b"2");
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));

    let (mut tx, _rx) = spsc(1, 8).policy(Policy::Fail).build_mapped().unwrap();
    tx.send(b"1").unwrap();
    assert!(matches!(tx.try_send(b"2"), Err(TrySendError::Full)));
    match tx.send(b"2") {
        Err(SendError::Io(e)) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        other => panic!("{other:?}"),
    }
}

#[test]
fn only_mappable_channels_map() {
    require_chan!();
    let (tx, rx) = chan::queue(4, 8).unwrap();
    assert_eq!(
        tx.into_mapped().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        rx.into_mapped().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // The kernel refuses mappable without single producer and consumer.
    let e = Builder::new(Kind::Queue)
        .mappable(true)
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}
