//! Step 3 end to end: TLS handshakes against a tokio-rustls server with
//! certificates made at test time, and against peers that speak plain HTTP,
//! garbage, resets, a protocol_version alert, or nothing at all.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::cli::check_api;
use crate::support::{
    CertKind, OpensslKind, ServerCert, close_after_hello, garbage_server, http_server, https_server,
    https_server_tls13_only, https_server_with, openssl_server, pki, reset_server, tarpit, tls_alert_server,
};

fn api(kind: CertKind) -> crate::cli::Report {
    check_api(https_server(kind), "/ok", &[])
}

#[test]
fn a_valid_chain_passes_every_certificate_check() {
    let report = api(CertKind::Valid);
    let handshake = report.expect("tls.handshake", "pass", "TLS1.3");
    assert_eq!(handshake.data["alpn"], "http/1.1");
    report.expect("tls.version", "pass", "TLS1.3 negotiated");
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("cert.chain", "pass", "complete: api.test → reqdoctor test intermediate → reqdoctor test root");
    report.expect("cert.hostname", "pass", "api.test is covered");
    report.expect("cert.expiry", "pass", "valid for");
    report.expect("cert.key", "pass", "ECDSA P-256");
    report.expect("cert.signature", "pass", "ecdsa-with-SHA256");
    report.expect("clock.skew", "info", "agrees");
    let tls = report.tls.as_ref().expect("a tls object");
    assert_eq!(tls["version"], "TLS1.3");
}

#[test]
fn the_certificate_object_describes_the_chain_as_sent() {
    let report = api(CertKind::Valid);
    let certificate = report.certificate.as_ref().expect("a certificate object");
    assert_eq!(certificate.path, [0, 1]);
    assert_eq!(certificate.trusted_root.as_deref(), Some("reqdoctor test root"));
    let roles: Vec<&str> = certificate.chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["leaf", "intermediate"]);
    let leaf = &certificate.chain[0];
    let der = &pki().server_cert(CertKind::Valid).chain[0];
    let digest = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(leaf.sha256, hex.join(":"));
    assert_eq!(leaf.name, "api.test");
    assert_eq!(leaf.subject, "CN=api.test");
    assert_eq!(leaf.issuer, "CN=reqdoctor test intermediate, O=reqdoctor tests");
    assert_eq!(leaf.san, ["DNS:api.test", "DNS:*.wild.test"]);
    assert_eq!(leaf.key, "ECDSA P-256");
    assert_eq!(leaf.signature_algorithm, "ecdsa-with-SHA256");
    assert_eq!(leaf.extended_key_usage, ["serverAuth"]);
    assert!(!leaf.is_ca && (89..=90).contains(&leaf.days_left), "{leaf:?}");
    assert!(leaf.not_before < leaf.not_after && leaf.not_after.ends_with('Z'), "{leaf:?}");
    assert!(!leaf.serial.is_empty() && leaf.aia_issuer.is_none());
    let intermediate = &certificate.chain[1];
    assert!(intermediate.is_ca && intermediate.path_len.is_none());
    assert!(intermediate.key_usage.iter().any(|u| u == "Key Cert Sign"), "{:?}", intermediate.key_usage);
    assert!(intermediate.extended_key_usage.is_empty());
}

#[test]
fn tls12_only_servers_pass() {
    let server = https_server_with(pki().server_cert(CertKind::Valid), &[&rustls::version::TLS12]);
    let report = check_api(server, "/ok", &[]);
    report.expect("tls.version", "pass", "TLS1.2");
    assert_eq!(report.verdict, "pass");
}

#[test]
fn protocol_version_alert_fails_tls_version_once() {
    let report = check_api(tls_alert_server(), "/ok", &[]);
    let version = report.expect("tls.version", "fail", "does not negotiate TLS 1.2 or 1.3");
    assert!(version.wx.as_ref().unwrap().err_msg.ends_with("ERR_SSL_VERSION_OR_CIPHER_MISMATCH"));
    report.expect("tls.handshake", "skip", "tls.version");
    report.expect("cert.trusted", "skip", "no certificate");
    report.expect("http.response", "skip", "tls.version");
    assert_eq!(report.checks.iter().filter(|c| c.status == "fail").count(), 1);
}

#[test]
fn a_plain_http_port_is_named() {
    let report = check_api(http_server(), "/ok", &[]);
    let handshake = report.expect("tls.handshake", "fail", "answers in plain HTTP, not TLS");
    assert!(handshake.wx.as_ref().unwrap().err_msg.ends_with("ERR_SSL_PROTOCOL_ERROR"));
    report.expect("tls.version", "skip", "");
}

#[test]
fn garbage_resets_and_silence_fail_the_handshake() {
    check_api(garbage_server(), "/ok", &[]).expect("tls.handshake", "fail", "not TLS");
    check_api(reset_server(), "/ok", &[]).expect("tls.handshake", "fail", "reset");
    let report = check_api(tarpit(), "/ok", &["--timeout-ms", "700"]);
    report.expect("tcp.connect", "pass", "");
    report.expect("tls.handshake", "fail", "no TLS answer before the 700 ms timeout budget ran out");
    report.expect("timeout.budget", "fail", "during the TLS handshake");
}

#[test]
fn self_signed_and_unknown_roots_are_told_apart() {
    let report = api(CertKind::SelfSigned);
    let trusted = report.expect("cert.trusted", "fail", "is self-signed");
    assert!(trusted.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_AUTHORITY_INVALID"));
    report.expect("cert.chain", "skip", "self-signed");
    report.expect("tls.handshake", "pass", "");
    report.expect("http.response", "skip", "certificate was refused");
    report.expect("cert.hostname", "pass", "");

    let report = api(CertKind::UnknownRoot);
    report.expect("cert.trusted", "fail", "'reqdoctor unknown root', which is neither sent nor a trusted root");
    report.expect("cert.chain", "pass", "");
}

#[test]
fn a_missing_intermediate_is_named_by_cert_chain() {
    let report = api(CertKind::MissingIntermediate);
    let chain =
        report.expect("cert.chain", "fail", "does not send the intermediate certificate 'reqdoctor test intermediate'");
    assert_eq!(chain.data["missing"], "reqdoctor test intermediate");
    let certificate = report.certificate.as_ref().unwrap();
    assert_eq!(certificate.missing_issuer.as_deref(), Some("reqdoctor test intermediate"));
    assert_eq!(certificate.trusted_root, None);
    report.expect("cert.trusted", "skip", "cert.chain");
}

fn custom_chain(chain: Vec<CertificateDer<'static>>) -> crate::cli::Report {
    let key = pki().server_cert(CertKind::Valid).key;
    let server = https_server_with(ServerCert { chain, key }, rustls::ALL_VERSIONS);
    check_api(server, "/ok", &[])
}

#[test]
fn chains_out_of_order_or_with_extras_warn() {
    let valid = pki().server_cert(CertKind::Valid).chain;
    let root = CertificateDer::from_pem_slice(pki().root_pem().as_bytes()).expect("root PEM");
    let report = custom_chain(vec![valid[0].clone(), root.clone(), valid[1].clone()]);
    report.expect("cert.chain", "warn", "out of order");
    report.expect("cert.trusted", "pass", "");

    let stray = pki().server_cert(CertKind::SelfSigned).chain[0].clone();
    let report = custom_chain(vec![valid[0].clone(), valid[1].clone(), stray]);
    report.expect("cert.chain", "warn", "does not need: api.test");
}

#[test]
fn a_wrong_host_fails_hostname_and_ignores_the_cn() {
    let report = api(CertKind::WrongHost);
    let hostname =
        report.expect("cert.hostname", "fail", "api.test is not in the certificate's subjectAltName (DNS:other.test)");
    assert!(hostname.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_COMMON_NAME_INVALID"));
    report.expect("cert.trusted", "pass", "");
}

#[test]
fn a_wildcard_covers_one_label() {
    let addr = https_server(CertKind::Valid);
    let route = format!("x.wild.test:443:127.0.0.1:{}", addr.port());
    let report = crate::cli::check(&["--connect-to", &route, "https://x.wild.test/ok"]);
    report.expect("cert.hostname", "pass", "DNS:*.wild.test");
    let route = format!("a.b.wild.test:443:127.0.0.1:{}", addr.port());
    let report = crate::cli::check(&["--connect-to", &route, "https://a.b.wild.test/ok"]);
    report.expect("cert.hostname", "fail", "a.b.wild.test");
}

#[test]
fn expired_and_not_yet_valid_certificates_fail_expiry() {
    let report = api(CertKind::Expired);
    let expiry = report.expect("cert.expiry", "fail", "the certificate expired 2 days ago");
    assert!(expiry.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_DATE_INVALID"));
    report.expect("cert.trusted", "pass", "");
    report.expect("cert.hostname", "pass", "");
    report.expect("clock.skew", "info", "agrees with the server's Date header");
    report.expect("http.response", "skip", "certificate was refused");

    // Two days ahead, give or take the second the fixture was made in.
    api(CertKind::NotYetValid).expect("cert.expiry", "fail", "is not valid yet: it starts in ");
    api(CertKind::ExpiredIntermediate).expect("cert.expiry", "fail", "the intermediate");
}

#[test]
fn a_leaf_close_to_expiry_warns() {
    let report = api(CertKind::ExpiringSoon);
    let expiry = report.expect("cert.expiry", "warn", "the certificate expires in ");
    let days = expiry.data["days_left"].as_i64().unwrap();
    assert!((4..=5).contains(&days), "five days ahead, give or take a second: {days}");
    let report = check_api(https_server(CertKind::ExpiringSoon), "/ok", &["--expiry-warn-days", "3"]);
    report.expect("cert.expiry", "pass", "");
}

#[test]
fn ed25519_keys_fail_cert_key() {
    let report = api(CertKind::Ed25519Leaf);
    report.expect("cert.key", "fail", "Ed25519");
}

#[test]
fn sha1_signatures_fail_cert_signature() {
    let report = api(CertKind::Sha1Signed);
    let signature = report.expect("cert.signature", "fail", "signed with SHA-1 (ecdsa-with-SHA1)");
    // Chromium 156 on loopback: -207, "unacceptable signature algorithm", not -208.
    assert!(signature.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_INVALID"), "{signature:#?}");
}

#[test]
fn a_skewed_server_clock_warns() {
    let report = check_api(https_server(CertKind::Valid), "/date/-600", &[]);
    let skew = report.expect("clock.skew", "warn", "ahead of the server's Date header");
    let seconds = skew.data["skew_seconds"].as_i64().unwrap();
    assert!((590..=610).contains(&seconds), "{seconds}");
}

#[test]
fn a_leaf_for_client_auth_only_fails_cert_trusted_with_err_cert_invalid() {
    let report = api(CertKind::ClientAuthOnly);
    let trusted = report.expect("cert.trusted", "fail", "lacks serverAuth");
    assert!(trusted.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_INVALID"), "{trusted:#?}");
    report.expect("http.response", "skip", "certificate was refused");
    assert_eq!(report.verdict, "fail");
}

#[test]
fn names_and_keys_of_every_common_shape_pass() {
    api(CertKind::NoSubjectCn).expect("cert.hostname", "pass", "DNS:api.test");
    api(CertKind::EcdsaP384).expect("cert.key", "pass", "ECDSA P-384");
    api(CertKind::Rsa2048).expect("cert.key", "pass", "RSA 2048-bit");
    let report = api(CertKind::Rsa4096);
    report.expect("cert.key", "pass", "RSA 4096-bit");
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    let tls13 = check_api(https_server_tls13_only(CertKind::Valid), "/ok", &[]);
    tls13.expect("tls.version", "pass", "TLS1.3");
}

#[test]
fn a_cn_without_san_covers_nothing() {
    let report = api(CertKind::CnOnlyNoSan);
    report.expect(
        "cert.hostname",
        "fail",
        "has no subjectAltName, so it covers no host ('api.test' in the CN is ignored)",
    );
    report.expect("cert.trusted", "pass", "");
}

#[test]
fn several_defects_at_once_are_all_named() {
    let report = api(CertKind::ExpiredWrongHost);
    let failing: Vec<&str> = report.checks.iter().filter(|c| c.status == "fail").map(|c| c.id.as_str()).collect();
    assert_eq!(failing, ["cert.hostname", "cert.expiry"], "rustls names only the first; reqdoctor names both");
}

#[test]
fn reversed_and_padded_chains_warn() {
    api(CertKind::ReversedChain).expect("cert.chain", "warn", "out of order");
    api(CertKind::ExtraCerts).expect("cert.chain", "warn", "does not need");
}

#[test]
fn tls_1_0_and_1_1_servers_are_named_by_their_highest_version() {
    let report = check_api(openssl_server(OpensslKind::Tls11Only), "/", &[]);
    let version = report.expect("tls.version", "fail", "the server supports at most TLS1.1");
    assert_eq!(version.data["highest_version"], "TLS1.1");
    report.expect("tls.handshake", "skip", "tls.version");
    report.expect("cert.trusted", "pass", "");
    report.expect("cert.expiry", "pass", "");
    let certificate = report.certificate.as_ref().expect("the legacy handshake's chain");
    assert_eq!(certificate.chain[0].name, "api.test");

    let report = check_api(openssl_server(OpensslKind::Tls10Only), "/", &[]);
    report.expect("tls.version", "fail", "the server supports at most TLS1.0");
}

#[test]
fn a_legacy_server_with_an_expired_certificate_fails_both() {
    let report = check_api(openssl_server(OpensslKind::Tls11ExpiredCert), "/", &[]);
    report.expect("tls.version", "fail", "TLS1.1");
    report.expect("cert.expiry", "fail", "expired");
}

#[test]
fn an_rsa_1024_key_is_named_by_cert_key_even_though_the_handshake_aborts() {
    let report = check_api(openssl_server(OpensslKind::Rsa1024), "/", &[]);
    let key = report.expect("cert.key", "fail", "RSA key of 1024 bits (under 2048)");
    assert!(key.wx.as_ref().unwrap().err_msg.ends_with("ERR_CERT_WEAK_KEY"));
    report.expect("tls.handshake", "skip", "aborted over the certificate (cert.key)");
    let failing = report.checks.iter().filter(|c| c.status == "fail").count();
    assert_eq!(failing, 1, "{:#?}", report.statuses());
}

#[test]
fn a_server_that_refuses_the_host_name_is_named_with_chromiums_159() {
    let report = check_api(crate::support::unrecognized_name_server(), "/ok", &[]);
    let handshake = report.expect("tls.handshake", "fail", "unrecognized_name (112)");
    let wx = handshake.wx.as_ref().expect("a phone error");
    assert!(wx.err_msg.ends_with("errcode:-159 cronet_error_code:-159 error_msg:net::ERR_SSL_UNRECOGNIZED_NAME_ALERT"));
    assert!(handshake.hint.as_deref().is_some_and(|h| h.contains("server_name")), "{handshake:#?}");
    report.expect("tls.version", "skip", "");
}

#[test]
fn a_server_that_closes_after_the_hello_fails_the_handshake() {
    let report = check_api(close_after_hello(), "/ok", &[]);
    let handshake = report.expect("tls.handshake", "fail", "closed the connection during the handshake");
    assert!(handshake.wx.as_ref().unwrap().err_msg.ends_with("ERR_CONNECTION_CLOSED"));
    report.expect("tls.version", "skip", "");
}

/// A 2015-era TLS 1.2 server with one CBC suite: phones (and curl) connect,
/// rustls cannot. The phone's own hello decides: a warning, the chain the
/// phone receives judged, the request skipped with the reason — never a fail.
#[test]
fn a_cbc_only_tls_1_2_server_connects_for_the_phone() {
    for kind in [OpensslKind::Tls12CbcOnly, OpensslKind::Tls10To12CbcOnly] {
        let report = check_api(openssl_server(kind), "/", &[]);
        let handshake = report.expect(
            "tls.handshake",
            "warn",
            "the phone connects with TLS1.2 and TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (ECDHE-RSA-AES128-SHA), an obsolete CBC cipher suite",
        );
        assert_eq!(handshake.data["phone_only"], true, "{kind:?}");
        assert_eq!(handshake.data["cipher_suite"], "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
        assert!(handshake.wx.is_none(), "the phone connects: no phone error");
        report.expect("tls.version", "pass", "TLS1.2 negotiated with the phone's ClientHello");
        report.expect("cert.trusted", "pass", "reqdoctor test root");
        report.expect("cert.key", "pass", "RSA 2048-bit");
        report.expect("http.response", "skip", "cannot use the cipher suite the server chose for the phone");
        assert_eq!(report.verdict, "warn", "{kind:?}: {:#?}", report.statuses());
    }
}

/// ECDHE-ECDSA with CBC is a suite phones do not offer: no suite in common is
/// the phone's -113, named with what the server offers, and never blamed on the version.
#[test]
fn a_server_with_no_suite_in_common_with_the_phone_fails_naming_its_suites() {
    let report = check_api(openssl_server(OpensslKind::EcdsaCbcOnly), "/", &[]);
    let handshake = report.expect(
        "tls.handshake",
        "fail",
        "no cipher suite in common with the phone: the server offers only TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA (ECDHE-ECDSA-AES128-SHA)",
    );
    assert!(handshake.wx.as_ref().unwrap().err_msg.ends_with("net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH"));
    assert_eq!(handshake.data["server_suites"][0]["openssl"], "ECDHE-ECDSA-AES128-SHA");
    report.expect("tls.version", "skip", "tls.handshake");
}

// ---------- client certificates (tls.clientcert) ----------

/// Chromium 156 against `openssl s_server -Verify 1` gave -117 over TLS 1.3
/// (certificate_required after the handshake) and TLS 1.2 (handshake_failure).
#[test]
fn a_server_that_requires_a_client_certificate_is_named_over_tls13_and_tls12() {
    for kind in [OpensslKind::ClientCertRequired13, OpensslKind::ClientCertRequired12] {
        let report = check_api(openssl_server(kind), "/", &[]);
        let auth = report.expect("tls.clientcert", "fail", "demands a client certificate (from reqdoctor test root)");
        assert!(auth.wx.as_ref().unwrap().err_msg.ends_with("ERR_BAD_SSL_CLIENT_AUTH_CERT"), "{kind:?}: {auth:#?}");
        assert_eq!(auth.data["authorities"], serde_json::json!(["reqdoctor test root"]));
        report.expect("tls.handshake", if kind == OpensslKind::ClientCertRequired12 { "skip" } else { "pass" }, "");
        report.expect("http.response", "skip", "want of a client certificate (tls.clientcert)");
        report.expect("cert.trusted", "pass", "reqdoctor test root");
        assert_eq!(report.verdict, "fail");
    }
}

#[test]
fn a_server_that_asks_for_a_client_certificate_but_goes_on_passes() {
    let report = check_api(openssl_server(OpensslKind::ClientCertOptional), "/", &[]);
    report.expect("tls.clientcert", "pass", "goes on without one, as the phone does");
    report.expect("http.response", "warn", "200 OK"); // openssl's status page is not JSON
}

#[test]
fn a_400_after_asking_for_a_client_certificate_is_nginx_ssl_verify_client() {
    let report = check_api(crate::support::https_server_asking_client_cert(), "/status/400", &[]);
    let auth = report.expect("tls.clientcert", "fail", "answers 400 Bad Request without one");
    assert!(auth.wx.is_none(), "the phone gets a response, not a net error: {auth:#?}");
}

#[test]
fn a_server_that_asks_for_nothing_passes_tls_clientcert() {
    api(CertKind::Valid).expect("tls.clientcert", "pass", "asks for no client certificate");
}

// ---------- 国密 (TLCP) ----------

#[test]
fn a_server_that_speaks_only_tlcp_is_named_with_the_dual_certificate_fix() {
    let report = check_api(crate::support::tlcp_only_server(), "/ok", &[]);
    let handshake = report.expect("tls.handshake", "fail", "speaks only 国密 TLCP (SM2 certificate, ECC_SM4_CBC_SM3)");
    assert!(handshake.hint.as_deref().unwrap_or_default().contains("RSA or ECDSA certificate"), "{handshake:#?}");
    assert!(handshake.wx.as_ref().unwrap().err_msg.ends_with("ERR_SSL_VERSION_OR_CIPHER_MISMATCH"), "{handshake:#?}");
    assert_eq!(handshake.data["tlcp_suite"], "ECC_SM4_CBC_SM3");
    report.expect("tls.version", "skip", "tls.handshake");
}

#[test]
fn a_tls_server_that_refuses_the_phone_is_not_called_tlcp() {
    let report = check_api(crate::support::tls_alert_server(), "/ok", &[]);
    assert!(!report.check("tls.handshake").summary.contains("TLCP"));
    assert!(!report.check("tls.version").summary.contains("TLCP"));
}

/// Chromium 156 here: -107, BoringSSL cannot read a key whose curve is spelled out.
#[test]
fn an_explicit_curve_key_is_named_briefly_with_107() {
    let report = check_api(openssl_server(OpensslKind::ExplicitCurve), "/", &[]);
    let key = report.expect("cert.key", "fail", "an EC key with explicit curve parameters instead of a named curve");
    assert!(key.summary.len() < 200, "cut, not dumped: {}", key.summary);
    assert!(key.wx.as_ref().unwrap().err_msg.ends_with("ERR_SSL_PROTOCOL_ERROR"), "{key:#?}");
}
