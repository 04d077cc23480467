//! The phone's verdict on a chain, by Chromium's rules: build paths from the
//! leaf by name, try each issuer that could have signed (trust anchors first,
//! then matching key identifiers, then certificates valid today, newest
//! first), validate every complete path (RFC 5280 6.1 as Chromium applies
//! it), and keep the first valid path — or, when none is, the first that
//! reached a trusted root, else the first tried. Its problems are reported,
//! never those of a path the phone would not use.

use rustls_pki_types::TrustAnchor;

use super::constraints::violation;
use super::parts::Defect;
use super::signed::{self, Signed};
use super::{CertFacts, Path, PathEnd};
use crate::trust::{Roots, strip_sequence};

/// Issuer steps tried at most, as Chromium's path builder counts its
/// iterations: Chromium 156 here built a path of 20 sent certificates (leaf
/// included) to a locally trusted root and gave up on 21 (-202,
/// `exceeded_iteration_limit` in its net-log).
const ITERATION_LIMIT: usize = 20;

/// Something wrong with one certificate of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Index into the sent chain.
    pub at: usize,
    pub flaw: Flaw,
}

/// What Chromium's verifier finds wrong, one certificate at a time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flaw {
    NotYetValid,
    Expired,
    /// The signature does not verify under the issuer's key.
    BadSignature,
    /// Signed with an algorithm Chromium does not accept (SHA-1, MD5…).
    UnacceptableAlgorithm,
    /// A key Chromium's verifier refuses (RSA under 1024 bits, an unknown curve).
    WeakKey,
    /// An intermediate that is not a CA (no basicConstraints, or CA:FALSE).
    NotCa,
    /// More CA certificates below this one than an issuer's pathLenConstraint allows.
    PathLength,
    /// An intermediate whose keyUsage lacks keyCertSign.
    NoKeyCertSign,
    /// extendedKeyUsage without serverAuth (or anyExtendedKeyUsage).
    NoServerAuth,
    /// A name outside the name constraints of the CA at `by`.
    NameConstraint {
        name: String,
        by: usize,
    },
    /// A critical extension Chromium does not process (its OID).
    UnknownCritical(String),
    /// The leaf cannot be parsed by Chromium.
    Unparseable(Defect),
    /// Path building gave up: more issuer steps than Chromium's iteration limit.
    TooManyPaths,
    /// A leaf from a publicly trusted root valid for longer than Chromium allows.
    ValidityTooLong,
}

/// Chromium's certificate status classes, which decide the phone's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// CERT_STATUS_INVALID: set only when no other class is.
    Invalid,
    AuthorityInvalid,
    DateInvalid,
    WeakKey,
    /// CERT_STATUS_VALIDITY_TOO_LONG, set after path building.
    ValidityTooLong,
}

impl Flaw {
    pub fn class(&self) -> Class {
        match self {
            Flaw::NotYetValid | Flaw::Expired => Class::DateInvalid,
            Flaw::BadSignature | Flaw::TooManyPaths => Class::AuthorityInvalid,
            Flaw::WeakKey => Class::WeakKey,
            Flaw::ValidityTooLong => Class::ValidityTooLong,
            _ => Class::Invalid,
        }
    }
}

/// Why the phone refuses a chain, in Chromium's order of precedence
/// (`MapCertStatusToNetError`), with BoringSSL's key-usage check first: it
/// runs during the handshake, before the chain is verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// ERR_SSL_PROTOCOL_ERROR: BoringSSL cannot read the leaf's key (explicit curve parameters).
    UnreadableKey,
    /// ERR_SSL_KEY_USAGE_INCOMPATIBLE: the leaf's keyUsage forbids signing.
    KeyUsage,
    /// ERR_CERT_INVALID.
    Invalid,
    /// ERR_CERT_AUTHORITY_INVALID.
    AuthorityInvalid,
    /// ERR_CERT_COMMON_NAME_INVALID.
    CommonNameInvalid,
    /// ERR_CERT_VALIDITY_TOO_LONG.
    ValidityTooLong,
    /// ERR_CERT_DATE_INVALID.
    DateInvalid,
    /// ERR_CERT_WEAK_KEY.
    WeakKey,
}

impl Refusal {
    /// Every refusal, for the catalogue's test that each cert.* check lists
    /// the error each one reports.
    pub const ALL: &[Refusal] = &[
        Refusal::UnreadableKey,
        Refusal::KeyUsage,
        Refusal::Invalid,
        Refusal::AuthorityInvalid,
        Refusal::CommonNameInvalid,
        Refusal::ValidityTooLong,
        Refusal::DateInvalid,
        Refusal::WeakKey,
    ];
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::UnreadableKey => "ERR_SSL_PROTOCOL_ERROR",
            Refusal::KeyUsage => "ERR_SSL_KEY_USAGE_INCOMPATIBLE",
            Refusal::Invalid => "ERR_CERT_INVALID",
            Refusal::AuthorityInvalid => "ERR_CERT_AUTHORITY_INVALID",
            Refusal::CommonNameInvalid => "ERR_CERT_COMMON_NAME_INVALID",
            Refusal::ValidityTooLong => "ERR_CERT_VALIDITY_TOO_LONG",
            Refusal::DateInvalid => "ERR_CERT_DATE_INVALID",
            Refusal::WeakKey => "ERR_CERT_WEAK_KEY",
        })
    }
}

/// Chromium's verdict from the path's end, its problems and whether the host is covered.
pub fn refusal(chain: &[CertFacts], path: &Path, problems: &[Problem], host_covered: bool) -> Option<Refusal> {
    if matches!(&chain[0].key, super::Key::Ec { curve } if curve == super::EXPLICIT_CURVE) {
        return Some(Refusal::UnreadableKey);
    }
    if chain[0].forbids_signing() {
        return Some(Refusal::KeyUsage);
    }
    if problems.iter().any(|p| p.at == 0 && matches!(p.flaw, Flaw::Unparseable(_))) {
        return Some(Refusal::Invalid);
    }
    let has = |class: Class| problems.iter().any(|p| p.flaw.class() == class);
    let authority = has(Class::AuthorityInvalid) || !matches!(path.end, PathEnd::Trusted(_));
    let (date, weak) = (has(Class::DateInvalid), has(Class::WeakKey));
    if has(Class::Invalid) && !(authority || date || weak) {
        return Some(Refusal::Invalid);
    }
    [
        (authority, Refusal::AuthorityInvalid),
        (!host_covered, Refusal::CommonNameInvalid),
        (has(Class::ValidityTooLong), Refusal::ValidityTooLong),
        (date, Refusal::DateInvalid),
        (weak, Refusal::WeakKey),
    ]
    .into_iter()
    .find_map(|(set, refusal)| set.then_some(refusal))
}

/// The path the phone would use through `chain`, and its problems.
/// The path the phone would use through `chain`, its problems, and the
/// subjectPublicKeyInfo (contents) of the trust anchor it ends at, if any.
pub fn search(chain: &[CertFacts], roots: &Roots, now: i64) -> (Path, Vec<Problem>, Option<Vec<u8>>) {
    let mut search = Search { chain, roots, now, iterations: 0, exhausted: false, best: None };
    let mut links = vec![0];
    search.explore(&mut links);
    let Best { mut path, mut problems, anchor_key } = search.best.expect("at least one path is tried");
    if search.exhausted {
        problems.push(Problem { at: 0, flaw: Flaw::TooManyPaths });
    }
    path.extras = (0..chain.len()).filter(|i| !path.links.contains(i)).collect();
    path.out_of_order = path.links.windows(2).any(|pair| pair[0] > pair[1]);
    (path, problems, anchor_key)
}

/// The best path found so far, with what made it.
struct Best {
    path: Path,
    problems: Vec<Problem>,
    anchor_key: Option<Vec<u8>>,
}

struct Search<'a> {
    chain: &'a [CertFacts],
    roots: &'a Roots,
    now: i64,
    iterations: usize,
    exhausted: bool,
    best: Option<Best>,
}

impl Search<'_> {
    /// Extends `links` upward; true once a valid path is found.
    fn explore(&mut self, links: &mut Vec<usize>) -> bool {
        self.iterations += 1;
        if self.iterations > ITERATION_LIMIT {
            self.exhausted = true;
            if self.best.is_none() {
                self.finish(links, None);
            }
            return false;
        }
        let current = &self.chain[*links.last().expect("starts with the leaf")];
        let mut any = false;
        let anchors: Vec<&TrustAnchor<'static>> = self.roots.anchors_named(&current.issuer_der).collect();
        for anchor in anchors {
            any = true;
            if self.finish(links, Some(anchor)) {
                return true;
            }
        }
        for next in self.issuers(links) {
            any = true;
            links.push(next);
            if self.explore(links) {
                return true;
            }
            links.pop();
        }
        !any && self.finish(links, None)
    }

    /// The sent certificates that could have issued the top of `links`, best first.
    fn issuers(&self, links: &[usize]) -> Vec<usize> {
        let current = &self.chain[*links.last().expect("non-empty")];
        let mut found: Vec<usize> = (0..self.chain.len())
            .filter(|i| !links.contains(i))
            .filter(|i| self.chain[*i].subject_der == current.issuer_der && self.chain[*i].parts.defects.is_empty())
            .collect();
        let rank = |i: &usize| {
            let candidate = &self.chain[*i];
            let ids = match (&current.parts.authority_key_id, &candidate.parts.subject_key_id) {
                (Some(wanted), Some(has)) if wanted == has => 0,
                (Some(_), Some(_)) => 2,
                _ => 1,
            };
            let current_dates = candidate.not_before <= self.now && self.now <= candidate.not_after;
            (ids, !current_dates, std::cmp::Reverse(candidate.not_before))
        };
        found.sort_by_key(rank);
        found
    }

    /// Validates one complete path (ending at `anchor`, or where no issuer was found).
    fn finish(&mut self, links: &[usize], anchor: Option<&TrustAnchor<'static>>) -> bool {
        let chain = self.chain;
        let last = *links.last().expect("non-empty");
        let problems = validate(chain, links, anchor.map(|a| a.subject_public_key_info.as_ref()), self.now);
        let mut links = links.to_vec();
        let end = match anchor {
            Some(anchor) => {
                links.extend(sent_anchor(chain, &links, anchor));
                PathEnd::Trusted(chain[last].issuer_name.clone())
            }
            None if chain[last].self_issued() => PathEnd::UntrustedRoot(last),
            None => PathEnd::Missing { after: last, issuer: chain[last].issuer_name.clone() },
        };
        let valid = anchor.is_some() && problems.is_empty();
        let trusted = anchor.is_some();
        let replace = match &self.best {
            None => true,
            Some(best) => valid || (trusted && !matches!(best.path.end, PathEnd::Trusted(_))),
        };
        if replace {
            let path = Path { links, end, extras: Vec::new(), out_of_order: false };
            let anchor_key = anchor.map(|a| a.subject_public_key_info.as_ref().to_vec());
            self.best = Some(Best { path, problems, anchor_key });
        }
        valid
    }
}

/// The sent copy of the trust anchor the path ends at, if the server sent it.
fn sent_anchor(chain: &[CertFacts], links: &[usize], anchor: &TrustAnchor<'_>) -> Option<usize> {
    let subject = strip_sequence(anchor.subject.as_ref());
    (0..chain.len()).find(|i| {
        !links.contains(i)
            && strip_sequence(&chain[*i].subject_der) == subject
            && chain[*i].parts.spki == anchor.subject_public_key_info.as_ref()
    })
}

/// RFC 5280 6.1 over `links` (leaf first), as Chromium applies it; `anchor_key`
/// is the trusted root's subjectPublicKeyInfo when the path reached one.
fn validate(chain: &[CertFacts], links: &[usize], anchor_key: Option<&[u8]>, now: i64) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut max_path: Option<u32> = None;
    let mut constraints: Vec<usize> = Vec::new();
    let top = links.len() - 1;
    for position in (0..=top).rev() {
        let at = links[position];
        let cert = &chain[at];
        let mut flag = |flaw| problems.push(Problem { at, flaw });
        let issuer_key = match position {
            p if p < top => Some(chain[links[p + 1]].parts.spki.as_slice()),
            _ => anchor_key.or(cert.self_issued().then_some(cert.parts.spki.as_slice())),
        };
        if let Some(key) = issuer_key {
            match signed::check(&cert.parts, key) {
                Signed::Valid => {}
                Signed::Invalid => flag(Flaw::BadSignature),
                Signed::Unacceptable => flag(Flaw::UnacceptableAlgorithm),
            }
        }
        if cert.not_before > now {
            flag(Flaw::NotYetValid);
        }
        if cert.not_after < now {
            flag(Flaw::Expired);
        }
        if !signed::key_acceptable(&cert.parts.spki) {
            flag(Flaw::WeakKey);
        }
        cert.parts.unknown_critical.iter().for_each(|oid| flag(Flaw::UnknownCritical(oid.clone())));
        if position == 0 {
            cert.parts.defects.iter().for_each(|d| flag(Flaw::Unparseable(d.clone())));
        }
        if position == 0 || !cert.self_issued() {
            for by in &constraints {
                let rules = chain[*by].parts.name_constraints.as_ref().expect("only CAs with constraints are kept");
                if let Some(name) = violation(rules, &cert.dns_names, &cert.ip_addrs) {
                    flag(Flaw::NameConstraint { name, by: *by });
                }
            }
        }
        if !serves_tls(cert) {
            flag(Flaw::NoServerAuth);
        }
        if position > 0 {
            if !cert.parts.has_basic_constraints || !cert.is_ca {
                flag(Flaw::NotCa);
            }
            if !cert.self_issued() {
                match max_path {
                    Some(0) => flag(Flaw::PathLength),
                    Some(n) => max_path = Some(n - 1),
                    None => {}
                }
            }
            if let Some(limit) = cert.path_len {
                max_path = Some(max_path.map_or(limit, |m| m.min(limit)));
            }
            if !cert.key_usage.is_empty() && !cert.key_usage.iter().any(|u| u == "Key Cert Sign") {
                flag(Flaw::NoKeyCertSign);
            }
            if cert.parts.name_constraints.is_some() {
                constraints.push(at);
            }
        }
    }
    problems
}

/// A certificate without extendedKeyUsage serves any purpose; with it, it
/// must name serverAuth or anyExtendedKeyUsage (Chromium checks intermediates too).
fn serves_tls(cert: &CertFacts) -> bool {
    let eku = &cert.extended_key_usage;
    eku.is_empty() || eku.iter().any(|p| p == "serverAuth" || p == "anyExtendedKeyUsage")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> CertFacts {
        let der = rustls_pki_types::CertificateDer::from_pem_file(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/certs/leaf.pem"
        ))
        .expect("fixture");
        CertFacts::parse(&der).expect("parses")
    }

    fn trusted() -> Path {
        Path { links: vec![0], end: PathEnd::Trusted("root".into()), extras: vec![], out_of_order: false }
    }

    fn problem(flaw: Flaw) -> Problem {
        Problem { at: 0, flaw }
    }

    use rustls_pki_types::pem::PemObject;

    #[test]
    fn invalid_is_reported_only_when_nothing_else_is_wrong() {
        let chain = [leaf()];
        let sha1 = [problem(Flaw::UnacceptableAlgorithm)];
        assert_eq!(refusal(&chain, &trusted(), &sha1, true), Some(Refusal::Invalid));
        let sha1_and_expired = [problem(Flaw::UnacceptableAlgorithm), problem(Flaw::Expired)];
        assert_eq!(refusal(&chain, &trusted(), &sha1_and_expired, true), Some(Refusal::DateInvalid));
        assert_eq!(refusal(&chain, &trusted(), &sha1, false), Some(Refusal::Invalid), "invalid outranks the name");
    }

    #[test]
    fn chromium_precedence_orders_the_other_classes() {
        let chain = [leaf()];
        let expired = [problem(Flaw::Expired)];
        assert_eq!(refusal(&chain, &trusted(), &expired, false), Some(Refusal::CommonNameInvalid));
        let missing = Path { end: PathEnd::Missing { after: 0, issuer: "x".into() }, ..trusted() };
        assert_eq!(refusal(&chain, &missing, &expired, false), Some(Refusal::AuthorityInvalid));
        assert_eq!(refusal(&chain, &trusted(), &[problem(Flaw::WeakKey)], true), Some(Refusal::WeakKey));
        assert_eq!(refusal(&chain, &trusted(), &[], true), None);
    }

    #[test]
    fn a_leaf_that_cannot_sign_is_refused_before_its_chain_is_judged() {
        let mut ca_leaf = leaf();
        ca_leaf.key_usage = vec!["Key Cert Sign".into()];
        let missing = Path { end: PathEnd::Missing { after: 0, issuer: "x".into() }, ..trusted() };
        assert_eq!(refusal(&[ca_leaf], &missing, &[], true), Some(Refusal::KeyUsage));
    }
}
