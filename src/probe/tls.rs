//! The TLS handshake as a phone makes it (TLS 1.2/1.3 only, SNI = the URL's
//! host), with a verifier that records the server's chain instead of
//! aborting; the chain is then verified by the phone's rules (`cert`), so
//! every certificate defect can be named afterwards.
//!
//! One `ClientConfig` serves the whole run; the verifier it holds leaves what
//! it saw in a task-local slot owned by the handshake running in that task.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{Resumption, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    AlertDescription, ClientConfig, DigitallySignedStruct, Error, PeerIncompatible, SignatureScheme,
    SupportedCipherSuite,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::client_auth::{self, ClientAuthRequest};
use super::flight::{Answer, ServerHello};
use super::hello::{PHONE, WireVersion};
use super::raw::{LegacyProbe, PhoneProbe, Tlcp};
use super::verdicts::Verdicts;
use crate::cert::{Chain, ChainError, Refusal};
use crate::trust::Roots;

/// What the server presented and what rustls thought of it.
#[derive(Clone, Debug, Default)]
pub struct TlsTrace {
    pub result: Option<Result<TlsSession, TlsFailure>>,
    /// The certificates the server sent, leaf first, even if they were refused.
    pub presented: Vec<CertificateDer<'static>>,
    /// The chain parsed and verified by the phone's rules; `None` if none was received.
    pub chain: Option<Result<Chain, ChainError>>,
    pub ocsp_stapled: bool,
    pub duration: Duration,
    /// The phone's own ClientHello, offered when the handshake failed in a way
    /// the phone might not (see [`TlsFailure::may_be_version`]).
    pub phone: Option<PhoneProbe>,
    /// Legacy TLS 1.1/1.0 probes, made when the phone's hello was refused too.
    pub legacy: Option<LegacyProbe>,
    /// The server asked for a client certificate (none was sent).
    pub client_auth: Option<ClientAuthRequest>,
    /// A TLCP (国密) hello, offered when neither the phone's nor an old hello was accepted.
    pub tlcp: Option<Tlcp>,
    /// The size of a Certificate message too large for rustls, when a TLS 1.2
    /// hello let it be read in the clear.
    pub certificate_bytes: Option<usize>,
}

impl TlsTrace {
    /// Whether the session failed because the server will not speak TLS 1.2/1.3.
    pub fn version_refused(&self) -> bool {
        if self.phone.as_ref().is_some_and(|p| p.connects().is_some()) {
            return false;
        }
        match self.failure() {
            Some(TlsFailure::Version(_)) => true,
            Some(failure) => failure.may_be_version() && self.highest_old_version().is_some(),
            None => false,
        }
    }

    /// The highest version below TLS 1.2 the server accepted, from the phone's hello or a legacy one.
    pub fn highest_old_version(&self) -> Option<WireVersion> {
        let phone = self.phone.as_ref().and_then(|p| p.answer.hello()).map(|hello| hello.version);
        phone.filter(|v| *v < WireVersion::TLS12).or_else(|| self.legacy.as_ref()?.highest())
    }

    /// The server's choices with the phone, when the phone would get a TLS 1.2/1.3
    /// session that rustls cannot make: a cipher suite rustls does not have.
    pub fn phone_only(&self) -> Option<&ServerHello> {
        if self.session().is_some() {
            return None;
        }
        let hello = self.phone.as_ref()?.connects()?;
        hello.suite.is_some_and(|suite| !rustls_has(suite)).then_some(hello)
    }

    /// The SM suite the server chose for a TLCP hello, when it speaks 国密 TLCP
    /// and no TLS version the phone or an old client offers.
    pub fn tlcp_suite(&self) -> Option<u16> {
        match self.tlcp {
            Some(Tlcp::Accepted { suite }) if self.session().is_none() => Some(suite),
            _ => None,
        }
    }

    /// The server refused the phone's hello with handshake_failure or
    /// insufficient_security, and no older version either: no suite in common.
    pub fn no_common_suite(&self) -> bool {
        let refused = self.phone.as_ref().is_some_and(|p| matches!(p.answer, Answer::Alert(40 | 71)));
        self.session().is_none() && refused && !self.version_refused()
    }

    pub fn session(&self) -> Option<&TlsSession> {
        self.result.as_ref()?.as_ref().ok()
    }

    pub fn failure(&self) -> Option<&TlsFailure> {
        self.result.as_ref()?.as_ref().err()
    }

    /// Why the phone refuses the certificate, if it does.
    pub fn refusal(&self) -> Option<Refusal> {
        refusal_of(self.chain.as_ref())
    }

    /// Takes `chain` as what the server presented, verified for `host` now
    /// (or the diagnosis's verdict on the very same chain).
    pub fn present(&mut self, chain: Vec<CertificateDer<'static>>, host: &str, roots: &Roots, verdicts: &Verdicts) {
        self.chain = (!chain.is_empty()).then(|| verdicts.judge(&chain, roots, host));
        self.presented = chain;
    }
}

/// Why the phone refuses a presented chain (as verified by `cert`), if it does.
pub fn refusal_of(chain: Option<&Result<Chain, ChainError>>) -> Option<Refusal> {
    match chain? {
        Ok(chain) => chain.refusal(),
        Err(ChainError::Unparseable { position, .. }) if *position > 1 => Some(Refusal::AuthorityInvalid),
        Err(_) => Some(Refusal::Invalid),
    }
}

/// ring's cipher suites in the order the phone offers them (`hello::PHONE`:
/// AES-128-GCM first, as BoringSSL does on a CPU with AES instructions),
/// where rustls puts AES-256-GCM first. A server that takes the client's
/// order (nginx's default) then negotiates what it gives the phone.
pub fn phone_provider() -> CryptoProvider {
    let mut provider = ring::default_provider();
    let rank = |suite: &SupportedCipherSuite| {
        let id = u16::from(suite.suite());
        PHONE.suites.iter().position(|&phone| phone == id).unwrap_or(usize::MAX)
    };
    provider.cipher_suites.sort_by_key(rank);
    provider
}

/// Whether rustls (with ring) has this cipher suite.
pub fn rustls_has(suite: u16) -> bool {
    ring::default_provider().cipher_suites.iter().any(|s| u16::from(s.suite()) == suite)
}

/// The facts of an established session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSession {
    pub version: rustls::ProtocolVersion,
    pub cipher_suite: rustls::CipherSuite,
    pub group: Option<rustls::NamedGroup>,
    pub alpn: Option<String>,
}

impl TlsSession {
    /// `TLS1.3` or `TLS1.2`, as SPEC's metric label spells it.
    pub fn version_name(&self) -> String {
        match self.version {
            rustls::ProtocolVersion::TLSv1_3 => "TLS1.3".to_owned(),
            rustls::ProtocolVersion::TLSv1_2 => "TLS1.2".to_owned(),
            other => format!("0x{:04x}", u16::from(other)),
        }
    }

    /// The suite's IANA name as rustls spells it, e.g. `TLS13_AES_128_GCM_SHA256`.
    pub fn cipher_suite_name(&self) -> String {
        let suite = self.cipher_suite;
        suite.as_str().map_or_else(|| format!("0x{:04x}", u16::from(suite)), str::to_owned)
    }

    /// The key exchange group, e.g. `X25519`.
    pub fn group_name(&self) -> Option<String> {
        let group = self.group?;
        Some(group.as_str().map_or_else(|| format!("0x{:04x}", u16::from(group)), str::to_owned))
    }
}

/// How a server refused TLS 1.2 and 1.3.
#[derive(Clone, Debug, PartialEq)]
pub enum VersionRefusal {
    /// It answered the hello with a protocol_version alert.
    Alert,
    /// rustls found no version in common.
    Incompatible(PeerIncompatible),
}

/// Why no TLS session was established.
#[derive(Clone, Debug, PartialEq)]
pub enum TlsFailure {
    /// The request's budget ran out during the handshake, before the server said anything.
    TimedOut,
    /// The server started the handshake (sent `bytes`, a ServerHello among them
    /// when `after_hello`), then stopped answering until the budget ran out.
    Stalled {
        bytes: usize,
        after_hello: bool,
    },
    /// A handshake message (usually the certificate chain) larger than the 64 KiB rustls accepts
    /// (Chromium accepts Certificate messages up to 100 KiB).
    TooLarge,
    /// The server closed the connection without a TLS alert.
    Closed,
    Reset,
    /// The port answered in plain HTTP.
    PlainHttp,
    /// The bytes received are not TLS records.
    NotTls(Vec<u8>),
    /// The server refused TLS 1.2 and 1.3 (protocol_version alert or incompatibility).
    Version(VersionRefusal),
    /// Another fatal alert from the server.
    Alert(AlertDescription),
    /// rustls refused the server's certificate while verifying a signature.
    Certificate(Error),
    /// No common cipher suite, group or signature scheme.
    Incompatible(PeerIncompatible),
    Protocol(Error),
    /// The URL's host cannot be sent as SNI.
    BadServerName(String),
    Io(String),
}

impl TlsFailure {
    /// A failure an old server gives a TLS 1.2/1.3 hello, worth a legacy probe.
    pub fn may_be_version(&self) -> bool {
        matches!(
            self,
            TlsFailure::Version(_)
                | TlsFailure::Incompatible(_)
                | TlsFailure::Closed
                | TlsFailure::Reset
                | TlsFailure::Alert(
                    AlertDescription::HandshakeFailure
                        | AlertDescription::ProtocolVersion
                        | AlertDescription::InsufficientSecurity
                        | AlertDescription::IllegalParameter
                )
        )
    }
}

/// A stream whose TLS handshake and certificate are done with.
pub type Stream = TlsStream<Recorder<TcpStream>>;

/// Runs the handshake on `tcp` until `deadline`; `http2` offers h2 over ALPN
/// too. The chain sent is judged through `verdicts`.
pub async fn handshake(
    tcp: TcpStream,
    host: &str,
    roots: &Roots,
    verdicts: &Verdicts,
    http2: bool,
    deadline: Instant,
) -> (TlsTrace, Option<Stream>) {
    let started = Instant::now();
    let mut trace = TlsTrace::default();
    let server_name = match ServerName::try_from(host.to_owned()) {
        Ok(name) => name,
        Err(e) => {
            trace.result = Some(Err(TlsFailure::BadServerName(e.to_string())));
            return (trace, None);
        }
    };
    let first_bytes = Arc::new(Mutex::new(Some(Vec::new())));
    let io = Recorder { inner: tcp, first_bytes: first_bytes.clone() };
    let connector = TlsConnector::from(roots.client_config(http2, |verifier| client_config(verifier, http2)));
    let seen = Arc::new(Mutex::new(None));
    let connect = SEEN.scope(seen.clone(), connector.connect(server_name, io));
    let (outcome, asked) = client_auth::recording(timeout_at(deadline, connect)).await;
    trace.client_auth = asked;
    trace.duration = started.elapsed();
    // Taken, not copied: the recorder stops here, and the HTTP that follows is not kept.
    let received = first_bytes.lock().expect("not poisoned").take().unwrap_or_default();
    // What the server sent in the clear, a ServerHello and (TLS 1.2) its chain,
    // matters only when the handshake did not finish.
    let flight = || super::flight::read_flight(&received);
    let (result, stream) = match outcome {
        Err(_elapsed) if received.is_empty() => (Err(TlsFailure::TimedOut), None),
        Err(_elapsed) => {
            let after_hello = matches!(flight().0, Some(Answer::Accepted(_)));
            (Err(TlsFailure::Stalled { bytes: received.len(), after_hello }), None)
        }
        Ok(Err(error)) => (Err(classify(&error, &received)), None),
        Ok(Ok(stream)) => (Ok(session_of(&stream)), Some(stream)),
    };
    trace.result = Some(result);
    let seen = seen.lock().expect("not poisoned").take();
    if let Some(seen) = seen {
        trace.present(seen.chain, host, roots, verdicts);
        trace.ocsp_stapled = seen.ocsp_stapled;
    } else if stream.is_none() {
        // A TLS 1.2 server sends its chain in the clear: judge it even when
        // the handshake broke off before rustls got to see it.
        trace.present(flight().1, host, roots, verdicts);
    }
    (trace, stream)
}

/// The run's TLS client: TLS 1.3 and 1.2, HTTP/1.1 over ALPN (with h2 first
/// when `http2`, as the mini program's `enableHttp2`), and no session
/// resumption, so that every handshake shows the server's chain again.
fn client_config(verifier: Arc<WebPkiServerVerifier>, http2: bool) -> ClientConfig {
    let mut config = ClientConfig::builder_with_provider(Arc::new(phone_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .expect("ring supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Capture { inner: verifier, own: None }))
        .with_client_cert_resolver(Arc::new(client_auth::NoCertificate));
    config.alpn_protocols = match http2 {
        true => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        false => vec![b"http/1.1".to_vec()],
    };
    config.resumption = Resumption::disabled();
    config
}

fn session_of(stream: &Stream) -> TlsSession {
    let (_, conn) = stream.get_ref();
    // A finished handshake has negotiated both; the fallbacks only keep this total.
    TlsSession {
        version: conn.protocol_version().unwrap_or(rustls::ProtocolVersion::Unknown(0)),
        cipher_suite: conn.negotiated_cipher_suite().map_or(rustls::CipherSuite::Unknown(0), |s| s.suite()),
        group: conn.negotiated_key_exchange_group().map(|g| g.name()),
        alpn: conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
    }
}

/// Maps the handshake's error to a cause; the one place that looks inside it.
fn classify(error: &io::Error, first_bytes: &[u8]) -> TlsFailure {
    if first_bytes.starts_with(b"HTTP/") {
        return TlsFailure::PlainHttp;
    }
    if let Some(tls) = error.get_ref().and_then(|e| e.downcast_ref::<Error>()) {
        return classify_rustls(tls, first_bytes);
    }
    match error.kind() {
        io::ErrorKind::UnexpectedEof => TlsFailure::Closed,
        io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted => TlsFailure::Reset,
        _ => TlsFailure::Io(error.to_string()),
    }
}

fn classify_rustls(error: &Error, first_bytes: &[u8]) -> TlsFailure {
    match error {
        Error::AlertReceived(AlertDescription::ProtocolVersion) => TlsFailure::Version(VersionRefusal::Alert),
        Error::PeerIncompatible(
            why @ (PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::SupportedVersionsExtensionRequired),
        ) => TlsFailure::Version(VersionRefusal::Incompatible(why.clone())),
        Error::PeerIncompatible(why) => TlsFailure::Incompatible(why.clone()),
        Error::AlertReceived(alert) => TlsFailure::Alert(*alert),
        Error::InvalidCertificate(_) | Error::InvalidCertRevocationList(_) => TlsFailure::Certificate(error.clone()),
        Error::InvalidMessage(rustls::InvalidMessage::HandshakePayloadTooLarge) => TlsFailure::TooLarge,
        Error::InvalidMessage(_) if !looks_like_tls(first_bytes) => {
            TlsFailure::NotTls(first_bytes[..first_bytes.len().min(16)].to_vec())
        }
        other => TlsFailure::Protocol(other.clone()),
    }
}

/// A TLS record starts with a content type (20–24) and major version 3.
fn looks_like_tls(bytes: &[u8]) -> bool {
    matches!(bytes, [20..=24, 3, ..])
}

tokio::task_local! {
    /// Where [`Capture`] leaves the chain and verdict of the handshake this task runs.
    static SEEN: Arc<Mutex<Option<Seen>>>;
}

/// Records the chain, then lets the handshake finish so the session's facts
/// are known; the chain is verified afterwards by the phone's rules, and the
/// probe sends nothing over a refused chain. Outside a [`handshake`] (no slot
/// to record in) it enforces webpki's verdict.
#[derive(Debug)]
struct Capture {
    inner: Arc<WebPkiServerVerifier>,
    /// Its own slot, for a handshake that runs in another task (QUIC's, in
    /// quinn's connection driver); `None`: the task-local [`SEEN`].
    own: Option<Slot>,
}

/// Where a recording verifier leaves what it saw.
pub(super) type Slot = Arc<Mutex<Option<Seen>>>;

/// What the server presented during one handshake.
#[derive(Debug)]
pub(super) struct Seen {
    pub chain: Vec<CertificateDer<'static>>,
    pub ocsp_stapled: bool,
}

/// The run's verifier (over `roots`) recording into `slot` instead of a
/// task-local one: the same certificate handling as TCP's handshakes, for a
/// TLS stack that verifies in a task of its own.
pub(super) fn recording_verifier(roots: &Roots, slot: Slot) -> Arc<dyn ServerCertVerifier> {
    Arc::new(Capture { inner: roots.verifier(), own: Some(slot) })
}

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let chain = || std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect();
        let record = |slot: &Slot| {
            let seen = Seen { chain: chain(), ocsp_stapled: !ocsp_response.is_empty() };
            *slot.lock().expect("not poisoned") = Some(seen);
        };
        let recorded = match &self.own {
            Some(slot) => {
                record(slot);
                Ok(())
            }
            None => SEEN.try_with(record),
        };
        match recorded {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(_outside_a_handshake) => {
                self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// Keeps the first bytes the server sent: to recognise plain HTTP or garbage,
/// and to read a TLS 1.2 chain when the handshake breaks off. It stops once
/// the handshake has taken them (`None`).
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    first_bytes: Arc<Mutex<Option<Vec<u8>>>>,
}

/// Enough of the server's first flight to find a TLS 1.2 certificate chain.
const RECORDED: usize = 64 * 1024;

impl<S: AsyncRead + Unpin> AsyncRead for Recorder<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Ok(mut recording) = self.first_bytes.try_lock()
            && let Some(seen) = recording.as_mut()
        {
            let room = RECORDED.saturating_sub(seen.len());
            if room > 0 {
                let new = &buf.filled()[before..];
                seen.extend_from_slice(&new[..new.len().min(room)]);
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Recorder<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    /// Passed on, so that rustls sends the records it has queued in one
    /// `writev` (ChangeCipherSpec and Finished together, as BoringSSL sends
    /// them) rather than a `sendto` each.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
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

    fn io_error(error: Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, error)
    }

    #[test]
    fn the_handshake_offers_the_phones_suites_in_the_phones_order() {
        let ours: Vec<u16> = phone_provider().cipher_suites.iter().map(|s| u16::from(s.suite())).collect();
        let phone: Vec<u16> = PHONE.suites.iter().copied().filter(|&id| rustls_has(id)).collect();
        assert_eq!(ours, phone);
        assert_eq!(ours[..4], [0x1301, 0x1302, 0x1303, 0xc02b], "AES-128-GCM first, as BoringSSL");
        assert_eq!(ours.len(), ring::default_provider().cipher_suites.len(), "no suite of ring's left out");
    }

    /// A writer that keeps how many slices each write was given.
    #[derive(Default)]
    struct Writes(Vec<usize>);

    impl AsyncWrite for Writes {
        fn poll_write(mut self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.0.push(1);
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            self.0.push(bufs.len());
            Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn the_recorder_writes_queued_records_in_one_call() {
        use tokio::io::AsyncWriteExt;
        let mut recorder = Recorder { inner: Writes::default(), first_bytes: Arc::default() };
        assert!(recorder.is_write_vectored());
        let (ccs, finished) = ([20u8, 3, 3, 0, 1, 1], [23u8; 58]);
        let written = recorder.write_vectored(&[io::IoSlice::new(&ccs), io::IoSlice::new(&finished)]).await.unwrap();
        assert_eq!(written, 64);
        assert_eq!(recorder.inner.0, [2], "both records in one write");
    }

    #[tokio::test]
    async fn the_recorder_keeps_the_first_bytes_until_they_are_taken() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (client, mut server) = tokio::io::duplex(1024);
        let first_bytes = Arc::new(Mutex::new(Some(Vec::new())));
        let mut recorder = Recorder { inner: client, first_bytes: Arc::clone(&first_bytes) };
        let mut buf = [0u8; 64];
        server.write_all(b"\x16\x03\x03hello").await.unwrap();
        let n = recorder.read(&mut buf).await.unwrap();
        let taken = first_bytes.lock().unwrap().take();
        assert_eq!(taken.as_deref(), Some(&buf[..n]), "the handshake's bytes are kept");
        server.write_all(b"HTTP/1.1 200 OK").await.unwrap();
        let n = recorder.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"HTTP/1.1 200 OK", "reads go on");
        assert!(first_bytes.lock().unwrap().is_none(), "nothing is kept after they were taken");
    }

    #[test]
    fn names_each_handshake_failure() {
        let version = classify(&io_error(Error::AlertReceived(AlertDescription::ProtocolVersion)), &[21, 3, 1]);
        assert!(matches!(version, TlsFailure::Version(_)), "{version:?}");
        let http = classify(&io_error(Error::General("x".into())), b"HTTP/1.1 400 Bad");
        assert_eq!(http, TlsFailure::PlainHttp);
        let eof = classify(&io::Error::from(io::ErrorKind::UnexpectedEof), &[]);
        assert_eq!(eof, TlsFailure::Closed);
        let reset = classify(&io::Error::from(io::ErrorKind::ConnectionReset), &[]);
        assert_eq!(reset, TlsFailure::Reset);
        let garbage =
            classify(&io_error(Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)), b"garbage");
        assert_eq!(garbage, TlsFailure::NotTls(b"garbage".to_vec()));
        let alert = classify(&io_error(Error::AlertReceived(AlertDescription::HandshakeFailure)), &[21, 3, 3]);
        assert_eq!(alert, TlsFailure::Alert(AlertDescription::HandshakeFailure));
    }
}
