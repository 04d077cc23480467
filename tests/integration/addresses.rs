//! Every address, and the one the phone uses: a host whose DNS answer has
//! several addresses on one port (127.0.0.2, 127.0.0.3, [::1] — all
//! loopback), one of them stale, plain HTTP, or dead. The phone's pick
//! follows Happy Eyeballs (IPv6 first, IPv4 300 ms later); every other
//! address gets its own TLS handshake.

use std::net::IpAddr;

use crate::cli::{Report, check};
use crate::support::{AtAddress, CertKind, DnsAnswer, DnsRule, dns_server, same_port};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// Diagnoses https://api.test/ok where DNS answers `a` and `aaaa`, every address on `port`.
fn diagnose(a: &[&str], aaaa: &[&str], port: u16) -> Report {
    diagnose_with(a, aaaa, port, &["https://api.test/ok"])
}

/// The same, with `args` (options and the URL) after the DNS server and the route.
fn diagnose_with(a: &[&str], aaaa: &[&str], port: u16, args: &[&str]) -> Report {
    let addrs = |list: &[&str]| match list {
        [] => DnsAnswer::NoData,
        some => DnsAnswer::Addrs(some.iter().map(|s| ip(s)).collect()),
    };
    let dns = dns_server(vec![DnsRule { name: "api.test", a: addrs(a), aaaa: addrs(aaaa) }]).to_string();
    let route = format!("api.test:443::{port}");
    check(&[&["--dns-server", &dns, "--connect-to", &route, "--timeout-ms", "5000"][..], args].concat())
}

#[test]
fn a_stale_node_beside_the_phones_address_is_named() {
    let port = same_port(&[
        (ip("127.0.0.2"), AtAddress::Https(CertKind::Valid)),
        (ip("127.0.0.3"), AtAddress::Https(CertKind::Expired)),
    ]);
    let report = diagnose(&["127.0.0.2", "127.0.0.3"], &[], port);
    let tcp = report.expect("tcp.connect", "pass", "2 of 2 addresses accept");
    assert_eq!(tcp.data["phone_address"], format!("127.0.0.2:{port}"));
    let addresses = report.expect(
        "dns.addresses",
        "warn",
        &format!("1 of 2 addresses differ from the one the phone uses first (127.0.0.2:{port}): 127.0.0.3:{port} serves an expired certificate"),
    );
    assert_eq!(addresses.data["addresses"][1]["outcome"], "certificate");
    assert_eq!(addresses.data["addresses"][0]["phone"], true);
    report.expect("cert.expiry", "pass", "valid for");
    assert_eq!(report.verdict, "warn");
}

/// A load-balancer member whose backend is down answers 502 while the phone's
/// address answers 200: the request goes to every address, and it is named.
#[test]
fn an_address_that_answers_another_status_is_named() {
    let port = same_port(&[
        (ip("127.0.0.2"), AtAddress::Https(CertKind::Valid)),
        (ip("127.0.0.3"), AtAddress::Answering(502)),
    ]);
    let report = diagnose(&["127.0.0.2", "127.0.0.3"], &[], port);
    let addresses = report.expect(
        "dns.addresses",
        "warn",
        &format!("1 of 2 addresses differ from the one the phone uses first (127.0.0.2:{port}): 127.0.0.3:{port} answers 502 where 127.0.0.2:{port} answers 200"),
    );
    assert_eq!(addresses.data["addresses"][0]["http_status"], 200);
    assert_eq!(addresses.data["addresses"][1]["http_status"], 502);
    report.expect("http.response", "pass", "200 OK");
}

/// A POST may not be safe to send twice: the other addresses get TLS only.
#[test]
fn a_post_is_not_repeated_on_the_other_addresses() {
    let port = same_port(&[
        (ip("127.0.0.2"), AtAddress::Https(CertKind::Valid)),
        (ip("127.0.0.3"), AtAddress::Answering(502)),
    ]);
    let report = diagnose_with(&["127.0.0.2", "127.0.0.3"], &[], port, &["--method", "POST", "https://api.test/echo"]);
    let addresses = report.expect(
        "dns.addresses",
        "pass",
        "serve the same certificate (the request was not sent to the others: its method is not safe to repeat)",
    );
    assert_eq!(addresses.data["addresses"][1]["http_status"], serde_json::Value::Null);
}

#[test]
fn when_the_phones_first_address_is_the_stale_one_it_fails() {
    let port = same_port(&[
        (ip("127.0.0.2"), AtAddress::Https(CertKind::Expired)),
        (ip("127.0.0.3"), AtAddress::Https(CertKind::Valid)),
    ]);
    let report = diagnose(&["127.0.0.2", "127.0.0.3"], &[], port);
    report.expect(
        "dns.addresses",
        "fail",
        &format!("the address the phone uses first, 127.0.0.2:{port}, fails: an expired certificate"),
    );
    report.expect("cert.expiry", "fail", "expired");
}

#[test]
fn the_phone_takes_ipv6_first() {
    let port = same_port(&[
        (ip("::1"), AtAddress::Https(CertKind::Valid)),
        (ip("127.0.0.2"), AtAddress::Https(CertKind::Valid)),
    ]);
    let report = diagnose(&["127.0.0.2"], &["::1"], port);
    let tcp = report.expect("tcp.connect", "pass", &format!("connected to [::1]:{port}"));
    assert_eq!(tcp.data["phone_address"], format!("[::1]:{port}"));
    report.expect(
        "dns.addresses",
        "pass",
        "all 2 addresses that accept TCP complete the TLS handshake and serve the same certificate, and answer 200",
    );
    assert_eq!(report.verdict, "pass");
}

/// No fallback after connecting: an AAAA that accepts TCP and then fails TLS fails the phone.
#[test]
fn an_ipv6_address_that_fails_tls_fails_the_phone() {
    let port = same_port(&[(ip("::1"), AtAddress::PlainHttp), (ip("127.0.0.2"), AtAddress::Https(CertKind::Valid))]);
    let report = diagnose(&["127.0.0.2"], &["::1"], port);
    report.expect("tls.handshake", "fail", "answers in plain HTTP");
    report.expect(
        "dns.addresses",
        "fail",
        &format!("the address the phone uses first, [::1]:{port}, fails: port {port} answers in plain HTTP, not TLS; 1 other address(es) work"),
    );
}

/// A dead AAAA costs the phone the 300 ms before its IPv4 attempt starts.
#[test]
fn a_dead_ipv6_address_costs_300_ms() {
    let port = same_port(&[(ip("::1"), AtAddress::Silent), (ip("127.0.0.2"), AtAddress::Https(CertKind::Valid))]);
    let report = diagnose(&["127.0.0.2"], &["::1"], port);
    let tcp = report.expect("tcp.connect", "warn", &format!("the phone connects to 127.0.0.2:{port} only "));
    assert!(tcp.summary.contains("it tries IPv6 first and another address 300 ms later"), "{tcp:#?}");
    let lost = tcp.data["lost_ms"].as_f64().unwrap();
    assert!((290.0..400.0).contains(&lost), "{lost} ms lost");
    report.expect("http.response", "pass", "200 OK");
}
