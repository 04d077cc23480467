//! Chains on which Chromium's verifier (the phone's) and a name-only or
//! webpki one disagree, made at test time with rcgen under the test root.
//! Every leaf is for api.test and carries serverAuth unless the case says.

use rcgen::{
    BasicConstraints, CustomExtension, DnType, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
};
use time::OffsetDateTime;

use super::{Cert, Issuer, Pki, ServerCert, Window, ca, days, issued_by, leaf};

/// One certificate-path case, named by what is special about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// [leaf, an expired re-keyed copy of the intermediate (same name, other key),
    /// the current intermediate]: openssl, curl and phones accept.
    StaleIntermediate,
    /// The intermediate has pathLenConstraint 0 and issues a self-issued copy of
    /// itself (key rollover) that issues the leaf: valid (RFC 5280 6.1.4).
    SelfIssuedRollover,
    /// The intermediate has pathLenConstraint 0 and issues another CA that issues
    /// the leaf: -207.
    PathTooLong,
    /// A leaf with CA:TRUE whose keyUsage allows digitalSignature: Chromium accepts.
    CaLeafSigning,
    /// A CA certificate (keyCertSign and cRLSign only) used as the leaf: -181.
    CaLeafCertSignOnly,
    /// An intermediate constrained to `test` issuing a leaf whose second SAN is
    /// not a valid host name but is below `test`: Chromium accepts.
    ConstrainedOddName,
    /// An intermediate constrained to `example.com` issuing the api.test leaf: -207.
    ConstraintViolated,
    /// An intermediate whose nameConstraints has neither permitted nor excluded
    /// subtrees: Chromium cannot parse it, so the leaf's issuer is missing: -202.
    EmptyNameConstraints,
    /// A leaf with an empty authorityInfoAccess extension: -207.
    EmptyAia,
    /// A leaf with an empty subject whose subjectAltName is not critical: -207.
    SanNotCritical,
    /// A leaf with two subjectAltName extensions: -207.
    TwoSans,
    /// A leaf whose subjectAltName does not parse (a length that overruns it): -207.
    MalformedSan,
    /// A leaf issued by an intermediate with an empty subject, so its issuer is empty: -207.
    EmptyIssuer,
    /// The RSA-2048 leaf with its key's RSAPublicKey SEQUENCE tag changed, so the
    /// key cannot be decoded (its signature no longer verifies either): -207.
    UndecodableKey,
    /// A leaf for `*.co.uk` (a wildcard over a public suffix) and
    /// `*.s3.amazonaws.com` (over a private-registry suffix, allowed).
    WildcardSuffixes,
    /// A leaf with a critical extension of an unknown OID: -207.
    UnknownCritical,
    /// A leaf valid for 900 days under the (private) test root: iPhones refuse it.
    LongValidity,
}

impl Pki {
    /// The chain of `case`, leaf first, with the leaf's key. Not cached.
    pub fn case(&self, case: Case) -> ServerCert {
        let now = OffsetDateTime::now_utc();
        let window: Window = (now - days(1), now + days(90));
        let ca_window: Window = (now - days(30), now + days(365));
        let intermediate_name = "reqdoctor test intermediate";
        if case == Case::UndecodableKey {
            return undecodable_key(self.server_cert(super::CertKind::Rsa2048));
        }
        let made = match case {
            Case::StaleIntermediate => {
                let stale = ca(intermediate_name, (now - days(400), now - days(2)), Some(&self.root_issuer));
                let mut made = issued_by(&self.intermediate, leaf(&["api.test"], window), false);
                made.chain.push(Cert::of_issuer(&stale));
                made.chain.push(Cert::of_issuer(&self.intermediate));
                made
            }
            Case::SelfIssuedRollover | Case::PathTooLong => {
                let limited = constrained_ca("reqdoctor limited CA", ca_window, &self.root_issuer, Some(0), None);
                let below_name =
                    if case == Case::SelfIssuedRollover { "reqdoctor limited CA" } else { "reqdoctor sub CA" };
                let below = constrained_ca(below_name, ca_window, &limited, None, None);
                let mut made = issued_by(&below, leaf(&["api.test"], window), true);
                made.chain.push(Cert::of_issuer(&limited));
                made
            }
            Case::CaLeafSigning | Case::CaLeafCertSignOnly => {
                let mut params = leaf(&["api.test"], window);
                params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                params.key_usages = match case {
                    Case::CaLeafSigning => vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyCertSign],
                    _ => vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
                };
                issued_by(&self.intermediate, params, true)
            }
            Case::ConstrainedOddName | Case::ConstraintViolated => {
                let permitted = if case == Case::ConstrainedOddName { "test" } else { "example.com" };
                let nc = NameConstraints {
                    permitted_subtrees: vec![GeneralSubtree::DnsName(permitted.into())],
                    excluded_subtrees: vec![],
                };
                let int = constrained_ca("reqdoctor constrained CA", ca_window, &self.root_issuer, None, Some(nc));
                issued_by(&int, leaf(&["api.test", "under_score..test"], window), true)
            }
            Case::EmptyNameConstraints => {
                let int =
                    with_extension(ca_window, &self.root_issuer, raw_extension(&[2, 5, 29, 30], &[0x30, 0], true));
                issued_by(&int, leaf(&["api.test"], window), true)
            }
            Case::EmptyAia => {
                let mut params = leaf(&["api.test"], window);
                params.custom_extensions.push(raw_extension(&[1, 3, 6, 1, 5, 5, 7, 1, 1], &[0x30, 0], false));
                issued_by(&self.intermediate, params, true)
            }
            Case::SanNotCritical | Case::TwoSans => {
                let mut params = leaf(&[], window);
                if case == Case::SanNotCritical {
                    params.distinguished_name = rcgen::DistinguishedName::new();
                } else {
                    params.subject_alt_names = leaf(&["api.test"], window).subject_alt_names;
                }
                params.custom_extensions.push(raw_extension(&[2, 5, 29, 17], &san_api_test(), false));
                issued_by(&self.intermediate, params, true)
            }
            Case::WildcardSuffixes => {
                issued_by(&self.intermediate, leaf(&["*.co.uk", "*.s3.amazonaws.com"], window), true)
            }
            Case::LongValidity => {
                issued_by(&self.intermediate, leaf(&["api.test"], (now - days(1), now + days(899))), true)
            }
            Case::MalformedSan => {
                let mut params = leaf(&[], window);
                params.custom_extensions.push(raw_extension(&[2, 5, 29, 17], &[0x30, 0x05, 0x82, 0x08, b'a'], false));
                issued_by(&self.intermediate, params, true)
            }
            Case::EmptyIssuer => {
                let mut params = rcgen::CertificateParams::default();
                params.distinguished_name = rcgen::DistinguishedName::new();
                params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
                params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
                params.not_before = ca_window.0;
                params.not_after = ca_window.1;
                let key = KeyPair::generate().expect("generate CA key");
                let nameless = rcgen::CertifiedIssuer::signed_by(params, key, &self.root_issuer).expect("sign CA");
                issued_by(&nameless, leaf(&["api.test"], window), true)
            }
            Case::UndecodableKey => unreachable!("made above"),
            Case::UnknownCritical => {
                let mut params = leaf(&["api.test"], window);
                params.custom_extensions.push(raw_extension(&[1, 3, 6, 1, 4, 1, 55555, 1], &[0x05, 0], true));
                issued_by(&self.intermediate, params, true)
            }
        };
        made.server_cert()
    }
}

impl Pki {
    /// A root that expired yesterday, an intermediate and an api.test leaf valid
    /// today: the chain [leaf, intermediate] (with the root too when `send_root`),
    /// and a PEM file holding only that root, for `--ca-file`.
    pub fn expired_root_chain(&self, send_root: bool) -> (ServerCert, std::path::PathBuf) {
        let now = OffsetDateTime::now_utc();
        let root = ca("reqdoctor expired root", (now - days(3650), now - days(1)), None);
        let int = ca("reqdoctor under expired root", (now - days(30), now + days(365)), Some(&root));
        let mut made = issued_by(&int, leaf(&["api.test"], (now - days(1), now + days(90))), true);
        if send_root {
            made.chain.push(Cert::of_issuer(&root));
        }
        let path = self.dir.path().join(format!("expired-root-{}.pem", u8::from(send_root)));
        std::fs::write(&path, root.pem()).expect("write the expired root");
        (made.server_cert(), path)
    }
}

/// `cert` with its leaf's RSAPublicKey tag (SEQUENCE, 0x30) changed to OCTET STRING.
fn undecodable_key(mut cert: ServerCert) -> ServerCert {
    const RSA_OID: [u8; 11] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let mut der = cert.chain[0].to_vec();
    let oid = der.windows(RSA_OID.len()).position(|w| w == RSA_OID).expect("an RSA key");
    let key = oid + der[oid..].windows(2).position(|w| w == [0x00, 0x30]).expect("the key's bits") + 1;
    der[key] = 0x04;
    cert.chain[0] = rustls_pki_types::CertificateDer::from(der);
    cert
}

/// A CA under `parent` with an optional pathLenConstraint and name constraints.
fn constrained_ca(
    cn: &str,
    (not_before, not_after): Window,
    parent: &Issuer,
    path_len: Option<u8>,
    name_constraints: Option<NameConstraints>,
) -> Issuer {
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.distinguished_name.push(DnType::OrganizationName, "reqdoctor tests");
    params.is_ca = IsCa::Ca(path_len.map_or(BasicConstraints::Unconstrained, BasicConstraints::Constrained));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.name_constraints = name_constraints;
    params.not_before = not_before;
    params.not_after = not_after;
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().expect("generate CA key");
    rcgen::CertifiedIssuer::signed_by(params, key, parent).expect("sign CA")
}

/// A CA under `parent` carrying one extra extension.
fn with_extension((not_before, not_after): Window, parent: &Issuer, extension: CustomExtension) -> Issuer {
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, "reqdoctor odd CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = not_before;
    params.not_after = not_after;
    params.custom_extensions.push(extension);
    let key = KeyPair::generate().expect("generate CA key");
    rcgen::CertifiedIssuer::signed_by(params, key, parent).expect("sign CA")
}

fn raw_extension(oid: &[u64], content: &[u8], critical: bool) -> CustomExtension {
    let mut extension = CustomExtension::from_oid_content(oid, content.to_vec());
    extension.set_criticality(critical);
    extension
}

/// A subjectAltName value: one dNSName, api.test.
fn san_api_test() -> Vec<u8> {
    let name = b"api.test";
    let mut der = vec![0x30, name.len() as u8 + 2, 0x82, name.len() as u8];
    der.extend_from_slice(name);
    der
}
