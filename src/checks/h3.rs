//! `http.quic`: HTTP/3 over QUIC as a phone with QUIC on meets it. Chromium
//! tries QUIC only where a response advertised h3 in `Alt-Svc`, races it
//! against TCP and falls back to TCP when QUIC fails, so a QUIC failure beside
//! a working TCP path costs time, not the request (warn); only when both fail
//! does the request fail (-358 before the QUIC handshake completes, -356
//! after). A certificate or status that differs between the two paths is
//! named. The failure words live in [`super::h3_words`].

use std::time::Duration;

use super::h3_words::{failure_hint, h3_error, quic_failure};
use super::wx::{NetError, Phone};
use super::{Check, CheckId, Context, millis, upstream};
use crate::lang::Lang;
use crate::miniprogram::Api;
use crate::probe::quic::{Aim, Http3, Http3Mode, QuicTrace};
use crate::say;

/// The `http.quic` check.
pub(super) fn check(cx: &Context<'_>) -> Check {
    let id = CheckId::HttpQuic;
    let lang = cx.lang;
    if cx.probe.http3 == Http3Mode::Off {
        return Check::skip(
            id,
            say!(
                lang,
                "HTTP/3 was not tried: a mini program uses it only with QUIC on; give --http3, or --high-performance (Android's default from base library 3.5.0)",
                "未尝试 HTTP/3：小程序只有开启 QUIC 时才会使用；可加 --http3，或 --high-performance（安卓基础库 3.5.0 起的默认模式）"
            ),
        );
    }
    if cx.probe.request.api == Api::ConnectSocket {
        return Check::skip(id, say!(lang, "a WebSocket does not go over HTTP/3", "WebSocket 不经 HTTP/3"));
    }
    match cx.trace.http3.as_ref() {
        Some(Http3::Tried(quic)) => judge(quic, &Tcp::of(cx), lang),
        Some(Http3::NotAdvertised) => not_advertised(cx),
        Some(Http3::ThroughProxy) => Check::skip(
            id,
            say!(
                lang,
                "reqdoctor reached the server through a proxy, which cannot carry QUIC (UDP): HTTP/3 was not tried",
                "reqdoctor 经代理访问服务器，而代理无法转发 QUIC（UDP）：未尝试 HTTP/3"
            ),
        ),
        Some(Http3::NoAddress) | None => Check::skip(
            id,
            upstream(cx).unwrap_or_else(|| say!(lang, "no address to try QUIC on", "没有可尝试 QUIC 的地址")),
        ),
    }
}

/// `--high-performance` without an h3 advertisement: the phone stays on TCP.
fn not_advertised(cx: &Context<'_>) -> Check {
    let lang = cx.lang;
    let answered = cx.trace.http.as_ref().and_then(|h| h.hops.first()).is_some_and(|hop| hop.response.is_some());
    let because = if answered {
        say!(
            lang,
            "the response's Alt-Svc gives the phone no h3 alternative it takes ({http_altsvc} says why), so the phone stays on TCP (--http3 tries QUIC on the URL's port anyway)",
            "响应的 Alt-Svc 中没有手机会采用的 h3 备选服务（原因见 {http_altsvc}），手机会继续使用 TCP（加 --http3 可仍在 URL 的端口上尝试 QUIC）",
            http_altsvc = CheckId::HttpAltSvc
        )
    } else {
        let why = upstream(cx).unwrap_or_else(|| say!(lang, "no response", "没有响应"));
        say!(lang, "no response to read Alt-Svc from: {why}", "没有可读取 Alt-Svc 的响应：{why}")
    };
    Check::skip(CheckId::HttpQuic, because)
}

/// What the TCP path gave, to set beside QUIC.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Tcp {
    /// The first response's status, when one arrived.
    pub status: Option<u32>,
    /// From the start of the TCP connect until TLS was done.
    pub connect: Option<Duration>,
    /// The leaf certificate the TCP path was sent (DER).
    pub leaf: Option<Vec<u8>>,
    pub leaf_sha256: Option<String>,
}

impl Tcp {
    fn of(cx: &Context<'_>) -> Tcp {
        let first = cx.trace.http.as_ref().and_then(|h| h.hops.first()).and_then(|hop| hop.response.as_ref());
        let timings = &cx.trace.timings;
        let connect = timings.connect.map(|c| c + timings.tls.unwrap_or_default());
        let leaf = cx.trace.presented().and_then(|chain| chain.first()).map(|c| c.as_ref().to_vec());
        let leaf_sha256 =
            cx.chain.and_then(|c| c.as_ref().ok()).and_then(|c| c.certs.first()).map(|c| c.sha256.clone());
        Tcp { status: first.map(|r| r.status), connect, leaf, leaf_sha256 }
    }
}

/// Judges one QUIC attempt beside the TCP path.
pub(super) fn judge(quic: &QuicTrace, tcp: &Tcp, lang: Lang) -> Check {
    let check = match outcome(quic, lang) {
        Err((phone, why)) => failed(quic, tcp, phone, &why, lang),
        Ok(()) => worked(quic, tcp, lang),
    };
    facts(check, quic, tcp)
}

/// `Ok` when HTTP/3 answered (or the handshake worked and the request was not
/// repeated); else the phone's error and why.
fn outcome(quic: &QuicTrace, lang: Lang) -> Result<(), (NetError, String)> {
    if let Err(failure) = &quic.handshake {
        return Err((NetError::QuicHandshakeFailed, quic_failure(failure, quic.share, lang)));
    }
    if let Some(refusal) = quic.refusal() {
        let why = say!(
            lang,
            "the phone refuses the certificate sent over QUIC: {refusal}",
            "手机不接受 QUIC 上发送的证书：{refusal}"
        );
        return Err((NetError::QuicHandshakeFailed, why));
    }
    match &quic.answer {
        Some(Err(error)) => Err((NetError::QuicProtocolError, h3_error(error, lang))),
        _ => Ok(()),
    }
}

/// Where the attempt went, in a few words: `127.0.0.1:4433 (advertised in Alt-Svc)`.
fn place(quic: &QuicTrace, lang: Lang) -> String {
    let addr = quic.addr;
    let host = quic.alt_host.as_deref().map(|h| format!("{h} ")).unwrap_or_default();
    match quic.aim {
        Aim::AltSvc => say!(lang, "{host}{addr} (advertised in Alt-Svc)", "Alt-Svc 声明的 {host}{addr} "),
        Aim::Url => {
            say!(
                lang,
                "{host}{addr} (the URL's port: no h3 in Alt-Svc)",
                "Alt-Svc 未声明 h3 时 URL 自身的端口 {host}{addr} "
            )
        }
    }
}

/// QUIC failed: a warn when TCP answered (the phone falls back, later), else a fail.
fn failed(quic: &QuicTrace, tcp: &Tcp, phone: NetError, why: &str, lang: Lang) -> Check {
    let id = CheckId::HttpQuic;
    let place = place(quic, lang);
    let hint = failure_hint(quic, phone, lang);
    let spent = quic_time(quic, phone);
    let spent_ms = millis(spent);
    let Some(tcp_connect) = tcp.connect.filter(|_| tcp.status.is_some()) else {
        let summary = say!(
            lang,
            "HTTP/3 fails on {place}: {why}; and TCP fails too, so the request fails",
            "HTTP/3 在 {place}上失败：{why}；TCP 也失败，请求因此失败"
        );
        return Check::fail(id, summary).hint(hint).phone(Phone::Net(phone)).data("quic_error", phone.name());
    };
    let lost_ms = millis(spent.saturating_sub(tcp_connect));
    let tcp_ms = millis(tcp_connect);
    let mut summary = say!(
        lang,
        "HTTP/3 fails on {place}: {why}; the phone falls back to TCP after {spent_ms} ms on QUIC where TCP connects in {tcp_ms} ms: up to {lost_ms} ms lost",
        "HTTP/3 在 {place}上失败：{why}；手机在 QUIC 上耗费 {spent_ms} ms 后回退到 TCP，而 TCP 连接只需 {tcp_ms} ms：最多多耗 {lost_ms} ms"
    );
    if quic.aim == Aim::Url {
        summary = say!(
            lang,
            "{summary} (a phone tries QUIC here only after a response advertised h3)",
            "{summary}（手机只有在响应声明 h3 后才会在此尝试 QUIC）"
        );
    }
    Check::warn(id, summary).hint(hint).data("quic_error", phone.name()).data("lost_ms", lost_ms).data("tcp_ms", tcp_ms)
}

/// How long the phone spends on QUIC before it gives up: the handshake, or
/// the whole attempt when the failure came after it.
fn quic_time(quic: &QuicTrace, phone: NetError) -> Duration {
    match phone {
        NetError::QuicProtocolError => quic.elapsed,
        _ => quic.handshake_time,
    }
}

/// QUIC worked: pass, or warn where it differs from TCP.
fn worked(quic: &QuicTrace, tcp: &Tcp, lang: Lang) -> Check {
    let id = CheckId::HttpQuic;
    let place = place(quic, lang);
    let handshake_ms = millis(quic.handshake_time);
    let mut differences = Vec::new();
    let quic_leaf = quic.presented.first().map(|c| c.as_ref());
    if let (Some(over_quic), Some(over_tcp)) = (quic_leaf, tcp.leaf.as_deref())
        && over_quic != over_tcp
    {
        let (q, t) = (quic_sha256(quic).unwrap_or_default(), tcp.leaf_sha256.clone().unwrap_or_default());
        differences.push(say!(
            lang,
            "the certificate differs (leaf SHA-256 {q} over QUIC, {t} over TCP)",
            "证书不同（QUIC 上叶证书 SHA-256 为 {q}，TCP 上为 {t}）"
        ));
    }
    if let (Some(h3), Some(tcp_status)) = (quic.response().map(|r| r.status), tcp.status)
        && h3 != tcp_status
    {
        differences.push(say!(
            lang,
            "the status differs ({h3} over HTTP/3, {tcp_status} over TCP)",
            "状态码不同（HTTP/3 上为 {h3}，TCP 上为 {tcp_status}）"
        ));
    }
    if !differences.is_empty() {
        let list = differences.join(if lang == Lang::Zh { "；" } else { "; " });
        let summary = say!(lang, "HTTP/3 on {place} answers, but {list}", "HTTP/3 在 {place}上可用，但{list}");
        let hint = say!(
            lang,
            "serve the same certificate and the same application on the QUIC listener as on TCP: the phone uses whichever path wins its race, so it sees either",
            "请让 QUIC 监听与 TCP 使用相同的证书、指向相同的应用：手机使用竞速胜出的那条路径，两边的结果都可能看到"
        );
        return Check::warn(id, summary).hint(hint);
    }
    let summary = match quic.response() {
        Some(response) => {
            let status = response.status;
            say!(
                lang,
                "HTTP/3 works on {place}: QUIC handshake {handshake_ms} ms, status {status}, as over TCP",
                "HTTP/3 在 {place}上可用：QUIC 握手 {handshake_ms} ms，状态码 {status}，与 TCP 一致"
            )
        }
        None => say!(
            lang,
            "the QUIC handshake works on {place} ({handshake_ms} ms); the request was not sent again: its method is not safe to send twice",
            "QUIC 握手在 {place}上可用（{handshake_ms} ms）；请求未再次发送：其方法不宜重复发送"
        ),
    };
    Check::pass(id, summary)
}

/// The leaf's SHA-256 as sent over QUIC, as the report writes fingerprints.
fn quic_sha256(quic: &QuicTrace) -> Option<String> {
    quic.chain.as_ref()?.as_ref().ok()?.certs.first().map(|c| c.sha256.clone())
}

/// The attempt's facts for programs.
fn facts(check: Check, quic: &QuicTrace, tcp: &Tcp) -> Check {
    let mut check = check
        .data("address", quic.addr.to_string())
        .data("port_from", quic.aim.key())
        .data("handshake_ms", millis(quic.handshake_time))
        .data("quic_ms", millis(quic.elapsed))
        .data("raced", quic.raced)
        .took(quic.elapsed);
    if let Some(host) = &quic.alt_host {
        check = check.data("alt_host", host.clone());
    }
    if let Some(alpn) = quic.handshake.as_ref().ok().and_then(|s| s.alpn.clone()) {
        check = check.data("alpn", alpn);
    }
    if let Some(response) = quic.response() {
        check = check.data("status", response.status);
    }
    if let Some(status) = tcp.status {
        check = check.data("tcp_status", status);
    }
    if let Some(sha) = quic_sha256(quic) {
        check = check.data("leaf_sha256", sha);
    }
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;
    use crate::probe::quic::{H3Error, H3Response, QuicFailure, QuicSession};

    fn quic(handshake: Result<QuicSession, QuicFailure>, answer: Option<Result<H3Response, H3Error>>) -> QuicTrace {
        QuicTrace {
            addr: "127.0.0.1:4433".parse().unwrap(),
            aim: Aim::AltSvc,
            alt_host: None,
            share: Duration::from_secs(3),
            handshake,
            handshake_time: Duration::from_millis(3000),
            presented: Vec::new(),
            chain: None,
            answer,
            elapsed: Duration::from_millis(3000),
            raced: false,
        }
    }

    fn session() -> Result<QuicSession, QuicFailure> {
        Ok(QuicSession { version: 1, alpn: Some("h3".into()), rtt: Duration::from_millis(1) })
    }

    fn response(status: u32) -> Option<Result<H3Response, H3Error>> {
        let d = Duration::from_millis(2);
        Some(Ok(H3Response { status, ttfb: d, total: d, head_bytes: 40, body_bytes: 11, sent_bytes: 90 }))
    }

    fn tcp(status: Option<u32>) -> Tcp {
        Tcp { status, connect: Some(Duration::from_millis(20)), ..Tcp::default() }
    }

    #[test]
    fn a_quic_failure_beside_working_tcp_warns_with_the_time_lost() {
        let check = judge(&quic(Err(QuicFailure::TimedOut), None), &tcp(Some(200)), Lang::En);
        assert_eq!(check.status, Status::Warn);
        assert!(check.phone.is_none(), "the phone falls back: no error reaches the page");
        assert_eq!(check.data["lost_ms"], 2980.0);
        assert_eq!(check.data["quic_error"], "ERR_QUIC_HANDSHAKE_FAILED");
        assert!(check.summary.contains("up to 2980 ms lost"), "{}", check.summary);
    }

    #[test]
    fn both_paths_failing_fail_with_the_phase_of_the_quic_failure() {
        let handshake = judge(&quic(Err(QuicFailure::VersionMismatch), None), &tcp(None), Lang::Zh);
        assert_eq!(
            (handshake.status, handshake.phone),
            (Status::Fail, Some(Phone::Net(NetError::QuicHandshakeFailed)))
        );
        assert!(handshake.summary.contains("TCP 也失败"), "{}", handshake.summary);
        let after = judge(&quic(session(), Some(Err(H3Error::StreamReset(0x10b)))), &tcp(None), Lang::En);
        assert_eq!((after.status, after.phone), (Status::Fail, Some(Phone::Net(NetError::QuicProtocolError))));
        assert!(after.summary.contains("H3_REQUEST_REJECTED"), "{}", after.summary);
    }

    #[test]
    fn a_working_h3_passes_unless_its_status_differs() {
        let same = judge(&quic(session(), response(200)), &tcp(Some(200)), Lang::En);
        assert_eq!(same.status, Status::Pass, "{}", same.summary);
        assert_eq!(same.data["status"], 200);
        let differs = judge(&quic(session(), response(502)), &tcp(Some(200)), Lang::En);
        assert_eq!(differs.status, Status::Warn);
        assert!(differs.summary.contains("502 over HTTP/3, 200 over TCP"), "{}", differs.summary);
        let not_sent = judge(&quic(session(), None), &tcp(Some(200)), Lang::En);
        assert!(not_sent.summary.contains("not safe to send twice"), "{}", not_sent.summary);
    }
}
