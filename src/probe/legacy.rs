//! Legacy TLS probes: when a server will not speak TLS 1.2/1.3, send it a
//! hand-built TLS 1.1 (then 1.0) ClientHello over plain TCP and read the
//! first records, as testssl.sh does, to name the highest version it offers.
//! No TLS library speaks these versions any more, so the bytes are built here;
//! the certificates the server sends in the clear are kept for analysis.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls_pki_types::CertificateDer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

/// The longest one legacy probe may take.
const PROBE_LIMIT: Duration = Duration::from_secs(3);
/// The most bytes read from the server per probe.
const MAX_READ: usize = 64 * 1024;

/// A protocol version as it appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireVersion(pub u16);

impl WireVersion {
    pub const TLS10: WireVersion = WireVersion(0x0301);
    pub const TLS11: WireVersion = WireVersion(0x0302);

    /// `TLS1.1`, spelt as the rest of the report spells versions.
    pub fn name(self) -> String {
        match self.0 {
            0x0300 => "SSL3.0".into(),
            0x0301 => "TLS1.0".into(),
            0x0302 => "TLS1.1".into(),
            0x0303 => "TLS1.2".into(),
            0x0304 => "TLS1.3".into(),
            other => format!("0x{other:04x}"),
        }
    }
}

/// What the server did with one legacy ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegacyAnswer {
    /// A ServerHello choosing this version.
    Accepted(WireVersion),
    /// A fatal alert, by its description code.
    Alert(u8),
    Closed,
    NotTls,
    TimedOut,
    Io(String),
}

/// Every legacy probe made, and what the accepting one revealed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegacyProbe {
    /// (version offered, answer) in the order tried.
    pub tries: Vec<(WireVersion, LegacyAnswer)>,
    /// The certificates sent after an accepting ServerHello, leaf first.
    pub certificates: Vec<CertificateDer<'static>>,
}

impl LegacyProbe {
    /// The highest version the server accepted, if any.
    pub fn highest(&self) -> Option<WireVersion> {
        self.tries.iter().find_map(|(_, answer)| match answer {
            LegacyAnswer::Accepted(version) => Some(*version),
            _ => None,
        })
    }
}

/// Offers TLS 1.1, then TLS 1.0, to `addr`; stops at the first ServerHello.
pub async fn probe(addr: SocketAddr, host: &str, deadline: Instant) -> LegacyProbe {
    let mut result = LegacyProbe::default();
    for version in [WireVersion::TLS11, WireVersion::TLS10] {
        let limit = deadline.min(Instant::now() + PROBE_LIMIT);
        let (answer, certificates) = match timeout_at(limit, offer(addr, host, version)).await {
            Ok(outcome) => outcome,
            Err(_) => (LegacyAnswer::TimedOut, Vec::new()),
        };
        let accepted = matches!(answer, LegacyAnswer::Accepted(_));
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

async fn offer(addr: SocketAddr, host: &str, version: WireVersion) -> (LegacyAnswer, Vec<CertificateDer<'static>>) {
    let mut stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => return (LegacyAnswer::Io(e.to_string()), Vec::new()),
    };
    let _ = stream.set_nodelay(true);
    if let Err(e) = stream.write_all(&client_hello(version, host)).await {
        return (LegacyAnswer::Io(e.to_string()), Vec::new());
    }
    let mut reader = Records::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let read = match stream.read(&mut buf).await {
            Ok(0) => return (reader.answer().unwrap_or(LegacyAnswer::Closed), reader.certificates),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (reader.answer().unwrap_or(LegacyAnswer::Closed), reader.certificates);
            }
            Err(e) => return (LegacyAnswer::Io(e.to_string()), Vec::new()),
        };
        reader.feed(&buf[..read]);
        if reader.done() || reader.received >= MAX_READ {
            return (reader.answer().unwrap_or(LegacyAnswer::NotTls), reader.certificates);
        }
    }
}

/// Reads a server's first flight as a legacy probe would: the answer, and the
/// certificates sent. The entry point for property tests and fuzzing.
pub fn read_flight(bytes: &[u8]) -> (Option<LegacyAnswer>, Vec<CertificateDer<'static>>) {
    let mut records = Records::default();
    records.feed(bytes);
    (records.answer(), records.certificates)
}

/// A ClientHello offering `version` with the cipher suites old servers know.
pub fn client_hello(version: WireVersion, host: &str) -> Vec<u8> {
    const SUITES: [u16; 13] = [
        0xc00a, 0xc009, 0xc014, 0xc013, 0x0039, 0x0033, 0x0035, 0x002f, 0xc012, 0x000a, 0x0005, 0x0004,
        0x00ff, // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
    ];
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(&version.0.to_be_bytes());
    body.extend_from_slice(&random());
    body.push(0); // no session id
    put_u16(&mut body, (SUITES.len() * 2) as u16);
    SUITES.iter().for_each(|suite| put_u16(&mut body, *suite));
    body.extend_from_slice(&[1, 0]); // compression: null only
    let extensions = extensions(host);
    put_u16(&mut body, extensions.len() as u16);
    body.extend_from_slice(&extensions);

    let mut handshake = vec![1]; // ClientHello
    put_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let mut record = vec![22, 0x03, 0x01]; // handshake record, TLS 1.0 record layer
    put_u16(&mut record, handshake.len() as u16);
    record.extend_from_slice(&handshake);
    record
}

fn extensions(host: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() && !host.is_empty() {
        let name = host.as_bytes();
        let mut sni = Vec::new();
        put_u16(&mut sni, (name.len() + 3) as u16);
        sni.push(0); // host_name
        put_u16(&mut sni, name.len() as u16);
        sni.extend_from_slice(name);
        extension(&mut out, 0x0000, &sni);
    }
    extension(&mut out, 0x000a, &[0, 8, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x00, 0x1d]); // groups
    extension(&mut out, 0x000b, &[1, 0]); // EC point formats: uncompressed
    out
}

fn extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, value: usize) {
    out.extend_from_slice(&(value as u32).to_be_bytes()[1..]);
}

/// Client random: not a secret here (the probe never finishes a handshake).
fn random() -> [u8; 32] {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut out = [0u8; 32];
    let mut state = seed as u64 ^ 0x9e37_79b9_7f4a_7c15;
    for chunk in out.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        chunk.copy_from_slice(&state.to_be_bytes()[..chunk.len()]);
    }
    out
}

/// Reassembles the server's records into handshake messages.
#[derive(Debug, Default)]
struct Records {
    pending: Vec<u8>,
    handshake: Vec<u8>,
    received: usize,
    server_hello: Option<WireVersion>,
    alert: Option<u8>,
    not_tls: bool,
    finished_flight: bool,
    certificates: Vec<CertificateDer<'static>>,
}

impl Records {
    fn feed(&mut self, bytes: &[u8]) {
        self.received += bytes.len();
        self.pending.extend_from_slice(bytes);
        while let Some((kind, payload)) = self.next_record() {
            match kind {
                22 => {
                    self.handshake.extend_from_slice(&payload);
                    self.parse_handshake();
                }
                21 => self.alert = payload.get(1).copied().or(Some(0)),
                _ => self.not_tls = true,
            }
        }
    }

    fn next_record(&mut self) -> Option<(u8, Vec<u8>)> {
        let [kind, major, _, hi, lo, ..] = self.pending[..] else {
            return None;
        };
        if !(20..=24).contains(&kind) || major != 3 {
            self.not_tls = true;
            self.pending.clear();
            return None;
        }
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if self.pending.len() < 5 + len {
            return None;
        }
        let payload = self.pending[5..5 + len].to_vec();
        self.pending.drain(..5 + len);
        Some((kind, payload))
    }

    fn parse_handshake(&mut self) {
        while self.handshake.len() >= 4 {
            let len = usize::from(self.handshake[1]) << 16
                | usize::from(self.handshake[2]) << 8
                | usize::from(self.handshake[3]);
            if self.handshake.len() < 4 + len {
                return;
            }
            let message: Vec<u8> = self.handshake.drain(..4 + len).collect();
            let body = &message[4..];
            match message[0] {
                2 if body.len() >= 2 => self.server_hello = Some(WireVersion(u16::from_be_bytes([body[0], body[1]]))),
                11 => self.certificates = parse_certificates(body),
                14 => self.finished_flight = true, // ServerHelloDone
                _ => {}
            }
        }
    }

    /// A ServerHello with its certificates (or the end of the flight), or an alert.
    fn done(&self) -> bool {
        self.alert.is_some()
            || self.not_tls
            || (self.server_hello.is_some() && (!self.certificates.is_empty() || self.finished_flight))
    }

    fn answer(&self) -> Option<LegacyAnswer> {
        match (self.server_hello, self.alert) {
            (Some(version), _) => Some(LegacyAnswer::Accepted(version)),
            (None, Some(alert)) => Some(LegacyAnswer::Alert(alert)),
            _ if self.not_tls => Some(LegacyAnswer::NotTls),
            _ => None,
        }
    }
}

/// The certificate_list of a TLS ≤1.2 Certificate message.
fn parse_certificates(body: &[u8]) -> Vec<CertificateDer<'static>> {
    let mut certs = Vec::new();
    let mut rest = body.get(3..).unwrap_or_default();
    while rest.len() >= 3 {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        let Some(der) = rest.get(3..3 + len) else { break };
        certs.push(CertificateDer::from(der.to_vec()));
        rest = &rest[3 + len..];
    }
    certs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_well_formed_client_hello() {
        let hello = client_hello(WireVersion::TLS11, "api.test");
        assert_eq!(&hello[..3], &[22, 3, 1]);
        let record_len = usize::from(u16::from_be_bytes([hello[3], hello[4]]));
        assert_eq!(hello.len(), 5 + record_len);
        assert_eq!(hello[5], 1, "ClientHello");
        let body_len = usize::from(hello[6]) << 16 | usize::from(hello[7]) << 8 | usize::from(hello[8]);
        assert_eq!(record_len, 4 + body_len);
        assert_eq!(&hello[9..11], &[3, 2], "offers TLS 1.1");
        assert!(hello.windows(8).any(|w| w == b"api.test"), "carries SNI");
        let no_sni = client_hello(WireVersion::TLS10, "192.0.2.1");
        assert!(!no_sni.windows(9).any(|w| w == b"192.0.2.1"), "no SNI for an IP");
    }

    fn record(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 3, 2];
        out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![kind];
        put_u24(&mut out, body.len());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn reads_server_hello_and_certificates_across_records() {
        let cert = b"fake-der".to_vec();
        let mut list = Vec::new();
        put_u24(&mut list, cert.len());
        list.extend_from_slice(&cert);
        let mut certificate = Vec::new();
        put_u24(&mut certificate, list.len());
        certificate.extend_from_slice(&list);
        let flight = [handshake(2, &[3, 2, 0, 0]), handshake(11, &certificate)].concat();
        let (first, second) = flight.split_at(7);
        let mut records = Records::default();
        let bytes = [record(22, first), record(22, second)].concat();
        for byte in bytes.chunks(3) {
            records.feed(byte);
        }
        assert!(records.done());
        assert_eq!(records.answer(), Some(LegacyAnswer::Accepted(WireVersion::TLS11)));
        assert_eq!(records.certificates, vec![CertificateDer::from(cert)]);
    }

    #[test]
    fn reads_alerts_and_garbage() {
        let mut records = Records::default();
        records.feed(&record(21, &[2, 70]));
        assert_eq!(records.answer(), Some(LegacyAnswer::Alert(70)));
        let mut records = Records::default();
        records.feed(b"HTTP/1.1 400 Bad Request\r\n");
        assert_eq!(records.answer(), Some(LegacyAnswer::NotTls));
    }

    #[test]
    fn names_versions() {
        assert_eq!(WireVersion::TLS10.name(), "TLS1.0");
        assert_eq!(WireVersion(0x0302).name(), "TLS1.1");
    }
}
