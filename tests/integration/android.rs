//! `--min-android`: a chain whose root is missing from Android releases the
//! app supports warns in cert.trusted, with the -202 those phones show. The
//! root history is injected with `--android-roots`, the way the bundled data
//! is read, listing the test root as each case needs.

use std::io::Write;

use rustls_pki_types::pem::PemObject;
use serde_json::{Value, json};
use tempfile::NamedTempFile;

use crate::cli::{Report, check_api, reqdoctor};
use crate::support::{CertKind, https_server, pki};

/// SHA-256 of the test root's SubjectPublicKeyInfo, lower-case hex.
fn test_root_key() -> String {
    let pem = std::fs::read(pki().root_pem_path()).expect("the test root");
    let der = rustls_pki_types::CertificateDer::from_pem_slice(&pem).expect("PEM");
    let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("X.509");
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.public_key().raw);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A history with the bundled releases and `roots`, written to a temp file of its
/// own (`android-NAME-*.json`), deleted when the returned handle drops.
fn history(name: &str, roots: Value) -> NamedTempFile {
    let bundled: Value = serde_json::from_str(include_str!("../../data/android-roots.json")).expect("bundled JSON");
    let data = json!({ "history_until": "2023-06-02", "releases": bundled["releases"], "roots": roots });
    let mut file = tempfile::Builder::new()
        .prefix(&format!("android-{name}-"))
        .suffix(".json")
        .tempfile()
        .expect("a temp file for the history");
    file.write_all(data.to_string().as_bytes()).expect("write the history");
    file
}

fn root_entry(added_in: &str, api: u32, removed: Value) -> Value {
    json!([{ "spki_sha256": test_root_key(), "subject": "CN=reqdoctor test root", "not_after": "2031-01-01",
             "added": "2021-01-01", "added_in": added_in, "added_in_api": api, "removed": removed, "file": "x" }])
}

fn with_history(name: &str, roots: Value, min: &str) -> Report {
    let file = history(name, roots);
    let file = file.path().to_str().expect("utf-8");
    check_api(https_server(CertKind::Valid), "/ok", &["--android-roots", file, "--min-android", min])
}

#[test]
fn a_root_newer_than_the_oldest_supported_android_warns_with_202() {
    let report = with_history("added12", root_entry("12", 31, Value::Null), "7.0");
    let trusted = report.expect("cert.trusted", "warn", "which Android ships only since 12: phones on Android 7.0");
    assert!(trusted.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_AUTHORITY_INVALID"), "{trusted:#?}");
    assert_eq!(trusted.data["min_android"], "7.0");
    report.expect("http.response", "pass", "");
    let report = with_history("added12b", root_entry("12", 31, Value::Null), "12");
    report.expect("cert.trusted", "pass", "reqdoctor test root");
}

#[test]
fn a_root_no_android_ships_warns() {
    let report = with_history("absent", json!([]), "7.0");
    report.expect("cert.trusted", "warn", "which no Android release in AOSP's root store (to 2023-06-02) ships");
}

#[test]
fn a_root_aosp_removed_warns_from_the_release_after_removal() {
    let report = with_history("removed", root_entry("4.0", 14, json!("2019-06-01")), "7.0");
    report.expect("cert.trusted", "warn", "AOSP removed on 2019-06-01: phones on Android 10 and later");
}

#[test]
fn a_root_old_androids_ship_passes() {
    with_history("old", root_entry("4.0", 14, Value::Null), "7.0").expect(
        "cert.trusted",
        "pass",
        "reqdoctor test root",
    );
}

#[test]
fn an_unknown_release_or_history_file_is_a_one_line_usage_error() {
    let run = reqdoctor(&["check", "--min-android", "3.2", "https://api.test/"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("--min-android '3.2': not an Android release"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let run = reqdoctor(&["check", "--android-roots", "/nonexistent/roots.json", "https://api.test/"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("--android-roots /nonexistent/roots.json"), "{}", run.stderr);
}
