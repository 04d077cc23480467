//! HTTP/3 as the phone speaks it when QUIC is on (`enableQuic`, and Android's
//! high-performance mode): a QUIC handshake (IETF QUIC v1, ALPN h3) on the
//! UDP port the TCP response advertised in `Alt-Svc` (or, with `--http3`, the
//! URL's own), then the TCP path's request over HTTP/3. What happened goes
//! into a [`QuicTrace`]; the check `http.quic` judges it beside the TCP path.
//!
//! [`aim`] decides where the attempt goes, [`handshake`] makes the QUIC
//! handshake, [`exchange`] sends the request; [`race`] starts it beside the
//! TCP connection, as Chromium races the two.

pub mod aim;
mod exchange;
pub mod handshake;
pub mod race;

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use tokio::time::Instant;

use super::http::Outgoing;
use super::timeline::{SpanKind, Timeline};
use super::verdicts::Verdicts;
use crate::cert::{Chain, ChainError, Refusal};
use crate::trust::Roots;

/// The longest the QUIC handshake may take: Chromium starts its TCP
/// connection at most 3 s after the QUIC one it races (when it waits at all:
/// `kMaxDelayTimeForMainJobSecs` in net/http/http_stream_factory_job_controller.cc),
/// so a QUIC attempt unanswered by then costs the phone no more.
pub const HANDSHAKE_LIMIT: Duration = Duration::from_secs(3);

/// Whether HTTP/3 is tried for `target` at all: an `https:` URL (a WebSocket
/// never goes over HTTP/3) with `--http3` or `--high-performance`.
pub fn applies(target: &crate::target::Target, settings: &super::Settings) -> bool {
    settings.http3 != Http3Mode::Off
        && target.uses_tls()
        && settings.request.api != crate::miniprogram::Api::ConnectSocket
}

/// When a diagnosis tries HTTP/3.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Http3Mode {
    /// Never (the mini program's default: `enableQuic` off).
    #[default]
    Off,
    /// When the TCP response advertises h3 in `Alt-Svc`, as a phone with QUIC on
    /// does (`--high-performance`: Android's default network module).
    Advertised,
    /// Always: on the advertised port, else the URL's own (`--http3`).
    Forced,
}

/// Why the attempt went to its port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aim {
    /// The TCP response's `Alt-Svc` advertised h3 there.
    AltSvc,
    /// Nothing was advertised; `--http3` asked for the URL's own port.
    Url,
}

impl Aim {
    /// `alt-svc` or `url`, as the JSON report writes it.
    pub fn key(self) -> &'static str {
        match self {
            Aim::AltSvc => "alt-svc",
            Aim::Url => "url",
        }
    }
}

/// The HTTP/3 side of a diagnosis that tried it.
#[derive(Debug)]
pub enum Http3 {
    /// The TCP response advertised no h3 (and `--http3` was not given): the phone stays on TCP.
    NotAdvertised,
    /// reqdoctor reached the server through a proxy, which cannot carry QUIC (UDP).
    ThroughProxy,
    /// No address to send QUIC to.
    NoAddress,
    /// The attempt, as made.
    Tried(Box<QuicTrace>),
}

/// One QUIC attempt, from the handshake to the end of the response.
#[derive(Debug)]
pub struct QuicTrace {
    pub addr: SocketAddr,
    pub aim: Aim,
    /// The host `Alt-Svc` named, when not the URL's own.
    pub alt_host: Option<String>,
    /// How long the handshake was allowed: its share of the budget.
    pub share: Duration,
    pub handshake: Result<QuicSession, QuicFailure>,
    /// Until the handshake completed, or was given up.
    pub handshake_time: Duration,
    /// The certificates the server sent over QUIC, leaf first.
    pub presented: Vec<CertificateDer<'static>>,
    /// That chain, verified by the phone's rules; `None` when none was received.
    pub chain: Option<Result<Chain, ChainError>>,
    /// The request over HTTP/3; `None` when it was not sent (no session, a
    /// refused certificate, or a method not safe to send twice).
    pub answer: Option<Result<H3Response, H3Error>>,
    /// The whole attempt, from its start to its end.
    pub elapsed: Duration,
    /// It started beside the TCP connection (see [`race`]) rather than after
    /// the TCP response.
    pub raced: bool,
}

impl QuicTrace {
    /// Why the phone refuses the certificate sent over QUIC, if it does.
    pub fn refusal(&self) -> Option<Refusal> {
        super::tls::refusal_of(self.chain.as_ref())
    }

    /// The response, when one arrived.
    pub fn response(&self) -> Option<&H3Response> {
        self.answer.as_ref()?.as_ref().ok()
    }
}

/// The facts of an established QUIC connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuicSession {
    /// The QUIC version spoken (1).
    pub version: u32,
    /// The ALPN protocol the server chose.
    pub alpn: Option<String>,
    /// The round-trip time quinn measured during the handshake.
    pub rtt: Duration,
}

/// Why no QUIC connection came up, or why one ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuicFailure {
    /// No answer within the attempt's share of the budget: UDP dropped on the way, or nothing listening.
    TimedOut,
    /// The server answered with version negotiation: it speaks no version offered (QUIC v1).
    VersionMismatch,
    /// The server closed the connection with this QUIC transport error
    /// (`0x100 + alert` for a TLS alert, e.g. `0x178` no_application_protocol).
    ClosedByServer { code: u64, reason: String },
    /// The server's application closed the connection with this code.
    ApplicationClosed { code: u64, reason: String },
    /// reqdoctor's QUIC stack broke the connection off: the server broke QUIC or TLS.
    Broken { code: u64, reason: String },
    /// The server reset the connection (a stateless reset).
    Reset,
    /// The attempt could not start here (a socket, a server name).
    Local(String),
}

impl QuicFailure {
    /// The TLS alert inside a QUIC CRYPTO_ERROR (`0x100`–`0x1ff`), if it is one.
    pub fn tls_alert(&self) -> Option<u8> {
        match self {
            QuicFailure::ClosedByServer { code, .. } | QuicFailure::Broken { code, .. } => {
                (0x100..=0x1ff).contains(code).then(|| (code - 0x100) as u8)
            }
            _ => None,
        }
    }
}

/// The response over HTTP/3.
#[derive(Clone, Debug, PartialEq)]
pub struct H3Response {
    pub status: u32,
    /// From sending the request to the response head.
    pub ttfb: Duration,
    /// From sending the request to the end of the body.
    pub total: Duration,
    /// The head's size as HTTP/1.1 would send it.
    pub head_bytes: u64,
    pub body_bytes: u64,
    /// The request's size as HTTP/1.1 would send it.
    pub sent_bytes: u64,
}

/// Why the request over HTTP/3 got no complete response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum H3Error {
    TimedOutWaiting,
    TimedOutReading,
    /// The QUIC connection ended under the request.
    Connection(QuicFailure),
    /// reqdoctor's HTTP/3 client broke the connection off with this HTTP/3 error code.
    Broken {
        code: u64,
        reason: String,
    },
    /// The server reset the request stream with this HTTP/3 error code.
    StreamReset(u64),
    /// The server is going away (GOAWAY) before answering.
    GoingAway,
    /// The response head is larger than the phone accepts.
    HeadTooLarge,
    /// The request could not be built.
    Request(String),
    /// Anything else, in h3's words.
    Other(String),
}

/// Where and what to try.
pub struct Attempt<'a> {
    pub addr: SocketAddr,
    pub aim: Aim,
    pub alt_host: Option<String>,
    /// The URL's host: SNI, and the name the certificate must cover.
    pub host: &'a str,
    /// The request to repeat over HTTP/3, when it is safe to send twice.
    pub request: Option<Outgoing<'a>>,
    /// The diagnosis's verdicts: the chain the TCP path was sent, sent again
    /// over QUIC, is not verified twice.
    pub verdicts: &'a Verdicts,
    /// The endpoint bound ahead, if any; else the attempt binds its own.
    pub bound: handshake::Bound,
}

/// An attempt as made, and its stretches of time (QUIC handshake, HTTP/3
/// request) for the caller's timeline.
pub struct Made {
    pub trace: QuicTrace,
    pub spans: Vec<(SpanKind, Instant, Instant)>,
}

impl Made {
    /// Records the attempt's spans in `timeline`.
    pub fn mark(&self, timeline: &mut Timeline) {
        for (kind, start, end) in &self.spans {
            timeline.push(*kind, *start, *end);
        }
    }
}

/// Makes the QUIC handshake (within [`HANDSHAKE_LIMIT`] and `deadline`) and,
/// when the phone accepts the certificate, sends the request until `deadline`.
pub async fn attempt(attempt: Attempt<'_>, roots: &Roots, deadline: Instant) -> Made {
    let started = Instant::now();
    let limit = deadline.min(started + HANDSHAKE_LIMIT);
    let shaken = handshake::connect(attempt.addr, attempt.host, roots, attempt.bound, limit).await;
    let handshake_time = started.elapsed();
    let mut spans = vec![(SpanKind::QuicHandshake, started, Instant::now())];
    let presented = shaken.presented;
    let chain = (!presented.is_empty()).then(|| attempt.verdicts.judge(&presented, roots, attempt.host));
    let mut trace = QuicTrace {
        addr: attempt.addr,
        aim: attempt.aim,
        alt_host: attempt.alt_host,
        share: limit.saturating_duration_since(started),
        handshake: Err(QuicFailure::TimedOut),
        handshake_time,
        presented,
        chain,
        answer: None,
        elapsed: Duration::ZERO,
        raced: false,
    };
    match shaken.result {
        Err(failure) => trace.handshake = Err(failure),
        Ok(opened) => {
            trace.handshake = Ok(opened.session);
            if let Some(request) = attempt.request.filter(|_| trace.refusal().is_none()) {
                let since = Instant::now();
                trace.answer = Some(exchange::exchange(&opened.connection, request, deadline).await);
                spans.push((SpanKind::H3Request, since, Instant::now()));
            }
            // H3_NO_ERROR: the request is done.
            opened.connection.close(0x100u32.into(), b"");
            drop(opened.endpoint);
        }
    }
    trace.elapsed = started.elapsed();
    Made { trace, spans }
}
