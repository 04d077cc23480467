//! Steps 2 and 4 and the request rules, end to end: the allow-list, IP and
//! localhost hosts, ports, ICP filing, URL length, methods and headers.

use crate::cli::{check, check_api};
use crate::support::{CertKind, https_server};

fn valid() -> std::net::SocketAddr {
    https_server(CertKind::Valid)
}

#[test]
fn the_allow_list_passes_fails_and_warns_in_debug_mode() {
    check_api(valid(), "/ok", &[]).expect("domain.allowlist", "skip", "no allow-list given");
    check_api(valid(), "/ok", &["--allow-domain", "https://api.test"]).expect(
        "domain.allowlist",
        "pass",
        "https://api.test is on the allow-list",
    );

    let report = check_api(valid(), "/ok", &["--allow-domain", "https://other.test"]);
    let allow = report.expect(
        "domain.allowlist",
        "fail",
        "https://api.test is not on the request allow-list (https://other.test)",
    );
    let wx = allow.wx.as_ref().unwrap();
    assert_eq!((wx.errno, wx.err_msg.as_str()), (600002, "request:fail url not in domain list"));
    report.expect("http.response", "pass", "200");

    let report = check_api(valid(), "/ok", &["--allow-domain", "https://other.test", "--debug-mode"]);
    report.expect("domain.allowlist", "warn", "debug mode lets it through");
    assert_eq!(report.verdict, "warn");
}

#[test]
fn a_parent_domain_does_not_cover_a_subdomain() {
    let report = check_api(valid(), "/ok", &["--allow-domain", "https://test"]);
    let allow = report.expect("domain.allowlist", "fail", "");
    assert!(allow.hint.as_ref().unwrap().contains("parent domain does not cover"));
}

#[test]
fn ports_need_an_allow_list_entry_with_that_exact_port() {
    let addr = valid();
    let resolve = format!("api.test:443:{}", addr.ip());
    let connect = format!("api.test:443:{}:{}", addr.ip(), addr.port());
    let report = check(&["--resolve", &resolve, "--connect-to", &connect, "https://api.test:443/ok"]);
    report.expect("url.port", "fail", "carries port 443");
    let report =
        check(&["--connect-to", &connect, "--allow-domain", "https://api.test:443", "https://api.test:443/ok"]);
    report.expect("url.port", "pass", "allowed by the allow-list entry https://api.test:443");
    report.expect("domain.allowlist", "pass", "");
    check_api(addr, "/ok", &[]).expect("url.port", "pass", "no port");
}

#[test]
fn ip_and_localhost_hosts_fail_and_private_lan_warns() {
    let addr = valid();
    let url = format!("https://127.0.0.1:{}/ok", addr.port());
    let report = check(&[&url]);
    report.expect("url.host", "fail", "127.0.0.1 is an IP address");
    report.expect("dns.resolve", "skip", "the host is an IP address");
    report.expect("cert.hostname", "fail", "127.0.0.1");

    let connect = format!("::{}:{}", addr.ip(), addr.port());
    check(&["--connect-to", &connect, "https://localhost/ok"]).expect("url.host", "fail", "localhost is localhost");
    check(&["--connect-to", &connect, "https://10.1.2.3/ok"]).expect("url.host", "warn", "private-LAN address");
    check(&["--connect-to", &connect, "https://[fd00::1]/ok"]).expect("url.host", "warn", "private-LAN");
}

#[test]
fn icp_filing_is_always_information() {
    let report = check_api(valid(), "/ok", &[]);
    let icp = report.expect("icp.filing", "info", "cannot be verified from outside");
    assert!(icp.hint.as_ref().unwrap().contains("备案"));
}

#[test]
fn long_urls_fail_url_length() {
    let long = format!("/ok?pad={}", "a".repeat(1100));
    let report = check_api(valid(), &long, &[]);
    let length = report.expect("url.length", "fail", "over the 1024-byte limit");
    assert_eq!(length.data["bytes"], 1124);
    let data = format!(r#"{{"pad":"{}"}}"#, "b".repeat(1010));
    check_api(valid(), "/ok", &["--data", &data]).expect("url.length", "fail", "with --data as its query");
    check_api(valid(), "/ok", &["-X", "POST", "--data", &data]).expect("url.length", "pass", "bytes");
}

#[test]
fn methods_outside_the_wx_list_fail_and_are_not_sent() {
    let report = check_api(valid(), "/record/patch", &["-X", "PATCH"]);
    report.expect("request.method", "fail", "'PATCH' is not a method wx.request accepts");
    report.expect("http.response", "skip", "request.method");
    assert!(crate::support::recorded("patch").is_empty());
    check_api(valid(), "/ok", &["-X", "get"]).expect("request.method", "fail", "'get'");
}

#[test]
fn a_referer_header_warns() {
    let report = check_api(valid(), "/ok", &["-H", "Referer: https://example.test/"]);
    report.expect("request.header", "warn", "a Referer header was given");
    check_api(valid(), "/ok", &["-H", "X-A: 1"]).expect("request.header", "pass", "1 extra header");
}

#[test]
fn everything_right_exits_zero() {
    let report = check_api(valid(), "/ok", &["--allow-domain", "https://api.test"]);
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
}
