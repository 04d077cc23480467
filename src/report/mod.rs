//! The report: the stable, serialisable result of one diagnosis (SPEC's JSON,
//! `schema_version` 1), built from the checks and the trace. Renderers see
//! only this type, so internals can change without changing the schema.

pub mod catalogue;
pub mod fold;
pub mod html;
pub mod json;
pub mod markdown;
pub mod profile;
pub mod summary;
pub mod text;
pub mod waterfall;

use std::net::SocketAddr;

use serde::Serialize;

use crate::cert::{Chain, PathEnd, PathStep, Role, rfc3339};
use crate::checks::{Check, CheckId, Data, Status, Wx, millis};
use crate::miniprogram::Api;
use crate::probe::Trace;
use crate::probe::timeline::Span;
use crate::routing::Route;
use crate::target::Target;
use crate::text::{MAX_LINE, clean_owned};

/// The JSON report's version; bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// One diagnosis of one target.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always 1 for this layout.
    pub schema_version: u32,
    /// Which program wrote the report.
    pub tool: Tool,
    /// The URL as given, with any credentials (`user:password@`) masked as `***@`.
    pub target: String,
    /// When the diagnosis started, RFC 3339 in UTC.
    pub started_at: Timestamp,
    /// The worst status among the checks: `pass`, `warn` or `fail`.
    pub verdict: Status,
    /// Every applicable check, in triage order (steps 1–6, then 0).
    pub checks: Vec<CheckReport>,
    /// Where the time went, in milliseconds; a phase that did not run is absent.
    pub timings_ms: TimingsMs,
    /// The `ip:port` pairs the request could use (from DNS, `--resolve` or `--connect-to`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The negotiated TLS session, when there was one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSummary>,
    /// The HTTP outcome, when a response arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSummary>,
    /// The certificates the server sent, when it sent any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateReport>,
    /// The HTTP/3 attempt (`--http3`, `--high-performance`), when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http3: Option<Http3Summary>,
    /// The first request timed with the field names of `wx.request`'s `res.profile`
    /// (the request over HTTP/3 when it answered: the phone's path once it knows h3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<profile::Profile>,
    /// Every stretch of time in the order it started: the phone's phases and
    /// reqdoctor's extra requests (`extra: true`), which `total` includes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    /// Every URL requested, in order (http.redirect's hops), for `--baseline`.
    #[serde(skip)]
    pub requested: Vec<String>,
    /// Certificate files judged by `reqdoctor cert` (no server, no timing),
    /// not a URL diagnosed by `check`.
    #[serde(skip)]
    pub of_files: bool,
}

/// A point in time, Unix seconds; written as RFC 3339 in UTC (`2026-11-25T10:00:00Z`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn of(time: std::time::SystemTime) -> Timestamp {
        Timestamp(time.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The server's chain, as sent, with what each certificate says.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateReport {
    /// Every certificate in the order the server sent them, leaf first.
    pub chain: Vec<CertEntry>,
    /// The path from the leaf toward a root, as indices into `chain`.
    pub path: Vec<usize>,
    /// The trusted root the path ends at (from the trust store; the server may have sent it too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_root: Option<String>,
    /// The issuer the path stops at because it is neither sent nor trusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_issuer: Option<String>,
    /// The path as people read it (what the text report's chain line draws).
    #[serde(skip)]
    pub steps: Vec<PathStep>,
}

/// One certificate's facts.
#[derive(Clone, Debug, Serialize)]
pub struct CertEntry {
    /// `leaf`, `intermediate`, `root` or `extra` (sent but not on the path).
    pub role: Role,
    /// A readable name: the subject's CN, else the subject, else the first SAN.
    pub name: String,
    pub subject: String,
    pub issuer: String,
    /// Hex, as the certificate encodes it.
    pub serial: String,
    /// SHA-256 of the DER, `AB:CD:…`.
    pub sha256: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// Whole days until `not_after`, rounded toward zero (negative once expired).
    pub days_left: i64,
    /// e.g. `ECDSA P-256`, `RSA 2048-bit`.
    pub key: String,
    pub signature_algorithm: String,
    /// subjectAltName entries, `DNS:…` / `IP:…`.
    pub san: Vec<String>,
    pub is_ca: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_len: Option<u32>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    /// The CA Issuers URL (Authority Information Access).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aia_issuer: Option<String>,
}

/// The program's name and version.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// One check as scripts read it.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// The stable check id, e.g. `cert.expiry`.
    pub id: CheckId,
    /// The triage step, 1–6, or 0 for the request itself.
    pub step: u8,
    pub status: Status,
    /// One line for people.
    pub summary: String,
    /// What to do about a warn/fail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// The errno/errMsg the mini program would report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wx: Option<Wx>,
    /// Facts for programs; keys are per check.
    pub data: Data,
    /// Time the check's network phase took.
    pub duration_ms: f64,
}

/// Phase durations in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TimingsMs {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb: Option<f64>,
    pub total: f64,
}

/// One stretch of a diagnosis, in milliseconds from its start.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// `domainLookUp`, `connect`, `SSLconnection`, `request`, `response`, `redirect`,
    /// `http11_retry`, `quic_handshake`, `h3_request`, or an extra: `phone_hello`, `legacy_hellos`, `tlcp_hello`,
    /// `large_chain`, `date_probe`, `other_addresses`, `proxy_connect`.
    pub phase: &'static str,
    pub start_ms: f64,
    pub end_ms: f64,
    /// reqdoctor's own request, which the phone does not make.
    pub extra: bool,
}

impl From<&Span> for TimelineEntry {
    fn from(span: &Span) -> TimelineEntry {
        TimelineEntry {
            phase: span.kind.key(),
            start_ms: millis(span.start),
            end_ms: millis(span.end),
            extra: span.kind.is_extra(),
        }
    }
}

/// The negotiated session.
#[derive(Clone, Debug, Serialize)]
pub struct TlsSummary {
    /// `TLS1.3` or `TLS1.2`.
    pub version: String,
    pub cipher_suite: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    pub ocsp_stapled: bool,
}

/// The final response.
#[derive(Clone, Debug, Serialize)]
pub struct HttpSummary {
    /// The last status received.
    pub status: u32,
    /// How many redirects were followed.
    pub redirects: usize,
    /// The last URL requested.
    pub final_url: String,
    /// The HTTP the last response came over: `HTTP/1.1` or `HTTP/2`.
    pub protocol: &'static str,
}

/// The HTTP/3 attempt: where QUIC went, how long it took, what came back.
#[derive(Clone, Debug, Serialize)]
pub struct Http3Summary {
    /// The UDP `ip:port` QUIC was sent to.
    pub address: String,
    /// `alt-svc`: the port the response advertised for h3; `url`: the URL's own (`--http3`).
    pub port_from: &'static str,
    /// Whether the QUIC handshake completed (the certificate is judged by `http.quic`).
    pub connected: bool,
    /// The QUIC handshake: until it completed, or was given up.
    pub handshake_ms: f64,
    /// The whole attempt, handshake and request.
    pub total_ms: f64,
    /// It started beside the TCP connection (`--http3`, on the URL's own port),
    /// as Chromium races QUIC against TCP, rather than after the TCP response.
    pub raced: bool,
    /// The ALPN protocol the server chose (`h3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    /// The status of the request over HTTP/3, when a response arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u32>,
    /// From sending the request over HTTP/3 to its response head.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<f64>,
}

/// The verdict in a word, with its mark: `✘ FAIL`, `! 有警告`.
pub fn verdict_word(verdict: Status, lang: crate::lang::Lang) -> &'static str {
    use crate::lang::Lang;
    match (verdict, lang) {
        (Status::Fail, Lang::En) => "✘ FAIL",
        (Status::Fail, Lang::Zh) => "✘ 不通过",
        (Status::Warn, Lang::En) => "! WARN",
        (Status::Warn, Lang::Zh) => "! 有警告",
        (_, Lang::En) => "✔ PASS",
        (_, Lang::Zh) => "✔ 通过",
    }
}

impl CheckReport {
    /// The check as scripts read it; the phone error is written for `api`.
    /// Its words and data move into the report (nothing is copied).
    pub fn new(check: Check, api: Api) -> CheckReport {
        CheckReport {
            id: check.id,
            step: check.id.step(),
            status: check.status,
            summary: clean_owned(check.summary, MAX_LINE),
            hint: check.hint.map(|hint| clean_owned(hint, MAX_LINE)),
            wx: check.phone.map(|phone| Wx {
                android: check.phone_android.map(|android| Box::new(android.wx(api))),
                ..phone.wx(api)
            }),
            data: check.data,
            duration_ms: millis(check.duration),
        }
    }
}

impl Report {
    pub fn new(target: &Target, checks: Vec<Check>, api: Api, trace: &Trace, chain: Option<Chain>) -> Report {
        let ms = |d: Option<std::time::Duration>| d.map(millis);
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "reqdoctor", version: env!("CARGO_PKG_VERSION") },
            target: target.shown(),
            started_at: Timestamp::of(trace.started_at),
            verdict: Status::worst(checks.iter().map(|c| c.status)),
            checks: checks.into_iter().map(|check| CheckReport::new(check, api)).collect(),
            timings_ms: TimingsMs {
                dns: ms(trace.timings.dns),
                connect: ms(trace.timings.connect),
                tls: ms(trace.timings.tls),
                ttfb: ms(trace.timings.ttfb),
                total: millis(trace.timings.total),
            },
            addresses: addresses(trace),
            tls: tls_summary(trace),
            http: http_summary(trace),
            certificate: chain.map(|chain| certificate_report(chain, trace.started_at)),
            http3: http3_summary(trace),
            profile: profile::Profile::of(trace),
            timeline: trace.spans.iter().map(TimelineEntry::from).collect(),
            requested: trace.http.iter().flat_map(|http| &http.hops).map(|hop| hop.url.to_string()).collect(),
            of_files: false,
        }
    }

    /// The command that wrote the report, as its title names it.
    pub fn command(&self) -> &'static str {
        if self.of_files { "reqdoctor cert" } else { "reqdoctor check" }
    }

    /// The monitoring-plugin exit code of this report's verdict.
    pub fn exit_code(&self) -> u8 {
        self.verdict.severity()
    }
}

/// The report's account of `chain`, which it takes apart (its strings move
/// into the entries rather than being copied).
fn certificate_report(chain: Chain, now: std::time::SystemTime) -> CertificateReport {
    let now = now.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let roles: Vec<Role> = (0..chain.certs.len()).map(|index| chain.role(index)).collect();
    let steps = chain.path.steps(&chain.certs);
    let entries = chain.certs.into_iter().zip(roles).map(|(cert, role)| CertEntry {
        role,
        days_left: (cert.not_after - now) / 86_400,
        key: cert.key.to_string(),
        san: cert.alt_names(),
        name: cert.name,
        subject: cert.subject,
        issuer: cert.issuer,
        serial: cert.serial,
        sha256: cert.sha256,
        not_before: Timestamp(cert.not_before),
        not_after: Timestamp(cert.not_after),
        signature_algorithm: cert.signature.name,
        is_ca: cert.is_ca,
        path_len: cert.path_len,
        key_usage: cert.key_usage,
        extended_key_usage: cert.extended_key_usage,
        aia_issuer: cert.aia_issuer,
    });
    let (trusted_root, missing_issuer) = match chain.path.end {
        PathEnd::Trusted(root) => (Some(root), None),
        PathEnd::Missing { issuer, .. } => (None, Some(issuer)),
        PathEnd::UntrustedRoot(_) => (None, None),
    };
    CertificateReport { chain: entries.collect(), path: chain.path.links, trusted_root, missing_issuer, steps }
}

fn addresses(trace: &Trace) -> Vec<String> {
    // Through a proxy the server's addresses are the proxy's to know.
    let Some(conn) = trace.connection.as_ref().filter(|c| c.proxy.is_none()) else {
        return Vec::new();
    };
    match (&conn.route, &conn.dns) {
        (Route::Dns { port, .. }, Some(lookup)) => {
            lookup.addresses().iter().map(|ip| SocketAddr::new(*ip, *port).to_string()).collect()
        }
        (Route::Fixed { addrs, .. }, _) => addrs.iter().map(ToString::to_string).collect(),
        (Route::Dns { .. }, None) => Vec::new(),
    }
}

fn tls_summary(trace: &Trace) -> Option<TlsSummary> {
    let tls = trace.connection.as_ref()?.tls.as_ref()?;
    let session = tls.session()?;
    Some(TlsSummary {
        version: session.version_name(),
        cipher_suite: session.cipher_suite_name(),
        group: session.group_name(),
        alpn: session.alpn.clone(),
        ocsp_stapled: tls.ocsp_stapled,
    })
}

fn http3_summary(trace: &Trace) -> Option<Http3Summary> {
    let Some(crate::probe::quic::Http3::Tried(quic)) = &trace.http3 else { return None };
    let session = quic.handshake.as_ref().ok();
    Some(Http3Summary {
        address: quic.addr.to_string(),
        port_from: quic.aim.key(),
        connected: session.is_some(),
        handshake_ms: millis(quic.handshake_time),
        total_ms: millis(quic.elapsed),
        raced: quic.raced,
        alpn: session.and_then(|s| s.alpn.clone()),
        status: quic.response().map(|r| r.status),
        ttfb_ms: quic.response().map(|r| millis(r.ttfb)),
    })
}

fn http_summary(trace: &Trace) -> Option<HttpSummary> {
    let http = trace.http.as_ref()?;
    let (index, hop) = http.hops.iter().enumerate().rev().find(|(_, h)| h.response.is_some())?;
    let response = hop.response.as_ref()?;
    let (status, protocol) = (response.status, response.protocol.name());
    Some(HttpSummary { status, redirects: index, final_url: hop.url.to_string(), protocol })
}
