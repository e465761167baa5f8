// SPDX-License-Identifier: GPL-2.0
//! `consume NAME`: open the named channel NAME for receiving, print each
//! message on a line of its own until end of stream, exit 0.
use std::io::{self, Write};
use std::process::ExitCode;

fn run(name: &str) -> Result<(), Box<dyn std::error::Error>> {
    let rx = chan::Named::open_receiver(name)?;
    let out = io::stdout();
    let mut out = out.lock();
    for msg in &rx {
        out.write_all(&msg?)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let name = match (args.next(), args.next()) {
        (Some(n), None) => n,
        _ => {
            eprintln!("usage: consume NAME");
            return ExitCode::from(2);
        }
    };
    match run(&name) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("consume: {name}: {e}");
            ExitCode::FAILURE
        }
    }
}
