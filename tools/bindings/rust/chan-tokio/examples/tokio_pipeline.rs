// SPDX-License-Identifier: GPL-2.0
//! Two tasks on one thread: a producer that waits for room in a small
//! queue, and a consumer that prints until end of stream.
use chan_tokio::{AsyncReceiver, AsyncSender};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let (tx, rx) = chan::queue(2, 64)?;
        let (tx, rx) = (AsyncSender::new(tx)?, AsyncReceiver::new(rx)?);
        let producer = tokio::spawn(async move {
            for k in 1..=5 {
                tx.send(format!("message {k}").as_bytes()).await?;
            }
            Ok::<_, chan::SendError>(())
        }); // tx dropped at the end: end of stream
        while let Ok(msg) = rx.recv().await {
            println!("{}", String::from_utf8_lossy(&msg));
        }
        producer.await??;
        Ok(())
    })
}
