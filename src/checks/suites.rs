//! Step 3 from the phone's side: when rustls' handshake fails, what the
//! server did with the phone's own ClientHello decides `tls.handshake` and
//! `tls.version`. A suite only the phone has (TLS 1.2 CBC, RSA key exchange)
//! still connects: a warning, never a failure. No suite in common is the
//! phone's -113, named with what the server does offer.

use serde_json::{Value, json};

use super::wx::{NetError, Phone};
use super::{Check, CheckId};
use crate::lang::Lang;
use crate::probe::flight::ServerHello;
use crate::probe::hello::{self, PHONE, group_name, is_cbc, is_rsa_key_exchange, suite, suite_name};
use crate::probe::tls::TlsTrace;
use crate::say;

/// What nginx should say instead: Mozilla's "intermediate" TLS 1.2 suites.
const NGINX_CIPHERS: &str = "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:\
ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;";

/// `TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (ECDHE-RSA-AES128-SHA)`.
fn both_names(id: u16) -> String {
    match suite(id) {
        Some(known) => format!("{} ({})", known.iana, known.openssl),
        None => suite_name(id),
    }
}

/// The phone connects with a suite rustls lacks: `tls.handshake` warns.
pub(super) fn handshake_phone_only(tls: &TlsTrace, lang: Lang) -> Option<Check> {
    let hello = tls.phone_only()?;
    let id = hello.suite.unwrap_or_default();
    let (version, name) = (hello.version.name(), both_names(id));
    let why = match (is_cbc(id), is_rsa_key_exchange(id), lang) {
        (true, _, Lang::En) => "an obsolete CBC cipher suite",
        (true, _, Lang::Zh) => "过时的 CBC 加密套件",
        (false, true, Lang::En) => "a cipher suite without forward secrecy (RSA key exchange)",
        (false, true, Lang::Zh) => "不具备前向保密（RSA 密钥交换）的加密套件",
        (false, false, Lang::En) => "a cipher suite",
        (false, false, Lang::Zh) => "加密套件",
    };
    let summary = say!(
        lang,
        "the phone connects with {version} and {name}, {why} that reqdoctor's TLS library (rustls) cannot use, so reqdoctor cannot send the request itself",
        "手机可以用 {version} 和 {name} 连接，这是{why}，reqdoctor 的 TLS 库（rustls）不支持，因此 reqdoctor 无法自行发出请求"
    );
    let check = Check::warn(CheckId::TlsHandshake, summary).hint(say!(
        lang,
        "phones still connect, but offer ECDHE with AES-GCM or ChaCha20 first (nginx: `{NGINX_CIPHERS}`): phones may drop old suites in any update",
        "手机目前仍能连接，但请优先提供 ECDHE 搭配 AES-GCM 或 ChaCha20 的套件（nginx：`{NGINX_CIPHERS}`）：手机可能在任何一次更新中去掉旧套件"
    ));
    Some(with_phone_data(check, hello).data("phone_only", true))
}

/// The phone connects with a suite rustls lacks: `tls.version` passes on the version it gets.
pub(super) fn version_phone_only(tls: &TlsTrace, lang: Lang) -> Option<Check> {
    let version = tls.phone_only()?.version.name();
    let summary =
        say!(lang, "{version} negotiated with the phone's ClientHello", "与手机的 ClientHello 协商为 {version}");
    Some(Check::pass(CheckId::TlsVersion, summary).data("version", version))
}

/// The server refused every suite the phone offers: `tls.handshake` fails with -113.
pub(super) fn handshake_no_common_suite(tls: &TlsTrace, lang: Lang) -> Option<Check> {
    if !tls.no_common_suite() {
        return None;
    }
    let offered = tls.phone.as_ref().map(|p| p.server_suites.as_slice()).unwrap_or_default();
    let shared = offered.iter().find(|(id, _)| PHONE.suites.contains(id));
    let (summary, hint) = match (shared, offered) {
        (Some((id, group)), _) => shared_suite_refused(*id, *group, lang),
        (None, []) => (
            say!(
                lang,
                "no cipher suite in common with the phone: the server refuses every suite the phone offers, and every other one reqdoctor knows",
                "与手机没有共同的加密套件：服务器拒绝了手机提供的所有套件，也不接受 reqdoctor 所知的其他套件"
            ),
            enable_modern(lang),
        ),
        (None, offered) => {
            let names: Vec<String> = offered.iter().map(|(id, _)| both_names(*id)).collect();
            let names = names.join(", ");
            let summary = say!(
                lang,
                "no cipher suite in common with the phone: the server offers only {names}, which the phone does not",
                "与手机没有共同的加密套件：服务器只提供 {names}，而手机不支持这些套件"
            );
            (summary, enable_modern(lang))
        }
    };
    let listed: Vec<Value> = offered
        .iter()
        .map(|(id, group)| {
            json!({"suite": suite_name(*id), "openssl": suite(*id).map(|s| s.openssl), "group": group.map(group_name)})
        })
        .collect();
    let check = Check::fail(CheckId::TlsHandshake, summary)
        .hint(hint)
        .phone(Phone::Net(NetError::SslVersionOrCipherMismatch))
        .data("server_suites", listed);
    Some(check)
}

/// The server has a suite the phone offers, yet refused the phone's hello:
/// its key exchange group (or signature algorithms) is the difference.
fn shared_suite_refused(id: u16, group: Option<u16>, lang: Lang) -> (String, String) {
    let name = both_names(id);
    let groups: Vec<String> = PHONE.groups.iter().map(|g| group_name(*g)).collect();
    let groups = groups.join(", ");
    let used = group.map_or_else(|| say!(lang, "an unnamed group", "未知曲线"), group_name);
    (
        say!(
            lang,
            "the server refuses the phone's hello although both have {name}: offered more, it chose it with {used}, and the phone offers only {groups}",
            "服务器拒绝了手机的握手，尽管双方都支持 {name}：在更宽的提议下，服务器选择了它并使用 {used}，而手机只支持 {groups}"
        ),
        say!(
            lang,
            "enable the key exchange groups phones use (nginx: `ssl_ecdh_curve X25519:prime256v1:secp384r1;`)",
            "请启用手机使用的密钥交换曲线（nginx：`ssl_ecdh_curve X25519:prime256v1:secp384r1;`）"
        ),
    )
}

fn enable_modern(lang: Lang) -> String {
    say!(
        lang,
        "enable TLS 1.2 suites with ECDHE and AES-GCM or ChaCha20, for the server's key type (nginx: `{NGINX_CIPHERS}`)",
        "请启用与服务器密钥类型匹配的 ECDHE 搭配 AES-GCM 或 ChaCha20 的 TLS 1.2 套件（nginx：`{NGINX_CIPHERS}`）"
    )
}

/// What the server chose with the phone's hello, for scripts.
fn with_phone_data(check: Check, hello: &ServerHello) -> Check {
    check
        .data("version", hello.version.name())
        .data("cipher_suite", hello.suite.map(suite_name))
        .data("group", hello.group.map(group_name))
        .data("alpn", hello.alpn.clone())
}

/// The phone probe as `tls.version`'s data shows it: `{"answer": "accepted TLS1.1", …}`.
pub(super) fn phone_probe_data(tls: &TlsTrace) -> Value {
    let Some(phone) = &tls.phone else { return Value::Null };
    let hello = phone.answer.hello();
    json!({
        "offered": hello::PHONE.name,
        "answer": super::tls::answer_text(&phone.answer),
        "cipher_suite": hello.and_then(|h| h.suite).map(suite_name),
    })
}
