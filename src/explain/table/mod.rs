//! What each error a phone shows means: the triage step, the checks that
//! confirm it, the likely causes in the order to suspect them, and the fix.
//! The data behind `reqdoctor explain`; docs/wx-errors.md lists the same
//! mapping. The checks printed with an answer are these, plus every check
//! the catalogue says can report the error (see [`super::checks_for`]).

mod http;
mod network;
mod tls;

pub use http::*;
pub use network::*;
pub use tls::*;

use crate::checks::CheckId;

/// One kind of failure a developer can paste.
pub struct Entry {
    /// A stable key for scripts, e.g. `net.cert_authority_invalid`.
    pub key: &'static str,
    pub step: u8,
    /// The checks that confirm or rule it out, most telling first.
    pub checks: &'static [CheckId],
    /// What the error means, in English and Chinese.
    pub meaning: (&'static str, &'static str),
    /// Likely causes in order: the check that names each, and the cause in both languages.
    pub causes: &'static [(CheckId, &'static str, &'static str)],
    /// What to change, in English and Chinese.
    pub fix: (&'static str, &'static str),
    /// Extra options worth adding to the confirming `reqdoctor check`.
    pub flags: &'static str,
    /// The errno the phone reports with it, when there is one.
    pub errno: Option<u32>,
}

/// Every answer `explain` can give, in the order docs/wx-errors.md lists them.
pub const ALL: &[&Entry] = &[
    &NAME_NOT_RESOLVED,
    &CONNECTION_REFUSED,
    &CONNECTION_TIMED_OUT,
    &ADDRESS_UNREACHABLE,
    &CONNECTION_RESET,
    &CONNECTION_CLOSED,
    &SSL_PROTOCOL_ERROR,
    &VERSION_OR_CIPHER,
    &SNI_REFUSED,
    &CLIENT_AUTH,
    &KEY_USAGE,
    &CERT_NAME,
    &CERT_DATE,
    &CERT_AUTHORITY,
    &CERT_WEAK_SIGNATURE,
    &CERT_WEAK_KEY,
    &CERT_INVALID,
    &VALIDITY_TOO_LONG,
    &EMPTY_RESPONSE,
    &HEADERS_TOO_BIG,
    &INVALID_RESPONSE,
    &BODY_BROKEN,
    &HTTP2,
    &QUIC_PROTOCOL,
    &QUIC_HANDSHAKE,
    &TOO_MANY_REDIRECTS,
    &NOT_IN_DOMAIN_LIST,
    &INVALID_URL,
    &TIMEOUT,
    &SSL_HANDSHAKE,
    &OFFLINE,
    &NETWORK_ERROR,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_whole_and_listed_once() {
        let mut keys: Vec<&str> = ALL.iter().map(|e| e.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ALL.len(), "a key is listed twice");
        for entry in ALL {
            let texts = [entry.key, entry.meaning.0, entry.meaning.1, entry.fix.0, entry.fix.1];
            assert!(texts.iter().all(|t| !t.trim().is_empty()), "{}", entry.key);
            assert!(!entry.checks.is_empty() && !entry.causes.is_empty(), "{}", entry.key);
            assert!(entry.causes.iter().all(|(_, en, zh)| !en.is_empty() && !zh.is_empty()), "{}", entry.key);
        }
    }
}
