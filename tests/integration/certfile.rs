//! `reqdoctor cert FILE…`: the certificate checks on bundle files, without a
//! server. The same chain served by a fixture server and read from files must
//! get the same cert.* statuses and phone errors from `check` and `cert`; then
//! the bundle forms (PEM, DER, PKCS#7), the private key, and bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{Report, Run, check_api, reqdoctor};
use crate::support::{CertKind, PemFiles, https_server, pki};

/// `reqdoctor cert --json --ca-file <test root>` plus `args`: the run, and its
/// report (SPEC's shape) with an exit code that matches the verdict.
fn cert(args: &[&str]) -> (Run, Report) {
    let root = path_str(pki().root_pem_path());
    let mut all = vec!["cert", "--json", "--ca-file", root.as_str()];
    all.extend_from_slice(args);
    let run = reqdoctor(&all);
    let report = run.report();
    let expected = match report.verdict.as_str() {
        "pass" => 0,
        "warn" => 1,
        _ => 2,
    };
    assert_eq!(run.code, expected, "exit code vs verdict {}; stderr: {}", report.verdict, run.stderr);
    assert!(report.target.starts_with("file://"), "{}", report.target);
    (run, report)
}

fn path_str(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// The bundle files of `kind` as a server installs them: the leaf, then the chain.
fn bundle_args(files: &PemFiles) -> Vec<String> {
    std::iter::once(&files.cert).chain(files.chain.as_ref()).map(|p| path_str(p)).collect()
}

/// Each cert.* check's status and phone errors (errMsg, and Android's).
fn verdicts(report: &Report) -> Vec<(String, String, Option<String>, Option<String>)> {
    let cert = report.checks.iter().filter(|c| c.id.starts_with("cert."));
    cert.map(|c| {
        let wx = c.wx.as_ref();
        let android = wx.and_then(|wx| wx.android.as_ref()).map(|a| a.err_msg.clone());
        (c.id.clone(), c.status.clone(), wx.map(|wx| wx.err_msg.clone()), android)
    })
    .collect()
}

/// `check` against a server sending `kind`'s chain, and `cert` on the same chain's files.
fn both(kind: CertKind) -> (Report, Report) {
    let served = check_api(https_server(kind), "/ok", &[]);
    let files = bundle_args(&pki().pem_files(kind));
    let mut args = vec!["--host", "api.test"];
    args.extend(files.iter().map(String::as_str));
    (served, cert(&args).1)
}

#[test]
fn cert_judges_files_as_check_judges_the_same_chain_served() {
    let kinds = [
        CertKind::Valid,
        CertKind::Expired,
        CertKind::MissingIntermediate,
        CertKind::WrongHost,
        CertKind::SelfSigned,
        CertKind::ReversedChain,
        CertKind::ExtraCerts,
        CertKind::WithRoot,
        CertKind::ExpiredIntermediate,
        CertKind::ExpiringSoon,
    ];
    for kind in kinds {
        let (served, read) = both(kind);
        assert_eq!(verdicts(&read), verdicts(&served), "{kind:?}");
        assert_eq!(verdicts(&read).len(), 6, "{kind:?}: every cert.* check");
        let other = read.checks.iter().filter(|c| !c.id.starts_with("cert."));
        for check in other {
            assert_eq!(check.status, "skip", "{kind:?} {}", check.id);
            assert!(check.summary.contains("no server: reqdoctor cert reads files"), "{check:?}");
        }
    }
}

#[test]
fn the_comparison_sees_each_defect() {
    let (_, valid) = both(CertKind::Valid);
    assert_eq!(valid.verdict, "pass", "{:#?}", valid.statuses());
    let (_, expired) = both(CertKind::Expired);
    expired.expect("cert.expiry", "fail", "expired");
    let (_, missing) = both(CertKind::MissingIntermediate);
    let wx = missing.check("cert.chain").wx.as_ref().expect("a phone error");
    assert!(wx.err_msg.ends_with("ERR_CERT_AUTHORITY_INVALID"), "{wx:?}");
    let (_, wrong) = both(CertKind::WrongHost);
    wrong.expect("cert.hostname", "fail", "api.test");
    let (_, reversed) = both(CertKind::ReversedChain);
    reversed.expect("cert.chain", "warn", "");
}

/// Files in a temp dir the test owns.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().expect("a temp dir"))
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.path().join(name);
        std::fs::write(&path, bytes).expect("write a bundle file");
        path_str(&path)
    }
}

fn pem_of(files: &[&PathBuf]) -> String {
    files.iter().map(|p| std::fs::read_to_string(p).expect("read a PEM file")).collect()
}

#[test]
fn one_file_with_the_root_or_an_expired_extra_is_judged() {
    let dir = Dir::new();
    let valid = pki().pem_files(CertKind::Valid);
    let chain = valid.chain.as_ref().expect("an intermediate");
    let root = pki().root_pem_path().to_path_buf();
    let with_root = dir.write("with-root.pem", pem_of(&[&valid.cert, chain, &root]).as_bytes());
    let (_, report) = cert(&["--host", "api.test", &with_root]);
    report.expect("cert.trusted", "pass", "");
    let roles: Vec<&str> =
        report.certificate.as_ref().expect("the chain").chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["leaf", "intermediate", "root"]);

    let expired = pki().pem_files(CertKind::ExpiredIntermediate);
    let stale = expired.chain.as_ref().expect("the expired intermediate");
    let extra = dir.write("extra.pem", pem_of(&[&valid.cert, chain, stale]).as_bytes());
    let (_, report) = cert(&["--host", "api.test", &extra]);
    report.expect("cert.trusted", "pass", "");
    report.expect("cert.expiry", "pass", "");
    report.expect("cert.chain", "warn", "");
    let roles: Vec<&str> =
        report.certificate.as_ref().expect("the chain").chain.iter().map(|c| c.role.as_str()).collect();
    assert_eq!(roles, ["leaf", "intermediate", "extra"]);
}

#[test]
fn the_private_key_is_compared_with_the_leaf_and_never_printed() {
    let valid = pki().pem_files(CertKind::Valid);
    let files = bundle_args(&valid);
    let own = path_str(&valid.key);
    let mut args = vec!["--host", "api.test", "--key", own.as_str()];
    args.extend(files.iter().map(String::as_str));
    let (_, report) = cert(&args);
    let key = report.expect("cert.key", "pass", "the private key matches the leaf");
    assert_eq!(key.data["private_key_matches"], true);

    let other = pki().pem_files(CertKind::Expired).key;
    let other_key = path_str(&other);
    args[3] = other_key.as_str();
    let (run, report) = cert(&args);
    let key = report.expect("cert.key", "fail", "does not match");
    assert_eq!(key.data["private_key_matches"], false);
    assert!(key.hint.as_deref().is_some_and(|h| h.contains("key values mismatch")), "{key:?}");
    assert_eq!(run.code, 2);
    for path in [&valid.key, &other] {
        let pem = std::fs::read_to_string(path).expect("read the key");
        for line in pem.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!run.stdout.contains(line) && !run.stderr.contains(line), "a key line was printed");
        }
    }
}

#[test]
fn der_and_pkcs7_bundles_read_like_pem() {
    let dir = Dir::new();
    let valid = pki().pem_files(CertKind::Valid);
    let served = pki().server_cert(CertKind::Valid);
    let der: Vec<u8> = served.chain.iter().flat_map(|c| c.as_ref().to_vec()).collect();
    let der_file = dir.write("chain.der", &der);
    let pem_file = dir.write("chain.pem", pem_of(&[&valid.cert, valid.chain.as_ref().expect("chain")]).as_bytes());
    let p7c = pkcs7(&pem_file, "DER", &dir.0.path().join("chain.p7c"));
    let p7b = pkcs7(&pem_file, "PEM", &dir.0.path().join("chain.p7b"));
    let (_, from_pem) = cert(&["--host", "api.test", &pem_file]);
    assert_eq!(from_pem.verdict, "pass", "{:#?}", from_pem.statuses());
    for file in [der_file, p7c, p7b] {
        let (_, report) = cert(&["--host", "api.test", &file]);
        assert_eq!(verdicts(&report), verdicts(&from_pem), "{file}");
        assert_eq!(report.certificate.as_ref().expect("the chain").chain.len(), 2, "{file}");
    }
}

/// `openssl crl2pkcs7 -nocrl` of `pem` into `out`, as DER or PEM.
fn pkcs7(pem: &str, form: &str, out: &Path) -> String {
    let run = Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", form, "-certfile", pem, "-out"])
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("openssl CLI not found ({e}): .ci/run installs it"));
    assert!(run.status.success(), "openssl crl2pkcs7: {}", String::from_utf8_lossy(&run.stderr));
    path_str(out)
}

#[test]
fn the_host_defaults_to_the_leafs_first_name() {
    let files = bundle_args(&pki().pem_files(CertKind::Valid));
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let (_, report) = cert(&args);
    let hostname = report.expect("cert.hostname", "pass", "the leaf's first name");
    assert_eq!(hostname.data["host_from"], "leaf");
    assert_eq!(report.target.matches("file://").count(), 2, "{}", report.target);
}

#[test]
fn the_text_report_is_titled_cert_and_has_no_timing() {
    let root = path_str(pki().root_pem_path());
    let files = bundle_args(&pki().pem_files(CertKind::Valid));
    let mut args = vec!["cert", "--no-color", "--ca-file", root.as_str()];
    args.extend(files.iter().map(String::as_str));
    let run = reqdoctor(&args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("reqdoctor cert") && run.stdout.contains("file://"), "{}", run.stdout);
    assert!(!run.stdout.contains("timing"), "{}", run.stdout);
    let verdict = "verdict ✔ PASS: the phone accepts these certificates for this host";
    assert!(run.stdout.contains(verdict), "files are judged, not a request: {}", run.stdout);
}

#[test]
fn unreadable_files_and_a_key_alone_are_one_line_and_exit_3() {
    let dir = Dir::new();
    let key = std::fs::read(pki().pem_files(CertKind::Valid).key).expect("read the key");
    let key_only = dir.write("key.pem", &key);
    let missing = path_str(&dir.0.path().join("missing.pem"));
    let garbage = dir.write("garbage.pem", b"not a certificate at all");
    let truncated = {
        let der = pki().server_cert(CertKind::Valid).chain[0].as_ref().to_vec();
        dir.write("truncated.der", &der[..der.len() / 2])
    };
    let cert_file = path_str(&pki().pem_files(CertKind::Valid).cert);
    let many = std::fs::read_to_string(&cert_file).expect("read the leaf").repeat(33);
    let half = dir.write("half-of-too-many.pem", many.as_bytes());
    let cases: [(&[&str], &str); 7] = [
        (&[half.as_str(), half.as_str()], "more than 64 certificates"),
        (&[missing.as_str()], "cannot read"),
        (&[key_only.as_str()], "no certificate"),
        (&[garbage.as_str()], "neither PEM nor"),
        (&[truncated.as_str()], "not DER"),
        (&["--key", cert_file.as_str(), cert_file.as_str()], "--key"),
        (&["--host", "a b", cert_file.as_str()], "--host"),
    ];
    let key_text = String::from_utf8_lossy(&key).into_owned();
    for (args, needle) in cases {
        let mut all = vec!["cert"];
        all.extend_from_slice(args);
        let run = reqdoctor(&all);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with("reqdoctor: ") && run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        for line in key_text.lines().filter(|l| !l.starts_with("-----")) {
            assert!(!run.stderr.contains(line), "the key was echoed");
        }
    }
}
