//! Step 3 by Chromium's rules: chains on which the phone's verifier and a
//! name-only or webpki one disagree, served by a tokio-rustls server, each
//! judged as Chromium judges it, with the phone error Chromium reports.

use crate::cli::{Report, check, check_api};
use crate::support::{Case, https_server_with, pki};

fn served(case: Case) -> Report {
    check_api(https_server_with(pki().case(case), rustls::ALL_VERSIONS), "/ok", &[])
}

#[track_caller]
fn phone_error(report: &Report, id: &str, name: &str) {
    let check = report.check(id);
    let wx = check.wx.as_ref().unwrap_or_else(|| panic!("{id} carries no phone error: {check:#?}"));
    assert!(wx.err_msg.ends_with(name), "{id}: {} is not {name}", wx.err_msg);
}

#[test]
fn a_stale_copy_of_the_intermediate_is_passed_over_as_the_phone_does() {
    let report = served(Case::StaleIntermediate);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    assert!(report.checks.iter().all(|c| c.wx.as_ref().is_none_or(|wx| wx.android.is_none())));
    report.expect("cert.expiry", "pass", "valid for");
    let chain = report.expect("cert.chain", "warn", "does not need: reqdoctor test intermediate");
    assert!(!chain.summary.contains("out of order"), "{chain:#?}");
    report.expect("http.response", "pass", "");
    let certificate = report.certificate.as_ref().expect("a certificate object");
    assert_eq!(certificate.path, [0, 2], "the current intermediate, not the stale one");
}

#[test]
fn a_self_issued_intermediate_does_not_count_toward_path_length() {
    let report = served(Case::SelfIssuedRollover);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("http.response", "pass", "");
}

#[test]
fn one_ca_too_many_for_a_path_length_constraint_is_err_cert_invalid() {
    let report = served(Case::PathTooLong);
    report.expect("cert.trusted", "fail", "'reqdoctor sub CA' is one CA too many");
    phone_error(&report, "cert.trusted", "ERR_CERT_INVALID");
    let android = report.check("cert.trusted").wx.as_ref().and_then(|wx| wx.android.as_ref()).expect("Android's error");
    assert!(android.err_msg.ends_with("ERR_CERT_AUTHORITY_INVALID"), "{android:?}");
    report.expect("http.response", "skip", "certificate was refused");
}

#[test]
fn a_leaf_that_is_also_a_ca_may_sign_the_handshake() {
    let report = served(Case::CaLeafSigning);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("cert.key", "pass", "");
    report.expect("http.response", "pass", "");
}

#[test]
fn a_ca_certificate_installed_as_the_leaf_fails_the_key_usage_check() {
    let report = served(Case::CaLeafCertSignOnly);
    report.expect("cert.key", "fail", "does not allow digitalSignature");
    phone_error(&report, "cert.key", "ERR_SSL_KEY_USAGE_INCOMPATIBLE");
    report.expect("http.response", "skip", "certificate was refused");
}

#[test]
fn name_constraints_compare_names_as_strings() {
    let report = served(Case::ConstrainedOddName);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    let report = served(Case::ConstraintViolated);
    report.expect("cert.trusted", "fail", "'reqdoctor constrained CA' may only issue for the names");
    phone_error(&report, "cert.trusted", "ERR_CERT_INVALID");
}

#[test]
fn an_intermediate_the_phone_cannot_parse_breaks_the_chain() {
    let report = served(Case::EmptyNameConstraints);
    let trusted = report.expect("cert.trusted", "fail", "is sent, but the phone cannot parse it");
    assert!(trusted.summary.contains("neither permitted nor excluded"), "{trusted:#?}");
    phone_error(&report, "cert.trusted", "ERR_CERT_AUTHORITY_INVALID");
}

#[test]
fn leaves_chromium_cannot_parse_are_err_cert_invalid_with_the_reason() {
    let cases = [
        (Case::EmptyAia, "authorityInfoAccess extension is empty"),
        (Case::SanNotCritical, "subjectAltName is not marked critical"),
        (Case::TwoSans, "two subjectAltName extensions"),
        (Case::MalformedSan, "its subjectAltName extension is malformed"),
        (Case::EmptyIssuer, "its issuer name is empty"),
        (Case::UndecodableKey, "its public key cannot be decoded"),
    ];
    for (case, reason) in cases {
        let report = served(case);
        let trusted = report.expect("cert.trusted", "fail", "cannot be parsed by the phone");
        assert!(trusted.summary.contains(reason), "{case:?}: {trusted:#?}");
        phone_error(&report, "cert.trusted", "ERR_CERT_INVALID");
        assert!(!report.check("cert.hostname").summary.contains("no subjectAltName"), "{case:?}");
    }
}

#[test]
fn an_unknown_critical_extension_is_named_by_its_oid() {
    let report = served(Case::UnknownCritical);
    report.expect("cert.trusted", "fail", "critical extension the phone does not understand (1.3.6.1.4.1.55555.1)");
    phone_error(&report, "cert.trusted", "ERR_CERT_INVALID");
}

#[test]
fn no_certificate_summary_carries_a_library_debug_string() {
    let cases = [Case::PathTooLong, Case::ConstraintViolated, Case::EmptyAia, Case::UnknownCritical];
    for case in cases {
        let report = served(case);
        for check in &report.checks {
            let debug = ["Other(", "OtherError", "InvalidCertificate", "BadEncoding"];
            assert!(!debug.iter().any(|d| check.summary.contains(d)), "{case:?} {}: {}", check.id, check.summary);
        }
    }
}

#[test]
fn a_wildcard_over_a_public_suffix_covers_nothing_but_a_private_one_does() {
    let addr = https_server_with(pki().case(Case::WildcardSuffixes), rustls::ALL_VERSIONS);
    let at = |host: &str| {
        let route = format!("{host}:443:{}:{}", addr.ip(), addr.port());
        check(&["--connect-to", route.as_str(), &format!("https://{host}/ok")])
    };
    let report = at("api.co.uk");
    report.expect("cert.hostname", "fail", "DNS:*.co.uk would cover api.co.uk, but it stands over a public suffix");
    phone_error(&report, "cert.hostname", "ERR_CERT_COMMON_NAME_INVALID");
    at("bucket.s3.amazonaws.com").expect("cert.hostname", "pass", "DNS:*.s3.amazonaws.com");
}

#[test]
fn a_leaf_valid_for_900_days_warns_that_iphones_refuse_it() {
    let report = served(Case::LongValidity);
    let expiry = report.expect("cert.expiry", "warn", "valid for 900 days");
    assert!(expiry.summary.contains("iPhones refuse TLS certificates"), "{expiry:#?}");
    assert_eq!(expiry.data["validity_days"], 900);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("http.response", "pass", "");
}

/// Android's verifier ignores a trusted root's own expiry; Chromium and iOS do not.
#[test]
fn an_expired_trusted_root_warns_that_iphones_fail() {
    for send_root in [true, false] {
        let (cert, root) = pki().expired_root_chain(send_root);
        let addr = https_server_with(cert, rustls::ALL_VERSIONS);
        let route = crate::cli::to(addr);
        let root = root.to_str().expect("utf-8 path");
        let run = crate::cli::reqdoctor(&[
            "check",
            "--json",
            "--ca-file",
            root,
            "--connect-to",
            &route,
            "https://api.test/ok",
        ]);
        let report = run.report();
        let expiry =
            report.expect("cert.expiry", "warn", "the root 'reqdoctor expired root' the chain ends at expired on");
        assert!(expiry.summary.contains("Android phones ignore a root's own expiry"), "{expiry:#?}");
        report.expect("cert.trusted", "pass", "reqdoctor expired root");
        report.expect("http.response", "pass", "");
        assert_eq!(run.code, 1, "send_root {send_root}: {}", run.stderr);
    }
}
