//! One HTTP exchange with hyper on a connection reqdoctor opened itself —
//! HTTP/1.1, or HTTP/2 when the server chose h2 — so that waiting for the
//! first byte and reading the body are timed apart.

use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, timeout_at};
use url::Url;

use super::head::{Flaw, HeadError};
use super::lenient::{self, Lenient, Shared};

/// The largest response head accepted, as Chromium (ERR_RESPONSE_HEADERS_TOO_BIG above).
pub const MAX_HEAD: usize = 256 * 1024;
/// Header lines hyper takes in one response head. Phones have no small
/// limit: a head with more lines reaches hyper rewritten, with the headers
/// reqdoctor reads ([`lenient`]). hyper readies this many slots for every
/// head it parses, so a large number costs every response.
pub const MAX_HEADERS: usize = 128;
/// The start of the body kept for later analysis.
const KEPT_BODY: usize = 64 * 1024;

/// Any stream hyper can speak HTTP/1.1 on (plain TCP or TLS).
pub trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// Which HTTP a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Http1,
    /// HTTP/2, chosen by the server over ALPN (`h2`).
    Http2,
}

impl Protocol {
    /// `HTTP/1.1` or `HTTP/2`, as the report writes it.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Http1 => "HTTP/1.1",
            Protocol::Http2 => "HTTP/2",
        }
    }
}

/// An open HTTP connection.
pub enum Connection {
    /// HTTP/1.1, with what the phone made of each response head, and the
    /// connection itself, which runs while the exchange waits on it.
    Http1(http1::SendRequest<Full<Bytes>>, Arc<Mutex<Shared>>, Driver),
    Http2(http2::SendRequest<Full<Bytes>>),
}

/// hyper's HTTP/1 connection: it reads and writes only while polled, and
/// [`driven`] polls it beside whatever waits on it, in the diagnosis's own
/// task (a task of its own would cost a wake-up on every read). `None` once
/// it has ended. Dropping it closes the connection, as the phone's pool
/// does, without a TLS close_notify.
pub type Driver = Option<Pin<Box<http1::Connection<TokioIo<Lenient>, Full<Bytes>>>>>;

/// Waits for `work`, polling the connection `driver` carries it on.
async fn driven<T>(driver: &mut Driver, work: impl Future<Output = T>) -> T {
    let mut work = pin!(work);
    std::future::poll_fn(|cx| {
        // An ended connection fails what waits on it (hyper's own error), so it needs no more polling.
        if driver.as_mut().is_some_and(|connection| connection.as_mut().poll(cx).is_ready()) {
            *driver = None;
        }
        work.as_mut().poll(cx)
    })
    .await
}

/// What came back.
#[derive(Clone, Debug)]
pub struct Response {
    /// The status the page gets (`res.statusCode`), as the phone reads the
    /// status line: it can be outside 100–999 when the line is malformed.
    pub status: u32,
    /// Where the response head breaks HTTP/1.1 although the phone accepts it.
    pub malformed: Vec<Flaw>,
    pub location: Option<String>,
    /// The server's `Date` header, parsed.
    pub date: Option<SystemTime>,
    pub ttfb: Duration,
    /// This machine's clock when the response head arrived (to compare with `date`).
    pub received_at: SystemTime,
    /// The `Sec-WebSocket-Accept` of an upgrade answer.
    pub websocket_accept: Option<String>,
    /// Every `Alt-Svc` header line, in order (bytes beyond ASCII read lossily):
    /// how the server advertises QUIC.
    pub alt_svc: Vec<String>,
    /// The HTTP the response came over.
    pub protocol: Protocol,
    /// Whether the body is valid JSON (after a UTF-8 BOM, if any), and whether it had a BOM.
    pub body_json: Option<bool>,
    pub body_bom: bool,
    pub body_bytes: u64,
    /// The size of the response head, as HTTP/1.1 would send it.
    pub head_bytes: u64,
    /// The size of the request sent (its head as HTTP/1.1 would send it, and its body).
    pub sent_bytes: u64,
}

/// Why no complete response arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeError {
    /// The budget ran out waiting for the response head.
    TimedOutWaiting,
    /// The budget ran out reading the body.
    TimedOutReading,
    /// The server closed the connection without answering.
    Empty,
    /// The response head is larger than a phone accepts ([`MAX_HEAD`]).
    HeadTooLarge,
    /// The bytes are not a valid HTTP/1.1 response (hyper's words).
    Invalid(String),
    /// A response head the phone refuses, for the reason named.
    Malformed(HeadError),
    /// The body broke off or was malformed (hyper's words).
    Body(String),
    /// The connection ended before the body did: short of its Content-Length
    /// (`declared`), or before the last chunk.
    BodyCut { declared: Option<u64>, received: u64 },
    /// A chunked body whose chunk framing is broken (hyper's words).
    BadChunk(String),
    /// The request could not be written (hyper's or http's words).
    Request(String),
    /// The HTTP/2 stream or connection ended with an error.
    Http2 { frame: H2Frame, reason: u32 },
}

/// How an HTTP/2 exchange was ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum H2Frame {
    /// The server reset the stream (RST_STREAM).
    Reset,
    /// The server closed the connection (GOAWAY).
    GoAway,
    /// The server broke the protocol, as reqdoctor's HTTP/2 client found.
    Local,
}

/// The request to send.
pub struct Outgoing<'a> {
    pub url: &'a Url,
    pub method: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Vec<u8>,
}

/// The size of a response head as sent: the status line, each header line and
/// the blank line (the reason phrase counted at its usual length).
pub(super) fn head_size<B>(head: &hyper::Response<B>) -> usize {
    let status_line = "HTTP/1.1 200 OK\r\n".len();
    let lines: usize = head.headers().iter().map(|(name, value)| name.as_str().len() + value.len() + 4).sum();
    status_line + lines + 2
}

impl Connection {
    pub async fn open(io: Box<dyn Io>, deadline: Instant, protocol: Protocol) -> Result<Connection, ExchangeError> {
        let connection = match protocol {
            Protocol::Http1 => {
                // Each head is read the phone's way first; then Chromium's limits:
                // at most 256 KiB, and no small cap on the number of header lines.
                let (io, shared) = Lenient::new(io);
                let handshake =
                    http1::Builder::new().max_buf_size(MAX_HEAD).max_headers(MAX_HEADERS).handshake(TokioIo::new(io));
                let (sender, driver) = timeout_at(deadline, handshake)
                    .await
                    .map_err(|_| ExchangeError::TimedOutWaiting)?
                    .map_err(|e| classify(&e))?;
                Connection::Http1(sender, shared, Some(Box::pin(driver)))
            }
            Protocol::Http2 => {
                let handshake = http2::Builder::new(TokioExecutor::new())
                    .max_header_list_size(MAX_HEAD as u32)
                    .handshake(TokioIo::new(io));
                let (sender, driver) = timeout_at(deadline, handshake)
                    .await
                    .map_err(|_| ExchangeError::TimedOutWaiting)?
                    .map_err(|e| classify(&e))?;
                tokio::spawn(driver);
                Connection::Http2(sender)
            }
        };
        Ok(connection)
    }

    fn protocol(&self) -> Protocol {
        match self {
            Connection::Http1(..) => Protocol::Http1,
            Connection::Http2(_) => Protocol::Http2,
        }
    }

    /// Whether another request can go over this connection.
    pub async fn reusable(&mut self) -> bool {
        match self {
            Connection::Http1(sender, _, driver) => !sender.is_closed() && driven(driver, sender.ready()).await.is_ok(),
            Connection::Http2(sender) => !sender.is_closed() && sender.ready().await.is_ok(),
        }
    }

    async fn send(&mut self, request: hyper::Request<Full<Bytes>>) -> hyper::Result<hyper::Response<Incoming>> {
        match self {
            Connection::Http1(sender, _, driver) => driven(driver, sender.send_request(request)).await,
            Connection::Http2(sender) => sender.send_request(request).await,
        }
    }

    /// Waits for `work`, which needs this connection to go on (HTTP/2's runs
    /// in a task of its own).
    async fn drive<T>(&mut self, work: impl Future<Output = T>) -> T {
        match self {
            Connection::Http1(_, _, driver) => driven(driver, work).await,
            Connection::Http2(_) => work.await,
        }
    }

    pub async fn exchange(&mut self, outgoing: Outgoing<'_>, deadline: Instant) -> Result<Response, ExchangeError> {
        let protocol = self.protocol();
        let sent_bytes = request_size(&outgoing);
        let request = build(&outgoing, protocol)?;
        if let Connection::Http1(_, shared, _) = self {
            // The phone reads an answer without a status line only on the default port.
            *lenient::lock(shared) = Shared { http09: outgoing.url.port().is_none(), ..Shared::default() };
        }
        let sent = Instant::now();
        let head = timeout_at(deadline, self.send(request))
            .await
            .map_err(|_| ExchangeError::TimedOutWaiting)?
            .map_err(|e| classify(&e))?;
        let ttfb = sent.elapsed();
        // hyper checks its buffer limit only between reads, so one large read
        // can carry a head past it: check the head itself, as Chromium does.
        let rewritten_from = match self {
            Connection::Http1(_, shared, _) => lenient::lock(shared).rewritten_from.take(),
            Connection::Http2(_) => None,
        };
        let head_bytes = rewritten_from.unwrap_or_else(|| head_size(&head));
        if head_bytes > MAX_HEAD {
            return Err(ExchangeError::HeadTooLarge);
        }
        let received_at = SystemTime::now();
        let header = |name: &str| head.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // Non-ASCII bytes in Location are read as a browser would (and then
        // percent-encoded by the URL parser), never taken as "no Location".
        let location = head.headers().get("location").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let websocket_accept = header("sec-websocket-accept");
        let alt_svc = head
            .headers()
            .get_all("alt-svc")
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let date = header("date").and_then(|d| httpdate::parse_http_date(&d).ok());
        let reading = match self {
            Connection::Http1(_, shared, _) => lenient::lock(shared).reading.take(),
            Connection::Http2(_) => None,
        };
        let (status, malformed) = match reading {
            Some(reading) => (reading.status, reading.flaws),
            None => (u32::from(head.status().as_u16()), Vec::new()),
        };
        let framing = Framing::of(head.headers());
        let (body_bytes, body) = self.drive(read_body(head.into_body(), framing, deadline)).await?;
        Ok(Response {
            status,
            malformed,
            location,
            date,
            ttfb,
            received_at,
            websocket_accept,
            alt_svc,
            protocol,
            body_json: is_json(&body, body_bytes),
            body_bom: body.starts_with(BOM),
            body_bytes,
            head_bytes: head_bytes as u64,
            sent_bytes,
        })
    }
}

/// Sends one bare `HEAD /` (no user headers, no data) only to read the
/// server's `Date`: used over a connection whose certificate was refused, so
/// that clock.skew can still tell whether "expired" is this machine's clock.
pub async fn read_date(io: Box<dyn Io>, host: &str, deadline: Instant) -> Option<(SystemTime, SystemTime)> {
    let mut conn = Connection::open(io, deadline, Protocol::Http1).await.ok()?;
    let authority = if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    let url = Url::parse(&format!("https://{authority}/")).ok()?;
    let headers = [("user-agent".to_owned(), concat!("reqdoctor/", env!("CARGO_PKG_VERSION")).to_owned())];
    let outgoing = Outgoing { url: &url, method: "HEAD", headers: &headers, body: Vec::new() };
    let response = conn.exchange(outgoing, deadline).await.ok()?;
    Some((response.date?, response.received_at))
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Whether a body parses as JSON the way the mini program would (a leading
/// BOM skipped); `None` when empty or only partly kept.
fn is_json(kept: &[u8], total: u64) -> Option<bool> {
    if kept.is_empty() || kept.len() as u64 != total {
        return None;
    }
    let body = kept.strip_prefix(BOM).unwrap_or(kept);
    Some(serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok())
}

/// The size of a request as HTTP/1.1 sends it: request line, Host, each header, the blank line, the body.
pub(crate) fn request_size(outgoing: &Outgoing<'_>) -> u64 {
    let url = outgoing.url;
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let line = outgoing.method.len() + 1 + target.len().max(1) + " HTTP/1.1\r\n".len();
    let host = "host: \r\n".len() + url.host_str().map_or(0, str::len);
    let headers: usize = outgoing.headers.iter().map(|(name, value)| name.len() + value.len() + 4).sum();
    (line + host + headers + 2 + outgoing.body.len()) as u64
}

/// Names a hyper error by its kind: an HTTP/2 frame's error code, a head
/// too large, a connection closed before the response; else hyper's words.
fn classify(error: &hyper::Error) -> ExchangeError {
    let h2 = std::error::Error::source(error).and_then(|cause| cause.downcast_ref::<h2::Error>());
    if let Some(h2) = h2.filter(|h2| h2.reason().is_some()) {
        let frame = match () {
            () if h2.is_go_away() && h2.is_remote() => H2Frame::GoAway,
            () if h2.is_reset() && h2.is_remote() => H2Frame::Reset,
            () => H2Frame::Local,
        };
        return ExchangeError::Http2 { frame, reason: h2.reason().map_or(0, u32::from) };
    }
    let refused = std::iter::successors(std::error::Error::source(error), |cause| cause.source())
        .find_map(|cause| cause.downcast_ref::<std::io::Error>()?.get_ref()?.downcast_ref::<HeadError>());
    match refused {
        Some(HeadError::TooBig) => return ExchangeError::HeadTooLarge,
        Some(refused) => return ExchangeError::Malformed(*refused),
        None => {}
    }
    match () {
        () if error.is_incomplete_message() => ExchangeError::Empty,
        () if error.is_parse_too_large() => ExchangeError::HeadTooLarge,
        () => ExchangeError::Invalid(error.to_string()),
    }
}

/// The URL's authority (`host[:port]`, as Host or `:authority` carries it)
/// and its path with the query (`/` when empty); `None` without a host.
pub(super) fn authority_and_path(url: &Url) -> Option<(String, &str)> {
    let authority = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str()?),
        None => url.host_str()?.to_owned(),
    };
    let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
    Some((authority, if path.is_empty() { "/" } else { path }))
}

/// The request as `protocol` carries it: HTTP/1.1 with a path and a Host
/// header, HTTP/2 with the absolute URL (`:authority` instead of Host).
fn build(outgoing: &Outgoing<'_>, protocol: Protocol) -> Result<hyper::Request<Full<Bytes>>, ExchangeError> {
    let url = outgoing.url;
    let Some((host, path)) = authority_and_path(url) else {
        return Err(ExchangeError::Request("the URL has no host".into()));
    };
    let mut builder = hyper::Request::builder().method(outgoing.method);
    builder = match protocol {
        Protocol::Http1 => builder.uri(path).header(hyper::header::HOST, host),
        Protocol::Http2 => builder.uri(format!("{}://{host}{path}", url.scheme())).version(hyper::Version::HTTP_2),
    };
    for (name, value) in outgoing.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder.body(Full::new(Bytes::from(outgoing.body.clone()))).map_err(|e| ExchangeError::Request(e.to_string()))
}

/// How the end of a body is known, for naming a body that breaks off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    /// Until the connection closes (or HTTP/2's own framing).
    Close,
}

impl Framing {
    fn of(headers: &hyper::HeaderMap) -> Framing {
        let chunked = headers
            .get_all(hyper::header::TRANSFER_ENCODING)
            .iter()
            .any(|v| v.as_bytes().split(|&b| b == b',').any(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked")));
        let length = headers.get(hyper::header::CONTENT_LENGTH).and_then(|v| super::head::content_length(v.as_bytes()));
        match (chunked, length) {
            (true, _) => Framing::Chunked,
            (false, Some(length)) => Framing::Length(length),
            (false, None) => Framing::Close,
        }
    }

    /// The error for a body that failed as `error` says, in the phone's terms:
    /// hyper's decoder reports a cut body as an unexpected EOF, broken chunk
    /// framing as invalid input or data.
    fn failure(self, error: &hyper::Error, received: u64) -> ExchangeError {
        let io = std::iter::successors(std::error::Error::source(error), |cause| cause.source())
            .find_map(|cause| cause.downcast_ref::<std::io::Error>());
        let kind = io.map(std::io::Error::kind);
        let cut = error.is_incomplete_message() || kind == Some(std::io::ErrorKind::UnexpectedEof);
        let broken = matches!(kind, Some(std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData));
        match (self, cut, broken) {
            (Framing::Length(declared), true, _) => ExchangeError::BodyCut { declared: Some(declared), received },
            (Framing::Chunked, true, _) => ExchangeError::BodyCut { declared: None, received },
            (Framing::Chunked, false, true) => {
                ExchangeError::BadChunk(io.map_or_else(|| error.to_string(), ToString::to_string))
            }
            _ => ExchangeError::Body(error.to_string()),
        }
    }
}

/// Reads the whole body, as the phone does before `success` is called: until it
/// ends or the budget does. Only the first [`KEPT_BODY`] bytes are kept; the
/// rest is counted and dropped, so an endless body costs time, not memory.
async fn read_body(
    mut body: hyper::body::Incoming,
    framing: Framing,
    deadline: Instant,
) -> Result<(u64, Bytes), ExchangeError> {
    let mut total = 0u64;
    let mut kept = Vec::new();
    loop {
        let frame = match timeout_at(deadline, body.frame()).await {
            Err(_) => return Err(ExchangeError::TimedOutReading),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                return Err(match classify(&e) {
                    h2 @ ExchangeError::Http2 { .. } => h2,
                    _ => framing.failure(&e, total),
                });
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Some(data) = frame.data_ref() {
            total += data.len() as u64;
            let room = KEPT_BODY.saturating_sub(kept.len());
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok((total, Bytes::from(kept)))
}

/// One GET of `https://api.test/canned` over an in-memory pipe to a "server"
/// that reads the request head, then answers `answer` and closes (hyper
/// rightly drops bytes sent before a request). For the property tests and
/// the `http_response` fuzz target.
#[cfg(any(test, feature = "fuzzing"))]
pub fn exchange_canned(answer: &[u8], budget: Duration) -> Result<Response, ExchangeError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    // Dropping the runtime at the end ends every task the exchange spawned.
    runtime.block_on(async {
        let (client, mut server) = tokio::io::duplex(answer.len().max(2048) * 2);
        let answer = answer.to_vec();
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
        let deadline = Instant::now() + budget;
        let mut conn = Connection::open(Box::new(client), deadline, Protocol::Http1).await?;
        let url = Url::parse("https://api.test/canned").expect("a URL");
        let outgoing = Outgoing { url: &url, method: "GET", headers: &[], body: Vec::new() };
        conn.exchange(outgoing, deadline).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `status_line`, then three times as many filler header lines as hyper takes.
    fn crowded(status_line: &str) -> Vec<u8> {
        let mut head = format!("{status_line}\r\n").into_bytes();
        for i in 0..MAX_HEADERS * 3 {
            head.extend_from_slice(format!("x-filler-{i}: {i}\r\n").as_bytes());
        }
        head
    }

    #[test]
    fn a_head_with_more_lines_than_hyper_takes_keeps_what_reqdoctor_reads() {
        let mut head = crowded("HTTP/1.1 302 Found");
        head.extend_from_slice(b"location: /next\r\nalt-svc: h3=\":443\"\r\ncontent-length: 2\r\n\r\n");
        let mut answer = head.clone();
        answer.extend_from_slice(b"{}");
        let response = exchange_canned(&answer, Duration::from_secs(5)).expect("the phone reads this head");
        assert_eq!(response.status, 302);
        assert_eq!(response.location.as_deref(), Some("/next"));
        assert_eq!(response.alt_svc, vec!["h3=\":443\"".to_owned()]);
        assert_eq!(response.body_bytes, 2);
        assert_eq!(response.head_bytes, head.len() as u64, "the head as it came, not as rewritten");
    }

    #[test]
    fn a_rewritten_interim_head_does_not_size_the_final_one() {
        let mut answer = crowded("HTTP/1.1 100 Continue");
        answer.extend_from_slice(b"\r\n");
        let last = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n";
        answer.extend_from_slice(last);
        answer.extend_from_slice(b"{}");
        let response = exchange_canned(&answer, Duration::from_secs(5)).expect("the phone reads these heads");
        assert_eq!(response.status, 200);
        assert_eq!(response.head_bytes, last.len() as u64);
    }
}
