//! Whether a certificate's signature verifies under an issuer's public key,
//! with the algorithms and key sizes Chromium's verifier accepts, and
//! whether a key is one Chromium accepts at all.
//!
//! Each signature is checked once per process (`KNOWN`): the chain's
//! certificates are mostly the same from target to target, and a P-256
//! verification costs more than the rest of a certificate's analysis. The
//! server's CertificateVerify, which proves something about one connection,
//! is not a certificate's signature and is checked on every handshake.

use ring::signature::{self as alg, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::memo::Memo;
use super::parts::{Hash, Parts, SigAlgorithm};

/// The outcome of checking one signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signed {
    Valid,
    /// The signature does not verify under the issuer's key.
    Invalid,
    /// An algorithm Chromium refuses (SHA-1, MD5, Ed25519…): not even checked.
    Unacceptable,
}

/// The smallest RSA modulus Chromium's verifier accepts, in bits.
pub const MIN_RSA_BITS: usize = 1024;

/// Outcomes already known, by algorithm and a SHA-256 digest of key, signed
/// bytes and signature (32 bytes an entry, where the bytes are kilobytes).
static KNOWN: Memo<(SigAlgorithm, [u8; 32]), Signed> = Memo::new(1024);

/// Checks `parts`' signature with the key in `issuer_spki` (subjectPublicKeyInfo
/// without its outer SEQUENCE header); the same bytes checked before give the
/// outcome they gave then.
pub fn check(parts: &Parts, issuer_spki: &[u8]) -> Signed {
    let key = (parts.algorithm, digest(parts, issuer_spki));
    KNOWN.get(&key).unwrap_or_else(|| {
        let signed = verify(parts, issuer_spki);
        KNOWN.insert(key, signed);
        signed
    })
}

/// SHA-256 over the key, the signed bytes and the signature, each preceded by its length.
fn digest(parts: &Parts, issuer_spki: &[u8]) -> [u8; 32] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for bytes in [issuer_spki, &parts.tbs, &parts.signature] {
        context.update(&(bytes.len() as u64).to_be_bytes());
        context.update(bytes);
    }
    context.finish().as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// Verifies the signature with ring, every time.
fn verify(parts: &Parts, issuer_spki: &[u8]) -> Signed {
    if !parts.algorithm.acceptable() {
        return Signed::Unacceptable;
    }
    let Some(key) = Key::parse(issuer_spki) else { return Signed::Invalid };
    let Some(verifier) = verifier(parts.algorithm, &key) else { return Signed::Invalid };
    match UnparsedPublicKey::new(verifier, &key.bytes).verify(&parts.tbs, &parts.signature) {
        Ok(()) => Signed::Valid,
        Err(_) => Signed::Invalid,
    }
}

/// Whether Chromium's verifier accepts this key (RSA of 1024 bits or more,
/// ECDSA on P-256, P-384 or P-521); other key types are judged by cert.key.
pub fn key_acceptable(spki: &[u8]) -> bool {
    match Key::parse(spki) {
        Some(Key { kind: Kind::Rsa(bits), .. }) => bits >= MIN_RSA_BITS,
        Some(Key { kind: Kind::Ec(curve), .. }) => curve != Curve::Other,
        _ => true,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Rsa(usize),
    Ec(Curve),
    Other,
}

struct Key {
    kind: Kind,
    /// The subjectPublicKey BIT STRING's contents.
    bytes: Vec<u8>,
}

impl Key {
    fn parse(spki_contents: &[u8]) -> Option<Key> {
        let wrapped = sequence(spki_contents);
        let (_, spki) = SubjectPublicKeyInfo::from_der(&wrapped).ok()?;
        let kind = match &*super::dotted(&spki.algorithm.algorithm) {
            "1.2.840.113549.1.1.1" => match spki.parsed() {
                Ok(key @ PublicKey::RSA(_)) => Kind::Rsa(key.key_size()),
                _ => return None,
            },
            "1.2.840.10045.2.1" => {
                let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| super::dotted(&o));
                Kind::Ec(match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => Curve::P256,
                    Some("1.3.132.0.34") => Curve::P384,
                    Some("1.3.132.0.35") => Curve::P521,
                    _ => Curve::Other,
                })
            }
            _ => Kind::Other,
        };
        Some(Key { kind, bytes: spki.subject_public_key.data.to_vec() })
    }
}

/// ring's algorithm for a signature by this key; `None` when ring has none
/// (ECDSA with SHA-512, or on P-521), which counts as not verifying.
fn verifier(algorithm: SigAlgorithm, key: &Key) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match (algorithm, key.kind) {
        (SigAlgorithm::RsaPkcs1(Hash::Sha256), Kind::Rsa(_)) => &alg::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (SigAlgorithm::RsaPkcs1(Hash::Sha384), Kind::Rsa(_)) => &alg::RSA_PKCS1_2048_8192_SHA384,
        (SigAlgorithm::RsaPkcs1(Hash::Sha512), Kind::Rsa(_)) => &alg::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        (SigAlgorithm::RsaPss(Hash::Sha256), Kind::Rsa(_)) => &alg::RSA_PSS_2048_8192_SHA256,
        (SigAlgorithm::RsaPss(Hash::Sha384), Kind::Rsa(_)) => &alg::RSA_PSS_2048_8192_SHA384,
        (SigAlgorithm::RsaPss(Hash::Sha512), Kind::Rsa(_)) => &alg::RSA_PSS_2048_8192_SHA512,
        (SigAlgorithm::Ecdsa(Hash::Sha256), Kind::Ec(Curve::P256)) => &alg::ECDSA_P256_SHA256_ASN1,
        (SigAlgorithm::Ecdsa(Hash::Sha384), Kind::Ec(Curve::P256)) => &alg::ECDSA_P256_SHA384_ASN1,
        (SigAlgorithm::Ecdsa(Hash::Sha256), Kind::Ec(Curve::P384)) => &alg::ECDSA_P384_SHA256_ASN1,
        (SigAlgorithm::Ecdsa(Hash::Sha384), Kind::Ec(Curve::P384)) => &alg::ECDSA_P384_SHA384_ASN1,
        _ => return None,
    })
}

/// `contents` wrapped in a DER SEQUENCE header.
pub(super) fn sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut der = vec![0x30];
    match len {
        0..=0x7f => der.push(len as u8),
        0x80..=0xff => der.extend([0x81, len as u8]),
        0x100..=0xffff => der.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => der.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
    der.extend_from_slice(contents);
    der
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::CertFacts;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;

    fn fixture(name: &str) -> CertFacts {
        let path = format!("{}/tests/fixtures/certs/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        CertFacts::parse(&CertificateDer::from_pem_file(path).expect("fixture")).expect("parses")
    }

    #[test]
    fn a_remembered_outcome_is_the_one_ring_gives() {
        let (leaf, intermediate) = (fixture("leaf"), fixture("intermediate"));
        let mut forged = leaf.parts.clone();
        *forged.tbs.last_mut().expect("non-empty") ^= 1;
        let mut sha1 = leaf.parts.clone();
        sha1.algorithm = SigAlgorithm::Ecdsa(Hash::Sha1);
        let cases = [
            (&leaf.parts, &intermediate.parts.spki, Signed::Valid),
            (&forged, &intermediate.parts.spki, Signed::Invalid),
            (&leaf.parts, &leaf.parts.spki, Signed::Invalid),
            (&sha1, &intermediate.parts.spki, Signed::Unacceptable),
        ];
        // Twice over: the second round is answered from the memo, in either order.
        for round in 0..2 {
            for (parts, key, expected) in cases {
                assert_eq!(verify(parts, key), expected, "round {round}");
                assert_eq!(check(parts, key), expected, "round {round}");
            }
        }
    }

    #[test]
    fn wraps_contents_in_a_sequence_header() {
        assert_eq!(sequence(&[1, 2]), [0x30, 2, 1, 2]);
        assert_eq!(sequence(&[0; 0x80])[..3], [0x30, 0x81, 0x80]);
        assert_eq!(sequence(&[0; 0x1234])[..4], [0x30, 0x82, 0x12, 0x34]);
    }

    #[test]
    fn only_sha2_rsa_and_ecdsa_are_acceptable() {
        assert!(SigAlgorithm::Ecdsa(Hash::Sha384).acceptable());
        assert!(SigAlgorithm::RsaPss(Hash::Sha512).acceptable());
        assert!(!SigAlgorithm::RsaPkcs1(Hash::Sha1).acceptable());
        assert!(!SigAlgorithm::Ecdsa(Hash::Sha1).acceptable());
        assert!(!SigAlgorithm::Ed25519.acceptable());
        assert!(!SigAlgorithm::Other.acceptable());
    }
}
