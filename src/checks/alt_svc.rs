//! `http.altsvc`: what the response's `Alt-Svc` header tells each WeChat
//! client about QUIC. The phone switches to QUIC only after a response
//! advertised it, and which advertisement it understands depends on the
//! client: iOS WeChat and Android WeChat before 8.0.54 speak Google QUIC
//! Q043 (`quic=":443"; v="43"`), Android WeChat 8.0.54+ and the PC client
//! IETF QUIC with HTTP/3 (`h3=":443"`). Never a `fail`: TCP still works.

use serde_json::{Value, json};

use super::{Check, CheckId, Context, upstream};
use crate::altsvc::{self, AltSvc, AltSvcError, Alternative, Problem};
use crate::lang::Lang;
use crate::say;
use crate::text;

/// An `ma` under this many seconds is mentioned: the phone soon forgets it.
const SHORT_MAX_AGE: u64 = 3600;
/// The most bytes of the header quoted in a summary or `data.header`.
const MAX_QUOTED: usize = 300;
/// The most alternatives listed in `data.alternatives` and in the summary.
const MAX_LISTED: usize = 16;
/// Chromium ignores an alternative on a port at or above this from an origin below it.
const UNRESTRICTED_PORT: u16 = 1024;

/// The WeChat clients, grouped by the QUIC they speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// Android WeChat 8.0.54+ and the PC client: IETF QUIC, HTTP/3 (`h3`).
    Http3,
    /// iOS WeChat and Android WeChat before 8.0.54: Google QUIC Q043 (`quic`).
    Gquic,
}

/// What the phone does with one alternative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Use {
    /// One family of clients uses it.
    By(Family),
    /// Not QUIC (`h2`, …): reqdoctor judges only QUIC alternatives.
    NotQuic,
    /// A draft of HTTP/3 (`h3-29`): the clients that speak HTTP/3 look for `h3`.
    Draft,
    /// `quic` with a `v` list without 43.
    NoQ043,
    /// From a port below 1024 to one at or above it: Chromium ignores it.
    RestrictedPort,
}

impl Use {
    fn key(self) -> &'static str {
        match self {
            Use::By(Family::Http3) => "http3",
            Use::By(Family::Gquic) => "gquic",
            Use::NotQuic => "not_quic",
            Use::Draft => "draft",
            Use::NoQ043 => "no_q043",
            Use::RestrictedPort => "restricted_port",
        }
    }
}

fn judge(alt: &Alternative, origin_port: u16) -> Use {
    if !(alt.is_h3() || alt.is_h3_draft() || alt.is_gquic()) {
        Use::NotQuic
    } else if alt.port >= UNRESTRICTED_PORT && origin_port < UNRESTRICTED_PORT {
        Use::RestrictedPort
    } else if alt.is_h3() {
        Use::By(Family::Http3)
    } else if alt.is_h3_draft() {
        Use::Draft
    } else if alt.versions.is_some() && !alt.version_numbers().contains(&43) {
        Use::NoQ043
    } else {
        Use::By(Family::Gquic)
    }
}

pub(super) fn check(cx: &Context<'_>) -> Check {
    let id = CheckId::HttpAltSvc;
    let lang = cx.lang;
    if !cx.target.uses_tls() {
        return Check::skip(
            id,
            say!(
                lang,
                "not HTTPS: the phone reads Alt-Svc only on HTTPS responses ({url_scheme})",
                "不是 HTTPS：手机只在 HTTPS 响应中读取 Alt-Svc（{url_scheme}）",
                url_scheme = CheckId::UrlScheme
            ),
        );
    }
    let Some(http) = cx.trace.http.as_ref() else {
        let because = upstream(cx).unwrap_or_else(|| say!(lang, "the request was not sent", "请求未发出"));
        return Check::skip(id, because);
    };
    let answered: Vec<_> =
        http.hops.iter().filter_map(|hop| hop.response.as_ref().map(|response| (&hop.url, response))).collect();
    let Some((last_url, _)) = answered.last() else {
        return Check::skip(
            id,
            say!(
                lang,
                "no HTTPS response to read Alt-Svc from ({http_response})",
                "没有 HTTPS 响应，无法读取 Alt-Svc（{http_response}）",
                http_response = CheckId::HttpResponse
            ),
        );
    };
    // A response without Alt-Svc keeps what the phone learned before: the
    // latest header of the final origin counts, a redirect's included.
    let origin = last_url.origin();
    let lines = answered
        .iter()
        .rev()
        .filter(|(url, _)| url.origin() == origin)
        .map(|(_, response)| &response.alt_svc)
        .find(|lines| !lines.is_empty());
    let port = last_url.port_or_known_default().unwrap_or(443);
    judge_header(lines.map(Vec::as_slice), port, lang)
}

/// The check for the `Alt-Svc` lines of a response to an origin on `origin_port`.
fn judge_header(lines: Option<&[String]>, origin_port: u16, lang: Lang) -> Check {
    let Some(lines) = lines else {
        return Check::info(
            CheckId::HttpAltSvc,
            say!(
                lang,
                "no Alt-Svc header: the phone never switches to QUIC for this origin, so enableQuic changes nothing",
                "没有 Alt-Svc 响应头：手机不会对该域名改用 QUIC，开启 enableQuic 也没有作用"
            ),
        )
        .data("http3", false)
        .data("gquic", false);
    };
    let raw = lines.join(", ");
    let quoted = text::clean(&raw, MAX_QUOTED);
    let check = match altsvc::parse_lines(lines.iter().map(String::as_str)) {
        Err(error) => malformed(&error, &quoted, lang),
        Ok(parsed) if parsed.clear => Check::info(
            CheckId::HttpAltSvc,
            say!(
                lang,
                "Alt-Svc: clear: the phone forgets the alternatives it learned for this origin and stays on TCP",
                "Alt-Svc: clear：手机会清除为该域名记住的备选服务，继续使用 TCP"
            ),
        )
        .data("clear", true)
        .data("alternatives", Value::Array(Vec::new())),
        Ok(parsed) => advertised(&parsed, origin_port, lang),
    };
    let (http3, gquic) = match check.data.get("alternatives").and_then(Value::as_array) {
        Some(listed) => {
            let used = |key: &str| listed.iter().any(|alt| alt["use"] == key);
            (used("http3"), used("gquic"))
        }
        None => (false, false),
    };
    check.data("header", quoted).data("http3", http3).data("gquic", gquic)
}

/// A header the phone's parser refuses: it uses none of it.
fn malformed(error: &AltSvcError, quoted: &str, lang: Lang) -> Check {
    let why = problem(error, lang);
    Check::warn(
        CheckId::HttpAltSvc,
        say!(
            lang,
            "the Alt-Svc header is malformed ({why}), so the phone ignores all of it and never uses QUIC here: {quoted}",
            "Alt-Svc 响应头格式错误（{why}），手机会忽略整个响应头，不会在这里使用 QUIC：{quoted}"
        ),
    )
    .hint(say!(
        lang,
        "write it as RFC 7838 says, e.g. h3=\":443\"; ma=86400 (quoted host:port, ma a positive number of seconds, clear only on its own)",
        "请按 RFC 7838 书写，例如 h3=\":443\"; ma=86400（host:port 要加引号，ma 为正整数秒数，clear 只能单独出现）"
    ))
    .data("error", error.to_string())
}

/// `error` in words, with the alternative it is in.
fn problem(error: &AltSvcError, lang: Lang) -> String {
    let what = match (error.problem, lang) {
        (_, Lang::En) => error.problem.to_string(),
        (Problem::Empty, Lang::Zh) => "值为空".to_owned(),
        (Problem::ClearAmongAlternatives, Lang::Zh) => "clear 没有单独出现".to_owned(),
        (Problem::Protocol, Lang::Zh) => "缺少协议名（= 之前的 token）".to_owned(),
        (Problem::Percent, Lang::Zh) => "协议名中的百分号编码不是 %XX 形式的 UTF-8 文本".to_owned(),
        (Problem::Authority, Lang::Zh) => "协议名之后缺少带引号的 \"[host]:port\"".to_owned(),
        (Problem::Port, Lang::Zh) => "端口不是 1 到 65535 之间的数字".to_owned(),
        (Problem::Parameter, Lang::Zh) => "参数不是 name=value 形式".to_owned(),
        (Problem::MaxAge, Lang::Zh) => "ma 不是 1 到 4294967295 之间的整数秒数".to_owned(),
        (Problem::Versions, Lang::Zh) => "v 不是带引号的版本号列表（如 \"43,46\"）".to_owned(),
        (Problem::Trailing, Lang::Zh) => "在应为 ';' 或 ',' 的位置出现了多余内容".to_owned(),
    };
    match (error.alternative, lang) {
        (0, _) => what,
        (n, Lang::En) => format!("alternative {n}: {what}"),
        (n, Lang::Zh) => format!("第 {n} 个备选服务：{what}"),
    }
}

/// Well-formed alternatives: which clients use which, and what to mind.
fn advertised(parsed: &AltSvc, origin_port: u16, lang: Lang) -> Check {
    let judged: Vec<(&Alternative, Use)> = parsed.services.iter().map(|alt| (alt, judge(alt, origin_port))).collect();
    let used = |family| judged.iter().any(|(_, u)| *u == Use::By(family));
    let listed: Vec<String> = judged.iter().take(MAX_LISTED).map(|(alt, _)| describe(alt, lang)).collect();
    let listed = listed.join(if lang == Lang::Zh { "、" } else { ", " });
    let any_quic = judged.iter().any(|(_, u)| *u != Use::NotQuic);
    let gquic_advertised = parsed.services.iter().any(Alternative::is_gquic);
    let (http3, gquic) = (used(Family::Http3), used(Family::Gquic));
    let mut summary = say!(lang, "Alt-Svc advertises {listed}: ", "Alt-Svc 声明了 {listed}：");
    summary.push_str(&families(http3, gquic, any_quic, lang));
    let reasons = unused(&judged, origin_port, lang);
    if !reasons.is_empty() {
        summary.push_str(&say!(lang, " ({reasons})", "（{reasons}）"));
    }
    if gquic_advertised {
        summary.push_str(&say!(
            lang,
            "; reqdoctor cannot test the gQUIC service: no maintained library speaks gQUIC Q043, so whether iOS and older Android really get QUIC is untested",
            "；reqdoctor 无法测试 gQUIC 服务：没有仍在维护的库支持 gQUIC Q043，iOS 和旧版 Android 能否真正用上 QUIC 无法验证"
        ));
    }
    let status_warn = any_quic && !http3 && !gquic;
    let mut check = if status_warn {
        Check::warn(CheckId::HttpAltSvc, summary).hint(say!(
            lang,
            "advertise what the clients speak: h3=\":443\" for Android WeChat 8.0.54+ and the PC client; quic=\":443\"; v=\"43\" for iOS and Android WeChat before 8.0.54",
            "请声明客户端支持的协议：Android 微信 8.0.54 及以上和 PC 客户端用 h3=\":443\"；iOS 和 8.0.54 以前的 Android 微信用 quic=\":443\"; v=\"43\""
        ))
    } else {
        Check::info(CheckId::HttpAltSvc, summary)
    };
    if let Some(hint) = mind(&judged, lang) {
        let joined = match check.hint.take() {
            Some(first) => format!("{first}; {hint}"),
            None => hint,
        };
        check = check.hint(joined);
    }
    let data: Vec<Value> = judged.iter().take(MAX_LISTED).map(|(alt, u)| alternative_data(alt, *u)).collect();
    check.data("clear", false).data("alternatives", data)
}

/// Which client families use QUIC, and which stay on TCP.
fn families(http3: bool, gquic: bool, any_quic: bool, lang: Lang) -> String {
    match (http3, gquic) {
        (true, true) => say!(
            lang,
            "Android WeChat 8.0.54+ and the PC client can use HTTP/3, iOS WeChat and Android WeChat before 8.0.54 gQUIC Q043",
            "Android 微信 8.0.54 及以上和 PC 客户端可以使用 HTTP/3，iOS 微信和 8.0.54 以前的 Android 微信可以使用 gQUIC Q043"
        ),
        (true, false) => say!(
            lang,
            "Android WeChat 8.0.54+ and the PC client can use HTTP/3; iOS WeChat and Android WeChat before 8.0.54 speak only gQUIC Q043 (quic=), so they will not use QUIC and enableQuic does nothing there",
            "Android 微信 8.0.54 及以上和 PC 客户端可以使用 HTTP/3；iOS 微信和 8.0.54 以前的 Android 微信只支持 gQUIC Q043（quic=），不会使用 QUIC，在这些客户端上 enableQuic 不起作用"
        ),
        (false, true) => say!(
            lang,
            "iOS WeChat and Android WeChat before 8.0.54 can use gQUIC Q043; Android WeChat 8.0.54+ and the PC client speak only HTTP/3 (h3=), so they will not use QUIC",
            "iOS 微信和 8.0.54 以前的 Android 微信可以使用 gQUIC Q043；Android 微信 8.0.54 及以上和 PC 客户端只支持 HTTP/3（h3=），不会使用 QUIC"
        ),
        (false, false) if any_quic => say!(
            lang,
            "no WeChat client uses any of them, so every phone stays on TCP",
            "没有任何微信客户端会使用它们，所有手机都会继续使用 TCP"
        ),
        (false, false) => say!(
            lang,
            "none of them is QUIC, so the phone stays on TCP and enableQuic changes nothing",
            "其中没有 QUIC，手机会继续使用 TCP，开启 enableQuic 也没有作用"
        ),
    }
}

/// Why the QUIC alternatives no client uses are not used, once per reason.
fn unused(judged: &[(&Alternative, Use)], origin_port: u16, lang: Lang) -> String {
    let mut reasons: Vec<String> = Vec::new();
    for (alt, u) in judged {
        let protocol = text::clean(&alt.protocol, text::MAX_NAME);
        let port = alt.port;
        let reason = match u {
            Use::Draft => say!(
                lang,
                "{protocol} is a draft of HTTP/3: the clients that speak HTTP/3 look for h3",
                "{protocol} 是 HTTP/3 的草案版本：支持 HTTP/3 的客户端只认 h3"
            ),
            Use::NoQ043 => {
                let versions = text::clean(alt.versions.as_deref().unwrap_or_default(), text::MAX_NAME);
                say!(
                    lang,
                    "quic= lists v=\"{versions}\" without 43, the only gQUIC version the WeChat clients speak",
                    "quic= 的 v=\"{versions}\" 中没有 43，而微信客户端只支持这一个 gQUIC 版本"
                )
            }
            Use::RestrictedPort => say!(
                lang,
                "{protocol} points from port {origin_port} to port {port}: Chromium ignores an alternative that leaves a port below 1024 for one at 1024 or above",
                "{protocol} 从端口 {origin_port} 指向端口 {port}：Chromium 会忽略从 1024 以下端口指向 1024 及以上端口的备选服务"
            ),
            Use::By(_) | Use::NotQuic => continue,
        };
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    reasons.join("; ")
}

/// What to mind for the alternatives clients use: the UDP port, another host, a short `ma`.
fn mind(judged: &[(&Alternative, Use)], lang: Lang) -> Option<String> {
    let used: Vec<&Alternative> = judged.iter().filter(|(_, u)| matches!(u, Use::By(_))).map(|(alt, _)| *alt).collect();
    let mut ports: Vec<u16> = used.iter().map(|alt| alt.port).collect();
    ports.sort_unstable();
    ports.dedup();
    if ports.is_empty() {
        return None;
    }
    let ports = ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    let mut notes = vec![say!(
        lang,
        "the phone sends QUIC to UDP port {ports}: let it through firewalls and cloud security groups, or phones that try QUIC lose time before they fall back to TCP",
        "手机会向 UDP 端口 {ports} 发送 QUIC：请在防火墙和云安全组中放行，否则尝试 QUIC 的手机要先浪费一段时间才会回退到 TCP"
    )];
    if let Some(host) = used.iter().find_map(|alt| alt.host.as_deref()) {
        let host = text::clean(host, text::MAX_NAME);
        notes.push(say!(
            lang,
            "QUIC goes to another host, {host}: its certificate must be valid for this origin's host",
            "QUIC 会连接另一台主机 {host}：它的证书必须对本域名有效"
        ));
    }
    if let Some(seconds) = used.iter().map(|alt| alt.max_age).filter(|&ma| ma < SHORT_MAX_AGE).min() {
        let span = span(seconds, lang);
        notes.push(say!(
            lang,
            "ma={seconds} is short: the phone forgets QUIC after {span} and starts over TCP until a response advertises it again (ma=86400 is common)",
            "ma={seconds} 太短：手机在 {span}后就会忘记 QUIC，重新从 TCP 开始，直到再次收到声明（常用 ma=86400）"
        ));
    }
    Some(notes.join("; "))
}

/// `h3 on UDP port 443 for 1 day`, `quic (v="43") on alt.example.com UDP port 443 for 30 days`.
fn describe(alt: &Alternative, lang: Lang) -> String {
    let protocol = text::clean(&alt.protocol, text::MAX_NAME);
    let protocol = match &alt.versions {
        Some(versions) => format!("{protocol} (v=\"{}\")", text::clean(versions, text::MAX_NAME)),
        None => protocol,
    };
    let transport = if alt.is_h3() || alt.is_h3_draft() || alt.is_gquic() { "UDP " } else { "" };
    let port = alt.port;
    let at = match &alt.host {
        Some(host) => format!("{} {transport}", text::clean(host, text::MAX_NAME)),
        None => transport.to_owned(),
    };
    let span = span(alt.max_age, lang);
    say!(lang, "{protocol} on {at}port {port} for {span}", "{protocol}（{at}端口 {port}，{span}）")
}

/// Seconds in the largest whole unit: `30 days`, `2 h`, `5 min`, `90 s`.
fn span(seconds: u64, lang: Lang) -> String {
    let units: [(u64, &str, &str); 3] = [(86_400, "day", "天"), (3600, "h", "小时"), (60, "min", "分钟")];
    for (size, en, zh) in units {
        if seconds >= size && seconds.is_multiple_of(size) {
            let n = seconds / size;
            let en = if en == "day" && n != 1 { "days" } else { en };
            return say!(lang, "{n} {en}", "{n} {zh}");
        }
    }
    say!(lang, "{seconds} s", "{seconds} 秒")
}

/// One alternative in `data.alternatives`.
fn alternative_data(alt: &Alternative, u: Use) -> Value {
    let mut value = json!({
        "protocol": text::clean(&alt.protocol, text::MAX_NAME),
        "port": alt.port,
        "max_age": alt.max_age,
        "persist": alt.persist,
        "use": u.key(),
    });
    if let Some(host) = &alt.host {
        value["host"] = json!(text::clean(host, text::MAX_NAME));
    }
    if let Some(versions) = &alt.versions {
        value["versions"] = json!(text::clean(versions, text::MAX_NAME));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Status;

    fn judged(value: &str, origin_port: u16, lang: Lang) -> Check {
        judge_header(Some(&[value.to_owned()]), origin_port, lang)
    }

    fn uses(check: &Check) -> Vec<&str> {
        let listed = check.data["alternatives"].as_array().expect("alternatives");
        listed.iter().map(|alt| alt["use"].as_str().unwrap()).collect()
    }

    #[test]
    fn only_h3_leaves_ios_and_older_android_on_tcp() {
        let check = judged("h3=\":443\"; ma=86400", 443, Lang::En);
        assert_eq!(check.status, Status::Info);
        assert!(check.summary.starts_with("Alt-Svc advertises h3 on UDP port 443 for 1 day: "), "{}", check.summary);
        assert!(check.summary.contains("enableQuic does nothing there"), "{}", check.summary);
        assert!(!check.summary.contains("gQUIC service"), "{}", check.summary);
        assert!(check.hint.as_deref().is_some_and(|h| h.contains("UDP port 443")), "{:?}", check.hint);
        assert_eq!((check.data["http3"].as_bool(), check.data["gquic"].as_bool()), (Some(true), Some(false)));
    }

    #[test]
    fn only_quic_leaves_new_android_on_tcp_and_says_gquic_is_untested() {
        let check = judged("quic=\":443\"; ma=2592000; v=\"43,46\"", 443, Lang::En);
        assert_eq!(check.status, Status::Info);
        assert!(check.summary.contains("speak only HTTP/3 (h3=), so they will not use QUIC"), "{}", check.summary);
        assert!(check.summary.contains("no maintained library speaks gQUIC Q043"), "{}", check.summary);
        assert_eq!(uses(&check), ["gquic"]);
        let zh = judged("quic=\":443\"; v=\"43\"", 443, Lang::Zh);
        assert!(zh.summary.contains("没有仍在维护的库支持 gQUIC Q043"), "{}", zh.summary);
    }

    #[test]
    fn both_reach_every_client() {
        let check = judged("h3=\":443\", quic=\":443\"; v=\"43\"", 443, Lang::En);
        assert_eq!(check.status, Status::Info);
        assert_eq!(uses(&check), ["http3", "gquic"]);
        assert!(check.summary.contains("can use HTTP/3, iOS WeChat"), "{}", check.summary);
    }

    #[test]
    fn alternatives_no_client_uses_warn() {
        let cases = [
            ("h3-29=\":443\"", "draft", "is a draft of HTTP/3"),
            ("quic=\":443\"; v=\"46,50\"", "no_q043", "without 43"),
            ("h3=\":8443\"", "restricted_port", "from port 443 to port 8443"),
        ];
        for (value, key, words) in cases {
            let check = judged(value, 443, Lang::En);
            assert_eq!(check.status, Status::Warn, "{value}");
            assert_eq!(uses(&check), [key], "{value}");
            assert!(check.summary.contains(words), "{value}: {}", check.summary);
            assert!(check.hint.is_some(), "{value}");
        }
    }

    #[test]
    fn another_port_above_1024_is_used_from_a_high_origin_port() {
        let check = judged("h3=\":8443\"; ma=60", 8000, Lang::En);
        assert_eq!((check.status, uses(&check)), (Status::Info, vec!["http3"]));
        let hint = check.hint.unwrap();
        assert!(hint.contains("UDP port 8443") && hint.contains("ma=60 is short"), "{hint}");
    }

    #[test]
    fn not_quic_is_only_information() {
        let check = judged("h2=\"alt.test:443\"", 443, Lang::En);
        assert_eq!((check.status, uses(&check)), (Status::Info, vec!["not_quic"]));
        assert!(check.summary.contains("none of them is QUIC"), "{}", check.summary);
        assert!(check.hint.is_none());
    }

    #[test]
    fn clear_none_and_malformed() {
        let clear = judged("clear", 443, Lang::Zh);
        assert_eq!((clear.status, clear.data["clear"].as_bool()), (Status::Info, Some(true)));
        let none = judge_header(None, 443, Lang::En);
        assert!(none.summary.contains("never switches to QUIC"), "{}", none.summary);
        let bad = judged("h3=\":443\"; ma=0\u{1b}[2J", 443, Lang::En);
        assert_eq!(bad.status, Status::Warn);
        assert!(!bad.summary.contains('\u{1b}') && bad.summary.contains("ma is not a whole number"), "{}", bad.summary);
        assert_eq!(bad.data["error"], "alternative 1: ma is not a whole number of seconds from 1 to 4294967295");
        let zh = judged("h3=\":443\", h3", 443, Lang::Zh);
        assert!(zh.summary.contains("第 2 个备选服务"), "{}", zh.summary);
    }

    #[test]
    fn another_host_needs_a_certificate_for_the_origin() {
        let check = judged("h3=\"quic.example.com:443\"", 443, Lang::En);
        assert!(check.hint.is_some_and(|h| h.contains("another host, quic.example.com")));
        assert_eq!(check.data["alternatives"][0]["host"], "quic.example.com");
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(86_400, Lang::En), "1 day");
        assert_eq!(span(2_592_000, Lang::En), "30 days");
        assert_eq!(span(7200, Lang::Zh), "2 小时");
        assert_eq!(span(90, Lang::En), "90 s");
    }
}
