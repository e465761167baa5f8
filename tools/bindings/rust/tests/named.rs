// SPDX-License-Identifier: GPL-2.0
//! Named channels: create, open, unlink, permissions, and the consume
//! example against a named channel.
#[macro_use]
mod common;

use std::io::ErrorKind;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use chan::{Builder, Kind, Named, RecvError};

const NOBODY: u32 = 65534;
const ENAMETOOLONG: i32 = 36;

/// Removes the name when the test ends, however it ends.
struct Unlink(String);

impl Drop for Unlink {
    fn drop(&mut self) {
        let _ = Named::unlink(&self.0);
    }
}

#[test]
fn create_open_and_unlink() {
    require_chan!();
    let name = common::name("basic");
    let _u = Unlink(name.clone());
    let (tx, rx) = Named::create(&name, Kind::Queue, 0o600).unwrap();
    assert_eq!(
        Named::create(&name, Kind::Queue, 0o600).unwrap_err().kind(),
        ErrorKind::AlreadyExists
    );
    let other = Named::open_sender(&name).unwrap();
    other.send(b"by name").unwrap();
    assert_eq!(rx.recv().unwrap(), b"by name");
    let rx2 = Named::open_receiver(&name).unwrap();
    tx.send(b"second").unwrap();
    assert_eq!(rx2.recv().unwrap(), b"second");
    let i = rx2.info().unwrap();
    assert_eq!(i.name, name);
    assert_eq!(i.mode, 0o600);
    assert_eq!(i.senders, 2);
    Named::unlink(&name).unwrap();
    assert_eq!(
        Named::open_receiver(&name).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        Named::unlink(&name).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(rx.info().unwrap().name, "");
    // Anonymous now: the senders gone means end of stream.
    drop((tx, other));
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn a_named_channel_outlives_its_endpoints() {
    require_chan!();
    let name = common::name("outlives");
    let _u = Unlink(name.clone());
    let (tx, rx) = Named::create(&name, Kind::Queue, 0o600).unwrap();
    tx.send(b"kept").unwrap();
    drop((tx, rx));
    let rx = Named::open_receiver(&name).unwrap();
    assert_eq!(rx.recv().unwrap(), b"kept");
    // Still open for sending with no sender: the stream goes on...
    assert!(matches!(rx.try_recv(), Err(chan::TryRecvError::Empty)));
    // ...until someone closes it.
    Named::open_sender(&name).unwrap().close().unwrap();
    assert!(matches!(rx.recv(), Err(RecvError::Disconnected)));
}

#[test]
fn bad_names_are_refused() {
    require_chan!();
    let kinds = |n: &str| Named::create(n, Kind::Queue, 0o600).unwrap_err();
    assert_eq!(kinds("").kind(), ErrorKind::InvalidInput);
    assert_eq!(kinds("a/b").kind(), ErrorKind::InvalidInput);
    assert_eq!(kinds("sp ace").kind(), ErrorKind::InvalidInput);
    assert_eq!(kinds("nul\0").kind(), ErrorKind::InvalidInput);
    assert_eq!(kinds(&"x".repeat(64)).raw_os_error(), Some(ENAMETOOLONG));
    assert_eq!(kinds("kernel.mine").kind(), ErrorKind::PermissionDenied);
}

#[test]
fn named_reqrep_and_broadcast() {
    require_chan!();
    let name = common::name("rr");
    let _u = Unlink(name.clone());
    let (_c, s) = Named::create_reqrep(&name, 0o600).unwrap();
    let client = Named::open_client(&name).unwrap();
    let srv = std::thread::spawn(move || s.serve(|r| r.to_vec()));
    assert_eq!(client.call(b"echo", None).unwrap(), b"echo");
    Named::unlink(&name).unwrap();
    drop((_c, client));
    assert_eq!(srv.join().unwrap().unwrap(), 1);

    let name = common::name("bc");
    let _u = Unlink(name.clone());
    let (tx, _rx) = Builder::new(Kind::Broadcast)
        .capacity(8)
        .msg_max(16)
        .name(&name, 0o600)
        .build()
        .unwrap();
    let a = Named::open_receiver(&name).unwrap();
    let b = Named::open_receiver(&name).unwrap();
    tx.send(b"all").unwrap();
    assert_eq!(a.recv().unwrap(), b"all");
    assert_eq!(b.recv().unwrap(), b"all"); // each open is a subscriber
}

#[test]
fn a_named_mappable_channel_maps_by_name() {
    require_chan!();
    let name = common::name("map");
    let _u = Unlink(name.clone());
    let (tx, rx) = Builder::new(Kind::Queue)
        .capacity(8)
        .msg_max(32)
        .single_producer(true)
        .single_consumer(true)
        .mappable(true)
        .name(&name, 0o600)
        .build()
        .unwrap();
    drop(rx);
    let mut tx = tx.into_mapped().unwrap();
    let mut rx = Named::open_receiver(&name).unwrap().into_mapped().unwrap();
    tx.send(b"mapped").unwrap();
    assert_eq!(rx.recv().unwrap(), b"mapped");
}

/// Run as nobody by `permissions_are_checked_against_the_mode`: tries the
/// name in CHAN_PERM_CHILD and prints what each call said.
#[test]
fn perm_child_helper() {
    let name = match std::env::var("CHAN_PERM_CHILD") {
        Ok(n) => n,
        Err(_) => return, // only a helper
    };
    let say = |what: &str, r: std::io::Result<()>| match r {
        Ok(()) => println!("CHILD {what}=ok"),
        Err(e) => println!("CHILD {what}={:?}", e.kind()),
    };
    say("send", Named::open_sender(&name).map(drop));
    say("recv", Named::open_receiver(&name).map(drop));
    say("unlink", Named::unlink(&name));
}

#[test]
fn permissions_are_checked_against_the_mode() {
    require_chan!();
    if !common::is_root() {
        common::skip("needs root to become nobody");
        return;
    }
    let name = common::name("perm");
    let _u = Unlink(name.clone());
    // Others may read (receive), not write (send); umask 022 keeps 0604.
    let (_tx, _rx) = Named::create(&name, Kind::Queue, 0o604).unwrap();
    assert_eq!(_rx.info().unwrap().mode, 0o604);
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "perm_child_helper",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("CHAN_PERM_CHILD", &name)
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("CHILD send=PermissionDenied"), "{text}");
    assert!(text.contains("CHILD recv=ok"), "{text}");
    assert!(text.contains("CHILD unlink=PermissionDenied"), "{text}");
    // The owner may.
    Named::open_sender(&name).unwrap();
}

/// The consume example: next to this binary's directory in the build
/// output (OUTDIR/tests/.. -> OUTDIR/examples) or in cargo's target.
fn consume_example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let up = exe.parent()?.parent()?;
    [up.join("examples/consume"), up.join("../examples/consume")]
        .into_iter()
        .find(|p| p.is_file())
}

#[test]
fn the_consume_example_reads_a_named_channel_to_its_end() {
    require_chan!();
    let exe = match consume_example() {
        Some(p) => p,
        None => {
            common::skip("examples/consume not built");
            return;
        }
    };
    let name = common::name("consume");
    let _u = Unlink(name.clone());
    let (tx, rx) = Named::create(&name, Kind::Queue, 0o600).unwrap();
    drop(rx);
    for m in ["first", "second line", "third"] {
        tx.send(m.as_bytes()).unwrap();
    }
    tx.close().unwrap();
    let out = Command::new(exe).arg(&name).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "first\nsecond line\nthird\n"
    );
    let out = Command::new(consume_example().unwrap())
        .arg(common::name("nonexistent"))
        .output()
        .unwrap();
    assert!(!out.status.success());
}
