//! The bodies of the cargo-fuzz targets in fuzz/: one function per target,
//! taking the fuzzer's bytes and panicking only when a promise breaks. The
//! targets call them, and the normal test suite replays every input kept in
//! fuzz/corpus and fuzz/seeds through them, so what fuzzing found stays a
//! regression test.

use std::sync::OnceLock;
use std::time::Duration;

use rustls_pki_types::CertificateDer;

use crate::allowlist::{AllowEntry, origin_of};
use crate::cert::{CertFacts, Chain, bundle};
use crate::routing::{ConnectTo, Resolve, Routes};
use crate::target::Target;
use crate::trust::Roots;

/// The most certificates one `cert_chain` input is cut into.
const MAX_CERTS: usize = 4;

/// How long one `http_response` exchange may take.
pub const EXCHANGE_BUDGET: Duration = Duration::from_millis(200);

/// What a user types as a URL, an allow-list entry or a routing rule: no
/// panic, a shown URL never carries the password, and an origin entry allows
/// its own URL.
pub fn url_rules(text: &str) {
    if let Ok(target) = Target::parse(text) {
        let shown = target.shown();
        if target.has_credentials() {
            // The masked URL's authority carries no credentials (a path may
            // legitimately contain the same characters).
            let parsed = url::Url::parse(&shown).expect("a masked URL parses");
            assert!(parsed.password().is_none() && parsed.username() == "***", "credentials shown: {shown}");
        }
        if let Ok(entry) = AllowEntry::parse(&origin_of(&target)) {
            assert!(entry.allows(&target), "an origin refuses its own URL: {text}");
        }
    }
    let _ = AllowEntry::parse(text);
    let routes = Routes {
        connect_to: ConnectTo::parse(text).into_iter().collect(),
        resolve: Resolve::parse(text).into_iter().collect(),
    };
    let _ = routes.route("api.test", 443);
}

/// A legacy TLS server's first flight: no panic, no endless loop.
pub fn legacy_flight(bytes: &[u8]) {
    let _ = crate::probe::flight::read_flight(bytes);
}

/// Up to four "certificates" cut from `bytes` at DER boundaries, parsed and
/// verified toward the Mozilla roots: no panic.
pub fn cert_chain(bytes: &[u8]) {
    static ROOTS: OnceLock<Roots> = OnceLock::new();
    let roots = ROOTS.get_or_init(Roots::mozilla);
    let _ = CertFacts::parse(bytes);
    let chain: Vec<CertificateDer<'static>> = der_pieces(bytes).map(|c| CertificateDer::from(c.to_vec())).collect();
    if let Ok(chain) = Chain::analyze(&chain, roots, "api.example.com", 1_780_272_000) {
        for index in 0..chain.certs.len() {
            let _ = chain.role(index);
        }
        let _ = chain.refusal();
    }
}

/// A certificate bundle or key file: no panic, at most `bundle::MAX_CERTS`
/// certificates, every one non-empty, and every error one line.
pub fn cert_bundle(bytes: &[u8]) {
    match bundle::read_certificates(bytes) {
        Ok(certs) => {
            assert!(!certs.is_empty() && certs.len() <= bundle::MAX_CERTS, "{} certificates", certs.len());
            assert!(certs.iter().all(|c| !c.is_empty()), "an empty certificate");
        }
        Err(e) => assert!(!e.to_string().contains('\n'), "a multi-line error: {e}"),
    }
    if let Err(e) = bundle::read_private_key(bytes) {
        assert!(!e.to_string().contains('\n'), "a multi-line error: {e}");
    }
}

/// Whatever a user pastes into `reqdoctor explain`: no panic.
pub fn explain(text: &str) {
    let _ = crate::explain::explain(text, None);
    let _ = crate::explain::explain(text, Some(text));
    let _ = crate::explain::unknown(text, crate::lang::Lang::Zh);
}

/// An HTTP/1.1 exchange with a server that answers `bytes`: it ends (answer,
/// error or deadline) without panic or hang.
pub fn http_response(bytes: &[u8]) {
    let _ = crate::probe::http::exchange_canned(bytes, EXCHANGE_BUDGET);
}

/// Cuts `bytes` after each DER element's declared length (or at the end when
/// the header is not one), at most `MAX_CERTS` pieces.
fn der_pieces(mut bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
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

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    /// Every file kept for `target` in fuzz/corpus and fuzz/seeds.
    fn kept_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
        let mut inputs = Vec::new();
        for dir in [fuzz.join("corpus").join(target), fuzz.join("seeds").join(target)] {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries {
                let path = entry.expect("a readable directory entry").path();
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                inputs.push((path, bytes));
            }
        }
        inputs.sort();
        inputs
    }

    /// Replays the kept inputs of `target`; fails if there are fewer than
    /// `at_least` (a corpus that went missing must not pass silently).
    fn replay(target: &str, at_least: usize, run: impl Fn(&[u8])) {
        let inputs = kept_inputs(target);
        assert!(inputs.len() >= at_least, "{target}: {} kept inputs, expected at least {at_least}", inputs.len());
        for (path, bytes) in &inputs {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(bytes)));
            assert!(outcome.is_ok(), "{target}: {} broke a promise", path.display());
        }
    }

    /// libFuzzer hands a `&str` target only the inputs that are UTF-8.
    fn as_text(run: fn(&str)) -> impl Fn(&[u8]) {
        move |bytes| {
            if let Ok(text) = std::str::from_utf8(bytes) {
                run(text);
            }
        }
    }

    #[test]
    fn the_url_rules_corpus_replays() {
        replay("url_rules", 1000, as_text(url_rules));
    }

    #[test]
    fn the_legacy_flight_corpus_replays() {
        replay("legacy_flight", 100, legacy_flight);
    }

    #[test]
    fn the_cert_chain_corpus_replays() {
        replay("cert_chain", 500, cert_chain);
    }

    #[test]
    fn the_cert_bundle_corpus_replays() {
        replay("cert_bundle", 8, cert_bundle);
    }

    #[test]
    fn the_explain_corpus_replays() {
        replay("explain", 1000, as_text(explain));
    }

    #[test]
    fn the_http_response_corpus_replays() {
        replay("http_response", 1000, http_response);
    }

    #[test]
    fn der_pieces_cut_at_declared_lengths() {
        let two = [0x30, 0x01, 0xaa, 0x30, 0x82, 0x00, 0x01, 0xbb, 0xcc];
        let pieces: Vec<&[u8]> = der_pieces(&two).collect();
        assert_eq!(pieces, [&two[..3], &two[3..8], &two[8..]]);
        let endless = [0x30, 0x7f, 0x00];
        assert_eq!(der_pieces(&endless).collect::<Vec<_>>(), [&endless[..]], "a length past the end takes the rest");
        assert_eq!(der_pieces(&[0u8; 40]).count(), MAX_CERTS);
    }
}
