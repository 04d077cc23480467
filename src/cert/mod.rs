//! Certificate facts, as a pure function of DER bytes: who, by whom, until
//! when, for which names, with which key and signature. The cert.* checks
//! decide on these facts, never on a TLS library's first error.

pub mod bundle;
mod constraints;
pub mod fix;
mod memo;
mod oid;
mod parts;
mod path;
mod signed;
mod validity;
mod verify;

use std::net::IpAddr;
use std::sync::Arc;

use x509_parser::extensions::{GeneralName, ParsedExtension};

use crate::text::{LOWER_HEX, MAX_NAME, UPPER_HEX, clean, clean_owned, hex};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

pub(crate) use oid::dotted;
pub use parts::{Defect, Parts};
pub use path::{Path, PathEnd, PathStep, draw, host_matches, san_covers, wildcard_over_public_suffix};
pub use validity::{Limit, apple_refuses, chromium_limit, days as validity_days};
pub use verify::{Class, Flaw, Problem, Refusal};

use rustls_pki_types::CertificateDer;

use crate::trust::Roots;

/// A chain as the server sent it, parsed, with the path the phone would
/// use toward a root and what Chromium's verifier finds wrong with it.
#[derive(Clone, Debug)]
pub struct Chain {
    /// In the order sent, leaf first.
    pub certs: Vec<CertFacts>,
    pub path: Path,
    /// The path's problems; none when the phone accepts the path.
    pub problems: Vec<Problem>,
    /// Whether the leaf covers the host the phone asked for.
    pub host_covered: bool,
    /// The subjectPublicKeyInfo (contents) of the trust anchor the path ends at.
    pub anchor_key: Option<Vec<u8>>,
    /// That root's own notAfter (Unix seconds), when known: from the copy the
    /// server sent, or from `--ca-file`.
    pub anchor_not_after: Option<i64>,
}

/// What a sent certificate is to the chain (`leaf`, `intermediate`, `root`, `extra` in the JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Leaf,
    Intermediate,
    Root,
    /// Sent, but not on the path.
    Extra,
}

/// Bytes that are not an X.509 certificate, with the parser's reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadCertificate(pub String);

/// Why a chain could not be analysed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// The server sent no certificate.
    Empty,
    /// The certificate at `position` (1-based) is not X.509; `reason` is the parser's.
    Unparseable { position: usize, reason: BadCertificate },
}

impl Chain {
    /// Parses every certificate (an unparseable one is an error naming its
    /// position) and verifies the chain for `host` at `now` (Unix seconds).
    pub fn analyze(der: &[CertificateDer<'_>], roots: &Roots, host: &str, now: i64) -> Result<Chain, ChainError> {
        if der.is_empty() {
            return Err(ChainError::Empty);
        }
        let certs = der
            .iter()
            .enumerate()
            .map(|(i, d)| {
                CertFacts::parse_remembered(d).map_err(|reason| ChainError::Unparseable { position: i + 1, reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (path, mut problems, anchor_key) = verify::search(&certs, roots, now);
        // CertVerifyProc adds this after path building, for publicly trusted roots only.
        let leaf = &certs[0];
        if roots.is_public()
            && matches!(path.end, PathEnd::Trusted(_))
            && chromium_limit(leaf.not_before).exceeded_by(leaf)
        {
            problems.push(Problem { at: 0, flaw: Flaw::ValidityTooLong });
        }
        let host_covered = host_matches(&certs[0], host);
        let anchor_not_after = anchor_key.as_deref().and_then(|key| {
            let sent = certs.iter().find(|c| c.self_issued() && c.parts.spki == key).map(|c| c.not_after);
            sent.or_else(|| roots.expiry(key))
        });
        Ok(Chain { certs, path, problems, host_covered, anchor_key, anchor_not_after })
    }

    /// SHA-256 of the trust anchor's DER subjectPublicKeyInfo, lower-case hex
    /// (how `data/android-roots.json` names roots), if the path reached one.
    pub fn anchor_spki_sha256(&self) -> Option<String> {
        Some(spki_sha256(self.anchor_key.as_ref()?))
    }

    /// Why the phone refuses this chain, if it does.
    pub fn refusal(&self) -> Option<Refusal> {
        verify::refusal(&self.certs, &self.path, &self.problems, self.host_covered)
    }

    pub fn role(&self, index: usize) -> Role {
        match index {
            0 => Role::Leaf,
            i if !self.path.links.contains(&i) => Role::Extra,
            i if self.certs[i].self_issued() => Role::Root,
            _ => Role::Intermediate,
        }
    }
}

/// What one certificate says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertFacts {
    /// A readable name: the subject's CN, else the whole subject.
    pub name: String,
    pub subject: String,
    pub issuer: String,
    /// The issuer's readable name (CN if present).
    pub issuer_name: String,
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    pub serial: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub dns_names: Vec<String>,
    pub ip_addrs: Vec<IpAddr>,
    pub key: Key,
    pub signature: Signature,
    pub is_ca: bool,
    /// basicConstraints' pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage bits, by name (`Digital Signature`, `Key Cert Sign`…).
    pub key_usage: Vec<String>,
    /// extendedKeyUsage purposes (`serverAuth`, `clientAuth`, other OIDs).
    pub extended_key_usage: Vec<String>,
    /// The CA Issuers URL from Authority Information Access, if any.
    pub aia_issuer: Option<String>,
    /// SHA-256 of the DER, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints).
    pub sha256: String,
    /// What path validation reads besides the facts above.
    pub parts: Parts,
}

/// The subject public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Rsa {
        bits: usize,
    },
    /// An EC key on a named curve: P-256, P-384, P-521 or the curve's OID.
    Ec {
        curve: String,
    },
    Ed25519,
    Ed448,
    Other {
        algorithm: String,
    },
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Key::Rsa { bits } => write!(f, "RSA {bits}-bit"),
            Key::Ec { curve } => write!(f, "ECDSA {curve}"),
            Key::Ed25519 => f.write_str("Ed25519"),
            Key::Ed448 => f.write_str("Ed448"),
            Key::Other { algorithm } => f.write_str(algorithm),
        }
    }
}

/// The algorithm the issuer signed this certificate with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    /// `Some("SHA-1")` or `Some("MD5")` when the hash is broken.
    pub weak_hash: Option<&'static str>,
}

/// Facts already worked out, by DER: a certificate sent to many targets is
/// parsed once (see `memo`). Kept behind an `Arc`, so a lookup holds the lock
/// for a reference count, and the copy is made outside it.
static PARSED: memo::Memo<Vec<u8>, Arc<CertFacts>> = memo::Memo::new(256);

impl CertFacts {
    /// `parse`, remembered: DER parsed before gives a copy of the facts it gave then.
    pub fn parse_remembered(der: &[u8]) -> Result<CertFacts, BadCertificate> {
        if let Some(known) = PARSED.get(der) {
            return Ok(CertFacts::clone(&known));
        }
        let facts = CertFacts::parse(der)?;
        PARSED.insert(der.to_vec(), Arc::new(facts.clone()));
        Ok(facts)
    }

    pub fn parse(der: &[u8]) -> Result<CertFacts, BadCertificate> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| BadCertificate(e.to_string()))?;
        let (dns_names, ip_addrs) = alt_names(&cert);
        // Each name is spelled out once (x509-parser formats it attribute by attribute).
        let (subject, issuer) = (name_text(cert.subject()), name_text(cert.issuer()));
        let serial = hex(cert.raw_serial(), LOWER_HEX, Some(':'));
        let name = common_name(cert.subject())
            .or_else(|| Some(subject.clone()).filter(|s| !s.is_empty()))
            .or_else(|| dns_names.first().cloned())
            .unwrap_or_else(|| format!("serial {serial}"));
        Ok(CertFacts {
            name: clean_owned(name, MAX_NAME),
            issuer_name: clean_owned(common_name(cert.issuer()).unwrap_or_else(|| issuer.clone()), MAX_NAME),
            subject: clean_owned(subject, MAX_NAME),
            issuer: clean_owned(issuer, MAX_NAME),
            subject_der: cert.subject().as_raw().to_vec(),
            issuer_der: cert.issuer().as_raw().to_vec(),
            serial,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            dns_names,
            ip_addrs,
            key: key_of(&cert),
            signature: signature_of(&dotted(&cert.signature_algorithm.algorithm)),
            is_ca: cert.is_ca(),
            path_len: cert.basic_constraints().ok().flatten().and_then(|b| b.value.path_len_constraint),
            key_usage: key_usage(&cert),
            extended_key_usage: extended_key_usage(&cert),
            aia_issuer: aia_issuer(&cert),
            sha256: fingerprint(der),
            parts: Parts::of(&cert),
        })
    }

    /// subjectAltName entries as `DNS:name` and `IP:address`.
    pub fn alt_names(&self) -> Vec<String> {
        let dns = self.dns_names.iter().map(|n| format!("DNS:{n}"));
        dns.chain(self.ip_addrs.iter().map(|ip| format!("IP:{ip}"))).collect()
    }

    /// Its keyUsage is present and lacks digitalSignature: it cannot sign a TLS
    /// handshake, which BoringSSL checks before the chain is verified.
    pub fn forbids_signing(&self) -> bool {
        !self.key_usage.is_empty() && !self.key_usage.iter().any(|u| u == "Digital Signature")
    }

    /// Issued by itself (a root, or a self-signed leaf).
    pub fn self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }
}

/// The attributes x509-parser writes by their abbreviation (`CN=`, `O=`, …)
/// without looking at its registry of every known OID.
const ABBREVIATED: [x509_parser::der_parser::asn1_rs::Oid<'static>; 8] = [
    x509_parser::oid_registry::OID_X509_COMMON_NAME,
    x509_parser::oid_registry::OID_X509_COUNTRY_NAME,
    x509_parser::oid_registry::OID_X509_LOCALITY_NAME,
    x509_parser::oid_registry::OID_X509_STATE_OR_PROVINCE_NAME,
    x509_parser::oid_registry::OID_X509_ORGANIZATION_NAME,
    x509_parser::oid_registry::OID_X509_ORGANIZATIONAL_UNIT,
    x509_parser::oid_registry::OID_DOMAIN_COMPONENT,
    x509_parser::oid_registry::OID_PKCS9_EMAIL_ADDRESS,
];

/// A name as x509-parser's `Display` writes it. A name made only of
/// [`ABBREVIATED`] attributes is written with an empty registry: the first
/// use of x509-parser's own builds a table of several hundred OIDs, a
/// twentieth of a millisecond of every run.
fn name_text(name: &x509_parser::x509::X509Name<'_>) -> String {
    if !name.iter_attributes().all(|attribute| ABBREVIATED.contains(attribute.attr_type())) {
        return name.to_string();
    }
    let empty = x509_parser::oid_registry::OidRegistry::default();
    name.to_string_with_registry(&empty).unwrap_or_else(|_| name.to_string())
}

fn common_name(name: &x509_parser::x509::X509Name<'_>) -> Option<String> {
    name.iter_common_name().next()?.as_str().ok().map(str::to_owned)
}

fn alt_names(cert: &X509Certificate<'_>) -> (Vec<String>, Vec<IpAddr>) {
    let (mut dns, mut ips) = (Vec::new(), Vec::new());
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(host) => dns.push(clean_owned(host.to_ascii_lowercase(), MAX_NAME)),
                GeneralName::IPAddress(bytes) => ips.extend(ip_from_bytes(bytes)),
                _ => {}
            }
        }
    }
    (dns, ips)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

fn key_of(cert: &X509Certificate<'_>) -> Key {
    let spki = cert.public_key();
    match &*dotted(&spki.algorithm.algorithm) {
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(key @ PublicKey::RSA(_)) => Key::Rsa { bits: key.key_size() },
            _ => Key::Rsa { bits: 0 },
        },
        "1.2.840.10045.2.1" => match spki.algorithm.parameters.as_ref() {
            // A named curve is an OID; anything else spells the curve out (explicit parameters).
            Some(p) if p.tag() == x509_parser::der_parser::asn1_rs::Tag::Oid => {
                let oid = p.as_oid().ok().map(|o| dotted(&o));
                Key::Ec { curve: curve_name(oid.as_deref()) }
            }
            Some(_) => Key::Ec { curve: EXPLICIT_CURVE.to_owned() },
            None => Key::Ec { curve: curve_name(None) },
        },
        "1.3.101.112" => Key::Ed25519,
        "1.3.101.113" => Key::Ed448,
        other => Key::Other { algorithm: other.to_owned() },
    }
}

/// The curve of an EC key whose parameters spell the curve out instead of naming it.
pub const EXPLICIT_CURVE: &str = "explicit curve parameters";

fn curve_name(oid: Option<&str>) -> String {
    match oid {
        Some("1.2.840.10045.3.1.7") => "P-256".to_owned(),
        Some("1.3.132.0.34") => "P-384".to_owned(),
        Some("1.3.132.0.35") => "P-521".to_owned(),
        Some(other) => clean(other, MAX_NAME),
        None => "unnamed curve".to_owned(),
    }
}

fn signature_of(oid: &str) -> Signature {
    let (name, weak_hash) = match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", Some("MD2")),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", Some("MD5")),
        "1.2.840.113549.1.1.5" => ("sha1WithRSAEncryption", Some("SHA-1")),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", Some("SHA-1")),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", Some("SHA-1")),
        "1.2.840.113549.1.1.10" => ("RSASSA-PSS", None),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", None),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", None),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", None),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", None),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", None),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", None),
        "1.3.101.112" => ("Ed25519", None),
        "1.3.101.113" => ("Ed448", None),
        other => {
            return Signature { name: other.to_owned(), weak_hash: None };
        }
    };
    Signature { name: name.to_owned(), weak_hash }
}

fn key_usage(cert: &X509Certificate<'_>) -> Vec<String> {
    match cert.key_usage() {
        Ok(Some(usage)) => usage.value.to_string().split(", ").filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

fn extended_key_usage(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(eku)) = cert.extended_key_usage() else {
        return Vec::new();
    };
    let eku = eku.value;
    let named = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ];
    let mut purposes: Vec<String> = named.iter().filter(|(set, _)| *set).map(|(_, n)| (*n).to_owned()).collect();
    purposes.extend(eku.other.iter().map(|oid| dotted(oid).into_owned()));
    purposes
}

fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    hex(digest.as_ref(), UPPER_HEX, Some(':'))
}

fn aia_issuer(cert: &X509Certificate<'_>) -> Option<String> {
    cert.iter_extensions().find_map(|ext| match ext.parsed_extension() {
        ParsedExtension::AuthorityInfoAccess(aia) => {
            aia.accessdescs.iter().find_map(|desc| match (&desc.access_location, &*dotted(&desc.access_method)) {
                (GeneralName::URI(uri), "1.3.6.1.5.5.7.48.2") => Some((*uri).to_owned()),
                _ => None,
            })
        }
        _ => None,
    })
}

/// SHA-256 of a DER subjectPublicKeyInfo given by its contents (without the
/// outer SEQUENCE header, as trust anchors keep it), lower-case hex.
pub fn spki_sha256(contents: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, &signed::sequence(contents));
    hex(digest.as_ref(), LOWER_HEX, None)
}

/// A DER-encoded distinguished name as people read it: its CN, else the
/// whole name, else the bytes' length.
pub fn name_of(der: &[u8]) -> String {
    match x509_parser::x509::X509Name::from_der(der) {
        Ok((_, name)) => clean_owned(common_name(&name).unwrap_or_else(|| name_text(&name)), MAX_NAME),
        Err(_) => format!("an unreadable name of {} bytes", der.len()),
    }
}

/// `2026-11-23T10:00:00Z` for a Unix time.
///
/// Written digit by digit into one string (the `time` crate's RFC 3339
/// formatter allocates for each part, and `format!`'s padding costs more than
/// the date: the checks write several per target); years outside 0000–9999,
/// which RFC 3339 cannot write, stay a Unix time.
pub fn rfc3339(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) if (0..=9999).contains(&t.year()) => {
            let mut text = *b"0000-00-00T00:00:00Z";
            let fields = [
                (0, 4, t.year().unsigned_abs()),
                (5, 2, u32::from(u8::from(t.month()))),
                (8, 2, u32::from(t.day())),
                (11, 2, u32::from(t.hour())),
                (14, 2, u32::from(t.minute())),
                (17, 2, u32::from(t.second())),
            ];
            for (at, width, mut value) in fields {
                for digit in text[at..at + width].iter_mut().rev() {
                    *digit = b'0' + (value % 10) as u8;
                    value /= 10;
                }
            }
            text.iter().map(|&b| char::from(b)).collect()
        }
        _ => unix.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_as_x509_parsers_display_writes_them() {
        use rcgen::{CertificateParams, DnType, DnValue, KeyPair};
        let key = KeyPair::generate().expect("a key");
        let names: [&[(DnType, &str)]; 3] = [
            &[(DnType::CountryName, "CN"), (DnType::OrganizationName, "Example"), (DnType::CommonName, "api.test")],
            // serialNumber and businessCategory (EV names) need the registry.
            &[(DnType::CustomDnType(vec![2, 5, 4, 5]), "91110000"), (DnType::CommonName, "api.test")],
            &[(DnType::CustomDnType(vec![2, 5, 4, 15]), "Private Organization")],
        ];
        for name in names {
            let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
            for (kind, value) in name {
                params.distinguished_name.push(kind.clone(), DnValue::Utf8String((*value).to_owned()));
            }
            let cert = params.self_signed(&key).expect("a certificate");
            let (_, parsed) = X509Certificate::from_der(cert.der()).expect("it parses");
            assert_eq!(name_text(parsed.subject()), parsed.subject().to_string());
        }
    }

    #[test]
    fn names_broken_signature_hashes() {
        assert_eq!(signature_of("1.2.840.113549.1.1.5").weak_hash, Some("SHA-1"));
        assert_eq!(signature_of("1.2.840.10045.4.1").weak_hash, Some("SHA-1"));
        assert_eq!(signature_of("1.2.840.113549.1.1.4").weak_hash, Some("MD5"));
        assert_eq!(
            signature_of("1.2.840.10045.4.3.2"),
            Signature { name: "ecdsa-with-SHA256".into(), weak_hash: None }
        );
    }

    #[test]
    fn names_curves() {
        assert_eq!(curve_name(Some("1.2.840.10045.3.1.7")), "P-256");
        assert_eq!(curve_name(Some("1.3.132.0.35")), "P-521");
        assert_eq!(curve_name(Some("1.3.132.0.10")), "1.3.132.0.10");
    }

    #[test]
    fn ip_sans_of_both_families() {
        assert_eq!(ip_from_bytes(&[127, 0, 0, 1]), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(ip_from_bytes(&[0; 16]), Some("::".parse().unwrap()));
        assert_eq!(ip_from_bytes(&[1, 2, 3]), None);
    }

    #[test]
    fn formats_times_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_600_800), "2026-11-25T10:00:00Z");
        // The same text as the `time` crate's RFC 3339 formatter, at the edges too.
        let by_time = |unix: i64| {
            time::OffsetDateTime::from_unix_timestamp(unix)
                .ok()
                .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
                .unwrap_or_else(|| unix.to_string())
        };
        for unix in [-62_167_219_200, -62_167_219_201, -1, 951_782_400, 253_402_300_799, 253_402_300_800, i64::MAX] {
            assert_eq!(rfc3339(unix), by_time(unix), "{unix}");
        }
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(CertFacts::parse(b"not der").is_err());
        // Twice: an error is not remembered as anything else.
        assert!(CertFacts::parse_remembered(b"not der").is_err());
        assert!(CertFacts::parse_remembered(b"not der").is_err());
    }

    #[test]
    fn remembered_facts_are_the_parsed_ones() {
        use rustls_pki_types::pem::PemObject;
        for round in 0..2 {
            for name in ["leaf", "intermediate", "root", "leaf-sha1"] {
                let path = format!("{}/tests/fixtures/certs/{name}.pem", env!("CARGO_MANIFEST_DIR"));
                let der = CertificateDer::from_pem_file(path).expect("fixture");
                let parsed = CertFacts::parse(&der).expect("parses");
                assert_eq!(CertFacts::parse_remembered(&der), Ok(parsed), "{name}, round {round}");
            }
        }
    }
}
