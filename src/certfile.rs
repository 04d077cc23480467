//! `reqdoctor cert FILE…`: a certificate bundle (and its private key, when
//! given) read from files and judged as the phone judges the same chain sent
//! by a server, without a network: files → [`bundle`] → [`Chain::analyze`] →
//! [`checks::offline`] → [`Report`]. The private key is only compared with the
//! leaf; it never reaches the report or an error.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::CertificateDer;

use crate::cert::bundle::{self, BundleError, PrivateKey};
use crate::cert::{CertFacts, Chain, ChainError};
use crate::checks::AndroidFloor;
use crate::checks::offline::{self, Extras, Input};
use crate::lang::Lang;
use crate::miniprogram::Api;
use crate::probe::Trace;
use crate::report::Report;
use crate::target::Target;
use crate::trust::Roots;

/// The files to read: the bundle's, in order (leaf first), and the key's.
#[derive(Clone, Debug)]
pub struct Files {
    pub bundle: Vec<PathBuf>,
    pub key: Option<PathBuf>,
}

/// How the bundle is judged: `check`'s settings that apply without a server.
#[derive(Clone, Debug)]
pub struct Options {
    pub roots: Roots,
    pub expiry_warn_days: u32,
    pub android: Option<AndroidFloor>,
    /// The host the phone would ask for; `None`: the leaf's first name.
    pub host: Option<String>,
    pub lang: Lang,
}

/// Why the files could not be judged: one line, exit code 3.
#[derive(Debug, thiserror::Error)]
pub enum CertFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Bundle { path: PathBuf, source: BundleError },
    #[error("--key {}: {source}", path.display())]
    Key { path: PathBuf, source: BundleError },
    #[error("the files hold more than {} certificates together", bundle::MAX_CERTS)]
    TooMany,
    #[error("the leaf certificate names no host (no DNS or IP subjectAltName); give --host NAME")]
    NoHost,
    #[error("--host '{0}': not a host name")]
    BadHost(String),
}

/// Reads and judges the files at `now`: the report `check` would write for a
/// server sending this chain, with every check that needs a server skipped.
pub fn diagnose(files: &Files, options: &Options, now: SystemTime) -> Result<Report, CertFileError> {
    let certs = read_bundle(&files.bundle)?;
    let key = files.key.as_deref().map(read_key).transpose()?;
    let leaf = CertFacts::parse(&certs[0]).map_err(|e| bundle_error(&files.bundle[0], e))?;
    let (host, host_from_leaf) = match &options.host {
        Some(host) => (host.clone(), false),
        None => (leaf_host(&leaf).ok_or(CertFileError::NoHost)?, true),
    };
    let target = target_for(&host)?;
    let host = target.host();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let chain = Chain::analyze(&certs, &options.roots, &host, secs).map_err(|error| {
        // read_certificates parsed every certificate already: not expected.
        let reason = match error {
            ChainError::Empty => "no certificate".to_owned(),
            ChainError::Unparseable { reason, .. } => reason.0,
        };
        bundle_error(&files.bundle[0], crate::cert::BadCertificate(reason))
    })?;
    let input = Input {
        host: &host,
        now: secs,
        expiry_warn_days: options.expiry_warn_days,
        roots: &options.roots,
        android: options.android.as_ref(),
        lang: options.lang,
    };
    let extras = Extras { host_from_leaf, key_matches: key.as_ref().map(|key| bundle::matches(key, &certs[0])) };
    let checks = offline::checks(&chain, &input, extras);
    let trace = Trace::empty(now);
    let mut report = Report::new(&target, checks, Api::Request, &trace, Some(chain));
    report.of_files = true;
    report.target = files.bundle.iter().map(|path| file_url(path)).collect::<Vec<_>>().join(" ");
    Ok(report)
}

/// Every file's certificates, in order.
fn read_bundle(paths: &[PathBuf]) -> Result<Vec<CertificateDer<'static>>, CertFileError> {
    let mut certs = Vec::new();
    for path in paths {
        let bytes = read_capped(path)?;
        certs.extend(
            bundle::read_certificates(&bytes).map_err(|source| CertFileError::Bundle { path: path.clone(), source })?,
        );
        if certs.len() > bundle::MAX_CERTS {
            return Err(CertFileError::TooMany);
        }
    }
    if certs.is_empty() {
        return Err(CertFileError::Bundle { path: PathBuf::from("-"), source: BundleError::Empty });
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKey, CertFileError> {
    let bytes = read_capped(path)?;
    bundle::read_private_key(&bytes).map_err(|source| CertFileError::Key { path: path.to_path_buf(), source })
}

/// The file, or its first `MAX_BYTES + 1` bytes (enough to refuse it as too large).
fn read_capped(path: &Path) -> Result<Vec<u8>, CertFileError> {
    let read_error = |source| CertFileError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(bundle::MAX_BYTES as u64 + 1).read_to_end(&mut bytes).map_err(read_error)?;
    Ok(bytes)
}

fn bundle_error(path: &Path, error: crate::cert::BadCertificate) -> CertFileError {
    let source = BundleError::BadCertificate { position: 1, reason: error.0 };
    CertFileError::Bundle { path: path.to_path_buf(), source }
}

/// The leaf's first DNS name that is not a wildcard, else its first wildcard
/// with `*` as `www`, else its first IP address.
fn leaf_host(leaf: &CertFacts) -> Option<String> {
    let names = &leaf.dns_names;
    names
        .iter()
        .find(|name| !name.contains('*'))
        .cloned()
        .or_else(|| names.iter().find_map(|name| name.strip_prefix("*.")).map(|base| format!("www.{base}")))
        .or_else(|| leaf.ip_addrs.first().map(ToString::to_string))
}

/// An https URL for `host` (IPv6 in brackets), for the report's rules.
fn target_for(host: &str) -> Result<Target, CertFileError> {
    let bad = || CertFileError::BadHost(crate::text::clean(host, crate::text::MAX_NAME));
    let shown = if host.contains(':') { format!("[{host}]") } else { host.to_owned() };
    let target = Target::parse(&format!("https://{shown}/")).map_err(|_| bad())?;
    if target.url.path() != "/" || target.url.query().is_some() || target.url.username() != "" {
        return Err(bad());
    }
    Ok(target)
}

/// `file:///abs/path` (the report's `target`).
fn file_url(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    url::Url::from_file_path(&absolute).map_or_else(|()| format!("file://{}", absolute.display()), String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_come_from_the_leafs_names() {
        let leaf = |dns: &[&str], ips: &[&str]| CertFacts {
            dns_names: dns.iter().map(|s| s.to_string()).collect(),
            ip_addrs: ips.iter().map(|s| s.parse().unwrap()).collect(),
            ..sample()
        };
        assert_eq!(leaf_host(&leaf(&["*.a.test", "b.test"], &[])).as_deref(), Some("b.test"));
        assert_eq!(leaf_host(&leaf(&["*.a.test"], &[])).as_deref(), Some("www.a.test"));
        assert_eq!(leaf_host(&leaf(&[], &["::1"])).as_deref(), Some("::1"));
        assert_eq!(leaf_host(&leaf(&[], &[])), None);
    }

    #[test]
    fn hosts_become_https_targets_or_are_refused() {
        assert_eq!(target_for("api.test").unwrap().host(), "api.test");
        assert_eq!(target_for("::1").unwrap().host(), "::1");
        for bad in ["", "a/b", "a?b", "u@h", "a b"] {
            assert!(matches!(target_for(bad), Err(CertFileError::BadHost(_))), "{bad}");
        }
    }

    fn sample() -> CertFacts {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["x.test".into()]).unwrap().self_signed(&key).unwrap();
        CertFacts::parse(cert.der()).unwrap()
    }
}
