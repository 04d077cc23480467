//! Certificate bundles and private keys as files hold them: PEM with
//! `CERTIFICATE`, `PKCS7` or `CMS` blocks, DER certificates, and DER PKCS#7 /
//! CMS SignedData "certs-only" (the `.p7c` CAs serve at AIA URLs). Untrusted
//! input: bounded in size and count, and no error ever quotes the bytes, so a
//! private key in the same file is never echoed.

use std::fmt;
use std::sync::Arc;

use rustls::sign::SigningKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use x509_parser::asn1_rs::{Any, Class, FromDer, Oid, Tag};
use x509_parser::pem::Pem;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::CertFacts;

/// The largest bundle or key file read (1 MiB: a long chain is a few KiB).
pub const MAX_BYTES: usize = 1 << 20;

/// The most certificates one bundle may hold.
pub const MAX_CERTS: usize = 64;

/// The DER contents of the OID 1.2.840.113549.1.7.2 (PKCS#7 / CMS SignedData).
const SIGNED_DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// Why a bundle or key could not be read. Every message is one line and
/// never contains the input's bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {0} bytes; at most {MAX_BYTES} are read")]
    TooLarge(usize),
    #[error("more than {MAX_CERTS} certificates")]
    TooManyCertificates,
    #[error("neither PEM nor a DER certificate or PKCS#7 (the bytes are not DER)")]
    NotDer,
    #[error("PEM block {0} is malformed (no END line, or its body is not base64)")]
    BadPem(usize),
    #[error("no certificate in the PEM (no CERTIFICATE, PKCS7 or CMS block; {0} other blocks ignored)")]
    NoCertificate(usize),
    #[error("the PKCS#7 is not SignedData, or is truncated or malformed")]
    BadPkcs7,
    #[error("the PKCS#7 holds no certificate")]
    EmptyPkcs7,
    #[error("certificate {position} is not X.509: {reason}")]
    BadCertificate { position: usize, reason: String },
    #[error("no private key (PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block, or DER PKCS#8)")]
    NoKey,
    #[error("the private key's PEM is malformed")]
    BadKeyPem,
    #[error("the private key is of a type or size TLS does not use (e.g. RSA under 2048 bits)")]
    UnusableKey,
}

/// A private key, kept only to compare its public half with a certificate.
/// It is never printed: `Debug` shows `PrivateKey(***)`, and it has no
/// `Display`.
pub struct PrivateKey {
    signing: Arc<dyn SigningKey>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

/// Every certificate in `bytes`, in file order: PEM (`CERTIFICATE`, `PKCS7`,
/// `CMS` blocks; other blocks such as keys are skipped), concatenated DER
/// certificates, or a DER PKCS#7/CMS SignedData. Each is checked to parse as
/// X.509.
pub fn read_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    check_size(bytes)?;
    let certs = if is_pem(bytes) { from_pem(bytes)? } else { from_der(bytes)? };
    for (index, cert) in certs.iter().enumerate() {
        CertFacts::parse(cert).map_err(|e| BundleError::BadCertificate {
            position: index + 1,
            reason: e.0.lines().next().unwrap_or("").to_string(),
        })?;
    }
    Ok(certs)
}

/// The first private key in `bytes` (PEM PKCS#8, PKCS#1 RSA or SEC1 EC, or
/// DER), refused unless TLS could sign with it.
pub fn read_private_key(bytes: &[u8]) -> Result<PrivateKey, BundleError> {
    check_size(bytes)?;
    let der = if is_pem(bytes) {
        PrivateKeyDer::from_pem_slice(bytes).map_err(|e| match e {
            rustls_pki_types::pem::Error::NoItemsFound => BundleError::NoKey,
            _ => BundleError::BadKeyPem,
        })?
    } else {
        PrivateKeyDer::try_from(bytes.to_vec()).map_err(|_| BundleError::NoKey)?
    };
    let signing = rustls::crypto::ring::sign::any_supported_type(&der).map_err(|_| BundleError::UnusableKey)?;
    Ok(PrivateKey { signing })
}

/// Whether `key` is the private half of `leaf`'s public key (same algorithm,
/// same key bits). False for a leaf that does not parse.
pub fn matches(key: &PrivateKey, leaf: &CertificateDer<'_>) -> bool {
    let Some(ours) = key.signing.public_key() else { return false };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(leaf) else { return false };
    let Ok((_, ours)) = SubjectPublicKeyInfo::from_der(&ours) else { return false };
    let theirs = &cert.tbs_certificate.subject_pki;
    ours.algorithm.algorithm == theirs.algorithm.algorithm
        && ours.subject_public_key.data == theirs.subject_public_key.data
}

fn check_size(bytes: &[u8]) -> Result<(), BundleError> {
    match bytes.len() {
        0 => Err(BundleError::Empty),
        n if n > MAX_BYTES => Err(BundleError::TooLarge(n)),
        _ => Ok(()),
    }
}

/// PEM when a `-----BEGIN ` line is anywhere (text may precede the blocks).
fn is_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

fn from_pem(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    let mut certs = Vec::new();
    let mut ignored = 0;
    for (index, block) in Pem::iter_from_buffer(bytes).enumerate() {
        let block = block.map_err(|_| BundleError::BadPem(index + 1))?;
        match block.label.trim() {
            "CERTIFICATE" | "X509 CERTIFICATE" => certs.push(CertificateDer::from(block.contents)),
            "PKCS7" | "CMS" => certs.extend(from_pkcs7(&block.contents)?),
            _ => ignored += 1,
        }
        if certs.len() > MAX_CERTS {
            return Err(BundleError::TooManyCertificates);
        }
    }
    if certs.is_empty() {
        return Err(BundleError::NoCertificate(ignored));
    }
    Ok(certs)
}

/// Concatenated DER certificates, or one DER PKCS#7 ContentInfo.
fn from_der(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    let (_, first) = Any::from_der(bytes).map_err(|_| BundleError::NotDer)?;
    if first.tag() == Tag::Sequence && starts_with_oid(first.data) {
        return from_pkcs7(bytes);
    }
    let certs = elements(bytes).map_err(|_| BundleError::NotDer)?;
    if certs.len() > MAX_CERTS {
        return Err(BundleError::TooManyCertificates);
    }
    Ok(certs.into_iter().map(|c| CertificateDer::from(c.to_vec())).collect())
}

fn starts_with_oid(contents: &[u8]) -> bool {
    matches!(Any::from_der(contents), Ok((_, any)) if any.tag() == Tag::Oid && any.class() == Class::Universal)
}

/// The certificates of a ContentInfo { signedData, [0] SignedData }.
/// SignedData is SEQUENCE { version, digestAlgorithms, encapContentInfo,
/// certificates [0] IMPLICIT SET OF CertificateChoices OPTIONAL, crls [1]
/// OPTIONAL, signerInfos }; only the plain certificates (SEQUENCEs) count.
fn from_pkcs7(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, BundleError> {
    let (_, info) = Any::from_der(bytes).map_err(|_| BundleError::BadPkcs7)?;
    expect(&info, Class::Universal, Tag::Sequence)?;
    let (rest, oid) = Oid::from_der(info.data).map_err(|_| BundleError::BadPkcs7)?;
    if oid.as_bytes() != SIGNED_DATA {
        return Err(BundleError::BadPkcs7);
    }
    let (_, explicit) = Any::from_der(rest).map_err(|_| BundleError::BadPkcs7)?;
    expect(&explicit, Class::ContextSpecific, Tag(0))?;
    let (_, signed) = Any::from_der(explicit.data).map_err(|_| BundleError::BadPkcs7)?;
    expect(&signed, Class::Universal, Tag::Sequence)?;
    let fields = elements(signed.data).map_err(|_| BundleError::BadPkcs7)?;
    let Some(set) = fields.iter().skip(3).find_map(|f| tagged_zero(f)) else {
        return Err(BundleError::EmptyPkcs7);
    };
    let mut certs = Vec::new();
    for element in elements(set).map_err(|_| BundleError::BadPkcs7)? {
        if element.first() == Some(&0x30) {
            certs.push(CertificateDer::from(element.to_vec()));
        }
        if certs.len() > MAX_CERTS {
            return Err(BundleError::TooManyCertificates);
        }
    }
    if certs.is_empty() {
        return Err(BundleError::EmptyPkcs7);
    }
    Ok(certs)
}

/// The contents of a `[0]` context-specific element.
fn tagged_zero(element: &[u8]) -> Option<&[u8]> {
    let (_, any) = Any::from_der(element).ok()?;
    (any.class() == Class::ContextSpecific && any.tag() == Tag(0)).then_some(any.data)
}

fn expect(any: &Any<'_>, class: Class, tag: Tag) -> Result<(), BundleError> {
    if any.class() == class && any.tag() == tag { Ok(()) } else { Err(BundleError::BadPkcs7) }
}

/// `bytes` cut into whole DER elements (header and contents), in order; an
/// error when any part is not one.
fn elements(mut bytes: &[u8]) -> Result<Vec<&[u8]>, ()> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (rest, _) = Any::from_der(bytes).map_err(|_| ())?;
        out.push(&bytes[..bytes.len() - rest.len()]);
        bytes = rest;
        if out.len() > 4 * MAX_CERTS {
            return Err(());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use rcgen::{CertifiedKey, KeyPair, generate_simple_self_signed};

    use super::*;

    fn cert(name: &str) -> CertifiedKey<KeyPair> {
        generate_simple_self_signed(vec![name.to_string()]).expect("rcgen makes a certificate")
    }

    /// `openssl crl2pkcs7 -nocrl` over `pem`, in `form` (PEM or DER).
    fn pkcs7(pem: &str, form: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("certs.pem");
        std::fs::write(&path, pem).expect("write certs");
        let mut child = Command::new("openssl")
            .args(["crl2pkcs7", "-nocrl", "-outform", form, "-certfile"])
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("openssl is needed by this test (apt-get install openssl)");
        child.stdin.take().expect("stdin").write_all(b"").expect("close stdin");
        let out = child.wait_with_output().expect("openssl ran");
        assert!(out.status.success(), "openssl crl2pkcs7 failed");
        out.stdout
    }

    #[test]
    fn pem_blocks_are_read_in_order_and_keys_skipped() {
        let (a, b) = (cert("a.test"), cert("b.test"));
        let pem = format!("text before\n{}{}{}", a.cert.pem(), a.signing_key.serialize_pem(), b.cert.pem());
        let certs = read_certificates(pem.as_bytes()).expect("a PEM bundle reads");
        assert_eq!(certs, [a.cert.der().clone(), b.cert.der().clone()]);
    }

    #[test]
    fn der_certificates_read_alone_or_concatenated() {
        let (a, b) = (cert("a.test"), cert("b.test"));
        assert_eq!(read_certificates(a.cert.der()).expect("DER reads"), [a.cert.der().clone()]);
        let both = [a.cert.der().as_ref(), b.cert.der().as_ref()].concat();
        assert_eq!(read_certificates(&both).expect("two DER read").len(), 2);
    }

    #[test]
    fn pkcs7_certs_only_reads_as_der_and_pem() {
        let (a, b) = (cert("a.test"), cert("b.test"));
        let pem = format!("{}{}", a.cert.pem(), b.cert.pem());
        let want = [a.cert.der().clone(), b.cert.der().clone()];
        assert_eq!(read_certificates(&pkcs7(&pem, "DER")).expect("DER PKCS#7"), want);
        let p7 = pkcs7(&pem, "PEM");
        assert!(String::from_utf8_lossy(&p7).contains("BEGIN PKCS7"));
        assert_eq!(read_certificates(&p7).expect("PEM PKCS#7"), want);
        let cms = String::from_utf8(p7).expect("PEM is text").replace("PKCS7", "CMS");
        assert_eq!(read_certificates(cms.as_bytes()).expect("PEM CMS"), want);
    }

    #[test]
    fn truncated_pkcs7_is_a_clear_error() {
        let der = pkcs7(&cert("a.test").cert.pem(), "DER");
        for cut in [der.len() / 2, der.len() - 1, 40] {
            let err = read_certificates(&der[..cut]).expect_err("truncated");
            assert!(matches!(err, BundleError::NotDer | BundleError::BadPkcs7), "{cut}: {err}");
        }
    }

    #[test]
    fn empty_garbage_and_oversized_input_are_refused() {
        assert_eq!(read_certificates(b""), Err(BundleError::Empty));
        assert_eq!(read_certificates(b"hello, world"), Err(BundleError::NotDer));
        assert_eq!(read_certificates(&vec![b'a'; MAX_BYTES + 1]), Err(BundleError::TooLarge(MAX_BYTES + 1)));
        let not_x509 = [0x30, 0x03, 0x02, 0x01, 0x05];
        assert!(matches!(read_certificates(&not_x509), Err(BundleError::BadCertificate { position: 1, .. })));
        let many = cert("a.test").cert.pem().repeat(MAX_CERTS + 1);
        assert_eq!(read_certificates(many.as_bytes()), Err(BundleError::TooManyCertificates));
    }

    #[test]
    fn a_key_alone_is_no_certificate_and_never_echoed() {
        let key = cert("a.test").signing_key.serialize_pem();
        let err = read_certificates(key.as_bytes()).expect_err("no certificate");
        assert_eq!(err, BundleError::NoCertificate(1));
        let body: String = key.lines().nth(1).expect("a base64 line").chars().take(16).collect();
        let broken = format!("{}-----BEGIN CERTIFICATE-----\n{body}", key);
        for err in [err, read_certificates(broken.as_bytes()).expect_err("broken")] {
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(&body) && !shown.contains('\n'), "{shown}");
        }
    }

    #[test]
    fn a_key_matches_its_own_certificate_only() {
        let (a, b) = (cert("a.test"), cert("b.test"));
        let key = read_private_key(a.signing_key.serialize_pem().as_bytes()).expect("PEM PKCS#8");
        assert!(matches(&key, a.cert.der()));
        assert!(!matches(&key, b.cert.der()));
        let der_key = read_private_key(&a.signing_key.serialize_der()).expect("DER PKCS#8");
        assert!(matches(&der_key, a.cert.der()));
        assert_eq!(format!("{key:?}"), "PrivateKey(***)");
    }

    #[test]
    fn rsa_and_sec1_keys_read() {
        for (kind, args) in [
            ("rsa", &["genrsa", "-traditional", "2048"][..]),
            ("ec", &["ecparam", "-genkey", "-name", "prime256v1"][..]),
        ] {
            let out = Command::new("openssl").args(args).output().expect("openssl is needed by this test");
            assert!(out.status.success(), "openssl {kind}");
            let pem = String::from_utf8(out.stdout).expect("PEM");
            assert!(pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY"), "{kind}");
            read_private_key(pem.as_bytes()).unwrap_or_else(|e| panic!("{kind}: {e}"));
        }
        assert_eq!(read_private_key(cert("a.test").cert.pem().as_bytes()).err(), Some(BundleError::NoKey));
        assert_eq!(read_private_key(b"junk").err(), Some(BundleError::NoKey));
    }
}
