//! HTTP/3 end to end (`--http3`, `--high-performance`, `http.quic`): the TCP
//! HTTPS fixture advertising `Alt-Svc: h3=":443"` with a QUIC server on the
//! same port number over UDP — healthy, with another certificate, refusing
//! ALPN h3, speaking only a draft QUIC version, with an expired certificate,
//! or a socket that drops everything — an alternative on another host, an
//! alternative the phone ignores, and both paths failing at once.

use std::net::SocketAddr;

use crate::cli::{Report, check, check_api, reqdoctor, to};
use crate::serve::{Exporter, assert_probe_answer, loopback_module};
use crate::support::{
    CertKind, H3Kind, REQUEST_WINDOW, h3_beside_https, h3_beside_https_advertising, h3_server, https_server,
    https_with_alt_svc, pki, silent_udp,
};

/// `check --json` of `https://api.test{path}` on `tcp`, with `flags`.
fn diagnose(tcp: SocketAddr, path: &str, flags: &[&str]) -> Report {
    check_api(tcp, path, flags)
}

#[test]
fn a_healthy_h3_service_passes_and_the_profile_says_h3() {
    let port = h3_beside_https(Some(H3Kind::Healthy));
    for flag in ["--http3", "--high-performance"] {
        let report = diagnose(port, "/ok", &[flag]);
        assert_eq!(report.verdict, "pass", "{flag}: {:#?}", report.statuses());
        let h3 = report.expect("http.quic", "pass", "HTTP/3 works on 127.0.0.1");
        assert!(h3.summary.contains("advertised in Alt-Svc"), "{}", h3.summary);
        assert_eq!(
            (h3.data["port_from"].as_str(), h3.data["address"].as_str()),
            (Some("alt-svc"), Some(&*port.to_string()))
        );
        assert_eq!((h3.data["status"].as_u64(), h3.data["alpn"].as_str()), (Some(200), Some("h3")));
        let summary = report.http3.as_ref().expect("the http3 object");
        assert!(summary.connected && summary.status == Some(200) && summary.port_from == "alt-svc", "{summary:?}");
        assert_eq!((summary.address.as_str(), summary.alpn.as_deref()), (port.to_string().as_str(), Some("h3")));
        assert!(summary.handshake_ms > 0.0 && summary.total_ms >= summary.handshake_ms, "{summary:?}");
        assert!(summary.ttfb_ms.is_some_and(|t| t <= summary.total_ms), "{summary:?}");
        // Both start QUIC beside TCP on the URL's port; Alt-Svc then confirms h3 there.
        assert!(summary.raced, "{flag}: {summary:?}");
        let profile = report.profile.as_ref().expect("a profile");
        assert_eq!((profile.protocol.as_deref(), profile.port), (Some("h3"), Some(port.port())));
        let phases: Vec<&str> = report.timeline.iter().map(|e| e.phase.as_str()).collect();
        assert!(phases.contains(&"quic_handshake") && phases.contains(&"h3_request"), "{phases:?}");
        report.expect("http.altsvc", "info", "h3");
    }
}

#[test]
fn without_an_advertisement_the_phone_stays_on_tcp() {
    let plain = diagnose(https_server(CertKind::Valid), "/ok", &["--high-performance"]);
    plain.expect("http.quic", "skip", "no h3 alternative");
    assert!(plain.http3.is_none() && plain.profile.as_ref().unwrap().protocol.as_deref() == Some("http/1.1"));
    // h3 on port 8443 from an origin on 443: Chromium ignores it (http.altsvc warns).
    let restricted = diagnose(https_with_alt_svc("h3=\":8443\""), "/ok", &["--high-performance"]);
    restricted.expect("http.quic", "skip", "no h3 alternative");
    let off = diagnose(h3_beside_https(Some(H3Kind::Healthy)), "/ok", &[]);
    off.expect("http.quic", "skip", "--http3");
    assert!(!off.timeline.iter().any(|e| e.phase == "quic_handshake"), "{:?}", off.timeline);
}

#[test]
fn an_alternative_on_another_host_is_routed_and_tried_after_the_response() {
    let udp = h3_server(H3Kind::Healthy);
    let route = format!("quic.test:443:{}:{}", udp.ip(), udp.port());
    for flag in ["--http3", "--high-performance"] {
        // A QUIC server on the URL's port too: the attempt raced there answers, and is dropped.
        let tcp = h3_beside_https_advertising(Some(H3Kind::Healthy), "h3=\"quic.test:443\"");
        let report = diagnose(tcp, "/ok", &[flag, "--connect-to", &route]);
        let h3 = report.expect("http.quic", "pass", "quic.test 127.0.0.1");
        assert_eq!(
            (h3.data["alt_host"].as_str(), h3.data["address"].as_str()),
            (Some("quic.test"), Some(&*udp.to_string()))
        );
        assert!(!report.http3.as_ref().unwrap().raced, "{flag}: the attempt raced to the URL's port was dropped");
    }
}

#[test]
fn high_performance_drops_its_head_start_when_nothing_is_advertised() {
    // h3 answers on the URL's port, but the TCP response advertises nothing (or `clear`).
    let quiet = h3_beside_https_advertising(Some(H3Kind::Healthy), "");
    for path in ["/ok", "/altsvc?v=clear"] {
        let report = diagnose(quiet, path, &["--high-performance"]);
        report.expect("http.quic", "skip", "no h3 alternative");
        assert!(report.http3.is_none(), "{path}: {:?}", report.http3);
        assert!(!report.timeline.iter().any(|e| e.phase.starts_with("quic") || e.phase.starts_with("h3")));
        assert_eq!(report.profile.as_ref().unwrap().protocol.as_deref(), Some("http/1.1"));
    }
    // --http3 keeps the same attempt: the URL's own port.
    let forced = diagnose(quiet, "/ok", &["--http3"]);
    let h3 = forced.expect("http.quic", "pass", "HTTP/3 works");
    assert_eq!(h3.data["port_from"], "url");
    assert!(forced.http3.as_ref().is_some_and(|h| h.raced), "{:?}", forced.http3);
}

#[test]
fn a_response_sent_before_the_request_is_read_counts() {
    // The QUIC server asks the client to stop sending (H3_NO_ERROR), then
    // answers: RFC 9114 §4.1 says the client must not discard the response.
    // The body (sent again over HTTP/3: OPTIONS is safe to repeat) is larger
    // than the server's window, so the stop arrives while it is being sent.
    let port = h3_beside_https(Some(H3Kind::Healthy));
    let data = format!("\"{}\"", "x".repeat(REQUEST_WINDOW as usize * 4));
    for flag in ["--http3", "--high-performance"] {
        let report = diagnose(port, "/ok?stop", &[flag, "-X", "OPTIONS", "--data", &data]);
        let h3 = report.expect("http.quic", "pass", "status 200");
        assert_eq!(h3.data["status"].as_u64(), Some(200), "{flag}");
    }
}

#[test]
fn a_certificate_or_status_that_differs_from_tcp_is_named() {
    let report = diagnose(h3_beside_https(Some(H3Kind::OtherCert)), "/ok", &["--high-performance"]);
    let h3 = report.expect("http.quic", "warn", "the certificate differs");
    let over_tcp = &report.certificate.as_ref().unwrap().chain[0].sha256;
    let over_quic = h3.data["leaf_sha256"].as_str().unwrap();
    assert_ne!(over_quic, over_tcp);
    assert!(h3.summary.contains(over_quic) && h3.summary.contains(over_tcp.as_str()), "{}", h3.summary);
    assert_eq!(report.verdict, "warn");
    // The TCP fixture answers /echo; the QUIC server does not know it.
    let status = diagnose(h3_beside_https(Some(H3Kind::Healthy)), "/echo", &["--http3"]);
    status.expect("http.quic", "warn", "the status differs (404 over HTTP/3, 200 over TCP)");
}

#[test]
fn a_refused_alpn_or_quic_version_is_a_handshake_failure_tcp_covers() {
    let alpn = diagnose(h3_beside_https(Some(H3Kind::WrongAlpn)), "/ok", &["--http3"]);
    let h3 = alpn.expect("http.quic", "warn", "refused ALPN h3");
    assert_eq!(h3.data["quic_error"], "ERR_QUIC_HANDSHAKE_FAILED");
    assert!(h3.wx.is_none(), "the phone falls back to TCP: no error reaches the page");
    assert!(h3.summary.contains("the phone falls back to TCP"), "{}", h3.summary);
    assert!(h3.hint.as_ref().unwrap().contains("ALPN"), "{:?}", h3.hint);
    let version = diagnose(h3_beside_https(Some(H3Kind::DraftOnly)), "/ok", &["--high-performance", "--lang", "zh"]);
    let h3 = version.expect("http.quic", "warn", "版本协商");
    assert_eq!(h3.data["quic_error"], "ERR_QUIC_HANDSHAKE_FAILED");
    assert_eq!(version.http3.as_ref().map(|h| h.connected), Some(false));
}

#[test]
fn a_port_that_drops_quic_ends_within_its_share_and_warns() {
    let port = h3_beside_https(None);
    let report = diagnose(port, "/ok", &["--http3", "--timeout-ms", "10000"]);
    let h3 = report.expect("http.quic", "warn", "no QUIC answer within 3000 ms");
    assert!(h3.hint.as_ref().unwrap().contains(&format!("UDP {}", port.port())), "{:?}", h3.hint);
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
    let h3 = report.expect("http.quic", "fail", "TCP fails too");
    assert_eq!(h3.data["port_from"], "url");
    let wx = h3.wx.as_ref().expect("a phone error");
    assert!(wx.err_msg.ends_with("net::ERR_QUIC_HANDSHAKE_FAILED"), "{wx:?}");
}

#[test]
fn an_expired_certificate_over_quic_is_refused_before_the_request() {
    let report = diagnose(h3_beside_https(Some(H3Kind::Expired)), "/ok", &["--http3"]);
    let h3 = report.expect("http.quic", "warn", "refuses the certificate sent over QUIC");
    assert!(h3.data.get("status").is_none(), "no request over a refused certificate: {:?}", h3.data);
}

#[test]
fn the_text_report_draws_the_quic_handshake_in_both_languages() {
    let route = to(h3_beside_https(Some(H3Kind::Healthy)));
    let root = pki().root_pem_path().to_str().unwrap().to_owned();
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
        assert!(run.stdout.contains(label) && run.stdout.contains("http.quic"), "{}", run.stdout);
    }
}

#[test]
fn serve_modules_take_http3_and_expose_the_quic_outcome() {
    let healthy = to(h3_beside_https(Some(H3Kind::Healthy)));
    let config = [
        loopback_module("h3", std::slice::from_ref(&healthy), "http3 = true"),
        loopback_module("fast", &[healthy], "high-performance = true"),
        loopback_module("dropped", &[to(h3_beside_https(None))], "http3 = true\ntimeout-ms = 10000"),
    ]
    .concat();
    let exporter = Exporter::start(&config);
    for module in ["h3", "fast"] {
        let answer = exporter.probe("https://api.test/ok", Some(module));
        let (samples, report) = assert_probe_answer(&exporter, &answer);
        assert_eq!(report.verdict, "pass", "{module}: {:#?}", report.statuses());
        samples.expect("reqdoctor_check_status{check=\"http.quic\",step=\"0\"}", 0.0);
        samples.expect("reqdoctor_http3_success", 1.0);
        samples.expect("reqdoctor_http3_status_code", 200.0);
        assert!(samples.value("reqdoctor_quic_handshake_duration_seconds") > 0.0, "{}", answer.body);
    }
    let answer = exporter.probe("https://api.test/ok", Some("dropped"));
    let (samples, _) = assert_probe_answer(&exporter, &answer);
    samples.expect("reqdoctor_check_status{check=\"http.quic\",step=\"0\"}", 1.0);
    samples.expect("reqdoctor_http3_success", 0.0);
    assert!(samples.get("reqdoctor_quic_handshake_duration_seconds").is_none(), "{}", answer.body);
    assert!(samples.value("reqdoctor_quic_attempt_duration_seconds") > 0.0, "{}", answer.body);
}
