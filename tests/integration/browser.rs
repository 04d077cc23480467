//! The shareable reports in a real browser. Debian's headless Chromium
//! (`chromium`, which `.ci/run` installs) loads an HTML report written by
//! `check --format html` and the exporter's pages, and the tests read the DOM
//! it built (`--dump-dom`) for the verdict and the failing check. A
//! screenshot of each page is written to `target/tmp/screenshots/` (the same
//! names every run) for people to look at; nothing else is left behind.
//!
//! The same Chromium is also the phone's stand-in (Cronet is its network
//! stack): what it negotiates with a loopback server, read from its NetLog,
//! is what reqdoctor's own handshake must negotiate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

use crate::cli::{check_api, reqdoctor, to};
use crate::serve::{Exporter, loopback_module};
use crate::support::{CertKind, https_server, https_server_with, pki};

/// Runs headless Chromium with `args` in a throwaway profile, under coreutils
/// `timeout` so that a hung browser fails the test instead of stalling it.
fn chromium(args: &[&str]) -> Output {
    let profile = tempfile::tempdir().expect("a profile dir");
    let output = Command::new("timeout")
        .args(["-k", "5", "90", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("run coreutils timeout");
    assert!(
        output.status.code() != Some(127),
        "chromium is not installed: .ci/run installs Debian's `chromium` (apt-get install -y chromium)"
    );
    assert!(output.status.success(), "chromium {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

/// The DOM Chromium built for `url`, after following redirects.
fn dom(url: &str) -> String {
    String::from_utf8(chromium(&["--dump-dom", url]).stdout).expect("the DOM is UTF-8")
}

/// A screenshot of `url` at `target/tmp/screenshots/NAME.png`; returns its path.
fn screenshot(url: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot dir");
    let path = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    chromium(&["--window-size=1000,1800", &format!("--screenshot={}", path.display()), url]);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "{name}.png is {size} bytes: not a rendered page");
    path
}

#[test]
fn an_html_report_opens_offline_and_shows_the_verdict_and_the_failing_check() {
    let route = to(https_server(CertKind::Expired));
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    let run =
        reqdoctor(&["check", "--format", "html", "--ca-file", &ca, "--connect-to", &route, "https://api.test/ok"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for external in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!run.stdout.contains(external), "a self-contained page has no {external}");
    }
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("report.html");
    std::fs::write(&file, &run.stdout).expect("write the report");
    let url = format!("file://{}", file.display());
    let dom = dom(&url);
    assert!(dom.contains("data-verdict=\"fail\""), "{dom}");
    assert!(dom.contains("data-id=\"cert.expiry\" data-status=\"fail\""), "{dom}");
    assert!(dom.contains("class=\"errmsg\">request:fail errcode:-201"), "the phone's errMsg: {dom}");
    assert!(dom.contains("id=\"chain\"") && dom.contains("data-role=\"leaf\""), "the chain is drawn: {dom}");
    assert!(dom.contains("data-phase=\"date_probe\""), "the waterfall has the extra request: {dom}");
    assert!(dom.contains("id=\"command\">reqdoctor check --format html"), "{dom}");
    screenshot(&url, "check-format-html");
}

#[test]
fn the_exporters_forms_diagnose_and_explain_in_a_browser() {
    let expired = https_server(CertKind::Expired);
    let exporter = Exporter::start(&loopback_module("default", &[to(expired)], ""));
    let base = format!("http://{}", exporter.addr);

    let front = dom(&format!("{base}/"));
    assert!(front.contains("id=\"diagnose\"") && front.contains("<option value=\"default\" selected"), "{front}");
    assert!(front.contains("id=\"explain\""), "{front}");

    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("target", "https://api.test/ok")
        .append_pair("module", "default")
        .finish();
    let report = dom(&format!("{base}/diagnose?{query}"));
    assert!(report.contains("data-verdict=\"fail\""), "the form lands on the report: {report}");
    assert!(report.contains("data-id=\"cert.expiry\" data-status=\"fail\""), "{report}");
    screenshot(&format!("{base}/report/1.html"), "serve-report");

    let listed = dom(&format!("{base}/"));
    assert!(listed.contains("href=\"/report/1.html\""), "the front page links the HTML report: {listed}");
    screenshot(&format!("{base}/"), "serve-front-page");

    let errmsg = "request:fail errcode:-202 cronet_error_code:-202 error_msg:net::ERR_CERT_AUTHORITY_INVALID";
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("error", errmsg).finish();
    let explained = dom(&format!("{base}/explain?{query}"));
    assert!(explained.contains("id=\"answer\"") && explained.contains("cert.trusted"), "{explained}");
    screenshot(&format!("{base}/explain?{query}"), "serve-explain");
}

#[test]
fn the_form_refuses_what_probe_refuses() {
    let valid = https_server(CertKind::Valid);
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    let exporter =
        Exporter::start(&format!("[modules.default]\nca-file = \"{ca}\"\nconnect-to = [\"{}\"]\n", to(valid)));
    let refused = exporter.get("/diagnose?target=https%3A%2F%2F127.0.0.1%2Fok&module=default");
    assert_eq!(refused.status, 403, "{refused:?}");
    assert!(refused.body.contains("allow-private-targets"), "{refused:?}");
    assert_eq!(exporter.get("/diagnose?target=https%3A%2F%2Fapi.test%2F&module=nope").status, 400);
    assert_eq!(exporter.get("/explain?error=").status, 400);
    assert_eq!(exporter.get("/explain?error=hello").status, 404);
}

#[test]
fn every_stored_report_is_served_in_every_format() {
    let valid = https_server(CertKind::Valid);
    let exporter = Exporter::start(&loopback_module("default", &[to(valid)], ""));
    let answer = exporter.get("/diagnose?target=https%3A%2F%2Fapi.test%2Fok&module=default");
    assert_eq!(answer.status, 303, "{answer:?}");
    assert_eq!(answer.header("location"), Some("/report/1.html"));
    for (kind, content_type, needle) in [
        ("html", "text/html; charset=utf-8", "data-verdict=\"pass\""),
        ("md", "text/markdown; charset=utf-8", "### ✔ PASS `https://api.test/ok`"),
        ("txt", "text/plain; charset=utf-8", "verdict ✔ PASS"),
        ("json", "application/json", "\"verdict\": \"pass\""),
    ] {
        let stored = exporter.get(&format!("/report/1.{kind}"));
        assert_eq!((stored.status, stored.header("content-type")), (200, Some(content_type)), "{kind}: {stored:?}");
        assert!(stored.body.contains(needle), "{kind}: {}", stored.body);
    }
}

/// The cipher suites Chromium negotiated loading `https://api.test/ok` from
/// the server at `addr`, from its NetLog's `SSL_CONNECT` events.
fn chromium_suites(addr: SocketAddr) -> Vec<u16> {
    let dir = tempfile::tempdir().expect("a temp dir");
    let log = dir.path().join("netlog.json");
    chromium(&[
        "--ignore-certificate-errors",
        &format!("--host-resolver-rules=MAP api.test {addr}"),
        &format!("--log-net-log={}", log.display()),
        "--dump-dom",
        "https://api.test/ok",
    ]);
    let netlog: Value = serde_json::from_slice(&std::fs::read(&log).expect("the NetLog")).expect("a JSON NetLog");
    let events = netlog["events"].as_array().expect("NetLog events");
    let suites = events.iter().filter_map(|event| event["params"]["cipher_suite"].as_u64());
    suites.map(|suite| u16::try_from(suite).expect("a 16-bit suite")).collect()
}

#[test]
fn the_handshake_negotiates_the_cipher_suite_chromium_negotiates() {
    // rustls' servers take the client's order, as nginx does by default; so
    // the suite chosen is the client's first choice the server has.
    for (versions, cert) in [
        (rustls::ALL_VERSIONS, CertKind::Valid),
        (&[&rustls::version::TLS12][..], CertKind::Valid),
        (&[&rustls::version::TLS12][..], CertKind::Rsa2048),
    ] {
        let server = https_server_with(pki().server_cert(cert), versions);
        let chromium = chromium_suites(server);
        assert!(!chromium.is_empty(), "Chromium made no TLS connection to {server}");
        let report = check_api(server, "/ok", &[]);
        let ours = &report.check("tls.handshake").data["cipher_suite"];
        for suite in chromium {
            let name = rustls::CipherSuite::from(suite).as_str().expect("a suite rustls names");
            assert_eq!(ours, name, "{versions:?} with {cert:?}: Chromium negotiated {name}");
        }
    }
}
