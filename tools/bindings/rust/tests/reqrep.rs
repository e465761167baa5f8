// SPDX-License-Identifier: GPL-2.0
//! The request/reply kind: calls, replies by id, timeouts, server gone.
#[macro_use]
mod common;

use std::io::ErrorKind;
use std::time::{Duration, Instant};

use chan::{CallError, RecvError, RecvTimeoutError, TryRecvError};

const EMSGSIZE: i32 = 90;

#[test]
fn calls_are_answered_by_serve() {
    require_chan!();
    let (client, server) = chan::reqrep(8, 64).unwrap();
    let t = std::thread::spawn(move || server.serve(|req| req.to_ascii_uppercase()));
    assert_eq!(client.call(b"hello", None).unwrap(), b"HELLO");
    assert_eq!(
        client
            .call(&[b'x'; 64], Some(Duration::from_secs(10)))
            .unwrap(),
        [b'X'; 64]
    );
    drop(client);
    assert_eq!(t.join().unwrap().unwrap(), 2);
}

#[test]
fn the_server_answers_each_id() {
    require_chan!();
    let (client, server) = chan::reqrep(8, 32).unwrap();
    std::thread::scope(|s| {
        let c = s.spawn(|| client.call(b"ping", None).unwrap());
        let req = server.recv_request().unwrap();
        assert_eq!(req.data, b"ping");
        server.reply(req.id, b"pong").unwrap();
        assert_eq!(c.join().unwrap(), b"pong");
        // Answered already: the id no longer waits.
        assert_eq!(
            server.reply(req.id, b"again").unwrap_err().kind(),
            ErrorKind::NotFound
        );
    });
    assert_eq!(
        server.reply(12345, b"?").unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn an_empty_reply_and_call_into() {
    require_chan!();
    let (client, server) = chan::reqrep(4, 32).unwrap();
    std::thread::scope(|s| {
        let c = s.spawn(|| {
            let mut buf = [0u8; 8];
            let n = client.call_into(b"first", &mut buf, None).unwrap();
            assert_eq!(&buf[..n], b"short");
            client.call(b"second", None).unwrap()
        });
        let req = server.recv_request().unwrap();
        // Longer than the caller's room: refused, and the call still waits.
        let e = server.reply(req.id, b"much too long").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(EMSGSIZE));
        server.reply(req.id, b"short").unwrap();
        let req = server.recv_request().unwrap();
        assert_eq!(req.data, b"second");
        server.reply(req.id, b"").unwrap();
        assert_eq!(c.join().unwrap(), b"");
    });
}

#[test]
fn a_call_without_a_reply_times_out_and_leaves_nothing() {
    require_chan!();
    let (client, server) = chan::reqrep(8, 16).unwrap();
    let t0 = Instant::now();
    assert!(matches!(
        client.call(b"anyone?", Some(Duration::from_millis(50))),
        Err(CallError::Timeout)
    ));
    assert!(t0.elapsed() >= Duration::from_millis(40));
    // Its request was never taken: the server skips and counts it.
    assert!(matches!(
        server.recv_request_timeout(Duration::from_millis(10)),
        Err(RecvTimeoutError::Timeout)
    ));
    assert!(matches!(
        server.try_recv_request(),
        Err(TryRecvError::Empty)
    ));
    assert_eq!(server.info().unwrap().cancelled, 1);
}

#[test]
fn the_last_server_gone_resets_waiting_calls() {
    require_chan!();
    let (client, server) = chan::reqrep(8, 16).unwrap();
    std::thread::scope(|s| {
        let c = s.spawn(|| client.call(b"wait", None));
        let req = server.recv_request().unwrap();
        assert_eq!(req.data, b"wait");
        drop(server);
        let r = c.join().unwrap();
        assert!(matches!(r, Err(CallError::ServerGone)), "{r:?}");
        let e: std::io::Error = r.unwrap_err().into();
        assert_eq!(e.kind(), ErrorKind::ConnectionReset);
    });
    // And with no server at all, a call cannot even queue.
    assert!(matches!(
        client.call(b"x", None),
        Err(CallError::Disconnected)
    ));
}

#[test]
fn closing_the_client_side_ends_the_servers_stream() {
    require_chan!();
    let (client, server) = chan::reqrep(8, 16).unwrap();
    client.close().unwrap();
    assert!(matches!(
        client.call(b"x", None),
        Err(CallError::Disconnected)
    ));
    assert!(matches!(
        server.recv_request(),
        Err(RecvError::Disconnected)
    ));
}

#[test]
fn many_threads_call_at_once() {
    require_chan!();
    let (client, server) = chan::reqrep(16, 32).unwrap();
    let srv = std::thread::spawn(move || server.serve(|req| [req, b"!"].concat()));
    std::thread::scope(|s| {
        for k in 0..4 {
            let client = &client;
            s.spawn(move || {
                for i in 0..50 {
                    let req = format!("{k}.{i}");
                    let rep = client.call(req.as_bytes(), None).unwrap();
                    assert_eq!(rep, format!("{req}!").as_bytes());
                }
            });
        }
    });
    drop(client);
    assert_eq!(srv.join().unwrap().unwrap(), 200);
}

#[test]
fn replies_in_a_batch() {
    require_chan!();
    let (client, server) = chan::reqrep(8, 16).unwrap();
    std::thread::scope(|s| {
        let calls: Vec<_> = (0..3u8)
            .map(|k| {
                let client = client.clone();
                s.spawn(move || client.call(&[k], None).unwrap())
            })
            .collect();
        let mut reqs = Vec::new();
        while reqs.len() < 3 {
            reqs.extend(server.recv_requests(3 - reqs.len()).unwrap());
        }
        let replies: Vec<(u64, Vec<u8>)> =
            reqs.iter().map(|r| (r.id, vec![r.data[0] + 10])).collect();
        assert_eq!(server.reply_batch(&replies).unwrap(), 3);
        for (k, c) in calls.into_iter().enumerate() {
            assert_eq!(c.join().unwrap(), [k as u8 + 10]);
        }
    });
}
