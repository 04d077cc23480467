//! The way through an HTTP proxy: `CONNECT host:port` on a connection to the
//! proxy, and its answer read within the deadline. A 2xx answer leaves the
//! connection as a tunnel to the server, so TLS runs end to end through it and
//! the certificate checks see exactly what a direct connection shows. The
//! phone never takes this path; the checks say so.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::timeline::SpanKind;
use super::{Connected, Session};
use crate::proxy::{Proxy, authority};

/// The most bytes of the proxy's answer to `CONNECT` that are read.
pub const MAX_HEAD: usize = 16 * 1024;

/// The way to the server through a proxy, as far as it got.
#[derive(Clone, Debug)]
pub struct ProxyTrace {
    pub proxy: Proxy,
    /// What `CONNECT` asked for: the URL's `host:port`, or `--connect-to`'s.
    pub destination: String,
    /// The `--connect-to` rule that chose the destination.
    pub via: Option<String>,
    /// The proxy's answer; `None` when no TCP connection to it was made.
    pub tunnel: Option<Tunnel>,
}

impl ProxyTrace {
    /// Whether the tunnel to the server is open.
    pub fn is_open(&self) -> bool {
        self.tunnel.as_ref().is_some_and(|t| matches!(t.answer, Answer::Established { .. }))
    }
}

/// The `CONNECT` exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tunnel {
    pub answer: Answer,
    /// From sending `CONNECT` to the end of the answer (or the failure).
    pub elapsed: Duration,
}

/// What the proxy answered to `CONNECT`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A 2xx status: the tunnel is open.
    Established { status: u16 },
    /// Any other status. `authenticate` is the scheme the proxy asks for
    /// (`Basic`, `Negotiate`…), from its `Proxy-Authenticate`.
    Refused { status: u16, reason: String, authenticate: Option<String> },
    /// The proxy closed (or reset) the connection before a whole answer.
    Closed,
    /// No whole answer before the deadline.
    TimedOut,
    /// The answer is not an HTTP response.
    NotHttp,
    /// The answer's head is longer than [`MAX_HEAD`].
    TooLarge,
    /// Another I/O error, in the operating system's words.
    Error(String),
}

/// Asks the proxy on `stream` for a tunnel to `destination` (`host:port`) before
/// `deadline`; the stream comes back only when the tunnel is open.
pub async fn connect(
    mut stream: TcpStream,
    proxy: &Proxy,
    destination: &str,
    deadline: Instant,
) -> (Tunnel, Option<TcpStream>) {
    let started = Instant::now();
    let answer = timeout_at(deadline, ask(&mut stream, proxy, destination)).await.unwrap_or(Answer::TimedOut);
    let open = matches!(answer, Answer::Established { .. });
    (Tunnel { answer, elapsed: started.elapsed() }, open.then_some(stream))
}

async fn ask(stream: &mut TcpStream, proxy: &Proxy, destination: &str) -> Answer {
    if let Err(error) = stream.write_all(request(proxy, destination).as_bytes()).await {
        return failed(&error);
    }
    match read_head(stream).await {
        Ok(head) => parse(&head),
        Err(answer) => answer,
    }
}

/// The `CONNECT` request, with `Proxy-Authorization` when the URL carries credentials.
fn request(proxy: &Proxy, destination: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut request =
        format!("CONNECT {destination} HTTP/1.1\r\nHost: {destination}\r\nUser-Agent: reqdoctor/{version}\r\n");
    if let Some(authorization) = proxy.authorization() {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    request
}

/// Reads the answer's head a byte at a time, so that not one byte of the tunnel is taken from it.
async fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, Answer> {
    let mut head = Vec::with_capacity(256);
    let mut byte = [0u8; 1];
    while !(head.ends_with(b"\r\n\r\n") || head.ends_with(b"\n\n")) {
        if head.len() >= MAX_HEAD {
            return Err(Answer::TooLarge);
        }
        match stream.read(&mut byte).await {
            Ok(0) => return Err(Answer::Closed),
            Ok(_) => head.push(byte[0]),
            Err(error) => return Err(failed(&error)),
        }
    }
    Ok(head)
}

fn parse(head: &[u8]) -> Answer {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let (Ok(httparse::Status::Complete(_)), Some(status)) = (response.parse(head), response.code) else {
        return Answer::NotHttp;
    };
    if (200..300).contains(&status) {
        return Answer::Established { status };
    }
    let clean = |text: &str| crate::text::clean(text, 128);
    let authenticate = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("proxy-authenticate"))
        .and_then(|h| String::from_utf8_lossy(h.value).split_whitespace().next().map(clean));
    Answer::Refused { status, reason: clean(response.reason.unwrap_or_default()), authenticate }
}

fn failed(error: &io::Error) -> Answer {
    match error.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted | io::ErrorKind::BrokenPipe => Answer::Closed,
        _ => Answer::Error(error.to_string()),
    }
}

impl Session<'_> {
    /// Connects to the proxy (resolving its name unless `--resolve` fixes
    /// it) and asks it for a tunnel to `host:port`, or to `--connect-to`'s
    /// destination. The proxy's own address is never refused as internal: it
    /// is the operator's choice. A budget that runs out on the way to the
    /// proxy is the proxy's failure, not a phase of the phone's request.
    pub(super) async fn tunnel(&mut self, proxy: &Proxy, host: &str, port: u16) -> Connected {
        let ran_out = self.ran_out;
        let (to_host, to_port, via) = self.settings.routes.destination(host, port);
        let destination = authority(&to_host, to_port);
        let route = self.settings.routes.proxy_route(proxy.host(), proxy.port());
        let (mut conn, stream, _) = self.connect(route, false).await;
        let mut trace = ProxyTrace { proxy: proxy.clone(), destination, via, tunnel: None };
        let stream = match stream {
            Some(stream) => {
                let since = Instant::now();
                let (tunnel, stream) = connect(stream, proxy, &trace.destination, self.deadline).await;
                self.mark_first(SpanKind::ProxyConnect, since);
                trace.tunnel = Some(tunnel);
                stream
            }
            None => None,
        };
        if stream.is_none() {
            self.ran_out = ran_out;
        }
        conn.proxy = Some(trace);
        (conn, stream, Vec::new())
    }
}

/// How a probe of its own (the raw TLS probes) reaches the server: straight at
/// an address, or through a fresh tunnel of the proxy at an address.
#[derive(Clone, Debug)]
pub enum Dial {
    Direct(SocketAddr),
    Tunnel { at: SocketAddr, proxy: Arc<Proxy>, destination: Arc<str> },
}

impl Dial {
    /// A new connection to the server; through a proxy, one whose tunnel is open.
    pub async fn open(&self, deadline: Instant) -> io::Result<TcpStream> {
        match self {
            Dial::Direct(addr) => TcpStream::connect(addr).await,
            Dial::Tunnel { at, proxy, destination } => {
                let stream = TcpStream::connect(at).await?;
                match connect(stream, proxy, destination, deadline).await {
                    (_, Some(stream)) => Ok(stream),
                    // The probe reads only the kind: the proxy's own failure is tcp.connect's to name.
                    (tunnel, None) => Err(io::Error::from(match tunnel.answer {
                        Answer::TimedOut => io::ErrorKind::TimedOut,
                        Answer::Closed => io::ErrorKind::ConnectionReset,
                        _ => io::ErrorKind::ConnectionRefused,
                    })),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_names_the_destination_and_the_credentials() {
        let plain = Proxy::parse("http://127.0.0.1:3128", "--proxy").unwrap();
        let text = request(&plain, "api.test:443");
        assert!(text.starts_with("CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n") && !text.contains("Proxy-Authorization"), "{text}");
        let with = Proxy::parse("http://u:p@127.0.0.1:3128", "--proxy").unwrap();
        assert!(request(&with, "[::1]:443").contains("Proxy-Authorization: Basic dTpw\r\n"));
    }

    #[test]
    fn answers_are_read_by_status() {
        assert_eq!(parse(b"HTTP/1.1 200 Connection established\r\n\r\n"), Answer::Established { status: 200 });
        assert_eq!(parse(b"HTTP/1.0 204 OK\n\n"), Answer::Established { status: 204 });
        let denied = b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate abc\r\n\r\n";
        assert_eq!(
            parse(denied),
            Answer::Refused {
                status: 407,
                reason: "Proxy Authentication Required".into(),
                authenticate: Some("Negotiate".into())
            }
        );
        assert_eq!(parse(b"SSH-2.0-OpenSSH\r\n\r\n"), Answer::NotHttp);
    }

    #[tokio::test]
    async fn a_silent_proxy_times_out_and_a_closing_one_is_named() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = Proxy::parse(&addr.to_string(), "--proxy").unwrap();
        let hold = tokio::spawn(async move {
            let (_silent, _) = listener.accept().await.unwrap();
            let (closing, _) = listener.accept().await.unwrap();
            drop(closing);
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let deadline = Instant::now() + Duration::from_millis(200);
        let (tunnel, stream) = connect(TcpStream::connect(addr).await.unwrap(), &proxy, "a.test:443", deadline).await;
        assert_eq!((tunnel.answer, stream.is_none()), (Answer::TimedOut, true));
        let deadline = Instant::now() + Duration::from_secs(5);
        let (tunnel, _) = connect(TcpStream::connect(addr).await.unwrap(), &proxy, "a.test:443", deadline).await;
        assert_eq!(tunnel.answer, Answer::Closed);
        hold.abort();
    }
}
