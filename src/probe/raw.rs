//! Raw TLS probes: a hand-built ClientHello over plain TCP (or a tunnel of
//! the proxy), and the server's first flight read back, as testssl.sh does. They run only when rustls'
//! own handshake fails, to learn what the server would do with the phone
//! (whose hello offers suites rustls does not), with an old client (TLS 1.1
//! and 1.0), with a 国密 client (TLCP), and which suites it offers when it has
//! none in common with the phone. The certificates a TLS 1.2 server sends in the clear are kept so
//! that they are judged too.

use std::time::Duration;

use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, timeout_at};

use super::flight::{Answer, Records, ServerHello};
use super::hello::{self, SUITES, WireVersion};
use super::proxy::Dial;

/// The longest one probe may take.
const PROBE_LIMIT: Duration = Duration::from_secs(3);
/// The most bytes read from the server per probe.
const MAX_READ: usize = 64 * 1024;
/// The most bytes read when the probe is for a Certificate message over 64 KiB:
/// enough for the 100 KiB a phone accepts, and a little more.
const MAX_READ_LARGE: usize = 112 * 1024;
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

/// Offers the phone's ClientHello to the server `dial` reaches; when the
/// server refuses it with an alert, lists the suites it would choose instead.
pub async fn phone(dial: &Dial, host: &str, deadline: Instant) -> PhoneProbe {
    let (answer, certificates) = offer_until(dial, &hello::phone(host), deadline).await;
    let server_suites = match answer {
        Answer::Alert(_) => server_suites(dial, host, deadline).await,
        _ => Vec::new(),
    };
    PhoneProbe { answer, certificates, server_suites }
}

/// Offers TLS 1.1, then TLS 1.0; stops at the first ServerHello.
pub async fn legacy(dial: &Dial, host: &str, deadline: Instant) -> LegacyProbe {
    let mut result = LegacyProbe::default();
    for version in [WireVersion::TLS11, WireVersion::TLS10] {
        let (answer, certificates) = offer_until(dial, &hello::legacy(version, host), deadline).await;
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
async fn server_suites(dial: &Dial, host: &str, deadline: Instant) -> Vec<(u16, Option<u16>)> {
    let mut found: Vec<(u16, Option<u16>)> = Vec::new();
    while found.len() < MAX_LISTED && Instant::now() < deadline {
        let offered: Vec<u16> = SUITES
            .iter()
            .map(|suite| suite.id)
            .filter(|id| *id >> 8 != 0x13 && !found.iter().any(|(known, _)| known == id))
            .collect();
        let (answer, _) = offer_until(dial, &hello::listing(&offered, host), deadline).await;
        let Some(hello) = answer.hello() else { break };
        match hello.suite {
            Some(suite) if offered.contains(&suite) => found.push((suite, hello.group)),
            _ => break,
        }
    }
    found
}

/// A TLS 1.2 server's Certificate message, read in the clear: its length (from
/// its header) and, when it came whole, the certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LargeChain {
    pub message_len: Option<usize>,
    pub certificates: Vec<CertificateDer<'static>>,
}

/// Offers TLS 1.2 only (every suite reqdoctor knows) and reads up to 112 KiB
/// of the answer: the size of a Certificate message too large for rustls,
/// and its chain when it fits what a phone accepts.
pub async fn large_chain(dial: &Dial, host: &str, deadline: Instant) -> LargeChain {
    let offered: Vec<u16> = SUITES.iter().map(|suite| suite.id).filter(|id| *id >> 8 != 0x13).collect();
    let limit = deadline.min(Instant::now() + PROBE_LIMIT);
    let hello = hello::listing(&offered, host);
    match timeout_at(limit, read_answer(dial, &hello, MAX_READ_LARGE, limit)).await {
        Ok(Ok((records, _))) => LargeChain { message_len: records.certificate_len, certificates: records.certificates },
        _ => LargeChain::default(),
    }
}

/// What a server did with a TLCP (国密) ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tlcp {
    /// A TLCP ServerHello choosing this suite.
    Accepted { suite: u16 },
    /// Anything else: an alert, a TLS answer, a close, nothing.
    Refused,
}

/// Offers a TLCP ClientHello (the SM suites, version 1.1).
pub async fn tlcp(dial: &Dial, deadline: Instant) -> Tlcp {
    let limit = deadline.min(Instant::now() + PROBE_LIMIT);
    let exchange = async {
        let mut stream = dial.open(limit).await.ok()?;
        stream.write_all(&hello::tlcp()).await.ok()?;
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).await.ok()?;
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        let mut body = vec![0u8; len.min(MAX_READ)];
        stream.read_exact(&mut body).await.ok()?;
        tlcp_server_hello(&header, &body)
    };
    match timeout_at(limit, exchange).await {
        Ok(Some(suite)) => Tlcp::Accepted { suite },
        _ => Tlcp::Refused,
    }
}

/// The suite of a TLCP ServerHello record: record and hello versions 1.1.
fn tlcp_server_hello(header: &[u8; 5], body: &[u8]) -> Option<u16> {
    let version = hello::TLCP.0.to_be_bytes();
    if header[0] != 22 || header[1..3] != version || body.first() != Some(&2) {
        return None;
    }
    let hello = body.get(4..)?;
    if hello.get(..2)? != version {
        return None;
    }
    let session_id = usize::from(*hello.get(34)?);
    let suite = hello.get(35 + session_id..37 + session_id)?;
    Some(u16::from_be_bytes([suite[0], suite[1]]))
}

/// One probe, cut off at `deadline` or [`PROBE_LIMIT`], whichever is first.
async fn offer_until(dial: &Dial, hello: &[u8], deadline: Instant) -> (Answer, Vec<CertificateDer<'static>>) {
    let limit = deadline.min(Instant::now() + PROBE_LIMIT);
    timeout_at(limit, offer(dial, hello, limit)).await.unwrap_or((Answer::TimedOut, Vec::new()))
}

async fn offer(dial: &Dial, hello: &[u8], limit: Instant) -> (Answer, Vec<CertificateDer<'static>>) {
    match read_answer(dial, hello, MAX_READ, limit).await {
        Ok((records, closed)) => {
            let silent = if closed { Answer::Closed } else { Answer::NotTls };
            (records.answer().unwrap_or(silent), records.certificates)
        }
        Err(e) => (Answer::Io(e.to_string()), Vec::new()),
    }
}

/// Sends `hello` and reads the server's records until its first flight is
/// done, `max` bytes came, or it closes (then `true`: closed or reset).
async fn read_answer(dial: &Dial, hello: &[u8], max: usize, limit: Instant) -> std::io::Result<(Records, bool)> {
    let mut stream = dial.open(limit).await?;
    let _ = stream.set_nodelay(true);
    stream.write_all(hello).await?;
    let mut reader = Records::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return Ok((reader, true)),
            Ok(n) => reader.feed(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok((reader, true)),
            Err(e) => return Err(e),
        }
        if reader.done() || reader.received >= max {
            return Ok((reader, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_suite_of_a_tlcp_server_hello_and_nothing_else() {
        let mut hello = vec![0x01, 0x01];
        hello.extend_from_slice(&[7; 32]);
        hello.extend_from_slice(&[2, 0xaa, 0xbb, 0xe0, 0x53, 0]);
        let mut body = vec![2, 0, 0, hello.len() as u8];
        body.extend_from_slice(&hello);
        let header = [22, 1, 1, 0, body.len() as u8];
        assert_eq!(tlcp_server_hello(&header, &body), Some(0xe053));
        assert_eq!(tlcp_server_hello(&[22, 3, 3, 0, 0], &body), None, "a TLS record");
        assert_eq!(tlcp_server_hello(&[21, 1, 1, 0, 2], &[2, 40]), None, "an alert");
        assert_eq!(tlcp_server_hello(&header, &body[..20]), None, "cut short");
    }

    #[test]
    fn the_tlcp_hello_says_version_1_1_in_the_record_and_the_hello() {
        let hello = hello::tlcp();
        assert_eq!(hello[..3], [22, 1, 1]);
        assert_eq!(hello[9..11], [1, 1]);
    }
}
