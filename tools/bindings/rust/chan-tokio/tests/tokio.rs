// SPDX-License-Identifier: GPL-2.0
//! The tokio adapters: async send/recv, backpressure, many tasks on a
//! current_thread runtime, end of stream, rendezvous, broadcast.
use std::path::Path;
use std::time::Duration;

use chan::{RecvError, SendError, TryRecvError, TrySendError};
use chan_tokio::{AsyncReceiver, AsyncSender};
use tokio::runtime::Runtime;

macro_rules! require_chan {
    () => {
        if !Path::new(chan::DEVICE).exists() {
            // In the guests (CHAN_GUEST) there is always one.
            assert!(std::env::var_os("CHAN_GUEST").is_none(), "no /dev/chan");
            eprintln!("SKIP: no /dev/chan");
            return;
        }
    };
}

fn rt() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Threads of this process now.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Fails the test rather than hang it.
async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("timed out")
}

#[test]
fn async_send_and_recv_with_backpressure() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::queue(2, 16).unwrap();
        let (tx, rx) = (
            AsyncSender::new(tx).unwrap(),
            AsyncReceiver::new(rx).unwrap(),
        );
        let producer = tokio::spawn(async move {
            for k in 0..50u32 {
                tx.send(&k.to_le_bytes()).await.unwrap();
            }
        });
        let mut got = Vec::new();
        loop {
            match rx.recv().await {
                Ok(m) => got.push(u32::from_le_bytes(m[..4].try_into().unwrap())),
                Err(RecvError::Disconnected) => break,
                Err(e) => panic!("{e:?}"),
            }
            if got.len() % 10 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await; // let it fill
            }
        }
        producer.await.unwrap();
        assert_eq!(got, (0..50).collect::<Vec<u32>>());
    }));
}

#[test]
fn a_hundred_tasks_wait_on_one_thread() {
    require_chan!();
    let before = threads();
    let rt = rt();
    rt.block_on(bounded(async {
        let pairs: Vec<_> = (0..100).map(|_| chan::queue(1, 8).unwrap()).collect();
        let mut senders = Vec::new();
        let mut tasks = Vec::new();
        for (tx, rx) in pairs {
            senders.push(tx);
            let rx = AsyncReceiver::new(rx).unwrap();
            tasks.push(tokio::spawn(async move { rx.recv().await.unwrap() }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(tasks.iter().all(|t| !t.is_finished()));
        for (k, tx) in senders.iter().enumerate() {
            tx.send(format!("{k}").as_bytes()).unwrap();
        }
        for (k, t) in tasks.into_iter().enumerate() {
            assert_eq!(t.await.unwrap(), format!("{k}").as_bytes());
        }
    }));
    // No thread was started to wait: the runtime's only thread is this one.
    assert_eq!(threads(), before);
}

#[test]
fn many_tasks_send_and_receive_on_one_thread() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::queue(4, 16).unwrap();
        let tx = std::sync::Arc::new(AsyncSender::new(tx).unwrap());
        let rx = std::sync::Arc::new(AsyncReceiver::new(rx).unwrap());
        let mut producers = Vec::new();
        for p in 0..8u32 {
            let tx = tx.clone();
            producers.push(tokio::spawn(async move {
                for i in 0..100u32 {
                    tx.send(format!("{p}:{i}").as_bytes()).await.unwrap();
                }
            }));
        }
        let mut consumers = Vec::new();
        for _ in 0..4 {
            let rx = rx.clone();
            consumers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Ok(m) = rx.recv().await {
                    got.push(String::from_utf8(m).unwrap());
                }
                got
            }));
        }
        for p in producers {
            p.await.unwrap();
        }
        drop(tx); // the last Arc: end of stream
        let mut all = Vec::new();
        for c in consumers {
            all.extend(c.await.unwrap());
        }
        assert_eq!(all.len(), 800);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 800);
    }));
}

#[test]
fn end_of_stream_and_disconnection() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::queue(4, 8).unwrap();
        let rx = AsyncReceiver::new(rx).unwrap();
        tx.send(b"x").unwrap();
        drop(tx);
        assert_eq!(rx.recv().await.unwrap(), b"x");
        assert!(matches!(rx.recv().await, Err(RecvError::Disconnected)));

        let (tx, rx) = chan::queue(1, 8).unwrap();
        let tx = AsyncSender::new(tx).unwrap();
        tx.send(b"1").await.unwrap();
        assert!(matches!(tx.try_send(b"2"), Err(TrySendError::Full)));
        // Blocked on a full channel, then the receiver goes away.
        let closer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(30)).await;
            drop(rx);
        });
        let r = tx.send(b"2").await;
        assert!(matches!(r, Err(SendError::Disconnected)), "{r:?}");
        closer.await.unwrap();
    }));
}

#[test]
fn recv_into_batches_and_try() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::queue(16, 8).unwrap();
        let (tx, rx) = (
            AsyncSender::new(tx).unwrap(),
            AsyncReceiver::new(rx).unwrap(),
        );
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
        assert_eq!(tx.send_batch(&[b"a", b"b", b"c"]).await.unwrap(), 3);
        let mut buf = [0u8; 8];
        let n = rx.recv_into(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"a");
        assert_eq!(rx.recv_batch(8).await.unwrap(), [b"b", b"c"]);
        tx.get_ref().close().unwrap();
        assert!(matches!(
            rx.recv_batch(8).await,
            Err(RecvError::Disconnected)
        ));
    }));
}

#[test]
fn async_rendezvous_meets_blocking_and_async_receivers() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::rendezvous(8).unwrap();
        let tx = AsyncSender::new(tx).unwrap();
        let t = std::thread::spawn(move || (rx.recv().unwrap(), rx));
        tx.send(b"meet").await.unwrap();
        let (m, rx) = t.join().unwrap();
        assert_eq!(m, b"meet");

        // Both ends async: the send waits in the blocking pool.
        let rx = AsyncReceiver::new(rx).unwrap();
        let got = tokio::spawn(async move { rx.recv().await });
        tx.send(b"both").await.unwrap();
        assert_eq!(got.await.unwrap().unwrap(), b"both");
    }));
}

#[test]
fn a_given_up_rendezvous_send_is_withdrawn() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::rendezvous(8).unwrap();
        let tx = AsyncSender::new(tx).unwrap();
        let r = tokio::time::timeout(Duration::from_millis(50), tx.send(b"late")).await;
        assert!(r.is_err(), "nobody was there to take it");
        // Within a slice the blocking attempt withdraws it for good.
        tokio::time::sleep(chan_tokio::RENDEZVOUS_SLICE * 3).await;
        assert!(matches!(
            rx.recv_timeout(Duration::from_millis(100)),
            Err(chan::RecvTimeoutError::Timeout)
        ));
    }));
}

#[test]
fn async_broadcast_reports_lagged() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::broadcast(4, 8).unwrap();
        let rx = AsyncReceiver::new(rx).unwrap();
        let sub = rx.subscribe().unwrap();
        for k in 0..10u8 {
            tx.send(&[k]).unwrap();
        }
        assert!(matches!(rx.recv().await, Err(RecvError::Lagged(6))));
        assert_eq!(rx.recv().await.unwrap(), [6]);
        assert!(matches!(sub.recv().await, Err(RecvError::Lagged(6))));
        drop(tx);
        let mut rest = Vec::new();
        while let Ok(m) = sub.recv().await {
            rest.push(m[0]);
        }
        assert_eq!(rest, [6, 7, 8, 9]);
    }));
}

#[test]
fn async_oneshot() {
    require_chan!();
    rt().block_on(bounded(async {
        let (tx, rx) = chan::oneshot().unwrap();
        let (tx, rx) = (
            AsyncSender::new(tx).unwrap(),
            AsyncReceiver::new(rx).unwrap(),
        );
        let t = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            tx.send(b"once").await.unwrap();
            assert!(matches!(
                tx.send(b"twice").await,
                Err(SendError::AlreadySent)
            ));
        });
        assert_eq!(rx.recv().await.unwrap(), b"once");
        assert!(matches!(rx.recv().await, Err(RecvError::Disconnected)));
        t.await.unwrap();
    }));
}
