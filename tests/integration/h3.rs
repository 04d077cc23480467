//! HTTP/3 end to end (`--http3`, `--high-performance`, `http.h3`): the TCP
//! HTTPS fixture advertising `Alt-Svc: h3=":PORT"` beside a QUIC server on
//! that UDP port — healthy, with another certificate, refusing ALPN h3,
//! speaking only a draft QUIC version, or a port that drops everything — and
//! both paths failing at once.

use std::net::SocketAddr;

use crate::cli::{Report, check, check_api, reqdoctor, to};
use crate::serve::{Exporter, assert_probe_answer, loopback_module};
use crate::support::{CertKind, H3Kind, h3_beside_https, h3_server, https_server, https_with_alt_svc, pki, silent_udp};

/// The TCP fixture advertising h3 on `udp`'s port.
fn advertising(udp: SocketAddr) -> SocketAddr {
    https_with_alt_svc(&format!("h3=\":{}\"; ma=86400", udp.port()))
}

/// `check --json` of `https://api.test{path}` on `tcp`, with `flags`.
fn diagnose(tcp: SocketAddr, path: &str, flags: &[&str]) -> Report {
    check_api(tcp, path, flags)
}

#[test]
fn a_healthy_h3_service_passes_and_the_profile_says_h3() {
    let udp = h3_server(H3Kind::Healthy);
    let tcp = advertising(udp);
    let report = diagnose(tcp, "/ok", &["--http3"]);
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    let h3 = report.expect("http.h3", "pass", "HTTP/3 works on 127.0.0.1");
    assert_eq!(h3.data["port_from"], "alt-svc");
    assert_eq!(h3.data["address"], udp.to_string());
    assert_eq!((h3.data["status"].as_u64(), h3.data["alpn"].as_str()), (Some(200), Some("h3")));
    let summary = report.http3.as_ref().expect("the http3 object");
    assert!(summary.connected && summary.status == Some(200) && summary.port_from == "alt-svc", "{summary:?}");
    assert_eq!((summary.address.as_str(), summary.alpn.as_deref()), (udp.to_string().as_str(), Some("h3")));
    assert!(summary.handshake_ms > 0.0 && summary.total_ms >= summary.handshake_ms, "{summary:?}");
    assert!(summary.ttfb_ms.is_some_and(|t| t <= summary.total_ms), "{summary:?}");
    let profile = report.profile.as_ref().expect("a profile");
    assert_eq!(profile.protocol.as_deref(), Some("h3"));
    assert_eq!(profile.port, Some(udp.port()));
    let phases: Vec<&str> = report.timeline.iter().map(|e| e.phase.as_str()).collect();
    assert!(phases.contains(&"quic_handshake") && phases.contains(&"h3_request"), "{phases:?}");
}

#[test]
fn with_http3_quic_races_tcp_on_the_port_they_share() {
    // h3 on the origin's own port (443, which --connect-to maps to the fixture's).
    let tcp = h3_beside_https("h3=\":443\"; ma=86400");
    let raced = diagnose(tcp, "/ok", &["--http3"]);
    raced.expect("http.h3", "pass", "HTTP/3 works on 127.0.0.1");
    let summary = raced.http3.as_ref().unwrap();
    assert!(summary.raced && summary.port_from == "alt-svc", "{summary:?}");
    assert_eq!(summary.address, tcp.to_string(), "UDP on the TCP fixture's port");
    // The phone's high-performance mode waits for the advertisement: no race.
    let after = diagnose(tcp, "/ok", &["--high-performance"]);
    after.expect("http.h3", "pass", "advertised in Alt-Svc");
    assert!(!after.http3.as_ref().unwrap().raced);
    // Advertised elsewhere, the raced attempt is dropped and QUIC goes there.
    let elsewhere = diagnose(advertising(h3_server(H3Kind::Healthy)), "/ok", &["--http3"]);
    assert!(!elsewhere.http3.as_ref().unwrap().raced);
}

#[test]
fn high_performance_follows_the_advertisement_and_offers_h2() {
    let udp = h3_server(H3Kind::Healthy);
    let report = diagnose(advertising(udp), "/ok", &["--high-performance"]);
    report.expect("http.h3", "pass", "advertised in Alt-Svc");
    let plain = diagnose(https_server(CertKind::Valid), "/ok", &["--high-performance"]);
    plain.expect("http.h3", "skip", "advertises no h3 in Alt-Svc");
    assert!(plain.http3.is_none() && plain.profile.as_ref().unwrap().protocol.as_deref() == Some("http/1.1"));
    let off = diagnose(advertising(udp), "/ok", &[]);
    off.expect("http.h3", "skip", "--http3");
    assert!(!off.timeline.iter().any(|e| e.phase == "quic_handshake"), "{:?}", off.timeline);
}

#[test]
fn a_certificate_or_status_that_differs_from_tcp_is_named() {
    let report = diagnose(advertising(h3_server(H3Kind::OtherCert)), "/ok", &["--http3"]);
    let h3 = report.expect("http.h3", "warn", "the certificate differs");
    let (over_quic, over_tcp) =
        (h3.data["leaf_sha256"].as_str().unwrap(), &report.certificate.as_ref().unwrap().chain[0].sha256);
    assert_ne!(over_quic, over_tcp);
    assert!(h3.summary.contains(over_quic) && h3.summary.contains(over_tcp.as_str()), "{}", h3.summary);
    assert_eq!(report.verdict, "warn");
    // The TCP fixture answers /echo; the QUIC server does not know it.
    let status = diagnose(advertising(h3_server(H3Kind::Healthy)), "/echo", &["--http3"]);
    status.expect("http.h3", "warn", "the status differs (404 over HTTP/3, 200 over TCP)");
}

#[test]
fn a_refused_alpn_or_quic_version_is_a_handshake_failure_tcp_covers() {
    let alpn = diagnose(advertising(h3_server(H3Kind::WrongAlpn)), "/ok", &["--http3"]);
    let h3 = alpn.expect("http.h3", "warn", "refused ALPN h3");
    assert_eq!(h3.data["quic_error"], "ERR_QUIC_HANDSHAKE_FAILED");
    assert!(h3.wx.is_none(), "the phone falls back to TCP: no error reaches the page");
    assert!(h3.summary.contains("the phone falls back to TCP"), "{}", h3.summary);
    assert!(h3.hint.as_ref().unwrap().contains("ALPN"), "{:?}", h3.hint);
    let version = diagnose(advertising(h3_server(H3Kind::DraftOnly)), "/ok", &["--http3", "--lang", "zh"]);
    let h3 = version.expect("http.h3", "warn", "版本协商");
    assert_eq!(h3.data["quic_error"], "ERR_QUIC_HANDSHAKE_FAILED");
    assert_eq!(version.http3.as_ref().map(|h| h.connected), Some(false));
}

#[test]
fn a_port_that_drops_quic_ends_within_its_share_and_warns() {
    let silent = silent_udp();
    let report = diagnose(advertising(silent), "/ok", &["--http3", "--timeout-ms", "10000"]);
    let h3 = report.expect("http.h3", "warn", "no QUIC answer within 3000 ms");
    assert!(h3.hint.as_ref().unwrap().contains(&format!("UDP {}", silent.port())), "{:?}", h3.hint);
    let lost = h3.data["lost_ms"].as_f64().unwrap();
    assert!(lost > 0.0 && h3.summary.contains("ms lost"), "{}", h3.summary);
    assert!(report.timings_ms.total < 10_000.0, "the run stays inside its budget: {}", report.timings_ms.total);
    report.expect("http.response", "pass", "200");
    report.expect("timeout.budget", "pass", "");
}

#[test]
fn both_paths_failing_fail_with_the_quic_error() {
    // Nothing listens on this port over TCP, and over UDP it drops everything.
    let silent = silent_udp();
    let report = check(&["--connect-to", &to(silent), "--http3", "--timeout-ms", "10000", "https://api.test/ok"]);
    report.expect("tcp.connect", "fail", "refused");
    let h3 = report.expect("http.h3", "fail", "TCP fails too");
    assert_eq!(h3.data["port_from"], "url");
    let wx = h3.wx.as_ref().expect("a phone error");
    assert!(wx.err_msg.ends_with("net::ERR_QUIC_HANDSHAKE_FAILED"), "{wx:?}");
}

#[test]
fn an_expired_certificate_over_quic_is_refused_before_the_request() {
    let report = diagnose(advertising(h3_server(H3Kind::Expired)), "/ok", &["--http3"]);
    let h3 = report.expect("http.h3", "warn", "refuses the certificate sent over QUIC");
    assert!(h3.data.get("status").is_none(), "no request over a refused certificate: {:?}", h3.data);
}

#[test]
fn the_text_report_draws_the_quic_handshake_in_both_languages() {
    let tcp = advertising(h3_server(H3Kind::Healthy));
    let root = pki().root_pem_path().to_str().unwrap().to_owned();
    let route = to(tcp);
    for (lang, label) in [("en", "QUIC handshake"), ("zh", "QUIC 握手")] {
        let run = reqdoctor(&[
            "check",
            "--no-color",
            "--lang",
            lang,
            "--ca-file",
            &root,
            "--connect-to",
            &route,
            "--http3",
            "https://api.test/ok",
        ]);
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(label) && run.stdout.contains("http.h3"), "{}", run.stdout);
    }
}

#[test]
fn serve_modules_take_http3_and_expose_the_quic_outcome() {
    let udp = h3_server(H3Kind::Healthy);
    let config = [
        loopback_module("h3", &[to(advertising(udp))], "http3 = true"),
        loopback_module("fast", &[to(advertising(udp))], "high-performance = true"),
        loopback_module("dropped", &[to(advertising(silent_udp()))], "http3 = true\ntimeout-ms = 10000"),
    ]
    .concat();
    let exporter = Exporter::start(&config);
    for module in ["h3", "fast"] {
        let answer = exporter.probe("https://api.test/ok", Some(module));
        let (samples, report) = assert_probe_answer(&exporter, &answer);
        assert_eq!(report.verdict, "pass", "{module}: {:#?}", report.statuses());
        samples.expect("reqdoctor_check_status{check=\"http.h3\",step=\"0\"}", 0.0);
        samples.expect("reqdoctor_http3_success", 1.0);
        samples.expect("reqdoctor_http3_status_code", 200.0);
        assert!(samples.value("reqdoctor_quic_handshake_duration_seconds") > 0.0, "{}", answer.body);
    }
    let answer = exporter.probe("https://api.test/ok", Some("dropped"));
    let (samples, _) = assert_probe_answer(&exporter, &answer);
    samples.expect("reqdoctor_check_status{check=\"http.h3\",step=\"0\"}", 1.0);
    samples.expect("reqdoctor_http3_success", 0.0);
    assert!(samples.get("reqdoctor_quic_handshake_duration_seconds").is_none(), "{}", answer.body);
    assert!(samples.value("reqdoctor_quic_attempt_duration_seconds") > 0.0, "{}", answer.body);
}
