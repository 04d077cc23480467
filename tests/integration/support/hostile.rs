//! Hostile peers on 127.0.0.1, for the hostile-server suite (`tests/integration/hostile.rs`):
//! TLS servers that stall or abort part-way through the handshake, HTTPS servers that
//! answer with scripted raw bytes (dribbled, endless, oversized or malformed responses,
//! hostile `Location` headers), and DNS servers that truncate or garble their answers.
//!
//! Unlike the shared fixtures, every server here is fresh per test and bounded: it
//! accepts at most [`MAX_CONNECTIONS`] connections (or [`MAX_DATAGRAMS`] DNS queries)
//! and closes its listener after [`SERVER_LIFETIME`]; each connection is dropped after
//! [`CONN_LIFETIME`]; every endless stream stops after a byte limit.

use std::future::Future;
use std::net::{SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection, SupportedProtocolVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use super::dns::bind_udp_and_tcp;
use super::pki::{CertKind, ServerCert, pki};
use super::{bind_loopback, runtime, to_tokio_listener};

/// Most connections one hostile server accepts; later ones are refused.
pub const MAX_CONNECTIONS: usize = 8;
/// Most DNS datagrams one hostile DNS server answers.
pub const MAX_DATAGRAMS: usize = 64;
/// How long a hostile server accepts connections (or datagrams) at all.
pub const SERVER_LIFETIME: Duration = Duration::from_secs(40);
/// How long one connection is served (or held silent) at most.
pub const CONN_LIFETIME: Duration = Duration::from_secs(20);
/// The longest request head (or ClientHello flight) read from the client.
const MAX_REQUEST: usize = 64 * 1024;
/// How long a closing peer waits for the client to close in turn.
const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// TLS record content types.
const HANDSHAKE: u8 = 22;
/// TLS alert descriptions used here.
pub const INTERNAL_ERROR: u8 = 80;

// ---------- bounded servers ----------

/// Binds a fresh 127.0.0.1 port and runs `handle` on each of at most [`MAX_CONNECTIONS`]
/// connections accepted within [`SERVER_LIFETIME`], each cut off after [`CONN_LIFETIME`].
fn spawn_bounded<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (listener, addr) = bind_loopback();
    runtime().spawn(accept_bounded(listener, handle));
    addr
}

async fn accept_bounded<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let accepting = async {
        for _ in 0..MAX_CONNECTIONS {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(timeout(CONN_LIFETIME, handle(stream)));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    };
    let _ = timeout(SERVER_LIFETIME, accepting).await;
}

/// A TLS server configuration presenting `cert`, with ALPN http/1.1.
pub fn tls_config(cert: ServerCert, versions: &[&'static SupportedProtocolVersion]) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("TLS versions supported by the ring provider")
        .with_no_client_auth()
        .with_single_cert(cert.chain, cert.key)
        .expect("server certificate and key match");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Reads and discards until the client closes (or the connection's lifetime ends).
async fn hold<S: AsyncRead + Unpin>(mut stream: S) {
    let mut buf = [0u8; 4096];
    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
}

/// Half-closes, then waits (bounded) for the client to close, discarding what it sends.
async fn close_gracefully<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let _ = stream.shutdown().await;
    let _ = timeout(DRAIN_WAIT, hold(stream)).await;
}

// ---------- TLS handshakes that stop part-way ----------

/// What a [`partial_handshake`] server does after sending the first records of its flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterRecords {
    /// Nothing: it keeps the connection open and silent.
    Silence,
    /// A fatal alert with this description (in a plaintext TLS 1.2 record), then FIN.
    FatalAlert(u8),
}

/// A TLS server presenting the `Valid` chain with only `versions`: it answers the
/// ClientHello with the first `records` records of its real first flight, re-framed so
/// that each plaintext handshake message has a record of its own (rustls packs the
/// TLS 1.2 flight into one record), then does `then`. So `records` = 1 sends the
/// ServerHello alone; with TLS 1.2, 2 sends the ServerHello and the Certificate.
pub fn partial_handshake(
    versions: &[&'static SupportedProtocolVersion],
    records: usize,
    then: AfterRecords,
) -> SocketAddr {
    let config = tls_config(pki().server_cert(CertKind::Valid), versions);
    spawn_bounded(move |stream| partial(stream, config.clone(), records, then))
}

async fn partial(mut stream: TcpStream, config: Arc<ServerConfig>, records: usize, then: AfterRecords) {
    let Some(flight) = first_flight(&mut stream, config).await else {
        return;
    };
    let prefix: Vec<u8> = one_message_per_record(&flight).into_iter().take(records).flatten().collect();
    if stream.write_all(&prefix).await.is_err() {
        return;
    }
    match then {
        AfterRecords::Silence => hold(stream).await,
        AfterRecords::FatalAlert(description) => {
            let _ = stream.write_all(&[21, 3, 3, 0, 2, 2, description]).await;
            close_gracefully(stream).await;
        }
    }
}

/// Feeds the client's bytes to a rustls server until it has its first flight to send,
/// and returns that flight (None if the client's hello never completes or is refused).
async fn first_flight(stream: &mut TcpStream, config: Arc<ServerConfig>) -> Option<Vec<u8>> {
    let mut conn = ServerConnection::new(config).ok()?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut received = 0;
    while !conn.wants_write() {
        let n = stream.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        received += n;
        if received > MAX_REQUEST {
            return None;
        }
        conn.read_tls(&mut &buf[..n]).ok()?;
        conn.process_new_packets().ok()?;
    }
    let mut flight = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut flight).ok()?;
    }
    Some(flight)
}

/// Splits bytes into whole TLS records (a trailing partial record is dropped).
pub fn tls_records(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    while bytes.len() >= 5 {
        let len = 5 + usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
        if bytes.len() < len {
            break;
        }
        let (record, rest) = bytes.split_at(len);
        records.push(record);
        bytes = rest;
    }
    records
}

/// The records of `flight` with every plaintext handshake record split into one record
/// per handshake message (a message cut short by its record's end stays as it is);
/// other records (ChangeCipherSpec, encrypted ones) are kept whole.
pub fn one_message_per_record(flight: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for record in tls_records(flight) {
        if record[0] != HANDSHAKE {
            out.push(record.to_vec());
            continue;
        }
        let mut body = &record[5..];
        while !body.is_empty() {
            let len = match body {
                [_, a, b, c, ..] => (4 + u32::from_be_bytes([0, *a, *b, *c]) as usize).min(body.len()),
                _ => body.len(),
            };
            let (message, rest) = body.split_at(len);
            let mut framed = vec![HANDSHAKE, record[1], record[2]];
            framed.extend_from_slice(&u16::try_from(len).expect("inside one record").to_be_bytes());
            framed.extend_from_slice(message);
            out.push(framed);
            body = rest;
        }
    }
    out
}

/// `(content type, first handshake message type)` of each record; the message type is
/// read only from plaintext handshake records (0 otherwise).
pub fn record_kinds(bytes: &[u8]) -> Vec<(u8, u8)> {
    tls_records(bytes).iter().map(|r| (r[0], if r[0] == HANDSHAKE && r.len() > 5 { r[5] } else { 0 })).collect()
}

// ---------- HTTPS servers answering with raw bytes ----------

/// A request as a raw-response server read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHead {
    /// The request target (path and query) from the request line.
    pub target: String,
    /// The whole head as received (lossy UTF-8), request line included.
    pub head: String,
}

/// How a raw-response server answers one request. Every answer ends the connection.
#[derive(Clone, Debug)]
pub enum Reply {
    /// These bytes at once, then FIN.
    Bytes(Vec<u8>),
    /// These bytes at once, then FIN without TLS close_notify (as many servers end).
    Abrupt(Vec<u8>),
    /// `head` at once, then `slow` one byte per `every`, then FIN.
    Dribble { head: Vec<u8>, slow: Vec<u8>, every: Duration },
    /// `head`, then `chunk` again and again, as fast as the client reads, until `limit`
    /// bytes have been written or the client goes away.
    Endless { head: Vec<u8>, chunk: Vec<u8>, limit: usize },
}

type Responder = Arc<dyn Fn(&RequestHead) -> Reply + Send + Sync>;

/// An HTTPS server answering raw bytes, and the requests it received.
#[derive(Clone)]
pub struct RawServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<RequestHead>>>,
}

impl RawServer {
    /// Every request head received so far, oldest first.
    pub fn requests(&self) -> Vec<RequestHead> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// A fresh HTTPS server (the `Valid` chain, TLS 1.2 and 1.3) that reads each request head
/// and answers with `respond(head)`.
pub fn raw_https(respond: impl Fn(&RequestHead) -> Reply + Send + Sync + 'static) -> RawServer {
    raw_https_with(pki().server_cert(CertKind::Valid), respond)
}

/// Like [`raw_https`], presenting `cert`.
pub fn raw_https_with(cert: ServerCert, respond: impl Fn(&RequestHead) -> Reply + Send + Sync + 'static) -> RawServer {
    let acceptor = TlsAcceptor::from(tls_config(cert, rustls::ALL_VERSIONS));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let respond: Responder = Arc::new(respond);
    let log = requests.clone();
    let addr = spawn_bounded(move |tcp| serve_raw(tcp, acceptor.clone(), respond.clone(), log.clone()));
    RawServer { addr, requests }
}

async fn serve_raw(tcp: TcpStream, acceptor: TlsAcceptor, respond: Responder, log: Arc<Mutex<Vec<RequestHead>>>) {
    let Ok(mut stream) = acceptor.accept(tcp).await else {
        return;
    };
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    log.lock().unwrap_or_else(PoisonError::into_inner).push(head.clone());
    match respond(&head) {
        Reply::Bytes(bytes) => {
            if stream.write_all(&bytes).await.is_ok() {
                close_gracefully(stream).await;
            }
        }
        Reply::Abrupt(bytes) => {
            if stream.write_all(&bytes).await.is_ok() && stream.flush().await.is_ok() {
                let _ = stream.get_mut().0.shutdown().await;
                let _ = timeout(DRAIN_WAIT, hold(stream.get_mut().0)).await;
            }
        }
        Reply::Dribble { head, slow, every } => {
            if stream.write_all(&head).await.is_err() {
                return;
            }
            for byte in slow {
                tokio::time::sleep(every).await;
                if stream.write_all(&[byte]).await.is_err() || stream.flush().await.is_err() {
                    return;
                }
            }
            close_gracefully(stream).await;
        }
        Reply::Endless { head, chunk, limit } => {
            let mut written = head.len();
            if stream.write_all(&head).await.is_err() {
                return;
            }
            while written < limit {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
                written += chunk.len();
            }
            close_gracefully(stream).await;
        }
    }
}

/// Reads a request head (up to the blank line; at most [`MAX_REQUEST`] bytes).
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Option<RequestHead> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok().filter(|&n| n > 0)?;
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_REQUEST {
            return None;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
    Some(RequestHead { target, head })
}

/// A complete HTTP/1.1 response: `status_line` (e.g. `HTTP/1.1 200 OK`), the given
/// header lines (raw bytes, without CRLF), `Content-Length` and `Connection: close`, then `body`.
pub fn response(status_line: &[u8], headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut out = status_line.to_vec();
    out.extend_from_slice(b"\r\n");
    for header in headers {
        out.extend_from_slice(header);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// `200 OK` with the JSON body `{"ok":true}`.
pub fn ok_response() -> Vec<u8> {
    response(b"HTTP/1.1 200 OK", &[b"content-type: application/json"], br#"{"ok":true}"#)
}

/// A raw HTTPS server that answers `/r` with a 302 whose `Location` is exactly `location`
/// (any bytes), and every other target with [`ok_response`].
pub fn redirect_server(location: &[u8]) -> RawServer {
    let mut header = b"location: ".to_vec();
    header.extend_from_slice(location);
    let redirect = response(b"HTTP/1.1 302 Found", &[&header, b"content-type: application/json"], b"{}");
    raw_https(move |head| Reply::Bytes(if head.target == "/r" { redirect.clone() } else { ok_response() }))
}

// ---------- DNS servers that truncate or garble ----------

/// What a [`truncating_dns`] server's TCP port does with the retry over TCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpFallback {
    /// Nothing listens on TCP: the retry is refused.
    Refused,
    /// It accepts and reads the query, then closes without answering.
    HangUp,
}

/// A DNS server that answers every UDP query with an empty response with the TC
/// (truncated) bit set, and whose TCP side is broken as `tcp` says.
pub fn truncating_dns(tcp: TcpFallback) -> SocketAddr {
    let udp = match tcp {
        TcpFallback::Refused => StdUdpSocket::bind("127.0.0.1:0").expect("bind dns udp socket"),
        TcpFallback::HangUp => {
            let (udp, listener) = bind_udp_and_tcp();
            let (listener, _) = to_tokio_listener(listener);
            runtime().spawn(accept_bounded(listener, hang_up_dns));
            udp
        }
    };
    spawn_udp(udp, truncated_reply)
}

/// A DNS server that answers every UDP query with bytes that are not a DNS message.
/// With `keep_id`, the answer starts with the query's ID and a response header whose
/// counts promise 65535 questions and records that are not there; otherwise it is
/// plain text. TCP is refused.
pub fn garbage_dns(keep_id: bool) -> SocketAddr {
    let udp = StdUdpSocket::bind("127.0.0.1:0").expect("bind dns udp socket");
    spawn_udp(udp, move |query| Some(garbage_reply(query, keep_id)))
}

/// The bytes [`garbage_dns`] sends after the header (or alone, without `keep_id`).
pub const DNS_GARBAGE: &[u8] = b"garbage: this is not a DNS message (reqdoctor test)";

fn spawn_udp(udp: StdUdpSocket, reply: impl Fn(&[u8]) -> Option<Vec<u8>> + Send + Sync + 'static) -> SocketAddr {
    let addr = udp.local_addr().expect("dns socket address");
    udp.set_nonblocking(true).expect("set dns socket non-blocking");
    let _guard = runtime().enter();
    let udp = UdpSocket::from_std(udp).expect("register dns socket with tokio");
    runtime().spawn(async move {
        let answering = async {
            let mut buf = [0u8; 4096];
            for _ in 0..MAX_DATAGRAMS {
                let Ok((n, from)) = udp.recv_from(&mut buf).await else {
                    continue;
                };
                if let Some(answer) = reply(&buf[..n]) {
                    let _ = udp.send_to(&answer, from).await;
                }
            }
        };
        let _ = timeout(SERVER_LIFETIME, answering).await;
    });
    addr
}

/// The query's header and question back, as a response with TC set and no records.
pub fn truncated_reply(query: &[u8]) -> Option<Vec<u8>> {
    let end = question_end(query)?;
    let mut answer = query[..2].to_vec();
    answer.push(0x80 | 0x02 | (query[2] & 0x01)); // QR, TC, the query's RD
    answer.push(0x80); // RA, NOERROR
    answer.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // one question, no records
    answer.extend_from_slice(&query[12..end]);
    Some(answer)
}

fn garbage_reply(query: &[u8], keep_id: bool) -> Vec<u8> {
    if !keep_id || query.len() < 2 {
        return DNS_GARBAGE.to_vec();
    }
    let mut answer = query[..2].to_vec();
    answer.extend_from_slice(&[0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    answer.extend_from_slice(DNS_GARBAGE);
    answer
}

/// The offset just past the first question (12-byte header, name labels, type, class).
fn question_end(query: &[u8]) -> Option<usize> {
    let mut at = 12;
    loop {
        let len = usize::from(*query.get(at)?);
        if len == 0 {
            break;
        }
        if len & 0xc0 != 0 {
            return None;
        }
        at += 1 + len;
    }
    let end = at + 1 + 4;
    (end <= query.len()).then_some(end)
}

/// Reads a DNS-over-TCP query (length-prefixed), then closes without answering.
async fn hang_up_dns(mut stream: TcpStream) {
    let mut len = [0u8; 2];
    if stream.read_exact(&mut len).await.is_ok() {
        let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
        let _ = stream.read_exact(&mut query).await;
    }
    close_gracefully(stream).await;
}
