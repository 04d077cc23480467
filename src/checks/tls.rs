//! Step 3, the TLS layer: did a TLS 1.2/1.3 session come up? Certificate
//! judgements live in `cert`; here only the protocol itself is judged.

use rustls::AlertDescription;
use serde_json::json;

use super::wx::{NetError, Phone};
use super::{Check, CheckId, Context, millis, upstream};
use crate::lang::Lang;
use crate::probe::flight::Answer;
use crate::probe::raw::LegacyProbe;
use crate::probe::tls::{TlsFailure, TlsTrace, VersionRefusal};
use crate::say;

/// `cert_failure` names the first failing cert.* check, which then carries a
/// handshake that was aborted over the certificate.
pub(super) fn checks(cx: &Context<'_>, cert_failure: Option<CheckId>) -> Vec<Check> {
    match tls_trace(cx) {
        Ok(tls) => vec![handshake(tls, cx, cert_failure), version(tls, cx.lang), super::client_auth::check(tls, cx)],
        Err(because) => CheckId::family("tls").map(|id| Check::skip(id, because.clone())).collect(),
    }
}

/// The handshake's trace, or why there is none.
fn tls_trace<'a>(cx: &'a Context<'_>) -> Result<&'a TlsTrace, String> {
    let lang = cx.lang;
    if cx.target.is_fetchable() && !cx.target.uses_tls() {
        let scheme = cx.target.url.scheme();
        return Err(say!(
            lang,
            "{scheme}: URLs carry no TLS ({url_scheme})",
            "{scheme}: 协议的 URL 不使用 TLS（{url_scheme}）",
            url_scheme = CheckId::UrlScheme
        ));
    }
    cx.trace
        .connection
        .as_ref()
        .and_then(|c| c.tls.as_ref())
        .ok_or_else(|| upstream(cx).unwrap_or_else(|| say!(lang, "no TLS handshake was attempted", "未进行 TLS 握手")))
}

fn handshake(tls: &TlsTrace, cx: &Context<'_>, cert_failure: Option<CheckId>) -> Check {
    let id = CheckId::TlsHandshake;
    let lang = cx.lang;
    if let Some(session) = tls.session() {
        let mut summary = format!("{}, {}", session.version_name(), session.cipher_suite_name());
        if let Some(group) = session.group_name() {
            summary.push_str(&format!(", {group}"));
        }
        if let Some(alpn) = &session.alpn {
            summary.push_str(&format!(", ALPN {alpn}"));
        }
        let ms = millis(tls.duration);
        summary.push_str(&say!(lang, " in {ms} ms", "，耗时 {ms} ms"));
        return Check::pass(id, summary)
            .data("version", session.version_name())
            .data("cipher_suite", session.cipher_suite_name())
            .data("group", session.group_name())
            .data("alpn", session.alpn.clone())
            .data("ocsp_stapled", tls.ocsp_stapled)
            .took(tls.duration);
    }
    if let Some(check) = super::suites::handshake_phone_only(tls, lang) {
        return check.took(tls.duration);
    }
    let failure = tls.failure().expect("a handshake without a session has a failure");
    if let Some(because) = super::client_auth::skip_reason(tls, cx) {
        return Check::skip(id, because);
    }
    if tls.version_refused() {
        return Check::skip(
            id,
            say!(
                lang,
                "no TLS session: the server refuses TLS 1.2 and 1.3 ({tls_version})",
                "未建立 TLS 会话：服务器不支持 TLS 1.2 和 1.3（{tls_version}）",
                tls_version = CheckId::TlsVersion
            ),
        );
    }
    if *failure == TlsFailure::TooLarge {
        return too_large(tls.certificate_bytes, lang).took(tls.duration);
    }
    if let Some(suite) = tls.tlcp_suite() {
        return tlcp_only(suite, failure, lang).took(tls.duration);
    }
    if let Some(check) = super::suites::handshake_no_common_suite(tls, lang) {
        return check.took(tls.duration);
    }
    if let (TlsFailure::Certificate(_), Some(check)) = (failure, cert_failure) {
        return Check::skip(
            id,
            say!(lang, "the handshake was aborted over the certificate ({check})", "TLS 握手因证书问题中止（{check}）"),
        );
    }
    let (port, budget_ms) = (cx.target.port(), cx.probe.timeout.as_millis());
    Check::fail(id, failure_summary(failure, port, budget_ms, lang))
        .hint(failure_hint(failure, port, lang))
        .phone(phone_error(failure))
        .took(tls.duration)
}

/// The largest Certificate message Chromium (BoringSSL) accepts: 100 KiB.
pub const PHONE_MAX_CERTIFICATE: usize = 100 * 1024;

/// A Certificate message over the 64 KiB rustls reads: a warning when it is
/// within what phones accept (or its size is unknown), a failure beyond.
fn too_large(bytes: Option<usize>, lang: Lang) -> Check {
    let id = CheckId::TlsHandshake;
    let hint = say!(
        lang,
        "send only the leaf and the intermediates it needs: every handshake carries the whole chain",
        "只发送叶子证书和它需要的中间证书：每次握手都要传输整条证书链"
    );
    let check = match bytes {
        Some(n) if n > PHONE_MAX_CERTIFICATE => Check::fail(
            id,
            say!(
                lang,
                "the server's Certificate message is too large: {n} bytes, over the 100 KiB (102400 bytes) phones accept",
                "服务器的证书消息太大：{n} 字节，超过了手机能接受的 100 KiB（102400 字节）"
            ),
        )
        .phone(Phone::Net(NetError::SslProtocolError)),
        Some(n) => Check::warn(
            id,
            say!(
                lang,
                "the server's Certificate message is {n} bytes: phones accept up to 100 KiB, but reqdoctor's TLS library stops at 64 KiB, so it could not finish the handshake nor send the request; the chain, read in the clear over TLS 1.2, is judged in cert.*",
                "服务器的证书消息为 {n} 字节：手机最多接受 100 KiB，但 reqdoctor 的 TLS 库上限为 64 KiB，因此无法完成握手、也没有发出请求；证书链已通过 TLS 1.2 的明文消息读取，并在 cert.* 中检查"
            ),
        )
        .phone(None),
        None => Check::warn(
            id,
            say!(
                lang,
                "the server's Certificate message is too large for reqdoctor's TLS library (over 64 KiB); phones accept up to 100 KiB, and which side of that it is cannot be told here (TLS 1.3 encrypts it)",
                "服务器的证书消息超出了 reqdoctor 的 TLS 库上限（64 KiB）；手机最多接受 100 KiB，而 TLS 1.3 加密了该消息，这里无法判断它是否超过"
            ),
        )
        .phone(None),
    };
    check.hint(hint).data("certificate_bytes", bytes)
}

/// A server that answers a 国密 TLCP hello and refuses every TLS hello.
fn tlcp_only(suite: u16, failure: &TlsFailure, lang: Lang) -> Check {
    let name = crate::probe::hello::tlcp_suite_name(suite);
    Check::fail(
        CheckId::TlsHandshake,
        say!(
            lang,
            "the server speaks only 国密 TLCP (SM2 certificate, {name}) and refuses TLS: phones speak TLS 1.2/1.3 with RSA or ECDSA certificates only",
            "服务器只支持国密 TLCP（SM2 证书，{name}），拒绝 TLS：手机只支持使用 RSA 或 ECDSA 证书的 TLS 1.2/1.3"
        ),
    )
    .hint(say!(
        lang,
        "deploy an RSA or ECDSA certificate over TLS 1.2/1.3 beside the SM2 one (a dual-certificate server such as Tongsuo or a 国密 gateway picks by the client's hello)",
        "请在 SM2 证书之外再部署 RSA 或 ECDSA 证书，支持 TLS 1.2/1.3（铜锁 Tongsuo 或国密网关等双证书服务器会按客户端的握手自动选择）"
    ))
    .phone(phone_error(failure))
    .data("tlcp_suite", name)
}

/// What went wrong in a failed handshake; `budget_ms` is the request's timeout.
pub(super) fn failure_summary(failure: &TlsFailure, port: u16, budget_ms: u128, lang: Lang) -> String {
    match failure {
        TlsFailure::TimedOut => say!(
            lang,
            "no TLS answer before the {budget_ms} ms timeout budget ran out",
            "在 {budget_ms} ms 超时时间内未收到 TLS 响应"
        ),
        TlsFailure::Stalled { bytes, after_hello: true } => say!(
            lang,
            "the server sent its ServerHello ({bytes} bytes in all), then stopped answering until the {budget_ms} ms timeout budget ran out",
            "服务器发送了 ServerHello（共 {bytes} 字节），随后不再响应，直到 {budget_ms} ms 超时时间用完"
        ),
        TlsFailure::Stalled { bytes, after_hello: false } => say!(
            lang,
            "the server started the handshake ({bytes} bytes), then stopped answering until the {budget_ms} ms timeout budget ran out",
            "服务器开始了握手（发送了 {bytes} 字节），随后不再响应，直到 {budget_ms} ms 超时时间用完"
        ),
        TlsFailure::TooLarge => say!(
            lang,
            "the server's handshake message (usually its certificate chain) is too large: over the 64 KiB a TLS client accepts",
            "服务器的握手消息（通常是证书链）太大：超过了 TLS 客户端能接受的 64 KiB"
        ),
        TlsFailure::Closed => say!(
            lang,
            "the server closed the connection during the handshake, without a TLS alert",
            "服务器在 TLS 握手过程中关闭了连接，且未发送 TLS 告警（alert）"
        ),
        TlsFailure::Reset => say!(lang, "the connection was reset during the handshake", "TLS 握手过程中连接被重置"),
        TlsFailure::PlainHttp => {
            say!(lang, "port {port} answers in plain HTTP, not TLS", "{port} 端口返回的是明文 HTTP，而不是 TLS")
        }
        TlsFailure::NotTls(bytes) => {
            say!(lang, "the server sent bytes that are not TLS: {}", "服务器返回的数据不是 TLS：{}", hex(bytes))
        }
        TlsFailure::Alert(alert) => {
            let alert = alert_name(*alert);
            say!(
                lang,
                "the server aborted the handshake with the TLS alert {alert}",
                "服务器以 TLS 告警 {alert} 中止了握手"
            )
        }
        TlsFailure::Incompatible(why) => {
            let why = words(&format!("{why:?}"));
            say!(lang, "no common TLS parameters with the server ({why})", "与服务器没有共同支持的 TLS 参数（{why}）")
        }
        TlsFailure::Certificate(error) => {
            let error = rustls_words(error);
            say!(lang, "the handshake was aborted over the certificate: {error}", "TLS 握手因证书问题中止：{error}")
        }
        TlsFailure::Protocol(error) => {
            let error = rustls_words(error);
            say!(lang, "TLS protocol error: {error}", "TLS 协议错误：{error}")
        }
        TlsFailure::BadServerName(why) => say!(
            lang,
            "the host cannot be sent as a TLS server name: {why}",
            "该主机名无法作为 TLS 服务器名称（SNI）发送：{why}"
        ),
        TlsFailure::Io(message) => say!(lang, "the handshake failed: {message}", "TLS 握手失败：{message}"),
        TlsFailure::Version(refusal) => version_refusal(refusal, lang),
    }
}

/// The fix for a failed handshake (none for `Version`: tls.version names it).
fn failure_hint(failure: &TlsFailure, port: u16, lang: Lang) -> String {
    match failure {
        TlsFailure::TimedOut => say!(
            lang,
            "the server accepts TCP but does not answer TLS: check that it serves HTTPS on this port and is not overloaded",
            "服务器接受了 TCP 连接，但没有响应 TLS 握手：请检查该端口是否提供 HTTPS 服务，以及服务器是否负载过高"
        ),
        TlsFailure::Stalled { .. } => say!(
            lang,
            "the server or a middlebox stalls mid-handshake: check the server's TLS configuration, its load, and any TLS proxy in front of it",
            "服务器或中间设备在握手中途卡住：请检查服务器的 TLS 配置和负载，以及前置的 TLS 代理"
        ),
        TlsFailure::TooLarge => say!(
            lang,
            "send only the leaf and its intermediates: remove extra certificates from the chain file",
            "证书文件中只保留服务器证书和中间证书，删除多余的证书"
        ),
        TlsFailure::Closed => say!(
            lang,
            "check that port {port} serves HTTPS and that the server has a certificate for this host name (SNI)",
            "请检查 {port} 端口是否提供 HTTPS 服务，以及服务器是否为该域名配置了证书（SNI）"
        ),
        TlsFailure::Reset => say!(
            lang,
            "a firewall, proxy or the server resets TLS connections: check its logs",
            "防火墙、代理或服务器重置了 TLS 连接：请查看相应的日志"
        ),
        TlsFailure::PlainHttp => say!(
            lang,
            "serve HTTPS on port {port} (nginx: `listen {port} ssl;`), or use the port that does",
            "请在 {port} 端口上启用 HTTPS（nginx：`listen {port} ssl;`），或改用提供 HTTPS 的端口"
        ),
        TlsFailure::NotTls(_) => say!(
            lang,
            "port {port} runs another protocol; point the URL at the HTTPS port",
            "{port} 端口运行的是其他协议；请将 URL 指向 HTTPS 端口"
        ),
        TlsFailure::Alert(AlertDescription::UnrecognisedName) => say!(
            lang,
            "the server does not serve this host name (SNI): configure it on the server or CDN (nginx: a server block with this server_name and its certificate)",
            "服务器没有为这个域名（SNI）提供服务：请在服务器或 CDN 上配置该域名（nginx：为该 server_name 配置 server 块及其证书）"
        ),
        TlsFailure::Alert(_) => say!(
            lang,
            "the server found nothing in common with a TLS 1.2/1.3 client: enable modern cipher suites and ECDHE groups",
            "服务器与 TLS 1.2/1.3 客户端找不到共同支持的参数：请启用现代加密套件和 ECDHE 曲线"
        ),
        TlsFailure::Incompatible(_) => say!(
            lang,
            "enable the TLS 1.2/1.3 cipher suites and groups modern phones use (ECDHE with AES-GCM or ChaCha20)",
            "请启用现代手机所用的 TLS 1.2/1.3 加密套件和曲线（ECDHE 搭配 AES-GCM 或 ChaCha20）"
        ),
        TlsFailure::Certificate(_) => {
            say!(lang, "see the cert.* checks for the certificate's defects", "证书的具体问题见 cert.* 各项检查")
        }
        TlsFailure::Protocol(_) => say!(lang, "check the server's TLS configuration", "请检查服务器的 TLS 配置"),
        TlsFailure::BadServerName(_) => say!(lang, "use a valid DNS host name in the URL", "请在 URL 中使用合法的域名"),
        TlsFailure::Io(_) => say!(lang, "check the network path to the server", "请检查到服务器的网络链路"),
        TlsFailure::Version(_) => String::new(),
    }
}

/// The error the phone reports for a failed handshake.
fn phone_error(failure: &TlsFailure) -> Phone {
    match failure {
        TlsFailure::TimedOut | TlsFailure::Stalled { .. } => Phone::Timeout,
        TlsFailure::Closed => Phone::Net(NetError::ConnectionClosed),
        TlsFailure::Reset => Phone::Net(NetError::ConnectionReset),
        // Chromium maps handshake_failure (after the ClientHello: nothing in
        // common) and insufficient_security to the version/cipher mismatch,
        // unrecognized_name to its own code, other alerts to a protocol error.
        TlsFailure::Alert(AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity)
        | TlsFailure::Incompatible(_)
        | TlsFailure::Version(_) => Phone::Net(NetError::SslVersionOrCipherMismatch),
        TlsFailure::Alert(AlertDescription::UnrecognisedName) => Phone::Net(NetError::SslUnrecognizedNameAlert),
        TlsFailure::Alert(_) | TlsFailure::TooLarge => Phone::Net(NetError::SslProtocolError),
        TlsFailure::Certificate(_) => Phone::Net(NetError::CertAuthorityInvalid),
        TlsFailure::PlainHttp
        | TlsFailure::NotTls(_)
        | TlsFailure::Protocol(_)
        | TlsFailure::BadServerName(_)
        | TlsFailure::Io(_) => Phone::Net(NetError::SslProtocolError),
    }
}

fn version(tls: &TlsTrace, lang: Lang) -> Check {
    let id = CheckId::TlsVersion;
    if let Some(session) = tls.session() {
        let version = session.version_name();
        return Check::pass(id, say!(lang, "{version} negotiated", "已协商使用 {version}")).data("version", version);
    }
    if let Some(check) = super::suites::version_phone_only(tls, lang) {
        return check;
    }
    if !tls.version_refused() {
        return Check::skip(
            id,
            say!(
                lang,
                "no TLS session to read the version from ({tls_handshake})",
                "未建立 TLS 会话，无法读取协议版本（{tls_handshake}）",
                tls_handshake = CheckId::TlsHandshake
            ),
        );
    }
    let highest = tls.highest_old_version();
    let summary = match (highest, tls.failure()) {
        (Some(version), _) => say!(
            lang,
            "the server supports at most {}: it refuses TLS 1.2 and 1.3",
            "服务器最高只支持 {}：不支持 TLS 1.2 和 1.3",
            version.name()
        ),
        (None, Some(TlsFailure::Version(refusal))) => {
            let detail = version_refusal(refusal, lang);
            say!(
                lang,
                "the server does not negotiate TLS 1.2 or 1.3 ({detail}), nor answer TLS 1.1 or 1.0",
                "服务器无法协商 TLS 1.2 或 1.3（{detail}），对 TLS 1.1 和 1.0 也没有响应"
            )
        }
        (None, _) => say!(lang, "the server does not negotiate TLS 1.2 or 1.3", "服务器无法协商 TLS 1.2 或 1.3"),
    };
    Check::fail(id, summary)
        .hint(say!(
            lang,
            "enable TLS 1.2 and 1.3 on the server (nginx: `ssl_protocols TLSv1.2 TLSv1.3;`); phones refuse older versions",
            "请在服务器上启用 TLS 1.2 和 1.3（nginx：`ssl_protocols TLSv1.2 TLSv1.3;`）；手机会拒绝更旧的版本"
        ))
        .data("highest_version", highest.map(|v| v.name()))
        .data("phone_probe", super::suites::phone_probe_data(tls))
        .data("legacy_probes", legacy_probes(tls.legacy.as_ref()))
}

/// What each legacy hello got, for scripts: `[{"offered": "TLS1.1", "answer": "alert 70"}]`.
fn legacy_probes(legacy: Option<&LegacyProbe>) -> serde_json::Value {
    let tries = legacy.map(|l| l.tries.as_slice()).unwrap_or_default();
    tries.iter().map(|(offered, answer)| json!({"offered": offered.name(), "answer": answer_text(answer)})).collect()
}

/// A raw probe's answer, for scripts: `accepted TLS1.1`, `alert 70`, `closed`, ….
pub(super) fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Accepted(hello) => format!("accepted {}", hello.version.name()),
        Answer::Alert(code) => format!("alert {code}"),
        Answer::Closed => "closed".into(),
        Answer::NotTls => "not TLS".into(),
        Answer::TimedOut => "no answer".into(),
        Answer::Io(message) => message.clone(),
    }
}

/// How the server refused TLS 1.2 and 1.3, in a few words.
fn version_refusal(refusal: &VersionRefusal, lang: Lang) -> String {
    match refusal {
        VersionRefusal::Alert => say!(
            lang,
            "the server answered TLS 1.2/1.3 with a protocol_version alert",
            "服务器对 TLS 1.2/1.3 的握手回应了 protocol_version 告警"
        ),
        VersionRefusal::Incompatible(why) => {
            let why = words(&format!("{why:?}"));
            say!(lang, "no version in common: {why}", "没有共同支持的版本：{why}")
        }
    }
}

/// A TLS alert as RFC 8446 names it, with its number: `handshake_failure (40)`.
pub(super) fn alert_name(alert: AlertDescription) -> String {
    let code = u8::from(alert);
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("{code}"),
    };
    format!("{name} ({code})")
}

/// A rustls error in words, without the Debug text its own Display embeds.
fn rustls_words(error: &rustls::Error) -> String {
    use rustls::Error;
    let kind = |debug: String| words(debug.split(['(', '{', ' ']).next().unwrap_or_default());
    match error {
        Error::InvalidMessage(why) => format!("a malformed TLS message ({})", kind(format!("{why:?}"))),
        Error::PeerMisbehaved(why) => format!("the server broke the TLS protocol ({})", kind(format!("{why:?}"))),
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            "an unexpected TLS message".to_owned()
        }
        Error::DecryptError => "a TLS record that does not decrypt".to_owned(),
        Error::InvalidCertificate(why) => kind(format!("{why:?}")),
        Error::General(why) => why.clone(),
        other => kind(format!("{other:?}")),
    }
}

/// A library's CamelCase name as words: `NoCipherSuitesInCommon` → `no cipher suites in common`.
fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let first = &bytes[..bytes.len().min(8)];
    let text: String = first.iter().map(|b| if b.is_ascii_graphic() { char::from(*b) } else { '.' }).collect();
    format!("{} ({text})", crate::text::hex(first, crate::text::LOWER_HEX, Some(' ')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_and_incompatibilities_read_as_words_not_debug_names() {
        assert_eq!(alert_name(AlertDescription::HandshakeFailure), "handshake_failure (40)");
        assert_eq!(alert_name(AlertDescription::CertificateRequired), "certificate_required (116)");
        let bad = rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature);
        assert_eq!(rustls_words(&bad), "bad signature");
        let corrupt = rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType);
        assert_eq!(rustls_words(&corrupt), "a malformed TLS message (invalid content type)");
        let incompatible = TlsFailure::Incompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon);
        assert_eq!(
            failure_summary(&incompatible, 443, 1000, Lang::En),
            "no common TLS parameters with the server (no cipher suites in common)"
        );
    }

    #[test]
    fn failures_are_explained_in_both_languages() {
        let plain = TlsFailure::PlainHttp;
        assert_eq!(failure_summary(&plain, 8080, 5000, Lang::En), "port 8080 answers in plain HTTP, not TLS");
        assert_eq!(failure_summary(&plain, 8080, 5000, Lang::Zh), "8080 端口返回的是明文 HTTP，而不是 TLS");
        assert!(failure_hint(&plain, 8080, Lang::Zh).contains("`listen 8080 ssl;`"));
        let timed_out = TlsFailure::TimedOut;
        assert!(failure_summary(&timed_out, 443, 700, Lang::En).contains("before the 700 ms timeout budget ran out"));
        assert!(failure_summary(&timed_out, 443, 700, Lang::Zh).contains("700 ms 超时时间"));
        assert!(failure_hint(&TlsFailure::Closed, 443, Lang::Zh).contains("443 端口"));
    }

    #[test]
    fn a_version_failure_is_summarized_by_its_detail_and_has_no_hint() {
        let version = TlsFailure::Version(VersionRefusal::Alert);
        assert_eq!(
            failure_summary(&version, 443, 5000, Lang::En),
            "the server answered TLS 1.2/1.3 with a protocol_version alert"
        );
        assert!(failure_summary(&version, 443, 5000, Lang::Zh).contains("protocol_version 告警"));
        assert_eq!(failure_hint(&version, 443, Lang::Zh), "");
    }

    #[test]
    fn alerts_map_to_chromium_errors() {
        let phone = |alert| phone_error(&TlsFailure::Alert(alert));
        assert_eq!(phone(AlertDescription::UnrecognisedName), Phone::Net(NetError::SslUnrecognizedNameAlert));
        assert_eq!(phone(AlertDescription::InsufficientSecurity), Phone::Net(NetError::SslVersionOrCipherMismatch));
        assert_eq!(phone(AlertDescription::HandshakeFailure), Phone::Net(NetError::SslVersionOrCipherMismatch));
        assert_eq!(phone(AlertDescription::DecodeError), Phone::Net(NetError::SslProtocolError));
        let sni = TlsFailure::Alert(AlertDescription::UnrecognisedName);
        assert!(failure_hint(&sni, 443, Lang::En).contains("server_name"));
        assert!(failure_summary(&sni, 443, 5000, Lang::En).contains("unrecognized_name (112)"));
    }

    #[test]
    fn non_tls_bytes_are_shown_as_hex_and_text() {
        assert_eq!(hex(b"SSH-2.0-OpenSSH"), "53 53 48 2d 32 2e 30 2d (SSH-2.0-)");
    }
}
