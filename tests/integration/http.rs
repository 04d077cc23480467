//! Steps 5 and 6 and the request itself, end to end: what is sent, how
//! redirects are followed or refused, the status that comes back, and the
//! timeout budget against slow routes.

use crate::cli::{check, check_api};
use crate::support::{CertKind, http_server, https_server, recorded};

fn valid() -> std::net::SocketAddr {
    https_server(CertKind::Valid)
}

#[test]
fn sends_the_request_as_the_mini_program_would() {
    let report = check_api(valid(), "/record/get-defaults?x=1", &["--data", r#"{"q":"a b","n":1}"#]);
    report.expect("http.response", "pass", "200 OK");
    let seen = recorded("get-defaults");
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/record/get-defaults?x=1&q=a%20b&n=1");
    let header = |name: &str| request.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(header("host"), Some("api.test"));
    assert_eq!(header("content-type"), Some("application/json"));
    assert!(request.body.is_empty());
}

#[test]
fn post_sends_data_and_headers() {
    let args = [
        "-X",
        "POST",
        "--data",
        r#"{"id":7}"#,
        "-H",
        "X-Trace: t1",
        "-H",
        "Content-Type: application/json; charset=utf-8",
    ];
    check_api(valid(), "/record/post-json", &args).expect("request.method", "pass", "POST");
    let request = &recorded("post-json")[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.body, r#"{"id":7}"#);
    assert!(request.headers.contains(&("x-trace".into(), "t1".into())));
    let types: Vec<&str> =
        request.headers.iter().filter(|(k, _)| k == "content-type").map(|(_, v)| v.as_str()).collect();
    assert_eq!(types, ["application/json; charset=utf-8"], "the user's content-type replaces the default");
}

#[test]
fn error_statuses_warn_because_success_is_still_called() {
    let report = check_api(valid(), "/status/500", &[]);
    let response = report.expect("http.response", "warn", "500 Internal Server Error");
    assert!(response.hint.as_ref().unwrap().contains("still calls success"));
    assert_eq!(response.data["status"], 500);
    check_api(valid(), "/status/404", &[]).expect("http.response", "warn", "404");
    assert_eq!(report.verdict, "warn");
}

#[test]
fn same_host_redirects_are_followed_and_recorded() {
    for code in ["301", "302", "307", "308"] {
        let path = format!("/redirect/{code}?to=%2Fok");
        let report = check_api(valid(), &path, &[]);
        report.expect("http.redirect", "pass", "followed 1 same-host redirect(s): /redirect/");
        report.expect("http.response", "pass", "200 OK");
    }
    let report = check_api(valid(), "/hops/3", &[]);
    let redirect = report.expect("http.redirect", "pass", "followed 3");
    assert_eq!(redirect.data["hops"].as_array().unwrap().len(), 4);
    assert_eq!(report.http.as_ref().unwrap()["redirects"], 3);
}

#[test]
fn a_redirect_to_another_host_fails_and_is_not_followed() {
    let report = check_api(valid(), "/redirect/302?to=https%3A%2F%2Fother.test%2Fok", &[]);
    let redirect =
        report.expect("http.redirect", "fail", "a 302 redirect points to another host: https://other.test/ok");
    assert_eq!(redirect.wx.as_ref().unwrap().errno, 600002);
    assert_eq!(redirect.data["hops"].as_array().unwrap().len(), 1, "other.test was not requested");
    report.expect("http.response", "skip", "http.redirect");
    let report = check_api(valid(), "/redirect/301?to=https%3A%2F%2Fsub.api.test%2Fok", &[]);
    report.expect("http.redirect", "fail", "another host");
}

#[test]
fn downgrades_loops_and_long_chains_fail() {
    check_api(valid(), "/redirect/302?to=http%3A%2F%2Fapi.test%2Fok", &[]).expect(
        "http.redirect",
        "fail",
        "leaves HTTPS",
    );
    check_api(valid(), "/loop", &[]).expect("http.redirect", "fail", "redirect loop");
    check_api(valid(), "/hops/5", &["--max-redirects", "2"]).expect("http.redirect", "fail", "more than 2 redirects");
}

#[test]
fn a_slow_response_runs_out_the_budget_while_waiting() {
    let report = check_api(valid(), "/slow/3000", &["--timeout-ms", "600"]);
    let budget = report.expect(
        "timeout.budget",
        "fail",
        "did not finish within 600 ms (--timeout-ms): the time ran out during waiting for the response",
    );
    assert_eq!(budget.data["phase"], "ttfb");
    report.expect("http.response", "skip", "timeout.budget");
    report.expect("tls.handshake", "pass", "");
}

#[test]
fn using_more_than_half_the_budget_warns() {
    let report = check_api(valid(), "/slow/700", &["--timeout-ms", "1200"]);
    report.expect("timeout.budget", "warn", "more than half");
    let report = check_api(valid(), "/ok", &[]);
    report.expect("timeout.budget", "pass", "of the 60000 ms budget (the default networkTimeout.request)");
}

#[test]
fn the_budget_comes_from_app_json_unless_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app.json");
    std::fs::write(&app, r#"{"pages":["index"],"networkTimeout":{"request":500}}"#).unwrap();
    let app = app.to_str().unwrap();
    let report = check_api(valid(), "/slow/2000", &["--app-json", app]);
    report.expect("timeout.budget", "fail", "within 500 ms (networkTimeout.request in");
    let report = check_api(valid(), "/ok", &["--app-json", app, "--timeout-ms", "9000"]);
    report.expect("timeout.budget", "pass", "of the 9000 ms budget (--timeout-ms)");
}

#[test]
fn an_http_url_fails_the_scheme_but_is_still_diagnosed() {
    let addr = http_server();
    let route = format!("api.test:80:{}:{}", addr.ip(), addr.port());
    let report = check(&["--connect-to", &route, "http://api.test/ok"]);
    report.expect("url.scheme", "fail", "http: is refused");
    report.expect("tls.handshake", "skip", "http: URLs carry no TLS");
    report.expect("cert.trusted", "skip", "http: URLs carry no certificate");
    report.expect("http.response", "pass", "200 OK");
}

/// `redirect: 'manual'` (base library 3.2.2+): a 3xx is the page's result,
/// with its Location — information, not a failure and not an allow-list matter.
#[test]
fn a_manual_redirect_is_handed_to_the_page() {
    let to = "/redirect/302?to=https%3A%2F%2Fother.test%2Fdone";
    let report = check_api(valid(), to, &["--redirect", "manual"]);
    let redirect = report.expect("http.redirect", "info", "302 to https://other.test/done is handed to the page");
    assert_eq!(redirect.data["location"], "https://other.test/done");
    report.expect("http.response", "pass", "302 Found");
    assert_eq!(report.verdict, "pass");
    let followed = check_api(valid(), to, &[]);
    followed.expect("http.redirect", "fail", "points to another host");
}

/// Another port on the same host is another origin: not followed, and the
/// allow-list's exact-port rule is named. A URL's own port shows in hop summaries.
#[test]
fn a_redirect_to_another_port_is_another_origin() {
    let report = check_api(valid(), "/redirect/301?to=https%3A%2F%2Fapi.test%3A8443%2Fx", &[]);
    let redirect = report.expect(
        "http.redirect",
        "fail",
        "a 301 redirect changes the port, so it goes to another origin: https://api.test:8443/x",
    );
    assert_eq!(redirect.wx.as_ref().unwrap().err_msg, "request:fail url not in domain list");
    assert!(redirect.hint.as_ref().unwrap().contains("exact-port rule"), "{redirect:#?}");

    let server = valid();
    let port = server.port().to_string();
    let resolve = format!("api.test:{port}:127.0.0.1");
    let url = format!("https://api.test:{port}/hops/1");
    let report = check(&["--resolve", &resolve, &url]);
    report.expect(
        "http.redirect",
        "pass",
        &format!("followed 1 same-host redirect(s): :{port}/hops/1 → :{port}/hops/0"),
    );
}

/// `profile` carries `res.profile`'s field names, in order, for a side-by-side
/// with a phone: Unix milliseconds that never go backwards, the peer and the bytes.
#[test]
fn the_profile_reads_like_the_phones() {
    let server = valid();
    let report = check_api(server, "/ok", &[]);
    let p = report.profile.as_ref().expect("a profile once a connection was made");
    let order = [
        p.fetchStart,
        p.domainLookUpStart,
        p.domainLookUpEnd,
        p.connectStart,
        p.SSLconnectionStart,
        p.SSLconnectionEnd,
        p.connectEnd,
        p.requestStart,
        p.responseStart,
        p.responseEnd,
    ];
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{p:#?}");
    assert!(p.fetchStart > 1.7e12, "Unix milliseconds: {}", p.fetchStart);
    assert_eq!((p.redirectStart, p.redirectEnd), (0.0, 0.0), "no redirect");
    assert_eq!(p.peerIP.as_deref(), Some("127.0.0.1"));
    assert_eq!(p.port, Some(server.port()));
    assert_eq!(p.protocol.as_deref(), Some("http/1.1"));
    assert!(p.sendBytesCount > 100 && p.receivedBytedCount > 11, "{p:#?}");
    let refused = crate::support::refused_port();
    let route = format!("refused.test:443:{}:{}", refused.ip(), refused.port());
    let plain = check(&["--connect-to", &route, "--timeout-ms", "2000", "https://refused.test/"]);
    let p = plain.profile.as_ref().expect("a connection was attempted");
    assert_eq!((p.SSLconnectionStart, p.responseStart, p.receivedBytedCount), (0.0, 0.0, 0));
}
