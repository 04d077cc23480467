//! The path from the leaf toward a root as the verifier found it (`verify.rs`
//! builds it), as people read it, and whether a host name is covered.

use std::net::IpAddr;

use super::CertFacts;
use crate::lang::Lang;
use crate::say;

/// The path from the leaf upward through the certificates the server sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Path {
    /// Indices into the sent chain, leaf first.
    pub links: Vec<usize>,
    pub end: PathEnd,
    /// Sent certificates the path does not use.
    pub extras: Vec<usize>,
    /// The path's certificates were not sent leaf first, each followed by its issuer.
    pub out_of_order: bool,
}

/// Where the path stops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathEnd {
    /// At a trusted root, named.
    Trusted(String),
    /// At a self-issued certificate that is not a trusted root (index into the chain).
    UntrustedRoot(usize),
    /// The certificate at `after` names an issuer that is neither sent nor trusted.
    Missing { after: usize, issuer: String },
}

/// One step of the path as people read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathStep {
    /// A certificate the server sent, by its index in the chain.
    Sent(usize),
    /// The sent, self-issued certificate the path ends at, and whether it is a trusted root.
    SentRoot { index: usize, trusted: bool },
    /// The trusted root the path ends at, from the trust store (not sent).
    StoreRoot(String),
    /// The issuer where the path stops: neither sent nor trusted.
    Missing(String),
}

impl Path {
    /// The path as steps, leaf first, ending where the path ends.
    pub fn steps(&self, chain: &[CertFacts]) -> Vec<PathStep> {
        let last = self.links.len() - 1;
        let trusted = matches!(self.end, PathEnd::Trusted(_));
        let mut steps: Vec<PathStep> = self
            .links
            .iter()
            .enumerate()
            .map(|(position, &index)| match position == last && position > 0 && chain[index].self_issued() {
                true => PathStep::SentRoot { index, trusted },
                false => PathStep::Sent(index),
            })
            .collect();
        match &self.end {
            PathEnd::Trusted(root) if !chain[self.links[last]].self_issued() => {
                steps.push(PathStep::StoreRoot(root.clone()));
            }
            PathEnd::Missing { issuer, .. } => steps.push(PathStep::Missing(issuer.clone())),
            _ => {}
        }
        steps
    }
}

/// Draws the path as one line, `leaf → intermediate → root (trusted root)`:
/// `sent` words each certificate the server sent (`Some(trusted)` for a sent
/// root); a root from the trust store and a missing issuer are worded here,
/// the same for every caller (`cert.chain` and the text report's chain line).
pub fn draw(steps: &[PathStep], lang: Lang, sent: impl Fn(usize, Option<bool>) -> String) -> String {
    let words: Vec<String> = steps
        .iter()
        .map(|step| match step {
            PathStep::Sent(index) => sent(*index, None),
            PathStep::SentRoot { index, trusted } => sent(*index, Some(*trusted)),
            PathStep::StoreRoot(root) => say!(lang, "{root} (trusted root)", "{root}（受信任的根证书）"),
            PathStep::Missing(issuer) => {
                say!(lang, "{issuer} (not sent, not trusted)", "{issuer}（服务器未发送，也不受信任）")
            }
        })
        .collect();
    words.join(" → ")
}

/// Whether `host` is covered by the certificate's subjectAltName (CN ignored):
/// exact names, or a wildcard that stands for exactly one leftmost label.
pub fn host_matches(cert: &CertFacts, host: &str) -> bool {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return cert.ip_addrs.contains(&ip);
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    cert.dns_names.iter().any(|pattern| name_matches(pattern.trim_end_matches('.'), &host))
}

/// Whether one subjectAltName entry (`DNS:…` or `IP:…`, as `CertFacts::alt_names`
/// writes them) covers `host`.
pub fn san_covers(san: &str, host: &str) -> bool {
    if let Some(ip) = san.strip_prefix("IP:") {
        return host.parse::<IpAddr>().ok().zip(ip.parse::<IpAddr>().ok()).is_some_and(|(h, s)| h == s);
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    san.strip_prefix("DNS:").is_some_and(|pattern| name_matches(pattern.trim_end_matches('.'), &host))
}

fn name_matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => wildcard_shape(suffix, host) && !icann_suffix(host, suffix),
        None => pattern == host,
    }
}

/// `*.suffix` would stand for `host`'s leftmost label, were wildcards allowed there.
fn wildcard_shape(suffix: &str, host: &str) -> bool {
    match host.split_once('.') {
        Some((label, rest)) => !label.is_empty() && rest == suffix && suffix.contains('.'),
        None => false,
    }
}

/// Whether `suffix` is `host`'s public suffix in the ICANN section of the
/// Public Suffix List: Chromium allows no wildcard over one (`*.co.uk`),
/// while private-registry suffixes (`*.s3.amazonaws.com`) stay allowed.
fn icann_suffix(host: &str, suffix: &str) -> bool {
    psl::suffix(host.as_bytes())
        .is_some_and(|s| s.typ() == Some(psl::Type::Icann) && s.trim().as_bytes() == suffix.as_bytes())
}

/// The leaf's wildcard SAN that would cover `host` but stands over a public
/// suffix, which phones refuse (`DNS:*.co.uk` for `api.co.uk`).
pub fn wildcard_over_public_suffix(cert: &CertFacts, host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    cert.dns_names.iter().find_map(|pattern| {
        let suffix = pattern.trim_end_matches('.').strip_prefix("*.")?;
        (wildcard_shape(suffix, &host) && icann_suffix(&host, suffix)).then(|| format!("DNS:{pattern}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::{Key, Signature};

    fn cert(subject: &str, issuer: &str) -> CertFacts {
        CertFacts {
            name: subject.into(),
            subject: subject.into(),
            issuer: issuer.into(),
            issuer_name: issuer.into(),
            subject_der: subject.as_bytes().to_vec(),
            issuer_der: issuer.as_bytes().to_vec(),
            serial: "01".into(),
            not_before: 0,
            not_after: 1,
            dns_names: vec![],
            ip_addrs: vec![],
            key: Key::Ec { curve: "P-256".into() },
            signature: Signature { name: "ecdsa-with-SHA256".into(), weak_hash: None },
            is_ca: false,
            path_len: None,
            key_usage: vec![],
            extended_key_usage: vec![],
            aia_issuer: None,
            sha256: String::new(),
            parts: Default::default(),
        }
    }

    #[test]
    fn a_sent_trusted_root_is_one_step_not_two() {
        let chain = [cert("leaf", "int"), cert("int", "root"), cert("root", "root")];
        let path =
            Path { links: vec![0, 1, 2], end: PathEnd::Trusted("root".into()), extras: vec![], out_of_order: false };
        let steps = path.steps(&chain);
        assert_eq!(steps, [PathStep::Sent(0), PathStep::Sent(1), PathStep::SentRoot { index: 2, trusted: true }]);
        let line = draw(&steps, Lang::En, |i, root| match root {
            Some(true) => format!("{} (trusted root)", chain[i].name),
            _ => chain[i].name.clone(),
        });
        assert_eq!(line, "leaf → int → root (trusted root)");
        let missing = Path {
            links: vec![0, 1],
            end: PathEnd::Missing { after: 1, issuer: "root".into() },
            extras: vec![],
            out_of_order: false,
        };
        assert_eq!(missing.steps(&chain[..2]).last(), Some(&PathStep::Missing("root".into())));
    }

    #[test]
    fn wildcards_cover_exactly_one_label() {
        let cases = [
            ("*.api.test", "x.api.test", true),
            ("*.api.test", "api.test", false),
            ("*.api.test", "a.b.api.test", false),
            ("*.test", "api.test", false),
            ("api.test", "API.TEST.", true),
            ("api.test", "api.test", true),
            ("api.test", "other.test", false),
            ("*.co.uk", "api.co.uk", false),
            ("*.example.co.uk", "api.example.co.uk", true),
            ("*.s3.amazonaws.com", "bucket.s3.amazonaws.com", true),
            ("*.com.cn", "api.com.cn", false),
        ];
        for (pattern, host, expected) in cases {
            let mut leaf = cert("leaf", "int");
            leaf.dns_names = vec![pattern.into()];
            assert_eq!(host_matches(&leaf, host), expected, "{pattern} vs {host}");
        }
    }

    #[test]
    fn idn_hosts_compare_in_ascii() {
        let host = crate::target::Target::parse("https://例子.测试/").unwrap().host();
        let mut leaf = cert("leaf", "int");
        leaf.dns_names = vec!["xn--fsqu00a.xn--0zwm56d".into()];
        assert!(host_matches(&leaf, &host));
        let sub = crate::target::Target::parse("https://接口.例子.测试/").unwrap().host();
        leaf.dns_names = vec!["*.xn--fsqu00a.xn--0zwm56d".into()];
        assert!(host_matches(&leaf, &sub), "a wildcard covers an IDN label too: {sub}");
    }

    #[test]
    fn ip_hosts_need_ip_sans() {
        let mut leaf = cert("leaf", "int");
        leaf.dns_names = vec!["127.0.0.1".into()];
        assert!(!host_matches(&leaf, "127.0.0.1"));
        leaf.ip_addrs = vec!["127.0.0.1".parse().unwrap()];
        assert!(host_matches(&leaf, "127.0.0.1"));
    }
}
