//! Step 1 end to end: DNS answers and non-answers from a real DNS server on a
//! loopback port, and TCP outcomes against real listeners, refused ports and
//! tarpits.

use std::net::IpAddr;

use crate::cli::{check, check_api};
use crate::support::{CertKind, DnsAnswer, DnsRule, dns_server, https_server, refused_port, shared_dns};

fn v4() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// A name the test certificate covers (`*.wild.test`), answered by a fresh DNS server.
fn wild_dns(a: DnsAnswer, aaaa: DnsAnswer) -> String {
    dns_server(vec![DnsRule { name: "x.wild.test", a, aaaa }]).to_string()
}

/// Checks `https://{host}/ok` resolved by `dns`, connecting on the valid server's port.
fn check_host(host: &str, dns: &str, extra: &[&str]) -> crate::cli::Report {
    let port = https_server(CertKind::Valid).port();
    let route = format!("{host}:443::{port}");
    let url = format!("https://{host}/ok");
    let mut args = vec!["--dns-server", dns, "--connect-to", route.as_str()];
    args.extend_from_slice(extra);
    args.push(url.as_str());
    check(&args)
}

#[test]
fn a_resolvable_reachable_host_passes_end_to_end() {
    let dns = wild_dns(DnsAnswer::Addrs(vec![v4()]), DnsAnswer::NoData);
    let report = check_host("x.wild.test", &dns, &[]);
    let resolve = report.expect("dns.resolve", "pass", "x.wild.test → 127.0.0.1");
    assert_eq!(resolve.data["addresses"], serde_json::json!(["127.0.0.1"]));
    assert_eq!(resolve.data["aaaa"], "no record");
    report.expect("tcp.connect", "pass", "1 of 1 addresses accept");
    assert_eq!(report.addresses, vec![format!("127.0.0.1:{}", https_server(CertKind::Valid).port())]);
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    let timings = &report.timings_ms;
    assert!(timings.dns.is_some() && timings.connect.is_some() && timings.tls.is_some() && timings.ttfb.is_some());
}

#[test]
fn nxdomain_fails_dns_and_skips_its_dependants() {
    let report = check_host("nx.test", &shared_dns().to_string(), &[]);
    let dns = report.expect("dns.resolve", "fail", "nx.test does not exist (NXDOMAIN");
    let wx = dns.wx.as_ref().expect("a phone error");
    assert_eq!(wx.errno, 600001);
    assert!(wx.err_msg.ends_with("net::ERR_NAME_NOT_RESOLVED"), "{wx:?}");
    for id in ["tcp.connect", "tls.handshake", "cert.expiry", "timeout.budget", "http.redirect", "http.response"] {
        report.expect(id, "skip", "dns.resolve");
    }
    for id in ["url.scheme", "url.host", "url.port", "url.length"] {
        report.expect(id, "pass", "");
    }
    assert_eq!(report.checks.iter().filter(|c| c.status == "fail").count(), 1, "one cause, one failure");
}

#[test]
fn servfail_refused_and_no_data_are_named() {
    let dns = shared_dns().to_string();
    check_host("servfail.test", &dns, &[]).expect("dns.resolve", "fail", "SERVFAIL");
    check_host("refused.test", &dns, &[]).expect("dns.resolve", "fail", "REFUSED");
    check_host("nodata.test", &dns, &[]).expect("dns.resolve", "fail", "has no A or AAAA record");
}

#[test]
fn a_silent_dns_server_runs_out_the_budget_during_dns() {
    let report = check_host("silent.test", &shared_dns().to_string(), &["--timeout-ms", "800"]);
    report.expect("dns.resolve", "fail", "no DNS answer for silent.test before the 800 ms timeout budget ran out");
    let budget = report.expect("timeout.budget", "fail", "the time ran out during the DNS lookup");
    assert_eq!(budget.wx.as_ref().map(|w| w.err_msg.as_str()), Some("request:fail timeout"));
}

#[test]
fn one_failing_address_family_warns() {
    let dns = wild_dns(DnsAnswer::Addrs(vec![v4()]), DnsAnswer::ServFail);
    let report = check_host("x.wild.test", &dns, &[]);
    let resolve = report.expect("dns.resolve", "warn", "but the AAAA query failed: SERVFAIL");
    assert_eq!(resolve.data["a"], "127.0.0.1");
    report.expect("tcp.connect", "pass", "");
}

#[test]
fn nxdomain_for_one_family_while_the_other_answers_warns() {
    let dns = wild_dns(DnsAnswer::Addrs(vec![v4()]), DnsAnswer::NxDomain);
    let report = check_host("x.wild.test", &dns, &[]);
    report.expect("dns.resolve", "warn", "but the AAAA query failed: NXDOMAIN");
}

#[test]
fn an_address_that_refuses_while_another_accepts_warns() {
    let both = DnsAnswer::Addrs(vec![v4(), "::1".parse().unwrap()]);
    let dns = wild_dns(both.clone(), both);
    let report = check_host("x.wild.test", &dns, &[]);
    report.expect("dns.resolve", "pass", "127.0.0.1, ::1");
    let tcp = report.expect("tcp.connect", "warn", "1 of 2 addresses fail");
    let outcomes: Vec<&str> =
        tcp.data["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["connected", "refused"]);
    report.expect("http.response", "pass", "200 OK");
}

#[test]
fn a_refused_port_fails_tcp_with_the_phone_error() {
    let report = check_api(refused_port(), "/ok", &[]);
    report.expect("dns.resolve", "skip", "--connect-to");
    let tcp = report.expect("tcp.connect", "fail", "refused");
    assert!(tcp.wx.as_ref().unwrap().err_msg.ends_with("net::ERR_CONNECTION_REFUSED"));
    assert!(tcp.hint.as_ref().unwrap().contains("nothing listens on port"));
    report.expect("tls.handshake", "skip", "tcp.connect");
    report.expect("cert.trusted", "skip", "tcp.connect");
    report.expect("timeout.budget", "skip", "tcp.connect");
}

#[test]
fn resolve_supplies_addresses_without_dns() {
    let addr = https_server(CertKind::Valid);
    let rule = format!("api.test:{}:127.0.0.1", addr.port());
    let url = format!("https://api.test:{}/ok", addr.port());
    let report = check(&["--resolve", &rule, &url]);
    report.expect("dns.resolve", "skip", "--resolve");
    report.expect("tcp.connect", "pass", "");
    report.expect("url.port", "fail", &format!("port {}", addr.port()));
}

#[test]
fn a_dns_server_that_is_not_there_fails_quickly() {
    let closed = refused_port();
    let report = check(&["--dns-server", &closed.to_string(), "--timeout-ms", "20000", "https://api.test/ok"]);
    report.expect("dns.resolve", "fail", "api.test");
    report.expect("timeout.budget", "skip", "dns.resolve");
}
