// SPDX-License-Identifier: GPL-2.0
//
// rustchan - Rust's std::sync::mpsc::sync_channel in chanbench's
// scenarios, the in-process ceiling a cross-process kernel channel is
// compared with.
//
//     rustchan STREAM_MSGS ROUND_TRIPS
//
// B2: one thread sends 64-byte arrays into sync_channel(256) (256 slots,
// chanbench's ring) and main receives them; B3: 1, 2 and 4 producer
// threads; B1: a ping-pong over two sync_channel(0) (rendezvous), p50
// and p99 of the round trip.  Each result is one line chanbench --ext
// reads:
//
//     ROW scenario transport mode size producers msgs/s p50_ns p99_ns cpu_ns/msg
//
// Standard library only (getrusage is libc's, which std links anyway).
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Instant;

type Msg = [u8; 64];

#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    rest: [i64; 14],
}

extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
}

fn cpu_ns() -> f64 {
    let mut r = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        rest: [0; 14],
    };
    // SAFETY: r is a valid struct rusage for the C call to fill.
    unsafe { getrusage(0, &mut r) };
    ((r.utime[0] + r.stime[0]) as f64) * 1e9 + ((r.utime[1] + r.stime[1]) as f64) * 1e3
}

fn row(sc: &str, mode: &str, producers: usize, mps: f64, p50: f64, p99: f64, cpu: f64) {
    println!(
        "ROW {} rust-sync_channel {} 64 {} {:.0} {:.0} {:.0} {:.0}",
        sc, mode, producers, mps, p50, p99, cpu
    );
}

fn stream(sc: &str, producers: usize, n: usize) {
    let (tx, rx) = sync_channel::<Msg>(256);
    let per = n / producers;
    let c0 = cpu_ns();
    let t0 = Instant::now();
    let mut handles = Vec::new();

    for _ in 0..producers {
        let tx = tx.clone();
        handles.push(thread::spawn(move || {
            let mut m: Msg = [0; 64];
            for i in 0..per {
                m[0] = i as u8;
                tx.send(m).unwrap();
            }
        }));
    }
    drop(tx);
    let mut got = 0usize;
    let mut sum = 0usize;
    for m in rx.iter() {
        sum += m[0] as usize;
        got += 1;
    }
    let el = t0.elapsed().as_secs_f64();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(got, per * producers);
    let total = got as f64;
    row(
        sc,
        "buffered",
        producers,
        total / el,
        0.0,
        0.0,
        (cpu_ns() - c0) / total,
    );
    std::hint::black_box(sum);
}

fn ping_pong(n: usize) {
    let (ab_tx, ab_rx) = sync_channel::<Msg>(0);
    let (ba_tx, ba_rx) = sync_channel::<Msg>(0);
    let mut lat = Vec::with_capacity(n);
    let c0 = cpu_ns();
    let t0 = Instant::now();
    let echo = thread::spawn(move || {
        for m in ab_rx.iter() {
            if ba_tx.send(m).is_err() {
                break;
            }
        }
    });
    let mut m: Msg = [0; 64];
    for _ in 0..n {
        let s = Instant::now();
        ab_tx.send(m).unwrap();
        m = ba_rx.recv().unwrap();
        lat.push(s.elapsed().as_nanos() as f64);
    }
    let el = t0.elapsed().as_secs_f64();
    drop(ab_tx);
    echo.join().unwrap();
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    row(
        "B1",
        "rendezvous",
        1,
        n as f64 / el,
        lat[n / 2],
        lat[(0.99 * (n - 1) as f64) as usize],
        (cpu_ns() - c0) / n as f64,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let counts: Option<(usize, usize)> = if args.len() == 3 {
        args[1].parse().ok().zip(args[2].parse().ok())
    } else {
        None
    };
    let (n, r) = match counts {
        Some((n, r)) if n >= 4 && r >= 2 => (n, r),
        _ => {
            eprintln!("usage: rustchan STREAM_MSGS ROUND_TRIPS");
            std::process::exit(2);
        }
    };
    ping_pong(r);
    stream("B2", 1, n);
    for p in [1, 2, 4] {
        stream("B3", p, n);
    }
}
