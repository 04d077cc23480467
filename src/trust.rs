//! The root certificates a diagnosis trusts: Mozilla's (webpki-roots), the
//! closest public stand-in for a phone's store, or only those of `--ca-file`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, TrustAnchor};

/// A trust store and where it came from.
#[derive(Clone, Debug)]
pub struct Roots {
    pub store: Arc<RootCertStore>,
    pub source: RootsSource,
    /// The notAfter (Unix seconds) of each root read from a file, by its
    /// subjectPublicKeyInfo contents; trust anchors alone carry no dates.
    expiries: Arc<Vec<(Vec<u8>, i64)>>,
    /// What is built from `store` once per run, not per handshake.
    cache: Arc<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    verifier: OnceLock<Arc<WebPkiServerVerifier>>,
    /// The client configuration, without and with HTTP/2 offered.
    clients: [OnceLock<Arc<ClientConfig>>; 2],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootsSource {
    Mozilla,
    File(PathBuf),
}

/// A `--ca-file` that cannot serve as a trust store.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.message())]
pub struct RootsError {
    pub path: PathBuf,
    pub problem: RootsProblem,
}

/// What is wrong with a `--ca-file`.
#[derive(Debug)]
pub enum RootsProblem {
    Read(std::io::Error),
    Pem(rustls_pki_types::pem::Error),
    NotARoot { number: usize, why: rustls::Error },
    Empty,
}

impl RootsError {
    fn message(&self) -> String {
        let shown = self.path.display();
        match &self.problem {
            RootsProblem::Read(e) => format!("cannot read --ca-file {shown}: {e}"),
            RootsProblem::Pem(e) => format!("--ca-file {shown}: not valid PEM: {e}"),
            RootsProblem::NotARoot { number, why } => {
                format!("--ca-file {shown}: certificate {number} is not usable as a root: {why}")
            }
            RootsProblem::Empty => format!("--ca-file {shown}: no PEM certificates found"),
        }
    }
}

impl Roots {
    pub fn mozilla() -> Roots {
        let store = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        Roots { store: Arc::new(store), source: RootsSource::Mozilla, expiries: Arc::default(), cache: Arc::default() }
    }

    /// Reads every certificate of a PEM file; each must be a usable trust anchor.
    pub fn from_pem_file(path: &Path) -> Result<Roots, RootsError> {
        let bad = |problem| RootsError { path: path.to_owned(), problem };
        let bytes = std::fs::read(path).map_err(|e| bad(RootsProblem::Read(e)))?;
        let mut store = RootCertStore::empty();
        let mut expiries = Vec::new();
        for (index, item) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
            let cert = item.map_err(|e| bad(RootsProblem::Pem(e)))?;
            expiries.extend(expiry_of(&cert));
            store.add(cert).map_err(|e| bad(RootsProblem::NotARoot { number: index + 1, why: e }))?;
        }
        if store.is_empty() {
            return Err(bad(RootsProblem::Empty));
        }
        let source = RootsSource::File(path.to_owned());
        Ok(Roots { store: Arc::new(store), source, expiries: Arc::new(expiries), cache: Arc::default() })
    }

    /// The notAfter of the root with this subjectPublicKeyInfo (contents), when
    /// it was read from a file.
    pub fn expiry(&self, spki: &[u8]) -> Option<i64> {
        self.expiries.iter().find(|(key, _)| key == spki).map(|(_, not_after)| *not_after)
    }

    /// Whether these are publicly trusted roots (Chromium's "known roots"),
    /// to which rules for public CAs apply.
    pub fn is_public(&self) -> bool {
        self.source == RootsSource::Mozilla
    }

    /// A store built in code, standing for the public roots (tests).
    #[cfg(test)]
    pub fn public_for_test(store: RootCertStore) -> Roots {
        Roots { store: Arc::new(store), source: RootsSource::Mozilla, expiries: Arc::default(), cache: Arc::default() }
    }

    /// A store built in code (tests).
    #[cfg(test)]
    pub fn from_store(store: RootCertStore) -> Roots {
        Roots {
            store: Arc::new(store),
            source: RootsSource::File(PathBuf::from("test")),
            expiries: Arc::default(),
            cache: Arc::default(),
        }
    }

    /// The webpki verifier for these roots (built on first use, then shared).
    pub fn verifier(&self) -> Arc<WebPkiServerVerifier> {
        let build = || {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            WebPkiServerVerifier::builder_with_provider(self.store.clone(), provider)
                .build()
                .expect("a non-empty root store builds a verifier")
        };
        Arc::clone(self.cache.verifier.get_or_init(build))
    }

    /// The TLS client configuration over these roots (`http2`: offering h2
    /// too): made by `build` from the verifier on first use, then shared by
    /// every handshake of the run.
    pub fn client_config(
        &self,
        http2: bool,
        build: impl FnOnce(Arc<WebPkiServerVerifier>) -> ClientConfig,
    ) -> Arc<ClientConfig> {
        let slot = &self.cache.clients[usize::from(http2)];
        Arc::clone(slot.get_or_init(|| Arc::new(build(self.verifier()))))
    }

    /// The trust anchors whose subject is this DER-encoded name (with or
    /// without its outer SEQUENCE header).
    pub fn anchors_named<'a>(&'a self, name_der: &'a [u8]) -> impl Iterator<Item = &'a TrustAnchor<'static>> + 'a {
        let wanted = strip_sequence(name_der);
        self.store.roots.iter().filter(move |anchor| strip_sequence(anchor.subject.as_ref()) == wanted)
    }
}

/// A certificate's subjectPublicKeyInfo (contents) and notAfter.
fn expiry_of(der: &[u8]) -> Option<(Vec<u8>, i64)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some((strip_sequence(cert.public_key().raw).to_vec(), cert.validity().not_after.timestamp()))
}

/// The contents of a DER SEQUENCE, or the input unchanged when it is not one.
/// Trust anchors store a name's contents; certificates carry the whole SEQUENCE.
pub fn strip_sequence(der: &[u8]) -> &[u8] {
    let [0x30, first_len, rest @ ..] = der else {
        return der;
    };
    let (len, body) = match *first_len {
        n if n < 0x80 => (usize::from(n), rest),
        n => {
            let count = usize::from(n & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return der;
            }
            let len = rest[..count].iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b));
            (len, &rest[count..])
        }
    };
    if body.len() == len { body } else { der }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_short_and_long_sequence_headers() {
        assert_eq!(strip_sequence(&[0x30, 0x02, 0x31, 0x00]), &[0x31, 0x00]);
        let long: Vec<u8> = [vec![0x30, 0x81, 0x80], vec![7u8; 0x80]].concat();
        assert_eq!(strip_sequence(&long).len(), 0x80);
        assert_eq!(strip_sequence(&[0x31, 0x00]), &[0x31, 0x00], "not a SEQUENCE");
        assert_eq!(strip_sequence(&[0x30, 0x05, 0x31]), &[0x30, 0x05, 0x31], "truncated");
    }

    #[test]
    fn mozilla_roots_know_their_own_subjects() {
        let roots = Roots::mozilla();
        let first = roots.store.roots[0].subject.as_ref().to_vec();
        assert_eq!(roots.anchors_named(&first).count(), 1);
        let mut wrapped = vec![0x30, first.len() as u8];
        if first.len() < 0x80 {
            wrapped.extend_from_slice(&first);
            assert_eq!(roots.anchors_named(&wrapped).count(), 1);
        }
        assert_eq!(roots.anchors_named(&[0x30, 0x00]).count(), 0);
    }

    #[test]
    fn a_missing_or_empty_ca_file_is_a_one_line_error() {
        let missing = Roots::from_pem_file(Path::new("/nonexistent/ca.pem")).unwrap_err().to_string();
        assert!(missing.starts_with("cannot read --ca-file /nonexistent/ca.pem"), "{missing}");
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = Roots::from_pem_file(&empty).unwrap_err();
        assert!(matches!(err.problem, RootsProblem::Empty), "{err}");
        let err = err.to_string();
        assert!(err.contains("no PEM certificates found"), "{err}");
        assert!(!err.contains('\n'));
    }
}
