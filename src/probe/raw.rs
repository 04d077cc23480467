//! Raw TLS probes: a hand-built ClientHello over plain TCP, and the server's
//! first flight read back, as testssl.sh does. They run only when rustls'
//! own handshake fails, to learn what the server would do with the phone
//! (whose hello offers suites rustls does not), with an old client (TLS 1.1
//! and 1.0), and which suites it offers when it has none in common with the
//! phone. The certificates a TLS 1.2 server sends in the clear are kept so
//! that they are judged too.

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::flight::{Answer, Records, ServerHello};
use super::hello::{self, SUITES, WireVersion};

/// The longest one probe may take.
const PROBE_LIMIT: Duration = Duration::from_secs(3);
/// The most bytes read from the server per probe.
const MAX_READ: usize = 64 * 1024;
/// The most hellos spent listing a server's suites.
const MAX_LISTED: usize = 6;

/// Every legacy probe made, and what the accepting one revealed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegacyProbe {
    /// (version offered, answer) in the order tried.
    pub tries: Vec<(WireVersion, Answer)>,
    /// The certificates sent after an accepting ServerHello, leaf first.
    pub certificates: Vec<CertificateDer<'static>>,
}

impl LegacyProbe {
    /// The highest version the server accepted, if any.
    pub fn highest(&self) -> Option<WireVersion> {
        self.tries.iter().find_map(|(_, answer)| answer.hello().map(|hello| hello.version))
    }
}

/// What the server did with the phone's ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneProbe {
    pub answer: Answer,
    /// The certificates sent in the clear (TLS 1.2), leaf first.
    pub certificates: Vec<CertificateDer<'static>>,
    /// When it refused the phone: the TLS 1.2 suites it chose from a wider offer, in the order
    /// found, each with the group of its key exchange.
    pub server_suites: Vec<(u16, Option<u16>)>,
}

impl PhoneProbe {
    /// The server's choices, when it would negotiate TLS 1.2 or 1.3 with the phone.
    pub fn connects(&self) -> Option<&ServerHello> {
        self.answer.hello().filter(|hello| hello.version >= WireVersion::TLS12)
    }
}

/// Offers the phone's ClientHello to `addr`; when the server refuses it with
/// an alert, lists the suites it would choose instead.
pub async fn phone(addr: SocketAddr, host: &str, deadline: Instant) -> PhoneProbe {
    let (answer, certificates) = offer_until(addr, &hello::phone(host), deadline).await;
    let server_suites = match answer {
        Answer::Alert(_) => server_suites(addr, host, deadline).await,
        _ => Vec::new(),
    };
    PhoneProbe { answer, certificates, server_suites }
}

/// Offers TLS 1.1, then TLS 1.0, to `addr`; stops at the first ServerHello.
pub async fn legacy(addr: SocketAddr, host: &str, deadline: Instant) -> LegacyProbe {
    let mut result = LegacyProbe::default();
    for version in [WireVersion::TLS11, WireVersion::TLS10] {
        let (answer, certificates) = offer_until(addr, &hello::legacy(version, host), deadline).await;
        let accepted = answer.hello().is_some();
        result.tries.push((version, answer));
        if accepted {
            result.certificates = certificates;
            break;
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    result
}

/// The TLS 1.2 suites the server chooses when offered every suite reqdoctor
/// knows (and more groups than the phone), each found suite left out of the
/// next offer: what the server does offer.
async fn server_suites(addr: SocketAddr, host: &str, deadline: Instant) -> Vec<(u16, Option<u16>)> {
    let mut found: Vec<(u16, Option<u16>)> = Vec::new();
    while found.len() < MAX_LISTED && Instant::now() < deadline {
        let offered: Vec<u16> = SUITES
            .iter()
            .map(|suite| suite.id)
            .filter(|id| *id >> 8 != 0x13 && !found.iter().any(|(known, _)| known == id))
            .collect();
        let (answer, _) = offer_until(addr, &hello::listing(&offered, host), deadline).await;
        let Some(hello) = answer.hello() else { break };
        match hello.suite {
            Some(suite) if offered.contains(&suite) => found.push((suite, hello.group)),
            _ => break,
        }
    }
    found
}

/// One probe, cut off at `deadline` or [`PROBE_LIMIT`], whichever is first.
async fn offer_until(addr: SocketAddr, hello: &[u8], deadline: Instant) -> (Answer, Vec<CertificateDer<'static>>) {
    let limit = deadline.min(Instant::now() + PROBE_LIMIT);
    timeout_at(limit, offer(addr, hello)).await.unwrap_or((Answer::TimedOut, Vec::new()))
}

async fn offer(addr: SocketAddr, hello: &[u8]) -> (Answer, Vec<CertificateDer<'static>>) {
    let mut stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => return (Answer::Io(e.to_string()), Vec::new()),
    };
    let _ = stream.set_nodelay(true);
    if let Err(e) = stream.write_all(hello).await {
        return (Answer::Io(e.to_string()), Vec::new());
    }
    let mut reader = Records::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let read = match stream.read(&mut buf).await {
            Ok(0) => return (reader.answer().unwrap_or(Answer::Closed), reader.certificates),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (reader.answer().unwrap_or(Answer::Closed), reader.certificates);
            }
            Err(e) => return (Answer::Io(e.to_string()), Vec::new()),
        };
        reader.feed(&buf[..read]);
        if reader.done() || reader.received >= MAX_READ {
            return (reader.answer().unwrap_or(Answer::NotTls), reader.certificates);
        }
    }
}
