//! Where a diagnosis spent its time, span by span, measured from its start:
//! the phone's own request (named after `res.profile`'s phases) and every
//! extra request reqdoctor made to explain a failure, so that `total` never
//! hides time.

use std::time::Duration;

use tokio::time::Instant;

/// One stretch of the diagnosis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub kind: SpanKind,
    /// From the start of the diagnosis.
    pub start: Duration,
    pub end: Duration,
}

/// What a [`Span`] was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// The phone's request: `domainLookUpStart` → `domainLookUpEnd`.
    Dns,
    /// TCP: `connectStart` → `SSLconnectionStart` (or `connectEnd`).
    Connect,
    /// `SSLconnectionStart` → `SSLconnectionEnd`.
    Tls,
    /// `requestStart` → `responseStart`: the server's time to answer.
    Waiting,
    /// `responseStart` → `responseEnd`: the response's head and body.
    Receiving,
    /// One redirect followed (a new connection when it needed one, and its exchange).
    Redirect,
    /// The server asked for HTTP/1.1 over h2 and the request went again, as Chromium does.
    Http11Retry,
    /// The QUIC handshake of the HTTP/3 attempt (with QUIC on, the phone makes it too).
    QuicHandshake,
    /// The request over HTTP/3, on that QUIC connection.
    H3Request,
    /// Extra: the phone's own ClientHello, sent raw after the handshake failed.
    PhoneHello,
    /// Extra: TLS 1.1 and 1.0 hellos, sent after the phone's hello was refused.
    LegacyHellos,
    /// Extra: a 国密 TLCP hello.
    TlcpHello,
    /// Extra: reading a certificate message larger than rustls accepts.
    LargeChain,
    /// Extra: a bare `HEAD /` for the server's `Date` after the certificate was refused.
    DateProbe,
    /// Extra: the host's other addresses, tried in parallel (waited for at the end).
    OtherAddresses,
    /// Extra: asking the proxy for a tunnel (`CONNECT`), which the phone does not use.
    ProxyConnect,
}

impl SpanKind {
    /// The stable name in the JSON report's `timeline`.
    pub fn key(self) -> &'static str {
        match self {
            SpanKind::Dns => "domainLookUp",
            SpanKind::Connect => "connect",
            SpanKind::Tls => "SSLconnection",
            SpanKind::Waiting => "request",
            SpanKind::Receiving => "response",
            SpanKind::Redirect => "redirect",
            SpanKind::Http11Retry => "http11_retry",
            SpanKind::QuicHandshake => "quic_handshake",
            SpanKind::H3Request => "h3_request",
            SpanKind::PhoneHello => "phone_hello",
            SpanKind::LegacyHellos => "legacy_hellos",
            SpanKind::TlcpHello => "tlcp_hello",
            SpanKind::LargeChain => "large_chain",
            SpanKind::DateProbe => "date_probe",
            SpanKind::OtherAddresses => "other_addresses",
            SpanKind::ProxyConnect => "proxy_connect",
        }
    }

    /// Whether the phone makes this request too; extras are reqdoctor's own.
    pub fn is_extra(self) -> bool {
        !matches!(
            self,
            SpanKind::Dns
                | SpanKind::Connect
                | SpanKind::Tls
                | SpanKind::Waiting
                | SpanKind::Receiving
                | SpanKind::Redirect
                | SpanKind::Http11Retry
                | SpanKind::QuicHandshake
                | SpanKind::H3Request
        )
    }

    /// Whether this stretch is the HTTP/3 attempt, which the phone races against its TCP request.
    pub fn is_quic(self) -> bool {
        matches!(self, SpanKind::QuicHandshake | SpanKind::H3Request)
    }
}

/// The spans of one diagnosis, as they are measured.
#[derive(Debug)]
pub struct Timeline {
    origin: Instant,
    spans: Vec<Span>,
}

impl Timeline {
    pub fn new(origin: Instant) -> Timeline {
        Timeline { origin, spans: Vec::new() }
    }

    /// Records `kind` from `since` until now.
    pub fn mark(&mut self, kind: SpanKind, since: Instant) {
        self.push(kind, since, Instant::now());
    }

    /// Records `kind` from `start` to `end`.
    pub fn push(&mut self, kind: SpanKind, start: Instant, end: Instant) {
        let offset = |at: Instant| at.saturating_duration_since(self.origin);
        self.spans.push(Span { kind, start: offset(start), end: offset(end.max(start)) });
    }

    /// The spans in the order they started.
    pub fn finish(mut self) -> Vec<Span> {
        self.spans.sort_by_key(|span| (span.start, span.end));
        self.spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_ordered_by_start_and_never_run_backwards() {
        let origin = Instant::now();
        let mut timeline = Timeline::new(origin);
        let later = origin + Duration::from_millis(5);
        timeline.push(SpanKind::Tls, later, origin + Duration::from_millis(9));
        timeline.push(SpanKind::Dns, origin, origin + Duration::from_millis(2));
        timeline.push(SpanKind::DateProbe, later, origin);
        let spans = timeline.finish();
        assert_eq!(spans[0].kind, SpanKind::Dns);
        assert_eq!(
            spans[1],
            Span { kind: SpanKind::DateProbe, start: Duration::from_millis(5), end: Duration::from_millis(5) }
        );
        assert_eq!(spans[2].end, Duration::from_millis(9));
        assert!(SpanKind::DateProbe.is_extra() && !SpanKind::Redirect.is_extra());
    }
}
