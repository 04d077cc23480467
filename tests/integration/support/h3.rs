//! HTTP/3 fixtures: an in-process QUIC server (quinn + h3 on a UDP
//! 127.0.0.1 port, OS-chosen) in the ways a phone meets one, a UDP port that
//! swallows everything, and the HTTPS (TCP) fixture's routes behind a server
//! that advertises `Alt-Svc` on every response.
//!
//! The QUIC server answers `/ok` (200), `/status/{code}` and 404 for the rest,
//! with a small JSON body, as the TCP fixture does; with the query `?stop` it
//! first tells the client to stop sending the request (H3_NO_ERROR).

use std::convert::Infallible;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use hyper::header::HeaderValue;
use hyper_util::rt::TokioIo;
use quinn::crypto::rustls::QuicServerConfig;
use tokio_rustls::TlsAcceptor;

use super::https::{route, tls_config_for};
use super::pki::{CertKind, ServerCert, pki};
use super::{bind_loopback, runtime};

/// How long a client may take to finish a TLS handshake over TCP.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// How much of a request stream the server takes before it has read it:
/// small, so that a large body is still being sent when `?stop` stops it.
pub const REQUEST_WINDOW: u32 = 16 * 1024;

/// QUIC draft 29: a version quinn speaks, and the phone's h3 does not offer.
const DRAFT_29: u32 = 0xff00_001d;

/// What the QUIC server does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum H3Kind {
    /// h3 over QUIC v1 with the `Valid` chain: what the TCP fixture serves.
    Healthy,
    /// Like `Healthy`, with another valid api.test leaf than the TCP fixture's.
    OtherCert,
    /// Like `Healthy`, with the `Expired` chain.
    Expired,
    /// ALPN `h3-29` only: it refuses the phone's `h3` (no_application_protocol).
    WrongAlpn,
    /// QUIC draft 29 only: it answers the phone's version 1 with version negotiation.
    DraftOnly,
}

/// A fresh QUIC/HTTP/3 server of `kind` on a UDP 127.0.0.1 port.
pub fn h3_server(kind: H3Kind) -> SocketAddr {
    h3_server_on(UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port"), kind)
}

/// The `Alt-Svc: h3=":443"` HTTPS fixture and, on the same port number over
/// UDP, an h3 server of `kind` (`None`: a socket that drops everything), as a
/// server on 443 serves both; `--connect-to api.test:443:<the port>` reaches
/// each. The port. (Tries a few UDP ports until the same TCP port is free too.)
pub fn h3_beside_https(kind: Option<H3Kind>) -> SocketAddr {
    h3_beside_https_advertising(kind, "h3=\":443\"; ma=86400")
}

/// Like [`h3_beside_https`], with the HTTPS fixture adding `Alt-Svc:
/// {alt_svc}` to the responses that set none of their own (`/altsvc?v=…`
/// sets one); an empty `alt_svc` adds nothing: QUIC is there, unadvertised.
pub fn h3_beside_https_advertising(kind: Option<H3Kind>, alt_svc: &str) -> SocketAddr {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
        let port = udp.local_addr().expect("the UDP port");
        if let Some(tcp) = https_with_alt_svc_at(port, alt_svc) {
            match kind {
                Some(kind) => {
                    h3_server_on(udp, kind);
                }
                None => keep(udp),
            }
            return tcp;
        }
    }
    panic!("no port free over both UDP and TCP in 20 tries");
}

/// Keeps a silent socket bound for the life of the process.
fn keep(socket: UdpSocket) {
    static KEPT: LazyLock<Mutex<Vec<UdpSocket>>> = LazyLock::new(Mutex::default);
    KEPT.lock().unwrap_or_else(PoisonError::into_inner).push(socket);
}

fn h3_server_on(socket: UdpSocket, kind: H3Kind) -> SocketAddr {
    let cert = match kind {
        H3Kind::OtherCert => {
            let now = time::OffsetDateTime::now_utc();
            pki().leaf_dated(now - time::Duration::days(2), now + time::Duration::days(60))
        }
        H3Kind::Expired => pki().server_cert(CertKind::Expired),
        _ => pki().server_cert(CertKind::Valid),
    };
    let alpn: &[u8] = if kind == H3Kind::WrongAlpn { b"h3-29" } else { b"h3" };
    let mut endpoint_config = quinn::EndpointConfig::default();
    if kind == H3Kind::DraftOnly {
        endpoint_config.supported_versions(vec![DRAFT_29]);
    }
    let addr = socket.local_addr().expect("the UDP port");
    let _guard = runtime().enter();
    let endpoint =
        quinn::Endpoint::new(endpoint_config, Some(server_config(cert, alpn)), socket, Arc::new(quinn::TokioRuntime))
            .expect("a QUIC endpoint");
    runtime().spawn(accept_loop(endpoint));
    addr
}

/// A UDP port on 127.0.0.1 that receives everything and answers nothing: a
/// firewall that drops QUIC. Shared, bound for the life of the process.
pub fn silent_udp() -> SocketAddr {
    static SOCKET: LazyLock<UdpSocket> = LazyLock::new(|| UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port"));
    SOCKET.local_addr().expect("the UDP port")
}

/// A fresh HTTPS server (TCP, the `Valid` chain, the TCP fixture's routes)
/// that adds `Alt-Svc: {alt_svc}` to every response.
pub fn https_with_alt_svc(alt_svc: &str) -> SocketAddr {
    let (listener, addr) = bind_loopback();
    serve_with_alt_svc(listener, alt_svc);
    addr
}

/// [`https_with_alt_svc`] on exactly `addr`; `None` when it is taken.
fn https_with_alt_svc_at(addr: SocketAddr, alt_svc: &str) -> Option<SocketAddr> {
    let std_listener = std::net::TcpListener::bind(addr).ok()?;
    let (listener, addr) = super::to_tokio_listener(std_listener);
    serve_with_alt_svc(listener, alt_svc);
    Some(addr)
}

fn serve_with_alt_svc(listener: tokio::net::TcpListener, alt_svc: &str) {
    let value = (!alt_svc.is_empty()).then(|| HeaderValue::from_str(alt_svc).expect("an Alt-Svc value"));
    let acceptor = TlsAcceptor::from(Arc::new(tls_config_for(pki().server_cert(CertKind::Valid))));
    runtime().spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, value) = (acceptor.clone(), value.clone());
            tokio::spawn(async move {
                let Ok(Ok(stream)) = tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(tcp)).await else { return };
                let service = hyper::service::service_fn(move |req| {
                    let value = value.clone();
                    async move {
                        let mut response = route(req).await?;
                        if let Some(value) = value.filter(|_| !response.headers().contains_key("alt-svc")) {
                            response.headers_mut().insert("alt-svc", value);
                        }
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
}

/// The server's QUIC configuration: TLS 1.3 with `cert`, offering `alpn`.
fn server_config(cert: ServerCert, alpn: &[u8]) -> quinn::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = provider.key_provider.load_private_key(cert.key).expect("a private key the provider can load");
    let certified = rustls::sign::CertifiedKey::new(cert.chain, key);
    let mut tls = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    tls.alpn_protocols = vec![alpn.to_vec()];
    let crypto = QuicServerConfig::try_from(tls).expect("a QUIC server TLS configuration");
    let mut config = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    // A request body larger than this waits for the server to read it.
    let mut transport = quinn::TransportConfig::default();
    transport.stream_receive_window(REQUEST_WINDOW.into());
    config.transport_config(Arc::new(transport));
    config
}

async fn accept_loop(endpoint: quinn::Endpoint) {
    while let Some(incoming) = endpoint.accept().await {
        tokio::spawn(async move {
            let Ok(connection) = incoming.await else { return };
            serve(connection).await;
        });
    }
}

/// Serves the requests of one connection until the client closes it.
async fn serve(connection: quinn::Connection) {
    let Ok(mut h3) = h3::server::Connection::<_, Bytes>::new(h3_quinn::Connection::new(connection)).await else {
        return;
    };
    while let Ok(Some(resolver)) = h3.accept().await {
        tokio::spawn(async move {
            let Ok((request, mut stream)) = resolver.resolve_request().await else { return };
            if request.uri().query() == Some("stop") {
                // RFC 9114 §4.1: a server may answer without reading the rest
                // of the request, asking the client to stop sending it.
                stream.stop_sending(h3::error::Code::H3_NO_ERROR);
            }
            let (status, body) = answer(request.uri().path());
            let head = http::Response::builder().status(status).header("content-type", "application/json").body(());
            let Ok(head) = head else { return };
            if stream.send_response(head).await.is_ok() && stream.send_data(Bytes::from(body)).await.is_ok() {
                let _ = stream.finish().await;
            }
        });
    }
}

/// The status and body for `path`.
fn answer(path: &str) -> (u16, String) {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["ok"] => (200, r#"{"ok":true}"#.to_owned()),
        ["status", code] => match code.parse::<u16>() {
            Ok(code @ 200..=599) => (code, format!(r#"{{"status":{code}}}"#)),
            _ => (400, r#"{"error":"bad status code"}"#.to_owned()),
        },
        _ => (404, r#"{"error":"not found"}"#.to_owned()),
    }
}
