//! Certificate analysis on arbitrary bytes: up to four "certificates" cut from
//! the input at DER boundaries, parsed and walked toward the Mozilla roots.
//! Seeds in seeds/cert_chain are real chains (concatenated DER).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use reqdoctor::cert::{CertFacts, Chain};
use reqdoctor::trust::Roots;
use rustls_pki_types::CertificateDer;

/// The most certificates one input is cut into.
const MAX_CERTS: usize = 4;

fuzz_target!(|bytes: &[u8]| {
    static ROOTS: OnceLock<Roots> = OnceLock::new();
    let roots = ROOTS.get_or_init(Roots::mozilla);
    let _ = CertFacts::parse(bytes);
    let chain: Vec<CertificateDer<'static>> = split(bytes).map(|c| CertificateDer::from(c.to_vec())).collect();
    if let Ok(chain) = Chain::analyze(&chain, roots) {
        for index in 0..chain.certs.len() {
            let _ = chain.role(index);
        }
    }
});

/// Cuts `bytes` after each DER element's declared length (or at the end when the
/// header is not one), at most `MAX_CERTS` pieces.
fn split(mut bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let len = der_len(bytes).unwrap_or(bytes.len()).clamp(1, bytes.len());
        let (piece, rest) = bytes.split_at(len);
        bytes = rest;
        Some(piece)
    })
    .take(MAX_CERTS)
}

/// The whole length (header included) a DER element's header declares.
fn der_len(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 3 {
        return None;
    }
    let len = bytes.get(2..2 + count)?.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some(2 + count + len)
}
