//! Certificate analysis on arbitrary bytes: one to three "certificates" cut
//! from the input, parsed and walked toward the Mozilla roots.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use reqdoctor::cert::{CertFacts, Chain};
use reqdoctor::trust::Roots;
use rustls_pki_types::CertificateDer;

fuzz_target!(|bytes: &[u8]| {
    static ROOTS: OnceLock<Roots> = OnceLock::new();
    let roots = ROOTS.get_or_init(Roots::mozilla);
    let _ = CertFacts::parse(bytes);
    let cut = bytes.first().map_or(0, |b| usize::from(*b) % 4);
    let chain: Vec<CertificateDer<'static>> =
        bytes.chunks(bytes.len().div_ceil(cut.max(1)).max(1)).map(|c| CertificateDer::from(c.to_vec())).collect();
    if let Ok(chain) = Chain::analyze(&chain, roots) {
        for index in 0..chain.certs.len() {
            let _ = chain.role(index);
        }
    }
});
