//! A throw-away PKI generated at test time: a trusted test root with an intermediate,
//! an untrusted "unknown" root, and one server certificate per failure mode the CLI
//! must diagnose (expired, wrong host, missing intermediate, SHA-1, ...).
//!
//! Nothing is checked in: keys and certificates are made with rcgen when first needed,
//! except the two that rcgen cannot make (a SHA-1 signature, an RSA-1024 key), which
//! come from the `openssl` command-line tool.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, PKCS_ED25519,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};

/// Which server certificate (and chain) a fixture server presents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertKind {
    /// api.test and *.wild.test, issued by the test intermediate, chain [leaf, intermediate].
    Valid,
    /// Like `Valid`, but not_after was two days ago.
    Expired,
    /// Like `Valid`, but not_before is two days from now.
    NotYetValid,
    /// SAN only `other.test` (CN says api.test, which must be ignored).
    WrongHost,
    /// A self-signed api.test leaf, chain [leaf].
    SelfSigned,
    /// api.test issued by the untrusted root's intermediate.
    UnknownRoot,
    /// A `Valid`-like leaf sent without its intermediate, chain [leaf].
    MissingIntermediate,
    /// Valid, but not_after is five days from now.
    ExpiringSoon,
    /// A valid leaf under a second intermediate that expired yesterday.
    ExpiredIntermediate,
    /// An Ed25519 leaf key, issued by the test intermediate.
    Ed25519Leaf,
    /// A P-256 leaf signed by the test intermediate with ecdsa-with-SHA1 (made by openssl).
    Sha1Signed,
    /// A valid-looking api.test leaf whose extendedKeyUsage is clientAuth only.
    ClientAuthOnly,
}

/// A certificate chain as a server sends it, with the leaf's private key.
#[derive(Debug)]
pub struct ServerCert {
    /// What the server sends: the leaf first, then any intermediates.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key.
    pub key: PrivateKeyDer<'static>,
}

impl Clone for ServerCert {
    fn clone(&self) -> Self {
        ServerCert {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

type Issuer = CertifiedIssuer<'static, KeyPair>;

/// The process-wide test PKI. Get it with [`pki`].
pub struct Pki {
    dir: TempDir,
    root_pem_path: PathBuf,
    root_pem: String,
    intermediate: Issuer,
    expired_intermediate: Issuer,
    unknown_intermediate: Issuer,
    certs: Mutex<HashMap<CertKind, ServerCert>>,
    rsa1024: OnceLock<String>,
}

/// The test PKI, generated once per process.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(Pki::generate)
}

impl Pki {
    /// Path of a PEM file holding only the trusted test root (for `--ca-file`).
    pub fn root_pem_path(&self) -> &Path {
        &self.root_pem_path
    }

    /// The trusted test root as PEM.
    pub fn root_pem(&self) -> &str {
        &self.root_pem
    }

    /// The certificate chain and key a server of this kind presents. Generated on
    /// first use, then the same one is returned for the rest of the process.
    pub fn server_cert(&self, kind: CertKind) -> ServerCert {
        if let Some(cert) = self.cached_certs().get(&kind) {
            return cert.clone();
        }
        // Made outside the lock, so a failure (e.g. no openssl) cannot poison it.
        let made = self.make_server_cert(kind);
        self.cached_certs().entry(kind).or_insert(made).clone()
    }

    fn cached_certs(&self) -> MutexGuard<'_, HashMap<CertKind, ServerCert>> {
        self.certs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// PEM of an api.test certificate whose public key is RSA 1024 bits (made with openssl,
    /// signed by the test intermediate). Not served by any fixture server.
    pub fn rsa1024_leaf_pem(&self) -> String {
        self.rsa1024.get_or_init(|| self.make_rsa1024_leaf()).clone()
    }

    fn generate() -> Pki {
        let now = OffsetDateTime::now_utc();
        let root_window = (now - days(365), now + days(5 * 365));
        let ca_window = (now - days(30), now + days(3 * 365));
        let expired_window = (now - days(365), now - days(1));
        let root = ca("reqdoctor test root", root_window, None);
        let unknown_root = ca("reqdoctor unknown root", root_window, None);
        let intermediate = ca("reqdoctor test intermediate", ca_window, Some(&root));
        let expired_intermediate = ca("reqdoctor expired intermediate", expired_window, Some(&root));
        let unknown_intermediate = ca("reqdoctor unknown intermediate", ca_window, Some(&unknown_root));
        let dir = pki_dir();
        let root_pem = root.pem();
        let root_pem_path = dir.path().join("root.pem");
        write(&root_pem_path, &root_pem);
        // openssl signs the SHA-1 and RSA-1024 leaves with these.
        write(&dir.path().join("intermediate.pem"), &intermediate.pem());
        let intermediate_key = intermediate.key().serialize_pem();
        write(&dir.path().join("intermediate.key"), &intermediate_key);
        Pki {
            dir,
            root_pem_path,
            root_pem,
            intermediate,
            expired_intermediate,
            unknown_intermediate,
            certs: Mutex::new(HashMap::new()),
            rsa1024: OnceLock::new(),
        }
    }

    fn make_server_cert(&self, kind: CertKind) -> ServerCert {
        let now = OffsetDateTime::now_utc();
        let valid = (now - days(1), now + days(90));
        let api = &["api.test"][..];
        match kind {
            CertKind::Valid => self.issued(&["api.test", "*.wild.test"], valid, true),
            CertKind::Expired => self.issued(api, (now - days(90), now - days(2)), true),
            CertKind::NotYetValid => self.issued(api, (now + days(2), now + days(90)), true),
            CertKind::WrongHost => self.issued(&["other.test"], valid, true),
            CertKind::SelfSigned => self_signed_leaf(valid),
            CertKind::UnknownRoot => issued_by(&self.unknown_intermediate, leaf(api, valid), true),
            CertKind::MissingIntermediate => self.issued(api, valid, false),
            CertKind::ExpiringSoon => self.issued(api, (now - days(1), now + days(5)), true),
            CertKind::ExpiredIntermediate => issued_by(&self.expired_intermediate, leaf(api, valid), true),
            CertKind::Ed25519Leaf => self.ed25519_leaf(valid),
            CertKind::Sha1Signed => self.sha1_leaf(),
            CertKind::ClientAuthOnly => {
                let mut params = leaf(api, valid);
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
                issued_by(&self.intermediate, params, true)
            }
        }
    }

    /// A P-256 leaf (CN api.test) issued by the test intermediate.
    fn issued(&self, sans: &[&str], window: Window, with_intermediate: bool) -> ServerCert {
        issued_by(&self.intermediate, leaf(sans, window), with_intermediate)
    }

    fn ed25519_leaf(&self, window: Window) -> ServerCert {
        let key = KeyPair::generate_for(&PKCS_ED25519).expect("generate Ed25519 key");
        let cert = leaf(&["api.test"], window)
            .signed_by(&key, &self.intermediate)
            .expect("sign Ed25519 leaf");
        server_cert(cert.der().clone(), Some(&self.intermediate), &key)
    }

    fn sha1_leaf(&self) -> ServerCert {
        let key = KeyPair::generate().expect("generate P-256 key");
        let key_path = self.dir.path().join("sha1-leaf.key");
        write(&key_path, &key.serialize_pem());
        let pem = self.openssl_sign(&key_path, "sha1", "sha1-leaf");
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).expect("parse openssl SHA-1 leaf");
        server_cert(der, Some(&self.intermediate), &key)
    }

    fn make_rsa1024_leaf(&self) -> String {
        let key = self.dir.path().join("rsa1024.key");
        let mut genrsa = Command::new("openssl");
        genrsa.args(["genrsa", "-out"]).arg(&key).arg("1024");
        run_openssl(&mut genrsa);
        self.openssl_sign(&key, "sha256", "rsa1024-leaf")
    }

    /// Makes an api.test leaf for the key at `key` with openssl, signed by the test
    /// intermediate using `digest`; returns its PEM.
    fn openssl_sign(&self, key: &Path, digest: &str, name: &str) -> String {
        let dir = self.dir.path();
        let file = |suffix: &str| dir.join(format!("{name}{suffix}"));
        let (req_cnf, ext_cnf) = (file("-req.cnf"), file("-ext.cnf"));
        let (csr, out) = (file(".csr"), file(".pem"));
        write(&req_cnf, OPENSSL_REQ_CONFIG);
        write(&ext_cnf, OPENSSL_LEAF_EXTENSIONS);
        let mut req = Command::new("openssl");
        req.args(["req", "-new", "-key"]).arg(key);
        req.arg("-config").arg(&req_cnf).arg("-out").arg(&csr);
        run_openssl(&mut req);
        let serial = format!("0x{:x}", OffsetDateTime::now_utc().unix_timestamp_nanos());
        let mut x509 = Command::new("openssl");
        x509.args(["x509", "-req", &format!("-{digest}"), "-days", "90"]);
        x509.args(["-set_serial", &serial]).arg("-in").arg(&csr);
        x509.arg("-CA").arg(dir.join("intermediate.pem"));
        x509.arg("-CAkey").arg(dir.join("intermediate.key"));
        x509.arg("-extfile").arg(&ext_cnf).arg("-out").arg(&out);
        run_openssl(&mut x509);
        std::fs::read_to_string(&out).expect("read openssl-made certificate")
    }
}

/// not_before, not_after.
type Window = (OffsetDateTime, OffsetDateTime);

const OPENSSL_REQ_CONFIG: &str = "[req]\nprompt = no\ndistinguished_name = dn\n[dn]\nCN = api.test\n";

const OPENSSL_LEAF_EXTENSIONS: &str = "subjectAltName = DNS:api.test\n\
basicConstraints = critical, CA:FALSE\n\
keyUsage = critical, digitalSignature\n\
extendedKeyUsage = serverAuth\n\
authorityKeyIdentifier = keyid\n";

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// A CA certificate: self-signed when `parent` is None, else signed by it.
fn ca(cn: &str, (not_before, not_after): Window, parent: Option<&Issuer>) -> Issuer {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "reqdoctor tests");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = not_before;
    params.not_after = not_after;
    params.use_authority_key_identifier_extension = parent.is_some();
    let key = KeyPair::generate().expect("generate CA key");
    match parent {
        None => CertifiedIssuer::self_signed(params, key).expect("self-sign CA"),
        Some(parent) => CertifiedIssuer::signed_by(params, key, parent).expect("sign CA"),
    }
}

/// Leaf parameters: the given DNS SANs, CN api.test, serverAuth, the given validity.
fn leaf(sans: &[&str], (not_before, not_after): Window) -> CertificateParams {
    let names: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut params = CertificateParams::new(names).expect("leaf SANs");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, "api.test");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = not_before;
    params.not_after = not_after;
    params
}

/// Signs `params` with a fresh P-256 key under `issuer`.
fn issued_by(issuer: &Issuer, params: CertificateParams, with_intermediate: bool) -> ServerCert {
    let key = KeyPair::generate().expect("generate leaf key");
    let cert = params.signed_by(&key, issuer).expect("sign leaf");
    server_cert(cert.der().clone(), with_intermediate.then_some(issuer), &key)
}

fn self_signed_leaf(window: Window) -> ServerCert {
    let key = KeyPair::generate().expect("generate leaf key");
    let mut params = leaf(&["api.test"], window);
    params.use_authority_key_identifier_extension = false;
    let cert = params.self_signed(&key).expect("self-sign leaf");
    server_cert(cert.der().clone(), None, &key)
}

fn server_cert(leaf: CertificateDer<'static>, issuer: Option<&Issuer>, key: &KeyPair) -> ServerCert {
    let mut chain = vec![leaf];
    chain.extend(issuer.map(|i| i.der().clone()));
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    ServerCert { chain, key }
}

const PKI_DIR_PREFIX: &str = "reqdoctor-pki-";

/// The directory holding root.pem and the openssl work files, under cargo's
/// per-target temp dir; kept for the whole process (statics are never dropped, so
/// directories of earlier runs are removed here once they are an hour old).
fn pki_dir() -> TempDir {
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR"));
    remove_stale_pki_dirs(parent);
    tempfile::Builder::new()
        .prefix(PKI_DIR_PREFIX)
        .tempdir_in(parent)
        .expect("create the PKI temp dir")
}

/// Best effort: deletes PKI dirs of earlier test processes older than an hour.
fn remove_stale_pki_dirs(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let hour = std::time::Duration::from_secs(3600);
    for entry in entries.flatten() {
        let ours = entry.file_name().to_string_lossy().starts_with(PKI_DIR_PREFIX);
        let age = entry.metadata().and_then(|m| m.modified()).ok();
        let age = age.and_then(|modified| modified.elapsed().ok());
        if ours && age.is_some_and(|age| age > hour) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn write(path: &Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// Runs an openssl command; panics (never skips) when openssl is missing or fails.
fn run_openssl(command: &mut Command) {
    let output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("openssl CLI not found: .ci/run installs it")
        }
        Err(e) => panic!("run {command:?}: {e}"),
    };
    assert!(
        output.status.success(),
        "{command:?} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
