// SPDX-License-Identifier: GPL-2.0
//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

/// Says why a test does nothing here, on stderr.  In the guests
/// (CHAN_GUEST set by tools/vm/guest.sh) nothing may be skipped: it panics.
pub fn skip(why: &str) {
    if std::env::var_os("CHAN_GUEST").is_some() {
        panic!("cannot skip in the guest: {why}");
    }
    eprintln!("SKIP: {why}");
}

/// Whether /dev/chan exists; skips when it does not (the host has no
/// module: the tests run for real in the guests).
pub fn present() -> bool {
    if Path::new(chan::DEVICE).exists() {
        true
    } else {
        skip("no /dev/chan");
        false
    }
}

/// Returns from the test at once when there is no /dev/chan.
macro_rules! require_chan {
    () => {
        if !common::present() {
            return;
        }
    };
}

/// A channel name of this process and test.
pub fn name(tag: &str) -> String {
    format!("rs.{}.{}", std::process::id(), tag)
}

/// `len` bytes that depend on `seed`.
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len)
        .map(|i| (seed.wrapping_mul(31).wrapping_add(i as u32 * 7) % 251) as u8)
        .collect()
}

/// Polls `cond` every few milliseconds for up to five seconds.
pub fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

/// The effective uid is 0.
pub fn is_root() -> bool {
    extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: no arguments, no memory.
    unsafe { geteuid() == 0 }
}
