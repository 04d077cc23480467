//! An HTTP/1.1 exchange against a "server" that reads the request head, then
//! answers with the fuzzer's bytes: the client must end (answer, error or
//! deadline), never panic or hang.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use reqdoctor::probe::http::{Connection, Outgoing};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fuzz_target!(|bytes: &[u8]| {
    // A runtime per input: dropping it ends every task the exchange spawned.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let (client, mut server) = tokio::io::duplex(bytes.len().max(2048) * 2);
        let answer = bytes.to_vec();
        // Bytes sent before a request are dropped by the client as unexpected:
        // answer only once the request head has arrived, as a server does.
        tokio::spawn(async move {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") && request.len() < 64 * 1024 {
                match server.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = server.write_all(&answer).await;
            let _ = server.shutdown().await;
        });
        let deadline = tokio::time::Instant::now() + Duration::from_millis(200);
        let Ok(mut conn) = Connection::open(Box::new(client), deadline).await else { return };
        let url = url::Url::parse("https://api.test/fuzz").expect("a URL");
        let headers = [("accept".to_owned(), "*/*".to_owned())];
        let outgoing = Outgoing { url: &url, method: "GET", headers: &headers, body: Vec::new() };
        let _ = conn.exchange(outgoing, deadline).await;
    });
});
