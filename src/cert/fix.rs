//! The chain a server should send, as a pure function: from the certificates
//! it sent and those fetched through AIA (a pool), every path from the leaf
//! to a trusted root in which each certificate's signature verifies under
//! the next one's key, using only certificates valid now; each path is the
//! list to send, leaf first, without the root. Which URL to fetch next is
//! decided here too, so the network side only fetches.

use rustls_pki_types::CertificateDer;

use super::CertFacts;
use super::signed::{self, Signed};
use crate::trust::{Roots, strip_sequence};

/// The longest path tried, leaf included (real chains have 2–4).
const MAX_DEPTH: usize = 6;

/// One certificate of the pool, with its DER and where it came from.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub der: CertificateDer<'static>,
    pub facts: CertFacts,
    /// `None` when the server sent it, else the AIA URL it was fetched from.
    pub fetched_from: Option<String>,
}

/// A complete path: indices into the pool, leaf first, and the trusted root it ends at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub links: Vec<usize>,
    /// The root's subjectPublicKeyInfo (contents).
    pub anchor_key: Vec<u8>,
    /// The root's readable name (the top certificate's issuer).
    pub anchor_name: String,
}

/// Whether `issuer` issued `child`: the names match and the signature verifies.
pub fn signs(issuer: &CertFacts, child: &CertFacts) -> bool {
    strip_sequence(&issuer.subject_der) == strip_sequence(&child.issuer_der)
        && signed::check(&child.parts, &issuer.parts.spki) == Signed::Valid
}

/// Every path from the pool's first certificate (the leaf) to a trusted root.
pub fn paths(pool: &[Candidate], roots: &Roots, now: i64) -> Vec<Found> {
    let mut found = Vec::new();
    extend(pool, roots, now, &mut vec![0], &mut found);
    found.sort_by_key(|f| f.links.len());
    found
}

fn extend(pool: &[Candidate], roots: &Roots, now: i64, links: &mut Vec<usize>, found: &mut Vec<Found>) {
    let top = &pool[*links.last().expect("starts with the leaf")].facts;
    for anchor in roots.anchors_named(&top.issuer_der) {
        let key = anchor.subject_public_key_info.as_ref();
        if signed::check(&top.parts, key) == Signed::Valid {
            found.push(Found { links: links.clone(), anchor_key: key.to_vec(), anchor_name: top.issuer_name.clone() });
        }
    }
    if links.len() >= MAX_DEPTH {
        return;
    }
    for next in 0..pool.len() {
        let cert = &pool[next].facts;
        let usable = !links.contains(&next) && !cert.self_issued() && current(cert, now);
        if usable && signs(cert, top) {
            links.push(next);
            extend(pool, roots, now, links, found);
            links.pop();
        }
    }
}

/// Valid at `now`.
pub fn current(cert: &CertFacts, now: i64) -> bool {
    cert.not_before <= now && now <= cert.not_after
}

/// The tops of the incomplete paths from the leaf, in the order they should
/// be fetched from: certificates reachable from the leaf whose issuer is
/// neither in the pool nor a trusted root.
pub fn open_tops(pool: &[Candidate], roots: &Roots, now: i64) -> Vec<usize> {
    let mut tops = Vec::new();
    let mut stack = vec![vec![0usize]];
    while let Some(links) = stack.pop() {
        let top = *links.last().expect("non-empty");
        let facts = &pool[top].facts;
        let trusted = roots.anchors_named(&facts.issuer_der).next().is_some();
        let issuers: Vec<usize> = (0..pool.len())
            .filter(|i| !links.contains(i) && !pool[*i].facts.self_issued() && current(&pool[*i].facts, now))
            .filter(|i| signs(&pool[*i].facts, facts))
            .collect();
        if !trusted && issuers.is_empty() && !tops.contains(&top) {
            tops.push(top);
        }
        if links.len() < MAX_DEPTH {
            stack.extend(issuers.into_iter().map(|i| [links.as_slice(), &[i]].concat()));
        }
    }
    tops
}

/// The DER to send for a path: leaf first, each followed by its issuer, no root.
pub fn chain_of(pool: &[Candidate], found: &Found) -> Vec<CertificateDer<'static>> {
    found.links.iter().map(|i| pool[*i].der.clone()).collect()
}

/// PEM text of `chain`, one CERTIFICATE block each, in order.
pub fn to_pem(chain: &[CertificateDer<'_>]) -> String {
    use base64::Engine;
    let mut out = String::new();
    for cert in chain {
        let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
        out.push_str("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    /// 2026-06-01, inside every fixture's validity.
    const NOW: i64 = 1_780_272_000;

    fn fixture(name: &str) -> Candidate {
        let path = format!("{}/tests/fixtures/certs/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        let der = CertificateDer::from_pem_file(path).expect("fixture");
        let facts = CertFacts::parse(&der).expect("parses");
        Candidate { der, facts, fetched_from: None }
    }

    fn roots() -> Roots {
        let mut store = rustls::RootCertStore::empty();
        store.add(fixture("root").der).expect("a root");
        Roots::from_store(store)
    }

    #[test]
    fn an_issuer_is_one_whose_key_verifies_the_signature_under_the_right_name() {
        let (leaf, int, root) = (fixture("leaf"), fixture("intermediate"), fixture("root"));
        assert!(signs(&int.facts, &leaf.facts));
        assert!(signs(&root.facts, &int.facts));
        assert!(!signs(&root.facts, &leaf.facts), "another name");
        let mut impostor = root.facts.clone();
        impostor.subject_der = int.facts.subject_der.clone();
        assert!(!signs(&impostor, &leaf.facts), "the right name, the wrong key");
    }

    #[test]
    fn a_leaf_alone_is_an_open_top_and_its_issuer_closes_the_path() {
        let alone = [fixture("leaf")];
        assert!(paths(&alone, &roots(), NOW).is_empty());
        assert_eq!(open_tops(&alone, &roots(), NOW), [0]);
        let pool = [fixture("leaf"), fixture("root"), fixture("intermediate")];
        let found = paths(&pool, &roots(), NOW);
        assert_eq!(found.len(), 1, "the sent root is never a link: {found:?}");
        assert_eq!(found[0].links, [0, 2]);
        assert_eq!(found[0].anchor_name, "Fixture Root CA");
        assert_eq!(chain_of(&pool, &found[0]), [pool[0].der.clone(), pool[2].der.clone()]);
        assert!(open_tops(&pool, &roots(), NOW).is_empty());
    }

    #[test]
    fn an_expired_intermediate_is_not_used() {
        let pool = [fixture("leaf"), fixture("intermediate")];
        let after_2040 = 2_300_000_000;
        assert!(paths(&pool, &roots(), after_2040).is_empty());
    }

    #[test]
    fn its_pem_reads_back_as_the_same_certificates() {
        let (leaf, int) = (fixture("leaf"), fixture("intermediate"));
        let pem = to_pem(&[leaf.der.clone(), int.der.clone()]);
        assert_eq!(super::super::bundle::read_certificates(pem.as_bytes()).expect("PEM"), [leaf.der, int.der]);
    }
}
