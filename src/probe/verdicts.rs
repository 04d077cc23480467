//! One verdict per chain in a diagnosis. The TCP connection and the QUIC
//! attempt raced beside it are sent the same chain at about the same time;
//! whichever gets it first verifies it by the phone's rules, and the other
//! takes that verdict rather than parsing and verifying it again. A
//! diagnosis without HTTP/3 keeps nothing: no other path would take it, and
//! keeping it copies the chain and its verdict on every target.

use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::CertificateDer;

use crate::cert::{Chain, ChainError};
use crate::trust::Roots;

/// The first chain a diagnosis verified, for which host, and the verdict,
/// when it is kept ([`Verdicts::shared`]); [`Default`] keeps none.
#[derive(Debug, Default)]
pub struct Verdicts {
    keep: bool,
    first: Mutex<Option<Given>>,
}

#[derive(Debug)]
struct Given {
    host: String,
    chain: Vec<CertificateDer<'static>>,
    verdict: Result<Chain, ChainError>,
}

impl Verdicts {
    /// Verdicts kept for the diagnosis's other path (a QUIC attempt) to take.
    pub fn shared() -> Verdicts {
        Verdicts { keep: true, first: Mutex::default() }
    }

    /// The verdict on `chain` for `host`: the one already given on the very
    /// same chain for the same host, else verified now (and kept, when it is
    /// the first). A path sent the chain while the other verifies it waits
    /// for that verdict: the verification is short, and repeating it costs
    /// more CPU than the wait.
    pub fn judge(&self, chain: &[CertificateDer<'static>], roots: &Roots, host: &str) -> Result<Chain, ChainError> {
        let now = || SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        if !self.keep {
            return Chain::analyze(chain, roots, host, now());
        }
        let mut first = self.first.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(given) = first.as_ref().filter(|given| given.host == host && given.chain == chain) {
            return given.verdict.clone();
        }
        let verdict = Chain::analyze(chain, roots, host, now());
        if first.is_none() {
            *first = Some(Given { host: host.to_owned(), chain: chain.to_vec(), verdict: verdict.clone() });
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_chain_for_the_same_host_is_verified_once() {
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["api.test".to_owned()]).unwrap().self_signed(&key).unwrap();
        let chain = [leaf.der().clone()];
        let mut store = rustls::RootCertStore::empty();
        store.add(leaf.der().clone()).unwrap();
        let own = Roots::from_store(store);
        let verdicts = Verdicts::shared();
        assert!(verdicts.judge(&chain, &own, "api.test").unwrap().refusal().is_none(), "trusted as its own root");
        // Verified again against the public roots, the self-signed leaf would be
        // refused: the trusted verdict coming back shows it was not.
        assert!(verdicts.judge(&chain, &Roots::mozilla(), "api.test").unwrap().refusal().is_none());
        // Another host is verified on its own (the leaf does not cover it).
        assert!(verdicts.judge(&chain, &own, "other.test").unwrap().refusal().is_some());
        assert!(verdicts.judge(&chain, &Roots::mozilla(), "api.test").unwrap().refusal().is_none(), "the first stays");
        // Unshared verdicts keep nothing: the same chain is verified again.
        let unshared = Verdicts::default();
        assert!(unshared.judge(&chain, &own, "api.test").unwrap().refusal().is_none());
        assert!(unshared.judge(&chain, &Roots::mozilla(), "api.test").unwrap().refusal().is_some());
    }
}
