//! `reqdoctor explain` end to end, and the round trip that makes the `wx`
//! field useful: for every failing check that carries the phone's error,
//! explaining that errMsg must lead back to the check.

use serde_json::Value;

use crate::cli::{Report, check, check_api, reqdoctor};
use crate::support::{
    CertKind, OpensslKind, close_after_hello, http_server, https_server, openssl_server, refused_port, shared_dns,
    tarpit, tls_alert_server,
};

fn explain_json(input: &str) -> Value {
    let run = reqdoctor(&["explain", "--json", input]);
    assert_eq!(run.code, 0, "explain {input:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("explain --json prints one document")
}

/// Every failing check of `report` with a `wx` pair explains back to itself.
#[track_caller]
fn round_trip(report: &Report, expected: &[&str]) {
    for id in expected {
        let check = report.check(id);
        assert_eq!(check.status, "fail", "{id}: {check:#?}");
        let wx = check.wx.as_ref().unwrap_or_else(|| panic!("{id} fails without a wx pair"));
        let answer = explain_json(&wx.err_msg);
        let checks: Vec<&str> = answer["checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert!(checks.contains(id), "explain {:?} leads to {checks:?}, not {id}", wx.err_msg);
        assert_eq!(answer["recognized"]["errno"], wx.errno, "{id}: {}", wx.err_msg);
    }
}

fn api(kind: CertKind, path: &str, extra: &[&str]) -> Report {
    check_api(https_server(kind), path, extra)
}

#[test]
fn network_and_tls_failures_explain_back_to_their_checks() {
    let dns = shared_dns().to_string();
    let port = https_server(CertKind::Valid).port();
    round_trip(
        &check(&["--dns-server", &dns, "--connect-to", &format!("nx.test:443::{port}"), "https://nx.test/"]),
        &["dns.resolve"],
    );
    round_trip(&check_api(refused_port(), "/", &[]), &["tcp.connect"]);
    round_trip(&check_api(tls_alert_server(), "/", &[]), &["tls.version"]);
    round_trip(&check_api(http_server(), "/", &[]), &["tls.handshake"]);
    round_trip(&check_api(close_after_hello(), "/", &[]), &["tls.handshake"]);
    round_trip(&check_api(tarpit(), "/", &["--timeout-ms", "300"]), &["tls.handshake", "timeout.budget"]);
}

#[test]
fn certificate_failures_explain_back_to_their_checks() {
    round_trip(&api(CertKind::SelfSigned, "/", &[]), &["cert.trusted"]);
    round_trip(&api(CertKind::MissingIntermediate, "/", &[]), &["cert.chain"]);
    round_trip(&api(CertKind::WrongHost, "/", &[]), &["cert.hostname"]);
    round_trip(&api(CertKind::Expired, "/", &[]), &["cert.expiry"]);
    round_trip(&api(CertKind::Ed25519Leaf, "/", &[]), &["cert.key"]);
    round_trip(&api(CertKind::Sha1Signed, "/", &[]), &["cert.signature"]);
    round_trip(&check_api(openssl_server(OpensslKind::Rsa1024), "/", &[]), &["cert.key"]);
}

#[test]
fn rule_and_redirect_failures_explain_back_to_their_checks() {
    let valid = https_server(CertKind::Valid);
    round_trip(&check_api(valid, "/ok", &["--allow-domain", "https://other.test"]), &["domain.allowlist"]);
    let long = format!("/ok?pad={}", "a".repeat(1100));
    round_trip(&check_api(valid, &long, &[]), &["url.length"]);
    round_trip(&check_api(valid, "/redirect/302?to=https%3A%2F%2Fother.test%2F", &[]), &["http.redirect"]);
    round_trip(&check_api(valid, "/loop", &[]), &["http.redirect"]);
    let url = format!("https://127.0.0.1:{}/ok", valid.port());
    round_trip(&check(&[&url]), &["url.host", "url.port"]);
    let plain = http_server();
    round_trip(
        &check(&["--connect-to", &format!("api.test:80:{}:{}", plain.ip(), plain.port()), "http://api.test/ok"]),
        &["url.scheme"],
    );
}

#[test]
fn explain_answers_in_text_and_chinese() {
    let run =
        reqdoctor(&["explain", "request:fail", "url", "not", "in", "domain", "list", "--url", "https://api.test/x"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("domain.allowlist"), "{}", run.stdout);
    assert!(
        run.stdout.contains("reqdoctor check --allow-domain https://api.test https://api.test/x"),
        "{}",
        run.stdout
    );
    let run = reqdoctor(&["explain", "--lang", "zh", "request:fail 未能找到使用指定主机名的服务器。"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("手机无法解析该域名") && run.stdout.contains("dns.resolve"), "{}", run.stdout);
}

#[test]
fn negative_codes_need_no_quoting() {
    let run = reqdoctor(&["explain", "-202"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("cert.chain"), "{}", run.stdout);
}

#[test]
fn unknown_errors_get_a_helpful_line_and_exit_3() {
    let run = reqdoctor(&["explain", "something", "odd"]);
    assert_eq!(run.code, 3);
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.contains("paste the errMsg as the phone showed it"), "{}", run.stderr);
}
