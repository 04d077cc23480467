//! `reqdoctor chain`: servers that forget their intermediate, leaves whose AIA
//! URL points at a loopback HTTP server (the intermediate as DER, PEM or
//! PKCS#7, a 404, a huge answer, a slow one, a certificate that does not sign
//! the leaf, `ldap:`), and a cross-signed intermediate under two roots. For
//! each fixable case the written chain is installed on `openssl s_server`
//! and `reqdoctor check` must pass every cert.* check against it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::LazyLock;
use std::time::Duration as StdDuration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::cli::{Run, reqdoctor};
use crate::support::{PemFiles, ServerCert, https_server_with, openssl_server_with, runtime};

type Issuer = CertifiedIssuer<'static, KeyPair>;

/// How long the slow AIA answer waits: longer than the 1.5 s budget the test gives.
const SLOW: StdDuration = StdDuration::from_secs(3);
/// The run's budget in the slow case.
const SHORT_BUDGET_MS: &str = "1500";

/// The test PKI and the loopback AIA server, made once.
struct Fixture {
    dir: TempDir,
    aia: SocketAddr,
    /// root, old root and new root, for `--ca-file`.
    roots: PathBuf,
    root: CertificateDer<'static>,
    intermediate: Issuer,
    /// Under the new root, with the new root cross-signed by the old one.
    cross_intermediate: Issuer,
    cross_cert: CertificateDer<'static>,
    old_root: CertificateDer<'static>,
    new_root: CertificateDer<'static>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(Fixture::make);

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn ca_params(cn: &str, parent: bool) -> CertificateParams {
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params.not_before = now - days(30);
    params.not_after = now + days(365);
    params.use_authority_key_identifier_extension = parent;
    params
}

fn ca(cn: &str, parent: Option<&Issuer>) -> Issuer {
    let key = KeyPair::generate().expect("a CA key");
    match parent {
        None => CertifiedIssuer::self_signed(ca_params(cn, false), key).expect("self-sign"),
        Some(parent) => CertifiedIssuer::signed_by(ca_params(cn, true), key, parent).expect("sign"),
    }
}

/// The caIssuers AccessDescription for `url` (shorter than 100 bytes), DER.
fn aia_extension(url: &str) -> CustomExtension {
    let mut description = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02, 0x86, url.len() as u8];
    description.extend_from_slice(url.as_bytes());
    let mut inner = vec![0x30, description.len() as u8];
    inner.extend(description);
    let mut outer = vec![0x30, inner.len() as u8];
    outer.extend(inner);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], outer)
}

/// An api.test leaf under `issuer` whose AIA URL is `url`, and its key.
fn leaf(issuer: &Issuer, url: &str) -> (CertificateDer<'static>, KeyPair) {
    let now = OffsetDateTime::now_utc();
    leaf_dated(issuer, url, (now - days(1), now + days(90)))
}

/// The same, valid from `not_before` to `not_after`.
fn leaf_dated(
    issuer: &Issuer,
    url: &str,
    (not_before, not_after): (OffsetDateTime, OffsetDateTime),
) -> (CertificateDer<'static>, KeyPair) {
    let mut params = CertificateParams::new(vec!["api.test".to_owned()]).expect("SAN");
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "api.test");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    params.custom_extensions = vec![aia_extension(url)];
    let key = KeyPair::generate().expect("a leaf key");
    let cert = params.signed_by(&key, issuer).expect("sign the leaf");
    (cert.der().clone(), key)
}

fn pem_of(der: &[u8]) -> String {
    // One file per call: tests run in parallel and certificates share lengths.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = FIXTURE.dir.path().join(format!("pem-{call}.der"));
    std::fs::write(&path, der).expect("write");
    let out = Process::new("openssl").args(["x509", "-inform", "DER", "-in"]).arg(&path).output();
    let out = out.expect("openssl CLI not found: .ci/run installs it");
    assert!(out.status.success(), "openssl x509: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("PEM is ASCII")
}

impl Fixture {
    fn make() -> Fixture {
        let dir = tempfile::Builder::new().prefix("reqdoctor-chainfix-").tempdir_in(env!("CARGO_TARGET_TMPDIR"));
        let dir = dir.expect("a temp dir");
        let root = ca("chainfix root", None);
        let intermediate = ca("chainfix intermediate", Some(&root));
        let old_root = ca("chainfix old root", None);
        let new_params = ca_params("chainfix new root", false);
        let new_root = CertifiedIssuer::self_signed(new_params.clone(), KeyPair::generate().expect("key"))
            .expect("self-sign the new root");
        let mut cross_params = new_params;
        cross_params.use_authority_key_identifier_extension = true;
        let cross = cross_params.signed_by(new_root.key(), &old_root).expect("cross-sign");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the AIA server");
        let aia = listener.local_addr().expect("address");
        let mut cross_int_params = ca_params("chainfix cross intermediate", true);
        cross_int_params.custom_extensions = vec![aia_extension(&format!("http://{aia}/cross.der"))];
        let cross_intermediate =
            CertifiedIssuer::signed_by(cross_int_params, KeyPair::generate().expect("key"), &new_root)
                .expect("sign the cross intermediate");
        let impostor = ca("chainfix intermediate", Some(&root));
        let roots = dir.path().join("roots.pem");
        std::fs::write(&roots, [root.pem(), old_root.pem(), new_root.pem()].concat()).expect("write roots");
        let mut routes: HashMap<&'static str, Answer> = HashMap::new();
        routes.insert("/int.der", Answer::Ok(intermediate.der().to_vec()));
        routes.insert("/int.pem", Answer::Ok(intermediate.pem().into_bytes()));
        routes.insert("/cross-int.der", Answer::Ok(cross_intermediate.der().to_vec()));
        routes.insert("/wrong.der", Answer::Ok(impostor.der().to_vec()));
        routes.insert("/huge", Answer::Ok(vec![b'x'; 200 * 1024]));
        routes.insert("/slow", Answer::Slow(intermediate.der().to_vec()));
        routes.insert("/moved", Answer::Redirect("/int.der"));
        routes.insert("/to-file", Answer::Redirect("file:///etc/passwd"));
        routes.insert("/loop", Answer::Redirect("/loop"));
        let p7 = {
            let path = dir.path().join("p7-input.pem");
            std::fs::write(&path, intermediate.pem()).expect("write");
            let out = Process::new("openssl")
                .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
                .arg(&path)
                .output()
                .expect("openssl CLI not found: .ci/run installs it");
            assert!(out.status.success(), "openssl crl2pkcs7: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        routes.insert("/int.p7c", Answer::Ok(p7));
        routes.insert("/cross.der", Answer::Ok(cross.der().to_vec()));
        aia_server(listener, routes);
        Fixture {
            dir,
            aia,
            roots,
            root: root.der().clone(),
            intermediate,
            cross_intermediate,
            cross_cert: cross.der().clone(),
            old_root: old_root.der().clone(),
            new_root: new_root.der().clone(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.aia)
    }

    fn roots(&self) -> &str {
        self.roots.to_str().expect("utf-8 path")
    }
}

#[derive(Clone)]
enum Answer {
    Ok(Vec<u8>),
    Slow(Vec<u8>),
    /// 302 to this location.
    Redirect(&'static str),
}

/// A loopback HTTP/1.1 server on `std_listener` answering `routes` (404 elsewhere), one request per connection.
fn aia_server(std_listener: std::net::TcpListener, routes: HashMap<&'static str, Answer>) {
    std_listener.set_nonblocking(true).expect("non-blocking");
    let routes = std::sync::Arc::new(routes);
    runtime().spawn(async move {
        let listener = tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
        while let Ok((mut tcp, _)) = listener.accept().await {
            let routes = routes.clone();
            tokio::spawn(async move {
                let mut head = vec![0u8; 4096];
                let Ok(Ok(n)) = tokio::time::timeout(StdDuration::from_secs(10), tcp.read(&mut head)).await else {
                    return;
                };
                let line = String::from_utf8_lossy(&head[..n]).into_owned();
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let mut location = String::new();
                let (status, body) = match routes.get(path.as_str()) {
                    Some(Answer::Ok(body)) => ("200 OK", body.clone()),
                    Some(Answer::Redirect(to)) => {
                        location = format!("location: {to}\r\n");
                        ("302 Found", Vec::new())
                    }
                    Some(Answer::Slow(body)) => {
                        tokio::time::sleep(SLOW).await;
                        ("200 OK", body.clone())
                    }
                    None => ("404 Not Found", b"not here".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\n{location}content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tcp.write_all(head.as_bytes()).await;
                let _ = tcp.write_all(&body).await;
            });
        }
    });
}

/// An in-process HTTPS server sending `chain` (leaf first) with `key`.
fn server(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> SocketAddr {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    https_server_with(ServerCert { chain, key }, rustls::ALL_VERSIONS)
}

fn target(addr: SocketAddr) -> (String, String) {
    (format!("https://api.test:{}/", addr.port()), format!("api.test:{}:127.0.0.1", addr.port()))
}

/// `reqdoctor chain` against `addr`, writing to `out`, with `extra` options.
fn chain(addr: SocketAddr, out: &Path, extra: &[&str]) -> Run {
    let (url, resolve) = target(addr);
    let out = out.to_str().expect("utf-8 path");
    let mut args = vec!["chain", url.as_str(), "--resolve", resolve.as_str(), "--ca-file", FIXTURE.roots(), "-o", out];
    args.extend_from_slice(extra);
    reqdoctor(&args)
}

/// The leaf sent alone, its AIA at `path`.
fn leaf_alone(path: &str) -> (SocketAddr, KeyPair) {
    let (leaf, key) = leaf(&FIXTURE.intermediate, &FIXTURE.url(path));
    (server(vec![leaf], &key), key)
}

fn out_file(name: &str) -> PathBuf {
    FIXTURE.dir.path().join(name)
}

/// Installs `fullchain` (leaf first) and the leaf's key on `openssl s_server`,
/// then asserts that `reqdoctor check` passes every cert.* check there.
fn assert_installed_chain_passes(fullchain: &Path, key: &KeyPair, name: &str) {
    assert_installed_chain_passes_with(fullchain, key, name, &[]);
}

/// The same, with `extra` options for `check`.
fn assert_installed_chain_passes_with(fullchain: &Path, key: &KeyPair, name: &str, extra: &[&str]) {
    let pem = std::fs::read_to_string(fullchain).expect("the written chain");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<_, _>>().expect("PEM certificates");
    assert!(!certs.is_empty(), "{pem}");
    let dir = FIXTURE.dir.path();
    let files = PemFiles {
        cert: dir.join(format!("{name}-leaf.pem")),
        key: dir.join(format!("{name}-key.pem")),
        chain: (certs.len() > 1).then(|| dir.join(format!("{name}-chain.pem"))),
    };
    std::fs::write(&files.cert, pem_of(&certs[0])).expect("write");
    std::fs::write(&files.key, key.serialize_pem()).expect("write");
    if let Some(chain) = &files.chain {
        std::fs::write(chain, certs[1..].iter().map(|c| pem_of(c)).collect::<String>()).expect("write");
    }
    let addr = openssl_server_with(&files, name);
    let (url, resolve) = target(addr);
    let mut args = vec!["check", "--json", "--ca-file", FIXTURE.roots(), "--resolve", &resolve, &url];
    args.extend_from_slice(extra);
    let run = reqdoctor(&args);
    let report = run.report();
    let cert_checks: Vec<_> = report.checks.iter().filter(|c| c.id.starts_with("cert.")).collect();
    assert!(!cert_checks.is_empty(), "{}", run.stdout);
    for check in cert_checks {
        assert_eq!(check.status, "pass", "{} with the fixed chain: {}", check.id, run.stdout);
    }
}

fn certificates_in(path: &Path) -> Vec<CertificateDer<'static>> {
    let pem = std::fs::read_to_string(path).expect("the written chain");
    CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<_, _>>().expect("PEM certificates")
}

#[test]
fn a_missing_intermediate_fetched_as_der_makes_a_chain_that_check_passes() {
    let (leaf, key) = leaf(&FIXTURE.intermediate, &FIXTURE.url("/int.der"));
    let addr = server(vec![leaf.clone()], &key);
    let out = out_file("der.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(certificates_in(&out), [leaf, FIXTURE.intermediate.der().clone()], "leaf first, no root");
    assert!(run.stdout.contains("(not sent, not trusted)"), "the before path: {}", run.stdout);
    assert!(run.stdout.contains("gave chainfix intermediate"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("ssl_certificate {};", out.display())), "{}", run.stdout);
    assert!(run.stdout.contains("SSLCertificateChainFile"), "{}", run.stdout);
    assert!(!run.stdout.contains("PRIVATE KEY") && !run.stderr.contains("PRIVATE KEY"));
    assert_installed_chain_passes(&out, &key, "der");
}

#[test]
fn an_intermediate_fetched_as_pem_makes_a_chain_that_check_passes() {
    let (addr, key) = leaf_alone("/int.pem");
    let out = out_file("pem.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(certificates_in(&out).len(), 2);
    assert_installed_chain_passes(&out, &key, "pem");
}

#[test]
fn without_o_the_pem_goes_to_stdout_and_the_account_to_stderr() {
    let (addr, _key) = leaf_alone("/int.der");
    let (url, resolve) = target(addr);
    let run = reqdoctor(&["chain", &url, "--resolve", &resolve, "--ca-file", FIXTURE.roots()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(run.stdout.as_bytes()).collect::<Result<_, _>>().expect("PEM on stdout");
    assert_eq!(certs.len(), 2, "{}", run.stdout);
    assert!(run.stderr.contains("ssl_certificate fullchain.pem;"), "{}", run.stderr);
}

#[test]
fn a_chain_the_server_already_sends_is_written_as_it_is() {
    let (leaf, key) = leaf(&FIXTURE.intermediate, &FIXTURE.url("/int.der"));
    let addr = server(vec![leaf, FIXTURE.intermediate.der().clone()], &key);
    let out = out_file("already.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("already sends this chain"), "{}", run.stdout);
    assert_eq!(certificates_in(&out).len(), 2);
}

#[test]
fn a_cross_signed_intermediate_shows_both_roots_and_writes_the_short_path() {
    let (leaf, key) = leaf(&FIXTURE.cross_intermediate, &FIXTURE.url("/cross-int.der"));
    let addr = server(vec![leaf.clone(), FIXTURE.cross_cert.clone()], &key);
    let out = out_file("cross.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Paths to a trusted root"), "{}", run.stdout);
    assert!(run.stdout.contains("chainfix new root: a root Android never shipped"), "{}", run.stdout);
    assert!(run.stdout.contains("→ chainfix new root → chainfix old root"), "{}", run.stdout);
    assert_eq!(
        certificates_in(&out),
        [leaf, FIXTURE.cross_intermediate.der().clone()],
        "the unneeded cross cert is dropped"
    );
    assert_installed_chain_passes(&out, &key, "cross");
}

#[test]
fn a_chain_sent_out_of_order_with_its_root_is_written_in_order_without_the_root() {
    let (leaf, key) = leaf(&FIXTURE.intermediate, &FIXTURE.url("/int.der"));
    let sent = vec![leaf.clone(), FIXTURE.root.clone(), FIXTURE.intermediate.der().clone()];
    let addr = server(sent, &key);
    let out = out_file("disorder.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("already sends this chain"), "the sent chain is not the one to send: {}", run.stdout);
    assert!(!run.stdout.contains("AIA of"), "nothing needs fetching: {}", run.stdout);
    let order = "As sent, out of order: api.test, chainfix root, chainfix intermediate";
    assert!(run.stdout.contains(order), "{}", run.stdout);
    assert!(run.stdout.contains("Left out: chainfix root, a root"), "{}", run.stdout);
    assert_eq!(certificates_in(&out), [leaf, FIXTURE.intermediate.der().clone()], "leaf, intermediate, no root");
    assert_installed_chain_passes(&out, &key, "disorder");
}

#[test]
fn an_expired_extra_the_server_sends_is_dropped() {
    let (leaf, key) = leaf(&FIXTURE.intermediate, &FIXTURE.url("/int.der"));
    let mut params = ca_params("chainfix expired extra", false);
    let now = OffsetDateTime::now_utc();
    (params.not_before, params.not_after) = (now - days(400), now - days(10));
    let expired = params.self_signed(&KeyPair::generate().expect("key")).expect("self-sign");
    let sent = vec![leaf.clone(), FIXTURE.intermediate.der().clone(), expired.der().clone()];
    let addr = server(sent, &key);
    let out = out_file("expired-extra.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Left out: chainfix expired extra, expired at"), "{}", run.stdout);
    assert!(!run.stdout.contains("out of order"), "{}", run.stdout);
    assert_eq!(certificates_in(&out), [leaf, FIXTURE.intermediate.der().clone()], "the expired extra is gone");
    assert_installed_chain_passes(&out, &key, "expired-extra");
}

/// `reqdoctor chain` on a leaf sent alone whose AIA is `path`: it cannot be fixed.
fn unfixable(path: &str, extra: &[&str]) -> Run {
    let (addr, _key) = leaf_alone(path);
    let out = out_file(&format!("unfixable{}.pem", path.replace(['/', ':'], "-")));
    let run = chain(addr, &out, extra);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Cannot fix: no path to a trusted root"), "{}", run.stdout);
    assert!(!out.exists(), "nothing is written when nothing can be fixed");
    run
}

#[test]
fn an_aia_url_that_answers_404_is_named_with_its_status() {
    let run = unfixable("/missing", &[]);
    assert!(run.stdout.contains("/missing failed: HTTP status 404"), "{}", run.stdout);
}

#[test]
fn a_huge_aia_answer_is_cut_at_the_size_cap() {
    let run = unfixable("/huge", &[]);
    assert!(run.stdout.contains("failed: the answer is larger than 65536 bytes"), "{}", run.stdout);
}

#[test]
fn a_slow_aia_server_is_given_up_within_the_budget() {
    let run = unfixable("/slow", &["--timeout-ms", SHORT_BUDGET_MS]);
    assert!(run.stdout.contains("/slow failed: no answer within the time allowed"), "{}", run.stdout);
}

#[test]
fn a_fetched_certificate_that_does_not_sign_the_leaf_is_not_used() {
    let run = unfixable("/wrong.der", &[]);
    assert!(run.stdout.contains("which does not sign api.test: not used"), "{}", run.stdout);
}

#[test]
fn an_ldap_aia_url_is_skipped_not_fetched() {
    let (leaf, key) = leaf(&FIXTURE.intermediate, "ldap://ldap.example/cn=chainfix");
    let addr = server(vec![leaf], &key);
    let out = out_file("ldap.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("ldap://ldap.example/cn=chainfix skipped"), "{}", run.stdout);
}

#[test]
fn a_pkcs7_aia_answer_is_read() {
    let (addr, key) = leaf_alone("/int.p7c");
    let out = out_file("p7.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_installed_chain_passes(&out, &key, "p7");
}

#[test]
fn a_plain_http_url_is_bad_input() {
    let run = reqdoctor(&["chain", "http://api.test/"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.starts_with("reqdoctor: "), "{}", run.stderr);
}

#[test]
fn a_redirect_to_the_intermediate_is_followed() {
    let (addr, _key) = leaf_alone("/moved");
    let out = out_file("moved.pem");
    let run = chain(addr, &out, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(certificates_in(&out).len(), 2);
}

#[test]
fn a_redirect_to_a_file_url_is_not_followed() {
    let run = unfixable("/to-file", &[]);
    assert!(run.stdout.contains("a redirect to file:///etc/passwd, which is not http or https"), "{}", run.stdout);
}

#[test]
fn a_redirect_loop_stops_after_three() {
    let run = unfixable("/loop", &[]);
    assert!(run.stdout.contains("/loop failed: more than 3 redirects"), "{}", run.stdout);
}

#[test]
fn a_file_aia_url_is_skipped_not_read() {
    let (leaf, key) = leaf(&FIXTURE.intermediate, "file:///etc/passwd");
    let addr = server(vec![leaf], &key);
    let run = chain(addr, &out_file("file.pem"), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("file:///etc/passwd skipped"), "{}", run.stdout);
}

/// SHA-256 of a certificate's SubjectPublicKeyInfo, lower-case hex (how the Android history names roots).
fn key_sha256(der: &CertificateDer<'_>) -> String {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("X.509");
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.public_key().raw);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// An Android root history (the bundled releases) in which the old root ships
/// since 4.0 and the new root only since 12.
fn cross_history() -> PathBuf {
    let bundled: serde_json::Value =
        serde_json::from_str(include_str!("../../data/android-roots.json")).expect("bundled JSON");
    let root = |der: &CertificateDer<'_>, cn: &str, added_in: &str, api: u32| {
        serde_json::json!({ "spki_sha256": key_sha256(der), "subject": format!("CN={cn}"), "not_after": "2031-01-01",
            "added": "2011-01-01", "added_in": added_in, "added_in_api": api, "removed": null, "file": "x" })
    };
    let roots = [
        root(&FIXTURE.old_root, "chainfix old root", "4.0", 14),
        root(&FIXTURE.new_root, "chainfix new root", "12", 31),
    ];
    let data = serde_json::json!({ "history_until": "2023-06-02", "releases": bundled["releases"], "roots": roots });
    let path = FIXTURE.dir.path().join("android-roots.json");
    std::fs::write(&path, data.to_string()).expect("write the history");
    path
}

#[test]
fn old_androids_get_the_cross_signed_path_when_the_new_root_is_too_new() {
    let history = cross_history();
    let history = history.to_str().expect("utf-8 path");
    let (leaf, key) = leaf(&FIXTURE.cross_intermediate, &FIXTURE.url("/cross-int.der"));
    let addr = server(vec![leaf.clone()], &key);
    let out = out_file("cross-old.pem");
    let run = chain(addr, &out, &["--android-roots", history, "--min-android", "7.0"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let expected = [leaf.clone(), FIXTURE.cross_intermediate.der().clone(), FIXTURE.cross_cert.clone()];
    assert_eq!(certificates_in(&out), expected, "the cross-signed copy serves Android 7.0 to 11: {}", run.stdout);
    assert!(run.stdout.contains("chainfix old root: Android 4.0 and later; serves --min-android"), "{}", run.stdout);
    assert!(run.stdout.contains("chainfix new root: Android 12 and later; does not serve"), "{}", run.stdout);
    assert_installed_chain_passes_with(&out, &key, "cross-old", &["--android-roots", history, "--min-android", "7.0"]);
    let run = chain(addr, &out_file("cross-new.pem"), &["--android-roots", history, "--min-android", "12"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(certificates_in(&out_file("cross-new.pem")).len(), 2, "12 and later need no cross-sign");
}

#[test]
fn an_expired_leaf_cannot_be_fixed_by_a_chain() {
    let now = OffsetDateTime::now_utc();
    let (leaf, key) = leaf_dated(&FIXTURE.intermediate, &FIXTURE.url("/int.der"), (now - days(90), now - days(2)));
    let addr = server(vec![leaf], &key);
    let run = chain(addr, &out_file("expired.pem"), &[]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Cannot fix: the leaf expired at"), "{}", run.stdout);
    assert!(!run.stdout.contains("AIA of"), "nothing is fetched for an expired leaf: {}", run.stdout);
}

#[test]
fn a_leaf_for_another_host_cannot_be_fixed_by_a_chain() {
    let (addr, _key) = leaf_alone("/int.der");
    let url = format!("https://other.test:{}/", addr.port());
    let resolve = format!("other.test:{}:127.0.0.1", addr.port());
    let run = reqdoctor(&["chain", &url, "--resolve", &resolve, "--ca-file", FIXTURE.roots()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("Cannot fix: the leaf does not cover this host"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no PEM on stdout: {}", run.stdout);
}

#[test]
fn the_account_speaks_chinese_with_lang_zh() {
    let (addr, _key) = leaf_alone("/int.der");
    let run = chain(addr, &out_file("zh.pem"), &["--lang", "zh"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("修复后："), "{}", run.stdout);
    assert!(run.stdout.contains("的 AIA："), "{}", run.stdout);
}

#[test]
fn a_server_that_cannot_be_reached_exits_2_with_one_line() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let url = format!("https://api.test:{port}/");
    let resolve = format!("api.test:{port}:127.0.0.1");
    let run = reqdoctor(&["chain", &url, "--resolve", &resolve, "--ca-file", FIXTURE.roots()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.starts_with("reqdoctor: the server sent no certificate"), "{}", run.stderr);
}

#[test]
fn an_output_file_that_cannot_be_written_is_bad_input() {
    let (addr, _key) = leaf_alone("/int.der");
    let run = chain(addr, &FIXTURE.dir.path().join("no-such-dir/out.pem"), &[]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.starts_with("reqdoctor: cannot write "), "{}", run.stderr);
}
