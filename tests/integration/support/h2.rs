//! HTTP/2 servers: one that serves the HTTPS fixture's routes over h2 (hyper's
//! HTTP/2 server, chosen over ALPN; HTTP/1.1 for clients that do not offer h2),
//! and raw ones that end the first request with an HTTP/2 error frame written
//! by hand: RST_STREAM with a given code, or GOAWAY. Chromium 156, tried here,
//! reports the first two as ERR_HTTP2_PROTOCOL_ERROR (INTERNAL_ERROR) and
//! ERR_HTTP2_SERVER_REFUSED_STREAM (REFUSED_STREAM), GOAWAY PROTOCOL_ERROR as
//! ERR_HTTP2_PROTOCOL_ERROR.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::pki::{CertKind, pki};
use super::{bind_loopback, runtime};

/// How the server answers a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum H2Kind {
    /// The HTTPS fixture's routes, over HTTP/2 (or HTTP/1.1 without h2 in ALPN).
    Routes,
    /// RST_STREAM INTERNAL_ERROR on the request's stream.
    ResetInternalError,
    /// RST_STREAM REFUSED_STREAM on the request's stream.
    RefusedStream,
    /// GOAWAY PROTOCOL_ERROR, naming no stream as processed.
    GoAway,
    /// RST_STREAM HTTP_1_1_REQUIRED over h2; the routes over HTTP/1.1.
    Http11Required,
}

/// The shared server of this kind (the `CertKind::Valid` chain), started on first use.
pub fn h2_server(kind: H2Kind) -> SocketAddr {
    static SERVERS: LazyLock<Mutex<HashMap<H2Kind, SocketAddr>>> = LazyLock::new(Mutex::default);
    let mut servers = SERVERS.lock().unwrap_or_else(PoisonError::into_inner);
    *servers.entry(kind).or_insert_with(|| start(kind))
}

fn start(kind: H2Kind) -> SocketAddr {
    let cert = pki().server_cert(CertKind::Valid);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider's versions")
        .with_no_client_auth()
        .with_single_cert(cert.chain, cert.key)
        .expect("server certificate and key match");
    config.alpn_protocols = match kind {
        H2Kind::Routes | H2Kind::Http11Required => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        _ => vec![b"h2".to_vec()],
    };
    let (listener, addr) = bind_loopback();
    runtime().spawn(accept(listener, TlsAcceptor::from(Arc::new(config)), kind));
    addr
}

async fn accept(listener: TcpListener, acceptor: TlsAcceptor, kind: H2Kind) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else {
                return;
            };
            let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
            match (kind, h2) {
                (H2Kind::Routes, true) => serve_h2(stream).await,
                (H2Kind::Routes | H2Kind::Http11Required, false) => serve_h1(stream).await,
                (_, true) => answer_with_error(stream, kind).await,
                (_, false) => {}
            }
        });
    }
}

async fn serve_h2(stream: TlsStream<tokio::net::TcpStream>) {
    let service = hyper::service::service_fn(super::https::route);
    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn serve_h1(stream: TlsStream<tokio::net::TcpStream>) {
    let service = hyper::service::service_fn(super::https::route);
    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
}

/// Reads the client's preface and frames until the request's HEADERS, then
/// answers with the kind's error frame and closes.
async fn answer_with_error(mut stream: TlsStream<tokio::net::TcpStream>, kind: H2Kind) {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let _ = stream.write_all(&frame(4, 0, 0, &[])).await; // our SETTINGS: none
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let stream_id = loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => received.extend_from_slice(&buf[..n]),
            _ => return,
        }
        if let Some(id) = headers_stream(received.strip_prefix(PREFACE).unwrap_or_default()) {
            break id;
        }
        if received.len() > 64 * 1024 {
            return;
        }
    };
    let reply = match kind {
        H2Kind::ResetInternalError => frame(3, 0, stream_id, &2u32.to_be_bytes()),
        H2Kind::RefusedStream => frame(3, 0, stream_id, &7u32.to_be_bytes()),
        H2Kind::Http11Required => frame(3, 0, stream_id, &0xdu32.to_be_bytes()),
        _ => frame(7, 0, 0, &[&0u32.to_be_bytes()[..], &1u32.to_be_bytes()].concat()),
    };
    let _ = stream.write_all(&[frame(4, 1, 0, &[]), reply].concat()).await; // SETTINGS ack, then the error
    let _ = stream.flush().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// The stream id of the first HEADERS frame among `frames`, once it has arrived whole.
fn headers_stream(mut frames: &[u8]) -> Option<u32> {
    while frames.len() >= 9 {
        let len = usize::from(frames[0]) << 16 | usize::from(frames[1]) << 8 | usize::from(frames[2]);
        if frames.len() < 9 + len {
            return None;
        }
        if frames[3] == 1 {
            return Some(u32::from_be_bytes([frames[5], frames[6], frames[7], frames[8]]) & 0x7fff_ffff);
        }
        frames = &frames[9 + len..];
    }
    None
}

/// One HTTP/2 frame.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = len.to_be_bytes()[1..].to_vec();
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}
