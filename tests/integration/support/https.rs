//! An in-process HTTP(S) server (tokio-rustls + hyper 1, HTTP/1.1) whose routes produce
//! every HTTP-level situation the CLI reports on: plain success, any status code,
//! redirects to anywhere, redirect chains and loops, slow answers, a skewed `Date`.
//!
//! Routes (any `Host` accepted):
//! - `/ok` → 200 `{"ok":true}`
//! - `/status/{code}` → that status, small JSON body
//! - `/redirect/{code}?to={percent-encoded Location}` → that status, `Location` verbatim
//! - `/hops/{n}` → 302 to `/hops/{n-1}`, and 200 at 0
//! - `/loop` → 302 to `/loop`
//! - `/slow/{ms}` → 200 after ms milliseconds (at most 30 s)
//! - `/echo` → 200 JSON describing the request
//! - `/date/{offset_secs}` → 200 with `Date` = now + offset
//! - `/altsvc?v={percent-encoded value}&v=…[&to={Location}]` → 200 with one
//!   `Alt-Svc` line per `v` (none without), or a 302 to `to` carrying them
//! - anything else → 404

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, DATE, HeaderValue, LOCATION};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::danger::ClientCertVerifier;
use rustls::{ServerConfig, SupportedProtocolVersion};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::pki::{CertKind, ServerCert, pki};
use super::{bind_loopback, runtime};

/// How long a client may take to finish the TLS handshake or send request headers.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest `/slow/{ms}` delay.
const MAX_SLOW_MS: u64 = 30_000;
/// Largest request body `/echo` reads.
const MAX_BODY: usize = 1 << 20;

type HttpResponse = Response<Full<Bytes>>;

/// The shared HTTPS server presenting `kind`'s chain (TLS 1.2 and 1.3), started on first use.
pub fn https_server(kind: CertKind) -> SocketAddr {
    static SERVERS: LazyLock<Mutex<HashMap<CertKind, SocketAddr>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    // A panic while starting one kind (e.g. no openssl) must not break the other kinds.
    let mut servers = SERVERS.lock().unwrap_or_else(PoisonError::into_inner);
    *servers.entry(kind).or_insert_with(|| https_server_with(pki().server_cert(kind), rustls::ALL_VERSIONS))
}

/// The shared HTTPS server presenting `kind`'s chain with TLS 1.3 only, started on first use.
/// For a fresh one, or other versions, use [`https_server_with`].
pub fn https_server_tls13_only(kind: CertKind) -> SocketAddr {
    static SERVERS: LazyLock<Mutex<HashMap<CertKind, SocketAddr>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut servers = SERVERS.lock().unwrap_or_else(PoisonError::into_inner);
    *servers.entry(kind).or_insert_with(|| https_server_with(pki().server_cert(kind), &[&rustls::version::TLS13]))
}

/// A fresh HTTPS server presenting `cert`, speaking only the given TLS versions.
pub fn https_server_with(cert: ServerCert, versions: &[&'static SupportedProtocolVersion]) -> SocketAddr {
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(cert, versions)));
    let (listener, addr) = bind_loopback();
    runtime().spawn(accept_loop(listener, Some(acceptor)));
    addr
}

/// A fresh HTTPS server with the `Valid` chain that asks for a client certificate
/// from the test root but goes on without one, as nginx does with
/// `ssl_verify_client on` (which then answers 400: ask for `/status/400`).
pub fn https_server_asking_client_cert() -> SocketAddr {
    let mut roots = rustls::RootCertStore::empty();
    let root = CertificateDer::from_pem_file(pki().root_pem_path()).expect("the test root");
    roots.add(root).expect("the test root is a usable trust anchor");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .expect("a client verifier over the test root");
    let config = tls_config_with(pki().server_cert(CertKind::Valid), rustls::ALL_VERSIONS, Some(verifier));
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let (listener, addr) = bind_loopback();
    runtime().spawn(accept_loop(listener, Some(acceptor)));
    addr
}

/// A fresh HTTPS server presenting `kind`'s chain on exactly `addr` (any
/// loopback address), or plain HTTP there when `kind` is None. False when
/// the address is taken.
pub fn https_server_at(addr: SocketAddr, kind: Option<CertKind>) -> bool {
    let Ok(std_listener) = std::net::TcpListener::bind(addr) else { return false };
    let (listener, _) = super::to_tokio_listener(std_listener);
    let tls = kind.map(|kind| TlsAcceptor::from(Arc::new(tls_config(pki().server_cert(kind), rustls::ALL_VERSIONS))));
    runtime().spawn(accept_loop(listener, tls));
    true
}

/// An HTTPS server on `addr` (the `Valid` certificate) that answers every
/// request with `status`: a load-balancer member whose backend is down.
pub fn https_server_answering_at(addr: SocketAddr, status: StatusCode) -> bool {
    let Ok(std_listener) = std::net::TcpListener::bind(addr) else { return false };
    let (listener, _) = super::to_tokio_listener(std_listener);
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(pki().server_cert(CertKind::Valid), rustls::ALL_VERSIONS)));
    runtime().spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(Ok(stream)) = tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(tcp)).await else { return };
                let answer = hyper::service::service_fn(move |_| async move {
                    Ok::<_, Infallible>(json_response(status, json!({"error": "the backend is down"})))
                });
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), answer).await;
            });
        }
    });
    true
}

/// The shared plain-HTTP server (same routes, no TLS), started on first use.
pub fn http_server() -> SocketAddr {
    static SERVER: LazyLock<SocketAddr> = LazyLock::new(|| {
        let (listener, addr) = bind_loopback();
        runtime().spawn(accept_loop(listener, None));
        addr
    });
    *SERVER
}

/// The server's configuration. The chain is sent as made, without the key
/// check rustls' `with_single_cert` makes (it parses the leaf with webpki,
/// which refuses certificates that the cases exist to send).
fn tls_config(cert: ServerCert, versions: &[&'static SupportedProtocolVersion]) -> ServerConfig {
    tls_config_with(cert, versions, None)
}

/// The configuration of an HTTPS fixture presenting `cert` (TLS 1.2 and 1.3),
/// for servers built elsewhere in the fixtures.
pub(super) fn tls_config_for(cert: ServerCert) -> ServerConfig {
    tls_config(cert, rustls::ALL_VERSIONS)
}

/// [`tls_config`], asking for client certificates when `client` is given.
fn tls_config_with(
    cert: ServerCert,
    versions: &[&'static SupportedProtocolVersion],
    client: Option<Arc<dyn ClientCertVerifier>>,
) -> ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = provider.key_provider.load_private_key(cert.key).expect("a private key the provider can load");
    let certified = rustls::sign::CertifiedKey::new(cert.chain, key);
    let builder = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("TLS versions supported by the ring provider");
    let builder = match client {
        Some(verifier) => builder.with_client_cert_verifier(verifier),
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>) {
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                tokio::spawn(handle_connection(tcp, tls.clone()));
            }
            // e.g. out of file descriptors: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// Serves one connection; TLS handshake failures just drop it.
async fn handle_connection(tcp: TcpStream, tls: Option<TlsAcceptor>) {
    let Some(acceptor) = tls else {
        return serve_http(tcp).await;
    };
    if let Ok(Ok(stream)) = tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(tcp)).await {
        serve_http(stream).await;
    }
}

async fn serve_http<S>(stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(route);
    let _ = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(CLIENT_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}

pub(super) async fn route(req: Request<Incoming>) -> Result<HttpResponse, Infallible> {
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let response = match segments.as_slice() {
        ["ok"] => ok(req).await,
        ["status", code] => status(code),
        ["redirect", code] => redirect(code, req.uri().query()),
        ["hops", n] => hops(n),
        ["loop"] => location(StatusCode::FOUND, HeaderValue::from_static("/loop")),
        ["slow", ms] => slow(ms).await,
        ["echo"] => echo(req).await,
        ["record", token] => record(token, req).await,
        ["date", offset] => date(offset),
        ["altsvc"] => alt_svc(req.uri().query()),
        ["ws"] => websocket(&req),
        ["text"] => text_response(b"hello, not JSON"),
        ["bom"] => text_response(b"\xef\xbb\xbf{\"ok\":true}"),
        _ => not_found(),
    };
    Ok(response)
}

fn json_response(status: StatusCode, body: Value) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A 200 whose body is exactly `body`, labelled as JSON (as many servers do).
fn text_response(body: &'static [u8]) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(body)));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Answers a WebSocket upgrade with 101 and the RFC 6455 accept key; anything
/// else gets a 426 (what a server without WebSocket support on the path sends).
fn websocket(req: &Request<Incoming>) -> HttpResponse {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let (Some("websocket"), Some(key)) = (header("upgrade"), header("sec-websocket-key")) else {
        return json_response(StatusCode::UPGRADE_REQUIRED, json!({"error": "websocket only"}));
    };
    let accept = reqdoctor::miniprogram::websocket_accept(key);
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert("upgrade", HeaderValue::from_static("websocket"));
    headers.insert("connection", HeaderValue::from_static("Upgrade"));
    headers.insert("sec-websocket-accept", HeaderValue::from_str(&accept).expect("base64 is ASCII"));
    response
}

fn not_found() -> HttpResponse {
    json_response(StatusCode::NOT_FOUND, json!({"error": "not found"}))
}

fn bad_request(why: &str) -> HttpResponse {
    json_response(StatusCode::BAD_REQUEST, json!({"error": why}))
}

/// A final (non-1xx) status code from a path segment.
fn parse_status(code: &str) -> Option<StatusCode> {
    let status = StatusCode::from_bytes(code.as_bytes()).ok()?;
    (!status.is_informational()).then_some(status)
}

fn status(code: &str) -> HttpResponse {
    match parse_status(code) {
        Some(status) => json_response(status, json!({"status": status.as_u16()})),
        None => bad_request("bad status code"),
    }
}

fn redirect(code: &str, query: Option<&str>) -> HttpResponse {
    let Some(status) = parse_status(code) else {
        return bad_request("bad status code");
    };
    let to = query.unwrap_or("").split('&').find_map(|pair| pair.strip_prefix("to=")).and_then(percent_decode);
    match to.and_then(|to| HeaderValue::from_bytes(&to).ok()) {
        Some(to) => location(status, to),
        None => bad_request("missing or invalid ?to="),
    }
}

fn location(status: StatusCode, to: HeaderValue) -> HttpResponse {
    let mut response = json_response(status, json!({"status": status.as_u16()}));
    response.headers_mut().insert(LOCATION, to);
    response
}

fn hops(n: &str) -> HttpResponse {
    match n.parse::<u32>() {
        Ok(0) => json_response(StatusCode::OK, json!({"ok": true})),
        Ok(n) => {
            let next = HeaderValue::from_str(&format!("/hops/{}", n - 1)).expect("ascii path");
            location(StatusCode::FOUND, next)
        }
        Err(_) => bad_request("bad hop count"),
    }
}

async fn slow(ms: &str) -> HttpResponse {
    let Ok(ms) = ms.parse::<u64>() else {
        return bad_request("bad delay");
    };
    tokio::time::sleep(Duration::from_millis(ms.min(MAX_SLOW_MS))).await;
    json_response(StatusCode::OK, json!({"ok": true}))
}

fn date(offset: &str) -> HttpResponse {
    let Ok(offset) = offset.parse::<i64>() else {
        return bad_request("bad offset");
    };
    let shift = Duration::from_secs(offset.unsigned_abs());
    let now = SystemTime::now();
    let when = if offset < 0 { now - shift } else { now + shift };
    let mut response = json_response(StatusCode::OK, json!({"ok": true}));
    let value = HeaderValue::from_str(&httpdate::fmt_http_date(when)).expect("ascii date");
    response.headers_mut().insert(DATE, value);
    response
}

fn alt_svc(query: Option<&str>) -> HttpResponse {
    let pairs: Vec<(&str, Option<Vec<u8>>)> = query
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name, percent_decode(value)))
        .collect();
    let to = pairs.iter().find(|(name, _)| *name == "to").and_then(|(_, to)| to.as_deref());
    let mut response = match to.and_then(|to| HeaderValue::from_bytes(to).ok()) {
        Some(to) => location(StatusCode::FOUND, to),
        None => json_response(StatusCode::OK, json!({"ok": true})),
    };
    for (_, value) in pairs.iter().filter(|(name, _)| *name == "v") {
        match value.as_deref().and_then(|v| HeaderValue::from_bytes(v).ok()) {
            Some(value) => response.headers_mut().append("alt-svc", value),
            None => return bad_request("a v= that is not a header value"),
        };
    }
    response
}

/// `{"ok":true}`, after reading the request's body: a server that answers
/// and closes while the client is still sending resets the connection, and
/// the client may lose the answer.
async fn ok(req: Request<Incoming>) -> HttpResponse {
    if Limited::new(req.into_body(), MAX_BODY).collect().await.is_err() {
        return bad_request("unreadable or too large body");
    }
    json_response(StatusCode::OK, json!({"ok": true}))
}

async fn echo(req: Request<Incoming>) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
        return bad_request("unreadable or too large body");
    };
    let mut headers = serde_json::Map::new();
    for name in parts.headers.keys() {
        let values: Vec<String> =
            parts.headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
        headers.insert(name.as_str().to_owned(), Value::String(values.join(", ")));
    }
    let body = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body.to_bytes()),
    });
    json_response(StatusCode::OK, body)
}

/// A request as the server received it, kept for the test that sent it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

fn log() -> &'static Mutex<HashMap<String, Vec<Recorded>>> {
    static LOG: LazyLock<Mutex<HashMap<String, Vec<Recorded>>>> = LazyLock::new(Mutex::default);
    &LOG
}

/// Every request that reached `/record/{token}`, oldest first.
pub fn recorded(token: &str) -> Vec<Recorded> {
    log().lock().unwrap_or_else(PoisonError::into_inner).get(token).cloned().unwrap_or_default()
}

async fn record(token: &str, req: Request<Incoming>) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let Ok(body) = Limited::new(body, MAX_BODY).collect().await else {
        return bad_request("unreadable or too large body");
    };
    let entry = Recorded {
        method: parts.method.to_string(),
        target: parts.uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: String::from_utf8_lossy(&body.to_bytes()).into_owned(),
    };
    log().lock().unwrap_or_else(PoisonError::into_inner).entry(token.to_owned()).or_default().push(entry);
    json_response(StatusCode::OK, json!({"recorded": true}))
}

/// Decodes `%XX` escapes (and nothing else: `+` stays `+`). None on a malformed escape.
fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}
