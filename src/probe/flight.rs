//! Reads a server's first flight, as the raw probes and the TLS handshake
//! record it: the ServerHello (the version, cipher suite, group and ALPN the
//! server chose), an alert, and — in TLS 1.2, where they travel in the clear —
//! the certificates and the ECDHE group of the ServerKeyExchange.

use rustls_pki_types::CertificateDer;

use super::hello::WireVersion;

/// What the server chose in its ServerHello (or HelloRetryRequest).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// The negotiated version (supported_versions for TLS 1.3).
    pub version: WireVersion,
    /// The cipher suite; `None` when the message was cut short.
    pub suite: Option<u16>,
    /// The key exchange group: TLS 1.3's key_share, TLS 1.2's ServerKeyExchange.
    pub group: Option<u16>,
    /// The ALPN protocol, when the server sent it in the clear (TLS 1.2).
    pub alpn: Option<String>,
    /// A HelloRetryRequest: TLS 1.3 accepted, but another key share wanted.
    pub retry: bool,
}

/// What the server did with one hand-built ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello: it would go on with these choices.
    Accepted(ServerHello),
    /// A fatal alert, by its description code.
    Alert(u8),
    Closed,
    NotTls,
    TimedOut,
    Io(String),
}

impl Answer {
    pub fn hello(&self) -> Option<&ServerHello> {
        match self {
            Answer::Accepted(hello) => Some(hello),
            _ => None,
        }
    }
}

/// The random of a HelloRetryRequest (RFC 8446 §4.1.3).
const RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11,
    0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Reads a server's first flight: the answer, and the certificates sent in
/// the clear. The entry point for property tests and fuzzing.
pub fn read_flight(bytes: &[u8]) -> (Option<Answer>, Vec<CertificateDer<'static>>) {
    let mut records = Records::default();
    records.feed(bytes);
    (records.answer(), records.certificates)
}

/// Reassembles the server's records into handshake messages.
#[derive(Debug, Default)]
pub(super) struct Records {
    pending: Vec<u8>,
    handshake: Vec<u8>,
    pub(super) received: usize,
    server_hello: Option<ServerHello>,
    alert: Option<u8>,
    not_tls: bool,
    finished_flight: bool,
    pub(super) certificates: Vec<CertificateDer<'static>>,
    /// The length of the Certificate message, known from its header even
    /// before the whole message arrives.
    pub(super) certificate_len: Option<usize>,
}

impl Records {
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        self.received += bytes.len();
        self.pending.extend_from_slice(bytes);
        while let Some((kind, payload)) = self.next_record() {
            match kind {
                22 => {
                    self.handshake.extend_from_slice(&payload);
                    self.parse_handshake();
                }
                21 => self.alert = payload.get(1).copied().or(Some(0)),
                // ChangeCipherSpec and encrypted records follow a TLS 1.3 ServerHello.
                20 | 23 if self.server_hello.is_some() => self.finished_flight = true,
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
            if self.handshake[0] == 11 {
                self.certificate_len.get_or_insert(len);
            }
            if self.handshake.len() < 4 + len {
                return;
            }
            let message: Vec<u8> = self.handshake.drain(..4 + len).collect();
            let body = &message[4..];
            match message[0] {
                2 if body.len() >= 2 => self.server_hello = Some(server_hello(body)),
                11 => self.certificates = parse_certificates(body),
                12 => self.note_key_exchange(body),
                14 => self.finished_flight = true, // ServerHelloDone
                _ => {}
            }
        }
    }

    /// TLS 1.2 ECDHE: `curve_type` 3 (named_curve), then the group.
    fn note_key_exchange(&mut self, body: &[u8]) {
        if let (Some(hello), [3, hi, lo, ..]) = (self.server_hello.as_mut(), body) {
            hello.group.get_or_insert(u16::from_be_bytes([*hi, *lo]));
        }
    }

    /// A ServerHello with its certificates (or the end of the flight), or an alert.
    pub(super) fn done(&self) -> bool {
        let tls13 = self.server_hello.as_ref().is_some_and(|h| h.version >= WireVersion::TLS13 || h.retry);
        self.alert.is_some()
            || self.not_tls
            || (self.server_hello.is_some() && (tls13 || !self.certificates.is_empty() || self.finished_flight))
    }

    pub(super) fn answer(&self) -> Option<Answer> {
        match (&self.server_hello, self.alert) {
            (Some(hello), _) => Some(Answer::Accepted(hello.clone())),
            (None, Some(alert)) => Some(Answer::Alert(alert)),
            _ if self.not_tls => Some(Answer::NotTls),
            _ => None,
        }
    }
}

/// A ServerHello body; whatever is cut short is left out.
fn server_hello(body: &[u8]) -> ServerHello {
    let mut hello = ServerHello {
        version: WireVersion(u16::from_be_bytes([body[0], body[1]])),
        suite: None,
        group: None,
        alpn: None,
        retry: body.get(2..34).is_some_and(|random| random == RETRY_RANDOM),
    };
    let Some(&session) = body.get(34) else { return hello };
    let at = 35 + usize::from(session);
    hello.suite = body.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]));
    let mut rest = body.get(at + 5..).unwrap_or_default(); // suite, compression, extensions length
    while let [k1, k2, l1, l2, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*l1, *l2]));
        let Some(data) = tail.get(..len) else { break };
        match (u16::from_be_bytes([*k1, *k2]), data) {
            (0x002b, [hi, lo]) => hello.version = WireVersion(u16::from_be_bytes([*hi, *lo])),
            (0x0033, [hi, lo, ..]) => hello.group = Some(u16::from_be_bytes([*hi, *lo])),
            (0x0010, [_, _, n, name @ ..]) => {
                hello.alpn = name.get(..usize::from(*n)).map(|p| String::from_utf8_lossy(p).into_owned());
            }
            _ => {}
        }
        rest = &tail[len..];
    }
    hello
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
    use crate::probe::hello::put_u24;

    fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![kind];
        put_u24(&mut out, body.len());
        out.extend_from_slice(body);
        out
    }

    fn record(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![kind, 3, 3];
        out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// A ServerHello body: version, random, empty session id, suite, null compression, extensions.
    fn hello_body(version: u16, random: [u8; 32], suite: u16, extensions: &[u8]) -> Vec<u8> {
        let mut body = version.to_be_bytes().to_vec();
        body.extend_from_slice(&random);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        body.extend_from_slice(&(extensions.len() as u16).to_be_bytes());
        body.extend_from_slice(extensions);
        body
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
        let alpn = [0x00, 0x10, 0, 5, 0, 3, 2, b'h', b'2'];
        let flight = [
            handshake(2, &hello_body(0x0303, [7; 32], 0xc013, &alpn)),
            handshake(11, &certificate),
            handshake(12, &[3, 0x00, 0x1d, 32]),
        ]
        .concat();
        let (first, second) = flight.split_at(7);
        let mut records = Records::default();
        let bytes = [record(22, first), record(22, second)].concat();
        for byte in bytes.chunks(3) {
            records.feed(byte);
        }
        assert!(records.done());
        let expected = ServerHello {
            version: WireVersion::TLS12,
            suite: Some(0xc013),
            group: Some(0x001d),
            alpn: Some("h2".into()),
            retry: false,
        };
        assert_eq!(records.answer(), Some(Answer::Accepted(expected)));
        assert_eq!(records.certificates, vec![CertificateDer::from(cert)]);
    }

    #[test]
    fn tls13_comes_from_supported_versions_and_a_retry_is_named() {
        let extensions = [0x00, 0x2b, 0, 2, 3, 4, 0x00, 0x33, 0, 2, 0x11, 0xec];
        let bytes = record(22, &handshake(2, &hello_body(0x0303, RETRY_RANDOM, 0x1301, &extensions)));
        let (answer, certificates) = read_flight(&bytes);
        let hello = answer.as_ref().and_then(Answer::hello).expect("a ServerHello");
        assert_eq!(
            (hello.version, hello.suite, hello.group, hello.retry),
            (WireVersion::TLS13, Some(0x1301), Some(0x11ec), true)
        );
        assert!(certificates.is_empty());
    }

    #[test]
    fn reads_alerts_and_garbage() {
        let mut records = Records::default();
        records.feed(&record(21, &[2, 70]));
        assert_eq!(records.answer(), Some(Answer::Alert(70)));
        let mut records = Records::default();
        records.feed(b"HTTP/1.1 400 Bad Request\r\n");
        assert_eq!(records.answer(), Some(Answer::NotTls));
    }
}
