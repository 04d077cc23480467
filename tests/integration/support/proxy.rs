//! An HTTP CONNECT proxy on loopback: it reads `CONNECT host:port`, checks
//! Basic credentials when told to, finds the destination in its own table of
//! names (the tests have no DNS for `api.test`) or takes it as `IP:PORT`, answers
//! 200 and relays bytes both ways. It records every request head it saw. A
//! silent one reads the request and never answers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{bind_loopback, runtime};

/// How long a client may take to send its request head, and the upstream to accept.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a silent proxy holds a connection, and a tunnel may stay open.
const HOLD: Duration = Duration::from_secs(30);
/// The most bytes of a request head read.
const MAX_HEAD: usize = 8 * 1024;

/// What the proxy does.
#[derive(Clone, Debug, Default)]
pub struct ProxyOptions {
    /// `host:port` → where it really is.
    pub names: Vec<(String, SocketAddr)>,
    /// The Basic credentials it demands (407 without them).
    pub credentials: Option<(&'static str, &'static str)>,
    /// Read the request, then never answer.
    pub silent: bool,
}

impl ProxyOptions {
    /// A proxy that knows one name.
    pub fn mapping(name: &str, to: SocketAddr) -> ProxyOptions {
        ProxyOptions { names: vec![(name.to_owned(), to)], ..ProxyOptions::default() }
    }
}

/// One request the proxy received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    /// The request target: `host:port` for CONNECT.
    pub target: String,
    pub authorization: Option<String>,
}

/// A running proxy.
pub struct TestProxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestProxy {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far, in the order they came.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// The `Proxy-Authorization` value for `user:password`.
pub fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// Starts a fresh proxy.
pub fn connect_proxy(options: ProxyOptions) -> TestProxy {
    let (listener, addr) = bind_loopback();
    let seen = Arc::new(Mutex::new(Vec::new()));
    runtime().spawn(accept_loop(listener, Arc::new(options), Arc::clone(&seen)));
    TestProxy { addr, seen }
}

async fn accept_loop(listener: TcpListener, options: Arc<ProxyOptions>, seen: Arc<Mutex<Vec<Seen>>>) {
    loop {
        match listener.accept().await {
            Ok((client, _)) => {
                let (options, seen) = (Arc::clone(&options), Arc::clone(&seen));
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(HOLD, serve(client, &options, &seen)).await;
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn serve(mut client: TcpStream, options: &ProxyOptions, seen: &Mutex<Vec<Seen>>) {
    let Ok(Some(request)) = tokio::time::timeout(CLIENT_TIMEOUT, read_request(&mut client)).await else { return };
    seen.lock().unwrap_or_else(PoisonError::into_inner).push(request.clone());
    if options.silent {
        tokio::time::sleep(HOLD).await;
        return;
    }
    let wanted = options.credentials.map(|(user, password)| basic(user, password));
    if wanted.is_some() && request.authorization != wanted {
        let refusal = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n";
        let _ = client.write_all(refusal.as_bytes()).await;
        return;
    }
    if request.method != "CONNECT" {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n").await;
        return;
    }
    let known = options.names.iter().find(|(name, _)| *name == request.target).map(|(_, addr)| *addr);
    let upstream = match known.or_else(|| request.target.parse().ok()) {
        Some(addr) => tokio::time::timeout(CLIENT_TIMEOUT, TcpStream::connect(addr)).await.ok().and_then(Result::ok),
        None => None,
    };
    let Some(mut upstream) = upstream else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n").await;
        return;
    };
    if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

/// The request head, parsed; `None` when it is not one.
async fn read_request(client: &mut TcpStream) -> Option<Seen> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        head.extend_from_slice(&chunk[..n]);
        if head.len() > MAX_HEAD {
            return None;
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    request.parse(&head).ok()?;
    let authorization = request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("proxy-authorization"))
        .map(|h| String::from_utf8_lossy(h.value).into_owned());
    Some(Seen { method: request.method?.to_owned(), target: request.path?.to_owned(), authorization })
}
