//! The words of `http.quic`: why a QUIC handshake or an HTTP/3 request
//! failed, named by the probe's typed causes (QUIC transport and TLS alert
//! codes, HTTP/3 error codes), and what to change for each.

use std::time::Duration;

use super::millis;
use super::wx::NetError;
use crate::lang::Lang;
use crate::probe::quic::{H3Error, QuicFailure, QuicTrace};
use crate::say;
use crate::text::{MAX_NAME, clean};

/// TLS's no_application_protocol alert: the server does not speak the ALPN offered (h3).
const NO_APPLICATION_PROTOCOL: u8 = 120;

/// Why no QUIC connection came up (`share`: how long it was allowed).
pub(super) fn quic_failure(failure: &QuicFailure, share: Duration, lang: Lang) -> String {
    let reason =
        |reason: &str| if reason.is_empty() { String::new() } else { format!(": {}", clean(reason, MAX_NAME)) };
    match failure {
        QuicFailure::TimedOut => {
            let ms = millis(share);
            say!(
                lang,
                "no QUIC answer within {ms} ms (UDP dropped on the way, or nothing listening)",
                "{ms} ms 内没有任何 QUIC 应答（UDP 包在途中被丢弃，或没有服务在监听）"
            )
        }
        QuicFailure::VersionMismatch => say!(
            lang,
            "the server speaks no QUIC version the phone offers (version 1, RFC 9000): it answered with version negotiation",
            "服务器不支持手机提供的 QUIC 版本（版本 1，RFC 9000），回复了版本协商"
        ),
        failure if failure.tls_alert() == Some(NO_APPLICATION_PROTOCOL) => say!(
            lang,
            "the server refused ALPN h3 (TLS alert no_application_protocol): its QUIC listener does not speak HTTP/3",
            "服务器拒绝了 ALPN h3（TLS 告警 no_application_protocol）：其 QUIC 监听不支持 HTTP/3"
        ),
        QuicFailure::ClosedByServer { code, reason: why } => match failure.tls_alert() {
            Some(alert) => say!(
                lang,
                "the server broke off the QUIC handshake with TLS alert {alert}{}",
                "服务器以 TLS 告警 {alert} 中止了 QUIC 握手{}",
                reason(why)
            ),
            None => say!(
                lang,
                "the server closed the QUIC connection with transport error 0x{code:x}{}",
                "服务器以传输错误 0x{code:x} 关闭了 QUIC 连接{}",
                reason(why)
            ),
        },
        QuicFailure::ApplicationClosed { code, reason: why } => say!(
            lang,
            "the server closed the QUIC connection ({}){}",
            "服务器关闭了 QUIC 连接（{}）{}",
            h3_code(*code),
            reason(why)
        ),
        QuicFailure::Broken { code, reason: why } => match failure.tls_alert() {
            Some(alert) => say!(
                lang,
                "the server's QUIC TLS handshake is broken (alert {alert}{})",
                "服务器的 QUIC TLS 握手有误（告警 {alert}{}）",
                reason(why)
            ),
            None => say!(
                lang,
                "the server broke the QUIC protocol (0x{code:x}{})",
                "服务器违反了 QUIC 协议（0x{code:x}{}）",
                reason(why)
            ),
        },
        QuicFailure::Reset => {
            say!(lang, "the server reset the QUIC connection (stateless reset)", "服务器重置了 QUIC 连接（无状态重置）")
        }
        QuicFailure::Local(why) => {
            say!(lang, "QUIC could not start here: {}", "无法在本机发起 QUIC：{}", clean(why, MAX_NAME))
        }
    }
}

/// Why the request over HTTP/3 got no complete response.
pub(super) fn h3_error(error: &H3Error, lang: Lang) -> String {
    match error {
        H3Error::TimedOutWaiting => {
            say!(lang, "no HTTP/3 response within the timeout budget", "超时时间内没有 HTTP/3 响应")
        }
        H3Error::TimedOutReading => {
            say!(lang, "the HTTP/3 body did not end within the timeout budget", "超时时间内 HTTP/3 响应体没有读完")
        }
        H3Error::Connection(failure) => {
            let why = quic_failure(failure, Duration::ZERO, lang);
            say!(lang, "the QUIC connection ended under the request: {why}", "请求过程中 QUIC 连接中断：{why}")
        }
        H3Error::Broken { code, .. } => {
            say!(lang, "the server broke HTTP/3 ({})", "服务器违反了 HTTP/3 协议（{}）", h3_code(*code))
        }
        H3Error::StreamReset(code) => say!(
            lang,
            "the server reset the HTTP/3 request stream ({})",
            "服务器重置了 HTTP/3 请求流（{}）",
            h3_code(*code)
        ),
        H3Error::GoingAway => {
            say!(lang, "the server sent GOAWAY before answering", "服务器在响应前发送了 GOAWAY")
        }
        H3Error::HeadTooLarge => {
            let max = crate::probe::http::MAX_HEAD / 1024;
            say!(lang, "the response head is too large (over {max} KiB)", "响应头太大（超过 {max} KiB）")
        }
        H3Error::Request(why) | H3Error::Other(why) => clean(why, MAX_NAME),
    }
}

/// What to change for a QUIC failure.
pub(super) fn failure_hint(quic: &QuicTrace, phone: NetError, lang: Lang) -> String {
    let port = quic.addr.port();
    let stop = say!(
        lang,
        "or stop advertising h3 in Alt-Svc until HTTP/3 works",
        "或在 HTTP/3 可用之前不要在 Alt-Svc 中声明 h3"
    );
    let fix = match &quic.handshake {
        Err(QuicFailure::TimedOut) => say!(
            lang,
            "open UDP {port} end to end (firewall, cloud security group) and make the load balancer forward QUIC",
            "请端到端放行 UDP {port}（防火墙、云安全组），并让负载均衡转发 QUIC"
        ),
        Err(QuicFailure::VersionMismatch) => say!(
            lang,
            "enable QUIC version 1 (RFC 9000) on the server: the phone offers no draft or Google QUIC version over h3",
            "请在服务器上启用 QUIC 版本 1（RFC 9000）：手机的 h3 不使用草案版本或 Google QUIC"
        ),
        Err(failure) if failure.tls_alert() == Some(NO_APPLICATION_PROTOCOL) => say!(
            lang,
            "offer h3 in the QUIC listener's ALPN (nginx: listen {port} quic; http3 on)",
            "请在 QUIC 监听的 ALPN 中提供 h3（nginx：listen {port} quic; http3 on）"
        ),
        Ok(_) if quic.refusal().is_some() => say!(
            lang,
            "serve the same valid certificate chain on the QUIC listener as on TCP",
            "请让 QUIC 监听使用与 TCP 相同的有效证书链"
        ),
        _ if phone == NetError::QuicProtocolError => say!(
            lang,
            "fix the HTTP/3 server or the load balancer in front of it (its QUIC breaks after the handshake)",
            "请修复 HTTP/3 服务器或其前面的负载均衡（握手之后 QUIC 出错）"
        ),
        _ => say!(
            lang,
            "fix the QUIC listener (its TLS setup, its QUIC stack)",
            "请修复 QUIC 监听（其 TLS 配置或 QUIC 实现）"
        ),
    };
    format!("{fix}, {stop}")
}

/// An HTTP/3 error code's name (RFC 9114 §8.1), else its number.
fn h3_code(code: u64) -> String {
    const NAMES: [&str; 17] = [
        "H3_NO_ERROR",
        "H3_GENERAL_PROTOCOL_ERROR",
        "H3_INTERNAL_ERROR",
        "H3_STREAM_CREATION_ERROR",
        "H3_CLOSED_CRITICAL_STREAM",
        "H3_FRAME_UNEXPECTED",
        "H3_FRAME_ERROR",
        "H3_EXCESSIVE_LOAD",
        "H3_ID_ERROR",
        "H3_SETTINGS_ERROR",
        "H3_MISSING_SETTINGS",
        "H3_REQUEST_REJECTED",
        "H3_REQUEST_CANCELLED",
        "H3_REQUEST_INCOMPLETE",
        "H3_MESSAGE_ERROR",
        "H3_CONNECT_ERROR",
        "H3_VERSION_FALLBACK",
    ];
    let name = code.checked_sub(0x100).and_then(|i| usize::try_from(i).ok()).and_then(|i| NAMES.get(i));
    name.map_or_else(|| format!("0x{code:x}"), |n| (*n).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http3_codes_are_named() {
        assert_eq!(h3_code(0x100), "H3_NO_ERROR");
        assert_eq!(h3_code(0x10c), "H3_REQUEST_CANCELLED");
        assert_eq!(h3_code(0x7), "0x7");
        assert_eq!(h3_code(0x200), "0x200");
    }

    #[test]
    fn each_failure_reads_in_both_languages() {
        let alpn = QuicFailure::ClosedByServer { code: 0x178, reason: String::new() };
        assert!(quic_failure(&alpn, Duration::ZERO, Lang::En).contains("refused ALPN h3"));
        assert!(quic_failure(&alpn, Duration::ZERO, Lang::Zh).contains("拒绝了 ALPN h3"));
        let dropped = quic_failure(&QuicFailure::TimedOut, Duration::from_millis(3000), Lang::En);
        assert!(dropped.starts_with("no QUIC answer within 3000 ms"), "{dropped}");
        let version = quic_failure(&QuicFailure::VersionMismatch, Duration::ZERO, Lang::Zh);
        assert!(version.contains("版本协商"), "{version}");
        let reset = h3_error(&H3Error::StreamReset(0x10b), Lang::En);
        assert_eq!(reset, "the server reset the HTTP/3 request stream (H3_REQUEST_REJECTED)");
        let hostile = QuicFailure::ClosedByServer { code: 0xa, reason: "bad\nline\u{1b}[31m".into() };
        assert!(!quic_failure(&hostile, Duration::ZERO, Lang::En).contains(['\n', '\u{1b}']));
    }
}
