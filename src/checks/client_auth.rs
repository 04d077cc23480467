//! Step 3, what the server demands: a client certificate. A mini program
//! cannot present one; Cronet answers a CertificateRequest with no
//! certificate and goes on, so a server that requires one refuses the phone:
//! Chromium 156 reported -117 (ERR_BAD_SSL_CLIENT_AUTH_CERT) here against
//! `openssl s_server -Verify 1`, over TLS 1.3 and TLS 1.2 alike.

use super::wx::{NetError, Phone};
use super::{Check, CheckId, Context};
use crate::lang::Lang;
use crate::probe::HttpEnd;
use crate::probe::client_auth::ClientAuthRequest;
use crate::probe::tls::TlsTrace;
use crate::say;

/// What became of a connection whose server asked for a client certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Demand {
    /// The handshake failed after the request (TLS 1.2: handshake_failure).
    HandshakeRefused,
    /// The handshake finished, then the connection failed (TLS 1.3: certificate_required).
    ConnectionRefused,
    /// The server answered 400 without one (nginx with `ssl_verify_client on`).
    BadRequest,
    /// The server went on without one.
    Optional,
}

/// How the server's request for a client certificate ended, if it made one.
pub fn demand<'t>(tls: &'t TlsTrace, cx: &Context<'_>) -> Option<(Demand, &'t ClientAuthRequest)> {
    let request = tls.client_auth.as_ref()?;
    let http = cx.trace.http.as_ref();
    let first = http.and_then(|h| h.hops.first()).and_then(|hop| hop.response.as_ref());
    let demand = match (tls.failure(), first, http.and_then(|h| h.end.as_ref())) {
        (Some(_), _, _) => Demand::HandshakeRefused,
        (None, Some(response), _) if response.status == 400 => Demand::BadRequest,
        (None, None, Some(HttpEnd::Failed(_))) => Demand::ConnectionRefused,
        _ => Demand::Optional,
    };
    Some((demand, request))
}

/// The `tls.clientcert` check on the phone's handshake.
pub(super) fn check(tls: &TlsTrace, cx: &Context<'_>) -> Check {
    let id = CheckId::TlsClientCert;
    let lang = cx.lang;
    let Some((demand, request)) = demand(tls, cx) else {
        return match tls.session() {
            Some(_) => {
                Check::pass(id, say!(lang, "the server asks for no client certificate", "服务器不要求客户端证书"))
            }
            None => Check::skip(
                id,
                say!(
                    lang,
                    "no TLS session ({tls_handshake})",
                    "未建立 TLS 会话（{tls_handshake}）",
                    tls_handshake = CheckId::TlsHandshake
                ),
            ),
        };
    };
    let from = authorities(request, lang);
    let authorities = request.authorities.clone();
    let check = match demand {
        Demand::Optional => Check::pass(
            id,
            say!(
                lang,
                "the server asks for a client certificate{from} but goes on without one, as the phone does",
                "服务器请求客户端证书{from}，但没有证书也继续处理，和手机的行为一致"
            ),
        ),
        Demand::BadRequest => refused(
            say!(
                lang,
                "the server asks for a client certificate{from} and answers 400 Bad Request without one (nginx does so with ssl_verify_client on: \"No required SSL certificate was sent\"); a mini program cannot present a client certificate",
                "服务器请求客户端证书{from}，没有证书时返回 400 Bad Request（nginx 开启 ssl_verify_client on 时即如此：“No required SSL certificate was sent”）；小程序无法提供客户端证书"
            ),
            lang,
        )
        .phone(None),
        Demand::HandshakeRefused | Demand::ConnectionRefused => refused(
            say!(
                lang,
                "the server demands a client certificate{from} and ends the connection without one; a mini program cannot present a client certificate",
                "服务器要求客户端证书{from}，没有证书就断开连接；小程序无法提供客户端证书"
            ),
            lang,
        )
        .phone(Phone::Net(NetError::BadSslClientAuthCert)),
    };
    check.data("authorities", authorities)
}

fn refused(summary: String, lang: Lang) -> Check {
    Check::fail(CheckId::TlsClientCert, summary).hint(say!(
        lang,
        "serve the mini program's API without client certificates (ssl_verify_client off, or optional on this host), and authenticate requests another way, such as a token from wx.login",
        "请为小程序的接口关闭客户端证书校验（ssl_verify_client off，或在该域名上设为 optional），改用其他方式鉴权，例如基于 wx.login 的令牌"
    ))
}

/// ` from CA1, CA2` (at most three, then a count), or nothing.
fn authorities(request: &ClientAuthRequest, lang: Lang) -> String {
    const SHOWN: usize = 3;
    let names = &request.authorities;
    if names.is_empty() {
        return String::new();
    }
    let mut shown = names.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        shown.push_str(&say!(lang, ", … {} in all", " 等，共 {} 个", names.len()));
    }
    say!(lang, " (from {shown})", "（签发者：{shown}）")
}

/// Why a check that depends on the connection is skipped when the server
/// refused the phone for want of a client certificate.
pub(super) fn skip_reason(tls: &TlsTrace, cx: &Context<'_>) -> Option<String> {
    match demand(tls, cx)?.0 {
        Demand::HandshakeRefused | Demand::ConnectionRefused => Some(say!(
            cx.lang,
            "the server ends the connection for want of a client certificate ({tls_clientcert})",
            "服务器因没有客户端证书而断开连接（{tls_clientcert}）",
            tls_clientcert = CheckId::TlsClientCert
        )),
        Demand::BadRequest | Demand::Optional => None,
    }
}
