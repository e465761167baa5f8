// SPDX-License-Identifier: GPL-2.0
//! Create a queue, send, receive, print.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tx, rx) = chan::queue(64, 256)?;
    tx.send(b"hello")?;
    tx.send(b"world")?;
    drop(tx); // the last sender: end of stream once drained
    for msg in &rx {
        println!("got {}", String::from_utf8_lossy(&msg?));
    }
    Ok(())
}
