//! `profile`: the diagnosis's first request timed with the field names of
//! `wx.request`'s `res.profile`, so that a support engineer can set a phone's
//! profile beside reqdoctor's. Times are Unix milliseconds, as the phone's are;
//! reqdoctor's phases are placed back to back from `fetchStart`, and a phase
//! that did not happen is 0, as the phone reports a connection that is not
//! secure. The phone's own estimates (`rtt`, `estimate_nettype`, the
//! throughput fields) have no counterpart here and are left out.
//!
//! When the request over HTTP/3 answered, the profile is that request's, as
//! a phone that knows the origin's h3 sends it: `protocol` `h3`, the QUIC
//! handshake as both `connect` and `SSLconnection` (QUIC's handshake is its
//! TLS one), and the UDP peer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::probe::Trace;
use crate::probe::quic::Http3;

/// `res.profile`, as far as reqdoctor can fill it in.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[allow(non_snake_case)]
pub struct Profile {
    pub fetchStart: f64,
    pub redirectStart: f64,
    pub redirectEnd: f64,
    pub domainLookUpStart: f64,
    pub domainLookUpEnd: f64,
    pub connectStart: f64,
    /// The connection is complete: TCP and, for https, TLS (as Cronet counts it).
    pub connectEnd: f64,
    pub SSLconnectionStart: f64,
    pub SSLconnectionEnd: f64,
    pub requestStart: f64,
    pub requestEnd: f64,
    pub responseStart: f64,
    pub responseEnd: f64,
    /// `h3`, `h2` or `http/1.1`, as Cronet names the negotiated protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peerIP: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub socketReused: bool,
    pub sendBytesCount: u64,
    /// Sic: the phone's field name.
    pub receivedBytedCount: u64,
}

impl Profile {
    /// The profile of a diagnosis that opened a connection; `None` for one that never got to.
    pub fn of(trace: &Trace) -> Option<Profile> {
        let conn = trace.connection.as_ref()?;
        if let Some(h3) = Profile::of_http3(trace) {
            return Some(h3);
        }
        let at = |offset: Duration| millis_since_epoch(trace.started_at + offset);
        let t = &trace.timings;
        let fetch = at(Duration::ZERO);
        let dns_end = t.dns.unwrap_or_default();
        let tcp_end = dns_end + t.connect.unwrap_or_default();
        let tls_end = tcp_end + t.tls.unwrap_or_default();
        let first = trace.http.as_ref().and_then(|h| h.hops.first()).and_then(|hop| hop.response.as_ref());
        let redirected = trace.http.as_ref().is_some_and(|h| h.hops.len() > 1);
        let response_start = tls_end + t.ttfb.unwrap_or_default();
        // The phone's request ends with its last phase, before reqdoctor's extra requests.
        let phone_end = trace
            .spans
            .iter()
            .filter(|s| !s.kind.is_extra() && !s.kind.is_quic())
            .map(|s| s.end)
            .max()
            .unwrap_or(t.total);
        let or_zero = |happened: bool, value: f64| if happened { value } else { 0.0 };
        // Through a proxy, the peer would be the proxy: the server's address is unknown here.
        let peer = conn.tcp.as_ref().and_then(|tcp| tcp.chosen).filter(|_| conn.proxy.is_none());
        let responses = || trace.http.iter().flat_map(|h| &h.hops).filter_map(|hop| hop.response.as_ref());
        Some(Profile {
            fetchStart: fetch,
            redirectStart: or_zero(redirected, at(response_start)),
            redirectEnd: or_zero(redirected, at(phone_end)),
            domainLookUpStart: fetch,
            domainLookUpEnd: at(dns_end),
            connectStart: at(dns_end),
            connectEnd: or_zero(t.connect.is_some(), at(tls_end)),
            SSLconnectionStart: or_zero(t.tls.is_some(), at(tcp_end)),
            SSLconnectionEnd: or_zero(t.tls.is_some(), at(tls_end)),
            requestStart: or_zero(first.is_some(), at(tls_end)),
            requestEnd: or_zero(first.is_some(), at(tls_end)),
            responseStart: or_zero(first.is_some(), at(response_start)),
            responseEnd: or_zero(first.is_some(), at(phone_end)),
            protocol: first.map(|response| match response.protocol {
                crate::probe::http::Protocol::Http1 => "http/1.1",
                crate::probe::http::Protocol::Http2 => "h2",
            }),
            peerIP: peer.map(|addr| addr.ip().to_string()),
            port: peer.map(|addr| addr.port()),
            socketReused: false,
            sendBytesCount: responses().map(|r| r.sent_bytes).sum(),
            receivedBytedCount: responses().map(|r| r.head_bytes + r.body_bytes).sum(),
        })
    }
}

impl Profile {
    /// The request over HTTP/3, when it answered; its phases back to back from the DNS lookup.
    fn of_http3(trace: &Trace) -> Option<Profile> {
        let Some(Http3::Tried(quic)) = &trace.http3 else { return None };
        let response = quic.response()?;
        let at = |offset: Duration| millis_since_epoch(trace.started_at + offset);
        let dns_end = trace.timings.dns.unwrap_or_default();
        let connected = dns_end + quic.handshake_time;
        Some(Profile {
            fetchStart: at(Duration::ZERO),
            redirectStart: 0.0,
            redirectEnd: 0.0,
            domainLookUpStart: at(Duration::ZERO),
            domainLookUpEnd: at(dns_end),
            connectStart: at(dns_end),
            connectEnd: at(connected),
            SSLconnectionStart: at(dns_end),
            SSLconnectionEnd: at(connected),
            requestStart: at(connected),
            requestEnd: at(connected),
            responseStart: at(connected + response.ttfb),
            responseEnd: at(connected + response.total),
            protocol: Some("h3"),
            peerIP: Some(quic.addr.ip().to_string()),
            port: Some(quic.addr.port()),
            socketReused: false,
            sendBytesCount: response.sent_bytes,
            receivedBytedCount: response.head_bytes + response.body_bytes,
        })
    }
}

/// Unix milliseconds with microsecond precision.
fn millis_since_epoch(time: SystemTime) -> f64 {
    let micros = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    micros as f64 / 1000.0
}
