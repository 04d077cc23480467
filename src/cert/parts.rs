//! What path validation needs from a certificate beyond the facts people
//! read: the signed bytes and their signature, the key as bytes, key
//! identifiers, name constraints, unknown critical extensions, and the
//! defects for which Chromium's parser refuses a certificate outright.

use std::borrow::Cow;
use std::net::IpAddr;

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::X509Certificate;
use x509_parser::signature_algorithm::SignatureAlgorithm;

use crate::trust::strip_sequence;

/// The parts of a certificate that path validation reads.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Parts {
    /// The DER of tbsCertificate: what the issuer signed.
    pub tbs: Vec<u8>,
    pub algorithm: SigAlgorithm,
    pub signature: Vec<u8>,
    /// subjectPublicKeyInfo without its outer SEQUENCE header (as trust anchors keep it).
    pub spki: Vec<u8>,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    /// basicConstraints is present (CA or not).
    pub has_basic_constraints: bool,
    pub name_constraints: Option<Constraints>,
    /// OIDs of critical extensions that Chromium's verifier does not process.
    pub unknown_critical: Vec<String>,
    /// Why Chromium's parser refuses this certificate, if it does.
    pub defects: Vec<Defect>,
}

/// The signature algorithm, as Chromium tells acceptable ones apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SigAlgorithm {
    RsaPkcs1(Hash),
    RsaPss(Hash),
    Ecdsa(Hash),
    Ed25519,
    #[default]
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    Md2,
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
    Other,
}

impl SigAlgorithm {
    /// Chromium verifies RSA (PKCS#1 v1.5 and PSS) and ECDSA signatures over
    /// SHA-256, SHA-384 and SHA-512 only; anything else is unacceptable.
    pub fn acceptable(self) -> bool {
        matches!(self, SigAlgorithm::RsaPkcs1(h) | SigAlgorithm::RsaPss(h) | SigAlgorithm::Ecdsa(h)
            if matches!(h, Hash::Sha256 | Hash::Sha384 | Hash::Sha512))
    }
}

/// A name constraints extension: what names below it may (and may not) be.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Constraints {
    pub permitted: Vec<NameForm>,
    pub excluded: Vec<NameForm>,
}

/// One subtree of a name constraint, in the forms reqdoctor checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameForm {
    Dns(String),
    Ip {
        addr: IpAddr,
        mask: IpAddr,
    },
    /// Another form (directoryName, URI, email…), named; not checked against names.
    Other(&'static str),
}

/// Why Chromium's certificate parser refuses a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Defect {
    /// The same extension appears more than once (its name).
    Duplicate(String),
    /// An extension whose contents do not parse (its name).
    Malformed(&'static str),
    /// authorityInfoAccess with no access description.
    EmptyAia,
    /// nameConstraints with neither permitted nor excluded subtrees.
    EmptyNameConstraints,
    /// An empty subject whose subjectAltName is not marked critical.
    SanNotCritical,
    /// An empty issuer name.
    EmptyIssuer,
    /// The public key cannot be decoded.
    BadKey,
}

impl Parts {
    pub fn of(cert: &X509Certificate<'_>) -> Parts {
        let mut parts = Parts {
            tbs: cert.tbs_certificate.as_ref().to_vec(),
            algorithm: sig_algorithm(cert),
            signature: cert.signature_value.data.to_vec(),
            spki: strip_sequence(cert.public_key().raw).to_vec(),
            ..Parts::default()
        };
        parts.read_extensions(cert);
        if cert.issuer().as_raw().len() <= 2 {
            parts.defects.push(Defect::EmptyIssuer);
        }
        if cert.public_key().parsed().is_err() {
            parts.defects.push(Defect::BadKey);
        }
        parts
    }

    fn read_extensions(&mut self, cert: &X509Certificate<'_>) {
        let empty_subject = cert.subject().iter_attributes().next().is_none();
        let mut seen: Vec<Cow<'static, str>> = Vec::with_capacity(cert.extensions().len());
        for ext in cert.extensions() {
            let oid = super::dotted(&ext.oid);
            if seen.contains(&oid) {
                self.defects.push(Defect::Duplicate(extension_name(&oid).unwrap_or(&oid).to_owned()));
            }
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => self.subject_key_id = Some(id.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    self.authority_key_id = aki.key_identifier.as_ref().map(|id| id.0.to_vec());
                }
                ParsedExtension::BasicConstraints(_) => self.has_basic_constraints = true,
                ParsedExtension::NameConstraints(nc) => {
                    let forms = |subtrees: &Option<Vec<_>>| -> Vec<NameForm> {
                        subtrees
                            .iter()
                            .flatten()
                            .map(|s: &x509_parser::extensions::GeneralSubtree| form(&s.base))
                            .collect()
                    };
                    let constraints = Constraints {
                        permitted: forms(&nc.permitted_subtrees),
                        excluded: forms(&nc.excluded_subtrees),
                    };
                    if constraints.permitted.is_empty() && constraints.excluded.is_empty() {
                        self.defects.push(Defect::EmptyNameConstraints);
                    }
                    self.name_constraints = Some(constraints);
                }
                ParsedExtension::AuthorityInfoAccess(aia) if aia.accessdescs.is_empty() => {
                    self.defects.push(Defect::EmptyAia);
                }
                ParsedExtension::SubjectAlternativeName(_) if empty_subject && !ext.critical => {
                    self.defects.push(Defect::SanNotCritical);
                }
                ParsedExtension::ParseError { .. } => {
                    let name = extension_name(&oid).unwrap_or("an extension");
                    self.defects.push(if oid == AIA { Defect::EmptyAia } else { Defect::Malformed(name) });
                }
                _ => {}
            }
            if ext.critical && !processed(&oid) {
                self.unknown_critical.push(oid.clone().into_owned());
            }
            seen.push(oid);
        }
    }
}

const AIA: &str = "1.3.6.1.5.5.7.1.1";

/// An extension's name, for the extensions reqdoctor names.
fn extension_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.37" => "extendedKeyUsage",
        "2.5.29.54" => "inhibitAnyPolicy",
        AIA => "authorityInfoAccess",
        _ => return None,
    })
}

/// The extensions Chromium's verifier processes; any other extension marked
/// critical makes it refuse the certificate (RFC 5280 4.2).
fn processed(oid: &str) -> bool {
    matches!(
        oid,
        "2.5.29.15"
            | "2.5.29.17"
            | "2.5.29.19"
            | "2.5.29.30"
            | "2.5.29.32"
            | "2.5.29.33"
            | "2.5.29.36"
            | "2.5.29.37"
            | "2.5.29.54"
    )
}

fn form(name: &GeneralName<'_>) -> NameForm {
    match name {
        GeneralName::DNSName(dns) => NameForm::Dns(dns.to_ascii_lowercase()),
        GeneralName::IPAddress(bytes) => match ip_and_mask(bytes) {
            Some((addr, mask)) => NameForm::Ip { addr, mask },
            None => NameForm::Other("iPAddress"),
        },
        GeneralName::DirectoryName(_) => NameForm::Other("directoryName"),
        GeneralName::RFC822Name(_) => NameForm::Other("rfc822Name"),
        GeneralName::URI(_) => NameForm::Other("uniformResourceIdentifier"),
        _ => NameForm::Other("otherName"),
    }
}

fn ip_and_mask(bytes: &[u8]) -> Option<(IpAddr, IpAddr)> {
    match bytes.len() {
        8 => {
            let (a, m) = bytes.split_at(4);
            Some((IpAddr::from(<[u8; 4]>::try_from(a).ok()?), IpAddr::from(<[u8; 4]>::try_from(m).ok()?)))
        }
        32 => {
            let (a, m) = bytes.split_at(16);
            Some((IpAddr::from(<[u8; 16]>::try_from(a).ok()?), IpAddr::from(<[u8; 16]>::try_from(m).ok()?)))
        }
        _ => None,
    }
}

fn sig_algorithm(cert: &X509Certificate<'_>) -> SigAlgorithm {
    let hash_of = |oid: &str| match oid {
        "2.16.840.1.101.3.4.2.1" => Hash::Sha256,
        "2.16.840.1.101.3.4.2.2" => Hash::Sha384,
        "2.16.840.1.101.3.4.2.3" => Hash::Sha512,
        "1.3.14.3.2.26" => Hash::Sha1,
        _ => Hash::Other,
    };
    match &*super::dotted(&cert.signature_algorithm.algorithm) {
        "1.2.840.113549.1.1.2" => SigAlgorithm::RsaPkcs1(Hash::Md2),
        "1.2.840.113549.1.1.4" => SigAlgorithm::RsaPkcs1(Hash::Md5),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => SigAlgorithm::RsaPkcs1(Hash::Sha1),
        "1.2.840.113549.1.1.11" => SigAlgorithm::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => SigAlgorithm::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => SigAlgorithm::RsaPkcs1(Hash::Sha512),
        "1.2.840.10045.4.1" => SigAlgorithm::Ecdsa(Hash::Sha1),
        "1.2.840.10045.4.3.2" => SigAlgorithm::Ecdsa(Hash::Sha256),
        "1.2.840.10045.4.3.3" => SigAlgorithm::Ecdsa(Hash::Sha384),
        "1.2.840.10045.4.3.4" => SigAlgorithm::Ecdsa(Hash::Sha512),
        "1.3.101.112" => SigAlgorithm::Ed25519,
        "1.2.840.113549.1.1.10" => match SignatureAlgorithm::try_from(&cert.signature_algorithm) {
            Ok(SignatureAlgorithm::RSASSA_PSS(params)) => {
                SigAlgorithm::RsaPss(hash_of(&super::dotted(params.hash_algorithm_oid())))
            }
            _ => SigAlgorithm::RsaPss(Hash::Other),
        },
        _ => SigAlgorithm::Other,
    }
}
