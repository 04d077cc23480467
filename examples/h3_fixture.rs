//! A loopback HTTP/3 server for `bench/run` (the nginx it runs cannot speak
//! QUIC): QUIC version 1 with ALPN `h3` on UDP 127.0.0.1:PORT (a port the
//! system chooses when none is given), presenting the given certificate
//! chain, answering every request `200 {"ok":true}`. It prints the port on
//! one line, then serves until it is killed.
//!
//! ```sh
//! cargo build --release --example h3_fixture
//! target/release/examples/h3_fixture CHAIN.pem KEY.pem [PORT]
//! ```

use std::io::Write as _;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use quinn::crypto::rustls::QuicServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(chain), Some(key)) = (args.next(), args.next()) else {
        return Err("usage: h3_fixture CHAIN.pem KEY.pem [PORT]".into());
    };
    let port: u16 = match args.next() {
        Some(port) => port.to_str().and_then(|p| p.parse().ok()).ok_or("PORT is not a port number")?,
        None => 0,
    };
    let chain = CertificateDer::pem_file_iter(&chain)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(&key)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(serve(chain, key, port))
}

async fn serve(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    port: u16,
) -> Result<(), Box<dyn std::error::Error>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    tls.alpn_protocols = vec![b"h3".to_vec()];
    let crypto = QuicServerConfig::try_from(tls)?;
    let socket = UdpSocket::bind(("127.0.0.1", port))?;
    let port = socket.local_addr()?.port();
    let endpoint = quinn::Endpoint::new(
        quinn::EndpointConfig::default(),
        Some(quinn::ServerConfig::with_crypto(Arc::new(crypto))),
        socket,
        Arc::new(quinn::TokioRuntime),
    )?;
    println!("{port}");
    std::io::stdout().flush()?;
    while let Some(incoming) = endpoint.accept().await {
        tokio::spawn(async move {
            if let Ok(connection) = incoming.await {
                answer_all(connection).await;
            }
        });
    }
    Ok(())
}

/// Answers every request of one connection until the client closes it.
async fn answer_all(connection: quinn::Connection) {
    let Ok(mut h3) = h3::server::Connection::<_, Bytes>::new(h3_quinn::Connection::new(connection)).await else {
        return;
    };
    while let Ok(Some(resolver)) = h3.accept().await {
        tokio::spawn(async move {
            let Ok((_request, mut stream)) = resolver.resolve_request().await else { return };
            let head = http::Response::builder().status(200).header("content-type", "application/json").body(());
            let Ok(head) = head else { return };
            if stream.send_response(head).await.is_ok()
                && stream.send_data(Bytes::from_static(b"{\"ok\":true}\n")).await.is_ok()
            {
                let _ = stream.finish().await;
            }
        });
    }
}
