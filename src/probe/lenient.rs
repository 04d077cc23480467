//! The stream under hyper's HTTP/1 client, which reads each response head
//! by the phone's rules ([`head`](super::head)) before hyper sees it. A head
//! hyper takes passes through unchanged. A head hyper would refuse but the
//! phone accepts is rewritten as plain HTTP/1.1 with `connection: close` (so
//! the connection is not reused), and what the phone makes of it is kept in
//! a [`Shared`] for the report. A head the phone refuses ends the read with a
//! [`HeadError`] inside the I/O error.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::head::{self, Flaw, Head, HeadError, Start};
use super::http::{Io, MAX_HEAD, MAX_HEADERS};

/// What the reader and the exchange above it share.
#[derive(Debug, Default)]
pub struct Shared {
    /// Whether an answer without a status line is read as HTTP/0.9 (the
    /// phone does so only when the URL names no port).
    pub http09: bool,
    /// The phone's reading of the last head that hyper could not take as it came.
    pub reading: Option<Reading>,
    /// The size of the last head as it came, when hyper was handed a rewritten one.
    pub rewritten_from: Option<usize>,
}

/// How the phone read a head that breaks HTTP/1.1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The status the page gets (`res.statusCode`).
    pub status: u32,
    pub flaws: Vec<Flaw>,
}

/// Locks the shared state; a panic elsewhere cannot leave it half-written.
pub fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

enum State {
    /// Gathering a head.
    Head(Vec<u8>),
    /// Handing hyper these bytes; then the next head (after a 1xx) or the rest as it comes.
    Out {
        bytes: Vec<u8>,
        at: usize,
        next_head: bool,
    },
    Pass,
    Failed(HeadError),
}

/// The stream, reading heads the phone's way.
pub struct Lenient {
    inner: Box<dyn Io>,
    state: State,
    shared: Arc<Mutex<Shared>>,
}

impl Lenient {
    pub fn new(inner: Box<dyn Io>) -> (Lenient, Arc<Mutex<Shared>>) {
        let shared = Arc::new(Mutex::new(Shared { http09: true, ..Shared::default() }));
        (Lenient { inner, state: State::Head(Vec::new()), shared: Arc::clone(&shared) }, shared)
    }

    /// The next state once `pending` (and `eof`) have arrived; `None` to wait for more.
    fn decide(&self, pending: &mut Vec<u8>, eof: bool) -> Option<State> {
        if pending.is_empty() && eof {
            return Some(State::Out { bytes: Vec::new(), at: 0, next_head: false });
        }
        match head::locate(pending, eof) {
            Start::NeedMore => None,
            Start::Http09 if !lock(&self.shared).http09 => Some(State::Failed(HeadError::Http09OnPort)),
            Start::Http09 => {
                self.record(Reading { status: 200, flaws: vec![Flaw::NoStatusLine] });
                let mut bytes = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
                bytes.append(pending);
                Some(State::Out { bytes, at: 0, next_head: false })
            }
            Start::At(start) => match head::find_end(pending, start) {
                Some(end) => Some(self.read_head(std::mem::take(pending), start, end)),
                None if eof => Some(State::Failed(HeadError::Truncated)),
                None if pending.len() > MAX_HEAD => Some(State::Failed(HeadError::TooBig)),
                None => None,
            },
        }
    }

    /// Reads the head in `bytes[start..end]` and says what hyper gets.
    fn read_head(&self, mut bytes: Vec<u8>, start: usize, end: usize) -> State {
        let mut head = match head::parse(&bytes[start..end]) {
            Ok(head) => head,
            Err(error) => return State::Failed(error),
        };
        let next_head = (100..200).contains(&head.status) && head.status != 101;
        if start > 0 && !bytes[..start].iter().all(|b| b.is_ascii_whitespace()) {
            head.flaws.insert(0, Flaw::Leading(start));
        }
        let lines = bytes[start..end].iter().filter(|&&b| b == b'\n').count();
        let fits = lines <= MAX_HEADERS;
        if fits && hyper_takes(&bytes[..end], &head) {
            if !head.flaws.is_empty() {
                self.record(Reading { status: head.status, flaws: head.flaws });
            }
            return State::Out { bytes, at: 0, next_head };
        }
        let mut out = rewrite(&head);
        if !next_head {
            // The final head's size; an interim (1xx) head's is not the response's.
            lock(&self.shared).rewritten_from = Some(end - start);
        }
        out.extend_from_slice(&bytes.split_off(end));
        if head.flaws.is_empty() && fits {
            // hyper refuses something no rule here names: say it is the status line's.
            let line = String::from_utf8_lossy(&bytes[start..end]).lines().next().unwrap_or_default().to_owned();
            head.flaws.push(Flaw::StatusLine(line));
        }
        if !head.flaws.is_empty() {
            self.record(Reading { status: head.status, flaws: head.flaws });
        }
        State::Out { bytes: out, at: 0, next_head }
    }

    fn record(&self, reading: Reading) {
        lock(&self.shared).reading = Some(reading);
    }
}

/// Whether hyper's client parses `raw` (a whole head) as the phone reads it.
fn hyper_takes(raw: &[u8], head: &Head) -> bool {
    let lines = raw.iter().filter(|&&b| b == b'\n').count();
    let mut headers = vec![httparse::EMPTY_HEADER; lines];
    let parsed = matches!(httparse::Response::new(&mut headers).parse(raw), Ok(httparse::Status::Complete(_)));
    let lengths_valid = head
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(b"content-length"))
        .all(|(_, value)| head::content_length(value).is_some());
    let chunked_on_10 = head.http10 && head.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(b"transfer-encoding"));
    parsed && (100..=999).contains(&head.status) && lengths_valid && !chunked_on_10
}

/// The headers reqdoctor itself reads, kept when a head has more lines than hyper takes.
const READ_HERE: [&str; 7] =
    ["content-length", "transfer-encoding", "location", "date", "content-type", "sec-websocket-accept", "alt-svc"];

/// The head as plain HTTP/1.1 that hyper reads the way the phone did. A
/// status hyper cannot carry goes as 200 (the report takes the phone's
/// from the [`Reading`]); headers HTTP/1.1 cannot carry are left out, and so
/// are those past hyper's count that reqdoctor does not read (the phone
/// has no such limit).
fn rewrite(head: &Head) -> Vec<u8> {
    let wire = if (100..=999).contains(&head.status) { head.status } else { 200 };
    let reason = u16::try_from(wire)
        .ok()
        .and_then(|code| http::StatusCode::from_u16(code).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut out = format!("HTTP/1.1 {wire} {reason}\r\n").into_bytes();
    let mut count = 0;
    for (name, value) in &head.headers {
        let read_here = READ_HERE.iter().any(|known| name.eq_ignore_ascii_case(known.as_bytes()));
        if count >= MAX_HEADERS - 2 || count >= MAX_HEADERS - 64 && !read_here {
            continue;
        }
        let carried = http::HeaderName::from_bytes(name).is_ok() && http::HeaderValue::from_bytes(value).is_ok();
        let dropped = match name.to_ascii_lowercase().as_slice() {
            b"connection" => wire != 101,
            b"content-length" => head::content_length(value).is_none(),
            b"transfer-encoding" => head.http10,
            _ => false,
        };
        if carried && !dropped {
            count += 1;
            out.extend_from_slice(name);
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
    }
    if wire != 101 {
        out.extend_from_slice(b"connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Reads from `inner`, taking a TLS connection closed without close_notify
/// as its end: the phone does (Chromium read such a close-delimited body in
/// full), while rustls calls it an unexpected EOF.
fn read_to_eof(inner: Pin<&mut Box<dyn Io>>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    match ready!(inner.poll_read(cx, buf)) {
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Poll::Ready(Ok(())),
        other => Poll::Ready(other),
    }
}

/// Whether a write starts a new request (`METHOD target HTTP/1.1`): its
/// answer is a new head to read.
fn starts_request(buf: &[u8]) -> bool {
    let line_end = buf.iter().position(|&b| b == b'\r').unwrap_or(buf.len());
    let line = &buf[..line_end];
    line.ends_with(b" HTTP/1.1") && line.first().is_some_and(u8::is_ascii_uppercase)
}

impl AsyncRead for Lenient {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Pass => return read_to_eof(Pin::new(&mut this.inner), cx, buf),
                State::Failed(error) => return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, *error))),
                State::Out { bytes, at, next_head } => {
                    let n = buf.remaining().min(bytes.len() - *at);
                    buf.put_slice(&bytes[*at..*at + n]);
                    *at += n;
                    if *at == bytes.len() {
                        this.state = if *next_head { State::Head(Vec::new()) } else { State::Pass };
                    }
                    return Poll::Ready(Ok(()));
                }
                State::Head(pending) => {
                    let mut chunk = [std::mem::MaybeUninit::<u8>::uninit(); 8192];
                    let mut read = ReadBuf::uninit(&mut chunk);
                    ready!(read_to_eof(Pin::new(&mut this.inner), cx, &mut read))?;
                    pending.extend_from_slice(read.filled());
                    let eof = read.filled().is_empty();
                    let mut pending = std::mem::take(pending);
                    match this.decide(&mut pending, eof) {
                        Some(next) => this.state = next,
                        None => this.state = State::Head(pending),
                    }
                }
            }
        }
    }
}

impl AsyncWrite for Lenient {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if matches!(self.state, State::Pass) && starts_request(buf) {
            self.state = State::Head(Vec::new());
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// What hyper would read through a [`Lenient`] when the server sends `answer`.
    fn through(answer: &[u8]) -> (io::Result<Vec<u8>>, Option<Reading>) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        runtime.block_on(async {
            let (client, mut server) = tokio::io::duplex(1 << 16);
            server.write_all(answer).await.unwrap();
            drop(server);
            let (mut reader, shared) = Lenient::new(Box::new(client));
            let mut out = Vec::new();
            let result = reader.read_to_end(&mut out).await.map(|_| out);
            let reading = lock(&shared).reading.clone();
            (result, reading)
        })
    }

    #[test]
    fn a_valid_head_passes_unchanged() {
        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        let (out, reading) = through(answer);
        assert_eq!(out.unwrap(), answer);
        assert_eq!(reading, None);
    }

    #[test]
    fn a_head_the_phone_forgives_is_rewritten() {
        let (out, reading) = through(b"HTTP/1.1 abc Oops\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\n{}");
        let out = String::from_utf8(out.unwrap()).unwrap();
        assert_eq!(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: close\r\n\r\n{}");
        let reading = reading.expect("a reading");
        assert_eq!(reading.status, 200);
        assert_eq!(reading.flaws.len(), 2, "{:?}", reading.flaws);
    }

    #[test]
    fn a_status_hyper_cannot_carry_goes_as_200_and_is_kept() {
        let (out, reading) = through(b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}");
        assert!(out.unwrap().starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert_eq!(reading.unwrap().status, 2);
    }

    #[test]
    fn no_status_line_is_a_200_whose_body_is_everything() {
        let (out, reading) = through(b"HTTX/1.1 200 OK\r\n\r\n{}");
        assert_eq!(out.unwrap(), b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nHTTX/1.1 200 OK\r\n\r\n{}");
        assert_eq!(reading.unwrap().flaws, [Flaw::NoStatusLine]);
    }

    #[test]
    fn what_the_phone_refuses_is_an_error_naming_it() {
        for (answer, error) in [
            (&b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n"[..], HeadError::Nul),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", HeadError::Truncated),
            (b"HTTP/1.1 200 OK\rContent-Length: 2\r\r{}", HeadError::Truncated),
        ] {
            let (out, _) = through(answer);
            let out = out.expect_err("an error");
            assert_eq!(out.get_ref().and_then(|e| e.downcast_ref::<HeadError>()), Some(&error));
        }
    }

    #[test]
    fn nothing_at_all_is_an_empty_read() {
        assert_eq!(through(b"").0.unwrap(), b"");
    }

    /// On a reused connection the answer to the next request is read the phone's way too.
    #[test]
    fn each_request_on_a_connection_gets_its_head_read() {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        runtime.block_on(async {
            let (client, mut server) = tokio::io::duplex(1 << 16);
            let (mut reader, shared) = Lenient::new(Box::new(client));
            let first = b"HTTP/1.1 302 Found\r\nlocation: /b\r\ncontent-length: 0\r\n\r\n";
            server.write_all(first).await.unwrap();
            let mut got = vec![0u8; first.len()];
            reader.read_exact(&mut got).await.unwrap();
            assert_eq!(got, first);
            reader.write_all(b"GET /b HTTP/1.1\r\nhost: a\r\n\r\n").await.unwrap();
            server.write_all(b"HTTP/1.1 2OO OK\r\ncontent-length: 2\r\n\r\n{}").await.unwrap();
            drop(server);
            let mut rest = Vec::new();
            reader.read_to_end(&mut rest).await.unwrap();
            assert!(rest.starts_with(b"HTTP/1.1 200 OK\r\n"), "{}", String::from_utf8_lossy(&rest));
            assert_eq!(lock(&shared).reading.as_ref().map(|r| r.status), Some(2));
        });
    }

    #[test]
    fn a_request_line_starts_a_new_head() {
        assert!(starts_request(b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n"));
        assert!(!starts_request(b"{\"a\": 1}"));
    }
}
