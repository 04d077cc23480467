//! Step 3, the TLS layer: did a TLS 1.2/1.3 session come up? Certificate
//! judgements live in `cert`; here only the protocol itself is judged.

use serde_json::json;

use super::wx::{NetError, Wx};
use super::{Check, CheckId, Context, millis, upstream};
use crate::probe::legacy::{LegacyAnswer, LegacyProbe};
use crate::probe::tls::{TlsFailure, TlsTrace};

/// `cert_failure` names the first failing cert.* check, which then carries a
/// handshake that was aborted over the certificate.
pub(super) fn checks(cx: &Context<'_>, cert_failure: Option<CheckId>) -> [Check; 2] {
    match tls_trace(cx) {
        Ok(tls) => [handshake(tls, cx, cert_failure), version(tls)],
        Err(because) => {
            [Check::skip(CheckId::TlsHandshake, because.clone()), Check::skip(CheckId::TlsVersion, because)]
        }
    }
}

/// The handshake's trace, or why there is none.
fn tls_trace<'a>(cx: &'a Context<'_>) -> Result<&'a TlsTrace, String> {
    if cx.target.is_fetchable() && !cx.target.uses_tls() {
        return Err(format!("{}: URLs carry no TLS (url.scheme)", cx.target.url.scheme()));
    }
    cx.trace
        .connection
        .as_ref()
        .and_then(|c| c.tls.as_ref())
        .ok_or_else(|| upstream(cx).unwrap_or_else(|| "no TLS handshake was attempted".into()))
}

fn handshake(tls: &TlsTrace, cx: &Context<'_>, cert_failure: Option<CheckId>) -> Check {
    let id = CheckId::TlsHandshake;
    if let Some(session) = tls.session() {
        let mut summary = format!("{}, {}", session.version, session.cipher_suite);
        if let Some(group) = &session.group {
            summary.push_str(&format!(", {group}"));
        }
        if let Some(alpn) = &session.alpn {
            summary.push_str(&format!(", ALPN {alpn}"));
        }
        summary.push_str(&format!(" in {} ms", millis(tls.duration)));
        return Check::pass(id, summary)
            .data("version", session.version.clone())
            .data("cipher_suite", session.cipher_suite.clone())
            .data("group", session.group.clone())
            .data("alpn", session.alpn.clone())
            .data("ocsp_stapled", tls.ocsp_stapled)
            .took(tls.duration);
    }
    let failure = tls.failure().expect("a handshake without a session has a failure");
    if tls.version_refused() {
        return Check::skip(id, "no TLS session: the server refuses TLS 1.2 and 1.3 (tls.version)");
    }
    if let (TlsFailure::Certificate(_), Some(check)) = (failure, cert_failure) {
        return Check::skip(id, format!("the handshake was aborted over the certificate ({check})"));
    }
    let (summary, hint, wx) = explain(failure, cx);
    Check::fail(id, summary).hint(hint).wx(Some(wx)).took(tls.duration)
}

/// A failed handshake's cause, fix and phone error; the one place that maps them.
fn explain(failure: &TlsFailure, cx: &Context<'_>) -> (String, String, Wx) {
    let port = cx.target.port();
    let protocol = Wx::net(NetError::SslProtocolError);
    match failure {
        TlsFailure::TimedOut => (
            format!("no TLS answer before the {} ms timeout budget ran out", cx.options.timeout.as_millis()),
            "the server accepts TCP but does not answer TLS: check that it serves HTTPS on this port and is not overloaded".into(),
            Wx::timeout(),
        ),
        TlsFailure::Closed => (
            "the server closed the connection during the handshake, without a TLS alert".into(),
            format!("check that port {port} serves HTTPS and that the server has a certificate for this host name (SNI)"),
            Wx::net(NetError::ConnectionClosed),
        ),
        TlsFailure::Reset => (
            "the connection was reset during the handshake".into(),
            "a firewall, proxy or the server resets TLS connections: check its logs".into(),
            Wx::net(NetError::ConnectionReset),
        ),
        TlsFailure::PlainHttp => (
            format!("port {port} answers in plain HTTP, not TLS"),
            format!("serve HTTPS on port {port} (nginx: `listen {port} ssl;`), or use the port that does"),
            protocol,
        ),
        TlsFailure::NotTls(bytes) => (
            format!("the server sent bytes that are not TLS: {}", hex(bytes)),
            format!("port {port} runs another protocol; point the URL at the HTTPS port"),
            protocol,
        ),
        TlsFailure::Alert(alert) => (
            format!("the server aborted the handshake with the TLS alert {alert:?}"),
            "the server found nothing in common with a TLS 1.2/1.3 client: enable modern cipher suites and ECDHE groups".into(),
            Wx::net(NetError::SslVersionOrCipherMismatch),
        ),
        TlsFailure::Incompatible(why) => (
            format!("no common TLS parameters with the server ({why:?})"),
            "enable the TLS 1.2/1.3 cipher suites and groups modern phones use (ECDHE with AES-GCM or ChaCha20)".into(),
            Wx::net(NetError::SslVersionOrCipherMismatch),
        ),
        TlsFailure::Certificate(error) => (
            format!("the handshake was aborted over the certificate: {error}"),
            "see the cert.* checks for the certificate's defects".into(),
            Wx::net(NetError::CertAuthorityInvalid),
        ),
        TlsFailure::Protocol(error) => (format!("TLS protocol error: {error}"), "check the server's TLS configuration".into(), protocol),
        TlsFailure::BadServerName(why) => (
            format!("the host cannot be sent as a TLS server name: {why}"),
            "use a valid DNS host name in the URL".into(),
            protocol,
        ),
        TlsFailure::Io(message) => (format!("the handshake failed: {message}"), "check the network path to the server".into(), protocol),
        TlsFailure::Version(detail) => (detail.clone(), String::new(), Wx::net(NetError::SslVersionOrCipherMismatch)),
    }
}

fn version(tls: &TlsTrace) -> Check {
    let id = CheckId::TlsVersion;
    if let Some(session) = tls.session() {
        return Check::pass(id, format!("{} negotiated", session.version)).data("version", session.version.clone());
    }
    if !tls.version_refused() {
        return Check::skip(id, "no TLS session to read the version from (tls.handshake)");
    }
    let highest = tls.legacy.as_ref().and_then(LegacyProbe::highest);
    let summary = match (highest, tls.failure()) {
        (Some(version), _) => format!("the server supports at most {}: it refuses TLS 1.2 and 1.3", version.name()),
        (None, Some(TlsFailure::Version(detail))) => {
            format!("the server does not negotiate TLS 1.2 or 1.3 ({detail}), nor answer TLS 1.1 or 1.0")
        }
        (None, _) => "the server does not negotiate TLS 1.2 or 1.3".to_owned(),
    };
    Check::fail(id, summary)
        .hint("enable TLS 1.2 and 1.3 on the server (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`); phones refuse older versions")
        .wx(Some(Wx::net(NetError::SslVersionOrCipherMismatch)))
        .data("highest_version", highest.map(|v| v.name()))
        .data("legacy_probes", legacy_probes(tls.legacy.as_ref()))
}

/// What each legacy hello got, for scripts: `[{"offered": "TLS1.1", "answer": "alert 70"}]`.
fn legacy_probes(legacy: Option<&LegacyProbe>) -> serde_json::Value {
    let tries = legacy.map(|l| l.tries.as_slice()).unwrap_or_default();
    tries
        .iter()
        .map(|(offered, answer)| {
            let answer = match answer {
                LegacyAnswer::Accepted(version) => format!("accepted {}", version.name()),
                LegacyAnswer::Alert(code) => format!("alert {code}"),
                LegacyAnswer::Closed => "closed".into(),
                LegacyAnswer::NotTls => "not TLS".into(),
                LegacyAnswer::TimedOut => "no answer".into(),
                LegacyAnswer::Io(message) => message.clone(),
            };
            json!({"offered": offered.name(), "answer": answer})
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let text: String = bytes.iter().take(8).map(|b| if b.is_ascii_graphic() { char::from(*b) } else { '.' }).collect();
    format!("{} ({text})", shown.join(" "))
}
