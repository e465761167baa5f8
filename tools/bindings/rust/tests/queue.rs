// SPDX-License-Identifier: GPL-2.0
//! The queue kind: contents and order, end of stream, disconnection, full,
//! policies, timeouts, batches, iterators, sizes, info.
#[macro_use]
mod common;

use std::io::ErrorKind;
use std::os::unix::io::OwnedFd;
use std::time::{Duration, Instant};

use chan::{
    Builder, Kind, Policy, RecvError, RecvTimeoutError, Role, SendError, SendTimeoutError,
    TryRecvError, TrySendError,
};

const EMSGSIZE: i32 = 90;

#[test]
fn messages_arrive_whole_and_in_order() {
    require_chan!();
    let (tx, rx) = chan::queue(8, 32).unwrap();
    let msgs: [&[u8]; 4] = [b"one", b"two", &[0, 255, 0, 1], &[b'x'; 32]];
    for m in msgs {
        tx.send(m).unwrap();
    }
    let mut buf = [0u8; 32];
    let n = rx.recv_into(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"one");
    assert_eq!(rx.recv().unwrap(), b"two");
    assert_eq!(rx.recv().unwrap(), [0, 255, 0, 1]);
    assert_eq!(rx.recv().unwrap(), [b'x'; 32]);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
}

#[test]
fn every_sender_dropped_ends_the_stream_after_the_drain() {
    require_chan!();
    let (tx, rx) = chan::queue(8, 8).unwrap();
    tx.send(b"a").unwrap();
    tx.send(b"b").unwrap();
    drop(tx);
    assert_eq!(rx.recv().unwrap(), b"a");
    assert_eq!(rx.recv().unwrap(), b"b");
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Disconnected)));
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(10)),
        Err(RecvTimeoutError::Disconnected)
    ));
    let mut buf = [0u8; 8];
    assert!(matches!(
        rx.recv_into(&mut buf),
        Err(RecvError::Disconnected)
    ));
    assert!(rx.info().unwrap().closed);
}

#[test]
fn a_live_clone_keeps_the_stream_open() {
    require_chan!();
    let (tx, rx) = chan::queue(8, 8).unwrap();
    let tx2 = tx.clone();
    assert_eq!(rx.info().unwrap().senders, 1); // one open file description
    tx.send(b"a").unwrap();
    drop(tx);
    assert_eq!(rx.recv().unwrap(), b"a");
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(30)),
        Err(RecvTimeoutError::Timeout)
    ));
    tx2.send(b"b").unwrap();
    assert_eq!(rx.recv().unwrap(), b"b");
    let tx3 = tx2.try_clone().unwrap();
    drop(tx2);
    assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
    drop(tx3);
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn sends_fail_disconnected_once_every_receiver_is_gone() {
    require_chan!();
    let (tx, rx) = chan::queue(4, 8).unwrap();
    let rx2 = rx.clone();
    drop(rx);
    tx.send(b"still").unwrap();
    drop(rx2);
    assert!(matches!(tx.send(b"x"), Err(SendError::Disconnected)));
    assert!(matches!(tx.try_send(b"x"), Err(TrySendError::Disconnected)));
    assert!(matches!(
        tx.send_timeout(b"x", Duration::from_millis(10)),
        Err(SendTimeoutError::Disconnected)
    ));
    assert!(matches!(
        tx.send_batch(&[b"x"]),
        Err(SendError::Disconnected)
    ));
    let e: std::io::Error = tx.send(b"x").unwrap_err().into();
    assert_eq!(e.kind(), ErrorKind::BrokenPipe);
}

#[test]
fn full_then_timeout_then_room() {
    require_chan!();
    let (tx, rx) = chan::queue(2, 8).unwrap();
    tx.try_send(b"1").unwrap();
    tx.try_send(b"2").unwrap();
    assert!(matches!(tx.try_send(b"3"), Err(TrySendError::Full)));
    let t0 = Instant::now();
    assert!(matches!(
        tx.send_timeout(b"3", Duration::from_millis(50)),
        Err(SendTimeoutError::Timeout)
    ));
    assert!(t0.elapsed() >= Duration::from_millis(40));
    assert_eq!(rx.recv().unwrap(), b"1");
    tx.try_send(b"3").unwrap();
    assert_eq!(rx.recv().unwrap(), b"2");
    assert_eq!(rx.recv().unwrap(), b"3");
    let e: std::io::Error = TrySendError::Full.into();
    assert_eq!(e.kind(), ErrorKind::WouldBlock);
}

#[test]
fn a_blocked_send_goes_on_when_room_is_made() {
    require_chan!();
    let (tx, rx) = chan::queue(1, 8).unwrap();
    tx.send(b"first").unwrap();
    std::thread::scope(|s| {
        let t = s.spawn(|| tx.send(b"second"));
        assert!(common::eventually(|| rx.info().unwrap().send_waiters == 1));
        assert_eq!(rx.recv().unwrap(), b"first");
        t.join().unwrap().unwrap();
    });
    assert_eq!(rx.recv().unwrap(), b"second");
}

#[test]
fn receive_timeouts() {
    require_chan!();
    let (_tx, rx) = chan::queue(2, 8).unwrap();
    let t0 = Instant::now();
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(50)),
        Err(RecvTimeoutError::Timeout)
    ));
    assert!(t0.elapsed() >= Duration::from_millis(40));
    let mut buf = [0u8; 8];
    assert!(matches!(
        rx.recv_timeout_into(&mut buf, Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    ));
    assert!(matches!(
        rx.try_recv_into(&mut buf),
        Err(TryRecvError::Empty)
    ));
    assert!(matches!(
        rx.recv_batch_timeout(4, Duration::from_millis(5)),
        Err(RecvTimeoutError::Timeout)
    ));
}

#[test]
fn capacity_rounds_up_and_info_tells_the_state() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Queue)
        .capacity(3)
        .msg_max(100)
        .single_consumer(true)
        .build()
        .unwrap();
    tx.send(b"abc").unwrap();
    let i = tx.info().unwrap();
    assert_eq!(i.kind, Some(Kind::Queue));
    assert_eq!(i.policy, Some(Policy::Block));
    assert_eq!(i.capacity, 4);
    assert_eq!(i.msg_max, 100);
    assert_eq!(i.role, Some(Role::Send));
    assert!(i.single_consumer && !i.single_producer && !i.mappable);
    assert_eq!((i.senders, i.receivers), (1, 1));
    assert_eq!((i.depth, i.sent, i.received), (1, 1, 0));
    assert_eq!(i.name, "");
    assert!(!i.closed);
    let r = rx.info().unwrap();
    assert_eq!(r.role, Some(Role::Recv));
    assert_eq!(r.id, i.id);
    assert_eq!(rx.msg_max().unwrap(), 100);
    rx.recv().unwrap();
    assert_eq!(rx.info().unwrap().received, 1);
}

#[test]
fn policy_fail_refuses_even_a_blocking_send() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Queue)
        .capacity(1)
        .msg_max(8)
        .policy(Policy::Fail)
        .build()
        .unwrap();
    tx.send(b"1").unwrap();
    match tx.send(b"2") {
        Err(SendError::Io(e)) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        other => panic!("{other:?}"),
    }
    assert!(matches!(tx.try_send(b"2"), Err(TrySendError::Full)));
    assert_eq!(rx.recv().unwrap(), b"1");
}

#[test]
fn policy_drop_newest_counts_what_it_dropped() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Queue)
        .capacity(2)
        .msg_max(8)
        .policy(Policy::DropNewest)
        .build()
        .unwrap();
    for m in [b"1", b"2", b"3", b"4", b"5"] {
        tx.send(m).unwrap();
    }
    assert_eq!(tx.info().unwrap().dropped, 3);
    assert_eq!(tx.lost().unwrap(), 3);
    assert_eq!(tx.lost().unwrap(), 0); // asked already
    drop(tx);
    let got: Vec<Vec<u8>> = rx.iter().map(Result::unwrap).collect();
    assert_eq!(got, [b"1", b"2"]);
}

#[test]
fn policy_overwrite_keeps_the_newest() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Queue)
        .capacity(2)
        .msg_max(8)
        .policy(Policy::Overwrite)
        .build()
        .unwrap();
    for m in [b"1", b"2", b"3", b"4", b"5"] {
        tx.send(m).unwrap();
    }
    let i = rx.info().unwrap();
    assert_eq!((i.overwritten, i.depth, i.sent), (3, 2, 5));
    assert_eq!(rx.lost().unwrap(), 3);
    drop(tx);
    let got: Vec<Vec<u8>> = rx.into_iter().map(Result::unwrap).collect();
    assert_eq!(got, [b"4", b"5"]);
}

#[test]
fn close_ends_the_stream_for_every_sender() {
    require_chan!();
    let (tx, rx) = chan::queue(4, 8).unwrap();
    let other = tx.clone();
    tx.send(b"last").unwrap();
    other.close().unwrap();
    other.close().unwrap(); // idempotent
    assert!(matches!(tx.send(b"more"), Err(SendError::Disconnected)));
    assert!(tx.info().unwrap().closed);
    assert_eq!(rx.recv().unwrap(), b"last");
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn batches_move_many_in_one_call() {
    require_chan!();
    let (tx, rx) = chan::queue(64, 16).unwrap();
    let msgs: Vec<Vec<u8>> = (0..50).map(|k| format!("m{k:02}").into_bytes()).collect();
    assert_eq!(tx.send_batch(&msgs).unwrap(), 50);
    assert_eq!(rx.recv_batch(20).unwrap(), msgs[..20]);
    assert_eq!(
        rx.recv_batch_timeout(64, Duration::ZERO).unwrap(),
        msgs[20..]
    );
    assert_eq!(rx.recv_batch(0).unwrap(), Vec::<Vec<u8>>::new());
    let i = rx.info().unwrap();
    assert_eq!((i.sent, i.received, i.depth), (50, 50, 0));
    drop(tx);
    assert!(matches!(rx.recv_batch(8), Err(RecvError::Disconnected)));
}

#[test]
fn a_batch_sends_what_fits() {
    require_chan!();
    let (tx, rx) = chan::queue(4, 8).unwrap();
    let msgs: Vec<[u8; 1]> = (0..10u8).map(|k| [k]).collect();
    assert_eq!(tx.send_batch(&msgs).unwrap(), 4);
    assert!(matches!(
        tx.send_batch_timeout(&msgs[4..], Duration::from_millis(20)),
        Err(SendTimeoutError::Timeout)
    ));
    assert_eq!(
        rx.recv_batch(10).unwrap(),
        vec![vec![0], vec![1], vec![2], vec![3]]
    );
    // At most BATCH_MAX per call.
    let (tx, _rx) = chan::queue(2048, 8).unwrap();
    let many = vec![[7u8]; chan::BATCH_MAX + 100];
    assert_eq!(tx.send_batch(&many).unwrap(), chan::BATCH_MAX);
}

#[test]
fn iterators_end_at_end_of_stream() {
    require_chan!();
    let (tx, rx) = chan::queue(16, 8).unwrap();
    for k in 0..5u8 {
        tx.send(&[b'a' + k]).unwrap();
    }
    let now: Vec<Vec<u8>> = rx.try_iter().map(Result::unwrap).collect();
    assert_eq!(now.len(), 5);
    assert_eq!(rx.try_iter().count(), 0); // empty, not ended
    std::thread::scope(|s| {
        s.spawn(move || {
            for k in 0..100u32 {
                tx.send(&k.to_le_bytes()).unwrap();
            }
        });
        let mut n = 0u32;
        for msg in &rx {
            assert_eq!(msg.unwrap(), n.to_le_bytes());
            n += 1;
        }
        assert_eq!(n, 100);
    });
}

#[test]
fn sizes_are_checked_and_a_short_buffer_leaves_the_message() {
    require_chan!();
    let (tx, rx) = chan::queue(4, 4).unwrap();
    match tx.send(b"12345") {
        Err(SendError::Io(e)) => assert_eq!(e.raw_os_error(), Some(EMSGSIZE)),
        other => panic!("{other:?}"),
    }
    match tx.send(b"") {
        Err(SendError::Io(e)) => assert_eq!(e.kind(), ErrorKind::InvalidInput),
        other => panic!("{other:?}"),
    }
    tx.send(b"1234").unwrap();
    let mut small = [0u8; 2];
    match rx.recv_into(&mut small) {
        Err(RecvError::Io(e)) => assert_eq!(e.raw_os_error(), Some(EMSGSIZE)),
        other => panic!("{other:?}"),
    }
    match rx.try_recv_into(&mut small) {
        Err(TryRecvError::Io(e)) => assert_eq!(e.raw_os_error(), Some(EMSGSIZE)),
        other => panic!("{other:?}"),
    }
    assert_eq!(rx.recv().unwrap(), b"1234");
}

#[test]
fn nonblocking_endpoints_would_block() {
    require_chan!();
    let (tx, rx) = Builder::new(Kind::Queue)
        .capacity(1)
        .msg_max(8)
        .nonblocking(true)
        .build()
        .unwrap();
    assert!(tx.is_nonblocking().unwrap() && rx.is_nonblocking().unwrap());
    match rx.recv() {
        Err(RecvError::Io(e)) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        other => panic!("{other:?}"),
    }
    tx.send(b"1").unwrap();
    match tx.send(b"2") {
        Err(SendError::Io(e)) => assert_eq!(e.kind(), ErrorKind::WouldBlock),
        other => panic!("{other:?}"),
    }
    let sub = rx.try_clone().unwrap();
    assert!(sub.is_nonblocking().unwrap()); // one open file description
    rx.set_nonblocking(false).unwrap();
    assert!(!sub.is_nonblocking().unwrap());
    assert_eq!(rx.recv().unwrap(), b"1");
}

#[test]
fn threads_fan_in_every_message_once_in_order_per_producer() {
    require_chan!();
    let (tx, rx) = chan::queue(16, 16).unwrap();
    let mut got = Vec::new();
    std::thread::scope(|s| {
        for k in 0..4u32 {
            let tx = tx.clone();
            s.spawn(move || {
                for i in 0..500u32 {
                    tx.send(format!("{k}:{i}").as_bytes()).unwrap();
                }
            });
        }
        drop(tx);
        for m in &rx {
            got.push(String::from_utf8(m.unwrap()).unwrap());
        }
    });
    assert_eq!(got.len(), 2000);
    for k in 0..4 {
        let mine: Vec<u32> = got
            .iter()
            .filter_map(|m| m.strip_prefix(&format!("{k}:")))
            .map(|i| i.parse().unwrap())
            .collect();
        assert_eq!(mine, (0..500).collect::<Vec<u32>>());
    }
}

#[test]
fn threads_share_one_receiver_and_each_message_goes_to_one() {
    require_chan!();
    let (tx, rx) = chan::queue(8, 8).unwrap();
    let counts: Vec<Vec<u32>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let rx = &rx;
                s.spawn(move || {
                    rx.iter()
                        .map(|m| u32::from_le_bytes(m.unwrap()[..4].try_into().unwrap()))
                        .collect::<Vec<u32>>()
                })
            })
            .collect();
        for k in 0..600u32 {
            tx.send(&k.to_le_bytes()).unwrap();
        }
        drop(tx);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut all: Vec<u32> = counts.into_iter().flatten().collect();
    all.sort_unstable();
    assert_eq!(all, (0..600).collect::<Vec<u32>>());
}

#[test]
fn endpoints_round_trip_through_owned_fds() {
    require_chan!();
    let (tx, rx) = chan::queue(4, 8).unwrap();
    let fd: OwnedFd = tx.into();
    let tx = chan::Sender::from(fd);
    tx.send(b"fd").unwrap();
    let fd: OwnedFd = rx.into();
    let rx = chan::Receiver::from(fd);
    assert_eq!(rx.recv().unwrap(), b"fd"); // msg_max asked of the kernel
}

#[test]
fn a_receiver_of_reqrep_is_refused() {
    require_chan!();
    assert_eq!(
        Builder::new(Kind::Reqrep).build().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        Builder::new(Kind::Queue).build_reqrep().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    // The kernel's own checks: capacity 0 for a queue.
    let e = Builder::new(Kind::Queue).capacity(0).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[test]
fn version_limits_and_list() {
    require_chan!();
    let v = chan::version().unwrap();
    assert_eq!(v.abi_version, chan::ABI_VERSION);
    assert!(v.has(chan::feature::QUEUE | chan::feature::MMAP | chan::feature::LIMITS));
    assert!(v.max_capacity >= 1 && v.max_msg_size >= 1);
    let before = chan::limits().unwrap();
    let (tx, _rx) = chan::queue(4, 56).unwrap();
    let after = chan::limits().unwrap();
    assert_eq!(after.channels, before.channels + 1);
    assert!(after.bytes > before.bytes);
    if common::is_root() {
        assert!(after.exempt);
    }
    let id = tx.info().unwrap().id;
    let all = chan::list().unwrap();
    let me = all.iter().find(|i| i.id == id).expect("listed");
    assert_eq!(me.role, None);
    assert_eq!(me.capacity, 4);
}
