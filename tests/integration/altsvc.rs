//! `http.altsvc` end to end: a loopback HTTPS server answers with each form
//! of `Alt-Svc` (h3, gQUIC, both, another port, clear, malformed, none, on a
//! redirect), and the report says which WeChat clients would use QUIC.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::cli::{CheckJson, Report, check, check_api};
use crate::support::{CertKind, http_server, https_server};

/// `https://api.test/altsvc` answering with one `Alt-Svc` line per value.
fn answering(lines: &[&str], extra: &[&str]) -> Report {
    let query: Vec<String> =
        lines.iter().map(|line| format!("v={}", utf8_percent_encode(line, NON_ALPHANUMERIC))).collect();
    check_api(https_server(CertKind::Valid), &format!("/altsvc?{}", query.join("&")), extra)
}

/// `(protocol, port, use)` of each alternative in `data.alternatives`.
fn alternatives(check: &CheckJson) -> Vec<(String, u64, String)> {
    let listed = check.data["alternatives"].as_array().unwrap_or_else(|| panic!("no alternatives: {check:?}"));
    let field = |alt: &Value, key: &str| alt[key].as_str().unwrap_or_default().to_owned();
    listed.iter().map(|alt| (field(alt, "protocol"), alt["port"].as_u64().unwrap(), field(alt, "use"))).collect()
}

/// `(data.http3, data.gquic)`: which families of WeChat clients would use QUIC.
fn families(check: &CheckJson) -> (bool, bool) {
    (check.data["http3"] == json!(true), check.data["gquic"] == json!(true))
}

#[test]
fn h3_only_reaches_new_android_and_pc() {
    let report = answering(&["h3=\":443\"; ma=86400"], &[]);
    let alt = report.expect("http.altsvc", "info", "Alt-Svc advertises h3 on UDP port 443 for 1 day");
    assert!(alt.summary.contains("iOS WeChat and Android WeChat before 8.0.54 speak only gQUIC Q043"), "{alt:?}");
    assert!(alt.summary.contains("enableQuic does nothing there"), "{alt:?}");
    assert!(!alt.summary.contains("cannot test the gQUIC service"), "{alt:?}");
    assert!(alt.hint.as_deref().is_some_and(|h| h.contains("UDP port 443")), "{alt:?}");
    assert_eq!(alternatives(alt), [("h3".into(), 443, "http3".into())]);
    assert_eq!(alt.data["alternatives"][0]["max_age"], 86400);
    assert_eq!(families(alt), (true, false));
    assert_eq!(alt.data["header"], "h3=\":443\"; ma=86400");
    assert_eq!(report.verdict, "pass", "information never changes the verdict");
}

#[test]
fn gquic_only_reaches_ios_and_older_android_and_is_not_probed() {
    let report = answering(&["quic=\":443\"; ma=2592000; v=\"43,46\""], &[]);
    let alt = report.expect("http.altsvc", "info", "iOS WeChat and Android WeChat before 8.0.54 can use gQUIC Q043");
    assert!(alt.summary.contains("Android WeChat 8.0.54+ and the PC client speak only HTTP/3"), "{alt:?}");
    assert!(alt.summary.contains("no maintained library speaks gQUIC Q043"), "{alt:?}");
    assert_eq!(alternatives(alt), [("quic".into(), 443, "gquic".into())]);
    assert_eq!(alt.data["alternatives"][0]["versions"], "43,46");
    assert_eq!(families(alt), (false, true));
}

#[test]
fn both_lines_combine_and_reach_every_client() {
    let report = answering(&["h3=\":443\"", "quic=\":443\"; v=\"43\""], &[]);
    let alt = report.expect("http.altsvc", "info", "can use HTTP/3, iOS WeChat and Android WeChat before 8.0.54 gQUIC");
    assert_eq!(alternatives(alt), [("h3".into(), 443, "http3".into()), ("quic".into(), 443, "gquic".into())]);
    assert_eq!(families(alt), (true, true));
    assert_eq!(alt.data["header"], "h3=\":443\", quic=\":443\"; v=\"43\"");
}

#[test]
fn another_port_names_the_udp_port_or_is_ignored_above_1023() {
    let report = answering(&["h3=\":444\"; ma=60"], &[]);
    let alt = report.expect("http.altsvc", "info", "h3 on UDP port 444 for 1 min");
    let hint = alt.hint.as_deref().unwrap_or_default();
    assert!(hint.contains("UDP port 444") && hint.contains("ma=60 is short"), "{hint}");
    assert_eq!(families(alt), (true, false));

    let report = answering(&["h3=\":8443\""], &[]);
    let alt = report.expect("http.altsvc", "warn", "no WeChat client uses any of them");
    assert!(alt.summary.contains("from port 443 to port 8443"), "{alt:?}");
    assert_eq!(alternatives(alt), [("h3".into(), 8443, "restricted_port".into())]);
    assert_eq!(families(alt), (false, false));
    assert_eq!(report.verdict, "warn");
}

#[test]
fn clear_malformed_and_none() {
    let clear = answering(&["clear"], &[]);
    let alt = clear.expect("http.altsvc", "info", "Alt-Svc: clear");
    assert_eq!((alt.data["clear"].clone(), alt.data["alternatives"].clone()), (json!(true), json!([])));

    let report = answering(&["h3=\":443\"; ma=0"], &[]);
    let alt = report.expect("http.altsvc", "warn", "the Alt-Svc header is malformed (alternative 1: ma is not");
    assert!(alt.summary.ends_with(": h3=\":443\"; ma=0"), "{alt:?}");
    assert_eq!(alt.data["error"], "alternative 1: ma is not a whole number of seconds from 1 to 4294967295");
    assert_eq!(families(alt), (false, false));
    assert_eq!(report.check("http.response").status, "pass");

    let mixed = answering(&["clear", "h3=\":443\""], &[]);
    mixed.expect("http.altsvc", "warn", "'clear' does not stand alone");

    let none = answering(&[], &[]);
    let alt = none.expect("http.altsvc", "info", "no Alt-Svc header: the phone never switches to QUIC");
    assert!(alt.data.get("header").is_none() && alt.data.get("alternatives").is_none(), "{alt:?}");
    assert_eq!(families(alt), (false, false));
}

#[test]
fn a_redirect_s_header_counts_when_the_final_response_has_none() {
    let path = format!("/altsvc?v={}&to=%2Fok", utf8_percent_encode("h3=\":443\"", NON_ALPHANUMERIC));
    let report = check_api(https_server(CertKind::Valid), &path, &[]);
    report.expect("http.redirect", "pass", "followed 1");
    let alt = report.expect("http.altsvc", "info", "Alt-Svc advertises h3");
    assert_eq!(families(alt), (true, false));
}

#[test]
fn chinese_words() {
    let report = answering(&["quic=\":443\"; v=\"43\""], &["--lang", "zh"]);
    let alt = report.expect("http.altsvc", "info", "iOS 微信和 8.0.54 以前的 Android 微信可以使用 gQUIC Q043");
    assert!(alt.summary.contains("没有仍在维护的库支持 gQUIC Q043"), "{alt:?}");
    let bad = answering(&["h3=:443"], &["--lang", "zh"]);
    bad.expect("http.altsvc", "warn", "Alt-Svc 响应头格式错误（第 1 个备选服务");
}

#[test]
fn skipped_without_an_https_response() {
    let plain = http_server();
    let url = format!("http://api.test/altsvc?v={}", utf8_percent_encode("h3=\":443\"", NON_ALPHANUMERIC));
    let route = format!("api.test:80:{}:{}", plain.ip(), plain.port());
    let report = check(&["--connect-to", &route, &url]);
    report.expect("http.altsvc", "skip", "the phone reads Alt-Svc only on HTTPS responses (url.scheme)");

    let expired = check_api(https_server(CertKind::Expired), "/altsvc", &[]);
    let alt = expired.expect("http.altsvc", "skip", "the certificate was refused (cert.*)");
    assert!(alt.data.is_empty(), "{alt:?}");
}
