//! Step 3, the certificate: every cert.* rule, decided on the chain the server
//! sent (captured even when rustls refused it), so that all defects are named
//! at once rather than only the first one a TLS library meets.

use std::time::UNIX_EPOCH;

use super::wx::{NetError, Wx};
use super::{Check, CheckId, Context, Status, upstream};
use crate::cert::{CertFacts, Chain, Key, Path, PathEnd, host_matches, rfc3339};
use crate::trust::RootsSource;

const IDS: [CheckId; 6] = [
    CheckId::CertTrusted,
    CheckId::CertChain,
    CheckId::CertHostname,
    CheckId::CertExpiry,
    CheckId::CertKey,
    CheckId::CertSignature,
];

/// What the rules need besides the chain; all plain values, so the rules are
/// pure functions, unit-tested on PEM fixtures with a fixed clock.
pub struct Input<'a> {
    pub host: &'a str,
    /// This machine's clock, Unix seconds.
    pub now: i64,
    pub expiry_warn_days: u32,
    /// rustls' refusal of the chain, if it refused it.
    pub refusal: Option<&'a rustls::Error>,
    pub roots: &'a RootsSource,
}

/// The chain and what is known about it.
struct Analysis<'a> {
    chain: &'a [CertFacts],
    path: &'a Path,
    accepted: bool,
    host: &'a str,
    now: i64,
    expiry_warn_days: u32,
    roots: &'a RootsSource,
}

pub(super) fn checks(cx: &Context<'_>) -> Vec<Check> {
    let refusal = match presented(cx) {
        Ok(refusal) => refusal,
        Err(because) => return IDS.iter().map(|id| Check::skip(*id, because.clone())).collect(),
    };
    let chain = match cx.chain {
        Some(Ok(chain)) => chain,
        Some(Err(why)) => return unparseable(why),
        None => return IDS.iter().map(|id| Check::skip(*id, "no certificate to judge")).collect(),
    };
    let host = cx.target.host();
    let now = cx.now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let input = Input {
        host: &host,
        now,
        expiry_warn_days: cx.options.expiry_warn_days,
        refusal,
        roots: &cx.options.roots.source,
    };
    judge(chain, &input)
}

/// Every cert.* rule on one chain, in catalogue order.
pub fn judge(chain: &Chain, input: &Input<'_>) -> Vec<Check> {
    let a = Analysis {
        chain: &chain.certs,
        path: &chain.path,
        accepted: input.refusal.is_none(),
        host: input.host,
        now: input.now,
        expiry_warn_days: input.expiry_warn_days,
        roots: input.roots,
    };
    let mut checks = vec![trusted(&a), chain_check(&a), hostname(&a), expiry(&a), key(&a), signature(&a)];
    if let Some(error) = input.refusal
        && !checks.iter().any(|c| c.status == Status::Fail)
    {
        let data = std::mem::take(&mut checks[0].data);
        checks[0] = unexplained(error);
        checks[0].data = data;
    }
    checks
}

/// rustls refused the chain for a reason no other rule names: cert.trusted
/// carries it, so a refused certificate can never pass unnoticed.
fn unexplained(error: &rustls::Error) -> Check {
    use rustls::{CertificateError, Error};
    let summary = match error {
        Error::InvalidCertificate(
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
        ) => "the certificate is not valid for TLS server authentication (its extendedKeyUsage lacks serverAuth)"
            .to_owned(),
        Error::InvalidCertificate(CertificateError::BadSignature) => {
            "a signature in the chain does not verify".to_owned()
        }
        other => format!("the TLS library refuses the chain: {other}"),
    };
    Check::fail(CheckId::CertTrusted, summary)
        .hint("reissue the certificate from a public CA for TLS server use, and install its full chain")
        .wx(Some(Wx::net(NetError::CertAuthorityInvalid)))
}

/// rustls' refusal (if any) of the chain the server sent, or why there is no chain.
fn presented<'a>(cx: &'a Context<'_>) -> Result<Option<&'a rustls::Error>, String> {
    if cx.target.is_fetchable() && !cx.target.uses_tls() {
        return Err(format!("{}: URLs carry no certificate (url.scheme)", cx.target.url.scheme()));
    }
    let Some(tls) = cx.trace.connection.as_ref().and_then(|c| c.tls.as_ref()) else {
        return Err(upstream(cx).unwrap_or_else(|| "no TLS handshake was attempted".into()));
    };
    if tls.presented.is_empty() {
        let cause = upstream(cx).unwrap_or_else(|| "the handshake ended first (tls.handshake)".into());
        return Err(format!("the server sent no certificate: {cause}"));
    }
    Ok(tls.refusal())
}

fn unparseable(why: &str) -> Vec<Check> {
    let mut checks = vec![
        Check::fail(CheckId::CertTrusted, format!("the server sent a certificate that cannot be parsed: {why}"))
            .hint("reinstall the certificate files: the chain file must hold PEM certificates, leaf first")
            .wx(Some(Wx::net(NetError::CertAuthorityInvalid))),
    ];
    checks.extend(IDS[1..].iter().map(|id| Check::skip(*id, "the chain cannot be parsed (cert.trusted)")));
    checks
}

fn chain_names(a: &Analysis<'_>) -> String {
    let mut names: Vec<String> = a.path.links.iter().map(|i| a.chain[*i].name.clone()).collect();
    if let PathEnd::Trusted(root) = &a.path.end
        && a.path.links.last().is_none_or(|i| !a.chain[*i].self_issued())
    {
        names.push(format!("{root} (trusted root)"));
    }
    names.join(" → ")
}

fn trusted(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertTrusted;
    let roots = a.roots;
    let untrusted = |summary: String| {
        Check::fail(id, summary)
            .hint(format!("use a certificate from a CA that phones trust; the roots used here are {roots}"))
            .wx(Some(Wx::net(NetError::CertAuthorityInvalid)))
    };
    let check = match &a.path.end {
        PathEnd::Trusted(root) => Check::pass(id, format!("the chain leads to the trusted root '{root}' ({roots})")),
        _ if a.accepted => Check::pass(id, format!("the chain leads to a trusted root ({roots})")),
        PathEnd::UntrustedRoot(0) => untrusted(format!("the certificate '{}' is self-signed", a.chain[0].name)),
        PathEnd::UntrustedRoot(index) => {
            untrusted(format!("the chain ends at '{}', a root that is not trusted (unknown CA)", a.chain[*index].name))
        }
        PathEnd::Missing { after: 0, .. } => Check::skip(id, "cannot tell while the chain is incomplete (cert.chain)"),
        PathEnd::Missing { after, issuer } => untrusted(format!(
            "the chain ends at '{}', issued by '{issuer}', which is neither sent nor a trusted root: an unknown CA, or an intermediate the server does not send",
            a.chain[*after].name
        )),
    };
    check.data("chain", chain_names(a))
}

fn chain_check(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertChain;
    let names = chain_names(a);
    match &a.path.end {
        PathEnd::UntrustedRoot(0) => return Check::skip(id, "a self-signed certificate has no chain (cert.trusted)"),
        PathEnd::Missing { after: 0, issuer } if !a.accepted => {
            let from = a.chain[0]
                .aia_issuer
                .as_ref()
                .map(|url| format!(" (its CA publishes it at {url})"))
                .unwrap_or_default();
            return Check::fail(id, format!("the server does not send the intermediate certificate '{issuer}' that issued its certificate{from}"))
                .hint(format!("append '{issuer}' to the server's certificate file after the leaf; phones do not fetch missing intermediates"))
                .wx(Some(Wx::net(NetError::CertAuthorityInvalid)))
                .data("missing", issuer.clone());
        }
        _ => {}
    }
    if a.path.out_of_order {
        return Check::warn(id, format!("the chain is sent out of order (the path is {names})"))
            .hint("order the certificate file leaf first, then each certificate's issuer");
    }
    if !a.path.extras.is_empty() {
        let extra: Vec<&str> = a.path.extras.iter().map(|i| a.chain[*i].name.as_str()).collect();
        return Check::warn(id, format!("the server sends certificates the chain does not need: {}", extra.join(", ")))
            .hint("remove them from the certificate file; they cost bytes in every handshake");
    }
    Check::pass(id, format!("complete: {names}")).data("chain", names)
}

fn hostname(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertHostname;
    let leaf = &a.chain[0];
    let sans = leaf.alt_names();
    if host_matches(leaf, a.host) {
        return Check::pass(id, format!("{} is covered by the certificate ({})", a.host, sans.join(", ")))
            .data("san", sans);
    }
    let summary = if sans.is_empty() {
        format!("the certificate has no subjectAltName, so it covers no host ('{}' in the CN is ignored)", leaf.name)
    } else {
        format!("{} is not in the certificate's subjectAltName ({})", a.host, sans.join(", "))
    };
    Check::fail(id, summary)
        .hint(format!("reissue the certificate with DNS:{} in its subjectAltName (the CN is ignored)", a.host))
        .wx(Some(Wx::net(NetError::CertCommonNameInvalid)))
        .data("san", sans)
}

fn expiry(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertExpiry;
    let needed = a.path.links.iter().map(|i| (*i, &a.chain[*i])).filter(|(i, c)| *i == 0 || !c.self_issued());
    for (index, cert) in needed {
        let what = if index == 0 { "the certificate".to_owned() } else { format!("the intermediate '{}'", cert.name) };
        if cert.not_before > a.now {
            return date_invalid(format!("{what} is not valid yet: it starts in {} (not before {})", span(cert.not_before - a.now), rfc3339(cert.not_before)))
                .hint("if the certificate is new, check this machine's clock (clock.skew); otherwise reissue it with a correct start date");
        }
        if cert.not_after < a.now {
            return date_invalid(format!(
                "{what} expired {} ago (not after {})",
                span(a.now - cert.not_after),
                rfc3339(cert.not_after)
            ))
            .hint("renew the certificate (and install the CA's current intermediate), then reload the server");
        }
    }
    let leaf = &a.chain[0];
    let left = leaf.not_after - a.now;
    let until = format!("not after {}", rfc3339(leaf.not_after));
    let check = if left < i64::from(a.expiry_warn_days) * 86_400 {
        Check::warn(id, format!("the certificate expires in {} ({until})", span(left)))
            .hint("renew it now; phones refuse it the moment it expires")
    } else {
        Check::pass(id, format!("valid for another {} ({until})", span(left)))
    };
    check.data("not_after", rfc3339(leaf.not_after)).data("days_left", left / 86_400)
}

fn date_invalid(summary: String) -> Check {
    Check::fail(CheckId::CertExpiry, summary).wx(Some(Wx::net(NetError::CertDateInvalid)))
}

/// A duration as people say it, rounded down: `89 days`, `1 day 23 hours`, `5 hours`.
fn span(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (days, hours) {
        (3.., _) | (1..=2, 0) => plural(days, "day"),
        (1..=2, _) => format!("{} {}", plural(days, "day"), plural(hours, "hour")),
        (0, 1..) => plural(hours, "hour"),
        _ => plural(minutes, "minute"),
    }
}

fn plural(n: i64, unit: &str) -> String {
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The certificates whose keys and signatures matter: the path, minus roots.
fn path_certs<'b>(a: &Analysis<'b>) -> impl Iterator<Item = &'b CertFacts> {
    a.path
        .links
        .iter()
        .map(|i| &a.chain[*i])
        .enumerate()
        .filter(|(pos, c)| *pos == 0 || !c.self_issued())
        .map(|(_, c)| c)
}

fn key(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertKey;
    for cert in path_certs(a) {
        let problem = match &cert.key {
            Key::Rsa { bits } if *bits < 2048 => {
                Some((format!("an RSA key of {bits} bits (under 2048)"), Some(Wx::net(NetError::CertWeakKey))))
            }
            Key::Ec { curve } if curve != "P-256" && curve != "P-384" => {
                Some((format!("an EC key on {curve} (only P-256 and P-384 are accepted)"), None))
            }
            Key::Ed25519 | Key::Ed448 => Some((
                format!(
                    "an {} key, which the phone's TLS stack (Chromium/Cronet) does not accept in certificates",
                    cert.key
                ),
                None,
            )),
            Key::Other { algorithm } => {
                Some((format!("a key of algorithm {algorithm}, which phones do not accept"), None))
            }
            _ => None,
        };
        if let Some((what, wx)) = problem {
            return Check::fail(id, format!("'{}' has {what}", cert.name))
                .hint("reissue the certificate with an RSA 2048+ or ECDSA P-256/P-384 key")
                .wx(wx);
        }
    }
    let leaf_key = a.chain[0].key.to_string();
    Check::pass(id, format!("{leaf_key} key")).data("leaf_key", leaf_key)
}

fn signature(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertSignature;
    if let Some(cert) = path_certs(a).find(|c| c.signature.weak_hash.is_some()) {
        let hash = cert.signature.weak_hash.unwrap_or_default();
        return Check::fail(id, format!("'{}' is signed with {hash} ({})", cert.name, cert.signature.name))
            .hint(format!("{hash} signatures are refused; reissue the certificate signed with SHA-256"))
            .wx(Some(Wx::net(NetError::CertWeakSignatureAlgorithm)));
    }
    let mut algorithms: Vec<&str> = path_certs(a).map(|c| c.signature.name.as_str()).collect();
    algorithms.dedup();
    Check::pass(id, format!("signed with {}", algorithms.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::Roots;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;

    /// The committed fixtures of tests/fixtures/certs (fixed dates; see its README).
    fn pem(name: &str) -> CertificateDer<'static> {
        let path = format!("{}/tests/fixtures/certs/{name}.pem", env!("CARGO_MANIFEST_DIR"));
        CertificateDer::from_pem_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn roots() -> Roots {
        Roots::from_pem_file(std::path::Path::new(&format!(
            "{}/tests/fixtures/certs/root.pem",
            env!("CARGO_MANIFEST_DIR")
        )))
        .unwrap()
    }

    /// 2026-06-01T00:00:00Z, inside every fixture's validity.
    const JUNE: i64 = 1_780_272_000;
    const DAY: i64 = 86_400;

    /// (id, status, summary fragment) for every check of one judgement.
    fn judged(chain: &[&str], host: &str, now: i64, refusal: Option<&rustls::Error>) -> Vec<(CheckId, Status, String)> {
        let der: Vec<CertificateDer<'static>> = chain.iter().map(|n| pem(n)).collect();
        let roots = roots();
        let chain = Chain::analyze(&der, &roots).unwrap();
        let input = Input { host, now, expiry_warn_days: 14, refusal, roots: &roots.source };
        judge(&chain, &input).into_iter().map(|c| (c.id, c.status, c.summary)).collect()
    }

    #[track_caller]
    fn expect(checks: &[(CheckId, Status, String)], id: CheckId, status: Status, needle: &str) {
        let (_, got, summary) = checks.iter().find(|(i, ..)| *i == id).expect("the check is there");
        assert_eq!((*got, summary.contains(needle)), (status, true), "{id}: {got:?} {summary:?} wanted {needle:?}");
    }

    #[test]
    fn a_good_chain_passes_every_rule() {
        let checks = judged(&["leaf", "intermediate"], "api.example.com", JUNE, None);
        for (id, status, summary) in &checks {
            assert_eq!(*status, Status::Pass, "{id}: {summary}");
        }
        expect(&checks, CheckId::CertTrusted, Status::Pass, "'Fixture Root CA'");
        expect(
            &checks,
            CheckId::CertChain,
            Status::Pass,
            "api.example.com → Fixture Intermediate CA → Fixture Root CA",
        );
        expect(
            &checks,
            CheckId::CertExpiry,
            Status::Pass,
            "valid for another 213 days (not after 2026-12-31T23:59:59Z)",
        );
        expect(&checks, CheckId::CertSignature, Status::Pass, "sha256WithRSAEncryption, ecdsa-with-SHA256");
    }

    #[test]
    fn expiry_follows_the_clock() {
        let at = |now| judged(&["leaf", "intermediate"], "api.example.com", now, None);
        expect(&at(1_798_761_600 + 10 * DAY), CheckId::CertExpiry, Status::Fail, "the certificate expired 10 days ago");
        expect(
            &at(1_767_225_600 - 3 * DAY),
            CheckId::CertExpiry,
            Status::Fail,
            "is not valid yet: it starts in 3 days",
        );
        expect(&at(1_798_761_599 - 5 * DAY), CheckId::CertExpiry, Status::Warn, "expires in 5 days");
    }

    #[test]
    fn the_missing_intermediate_is_named_with_its_aia_url() {
        let checks = judged(
            &["leaf"],
            "api.example.com",
            JUNE,
            Some(&rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)),
        );
        expect(&checks, CheckId::CertChain, Status::Fail, "'Fixture Intermediate CA'");
        expect(&checks, CheckId::CertChain, Status::Fail, "http://ca.example.com/intermediate.crt");
        expect(&checks, CheckId::CertTrusted, Status::Skip, "cert.chain");
    }

    #[test]
    fn hostnames_follow_the_san_only() {
        let leaf = |host| judged(&["leaf", "intermediate"], host, JUNE, None);
        expect(&leaf("www.example.com"), CheckId::CertHostname, Status::Pass, "DNS:*.example.com");
        expect(&leaf("a.b.example.com"), CheckId::CertHostname, Status::Fail, "a.b.example.com is not in");
        expect(&leaf("example.com"), CheckId::CertHostname, Status::Fail, "");
        let no_san = judged(&["leaf-no-san", "intermediate"], "api.example.com", JUNE, None);
        expect(&no_san, CheckId::CertHostname, Status::Fail, "has no subjectAltName");
        let ip = |host| judged(&["leaf-ip-san", "intermediate"], host, JUNE, None);
        expect(&ip("192.0.2.10"), CheckId::CertHostname, Status::Pass, "IP:192.0.2.10");
        expect(&ip("api.example.com"), CheckId::CertHostname, Status::Fail, "");
    }

    #[test]
    fn weak_keys_and_signatures_are_named() {
        let good_host = "api.example.com";
        expect(
            &judged(&["leaf-rsa1024", "intermediate"], good_host, JUNE, None),
            CheckId::CertKey,
            Status::Fail,
            "RSA key of 1024 bits",
        );
        expect(&judged(&["leaf-p521", "intermediate"], good_host, JUNE, None), CheckId::CertKey, Status::Fail, "P-521");
        expect(
            &judged(&["leaf-sha1", "intermediate"], good_host, JUNE, None),
            CheckId::CertSignature,
            Status::Fail,
            "SHA-1 (sha1WithRSAEncryption)",
        );
        expect(
            &judged(&["leaf-md5", "intermediate"], good_host, JUNE, None),
            CheckId::CertSignature,
            Status::Fail,
            "MD5 (md5WithRSAEncryption)",
        );
    }

    #[test]
    fn several_defects_are_all_named() {
        let checks = judged(&["leaf-rsa1024", "intermediate"], "other.test", 1_798_761_600 + 2 * DAY, None);
        let failing: Vec<CheckId> = checks.iter().filter(|(_, s, _)| *s == Status::Fail).map(|(id, ..)| *id).collect();
        assert_eq!(failing, [CheckId::CertHostname, CheckId::CertExpiry, CheckId::CertKey]);
    }

    #[test]
    fn order_and_extras_warn() {
        let reversed = judged(&["leaf", "root", "intermediate"], "api.example.com", JUNE, None);
        expect(&reversed, CheckId::CertChain, Status::Warn, "out of order");
        let extra = judged(&["leaf", "intermediate", "leaf-md5"], "api.example.com", JUNE, None);
        expect(&extra, CheckId::CertChain, Status::Warn, "does not need: api.example.com");
        let with_root = judged(&["leaf", "intermediate", "root"], "api.example.com", JUNE, None);
        expect(&with_root, CheckId::CertChain, Status::Pass, "complete");
    }

    #[test]
    fn a_refusal_no_rule_explains_fails_cert_trusted() {
        let eku = rustls::Error::InvalidCertificate(rustls::CertificateError::InvalidPurpose);
        let checks = judged(&["leaf", "intermediate"], "api.example.com", JUNE, Some(&eku));
        expect(&checks, CheckId::CertTrusted, Status::Fail, "lacks serverAuth");
    }

    #[test]
    fn spans_read_naturally() {
        assert_eq!(span(2 * 86_400 + 5), "2 days");
        assert_eq!(span(2 * 86_400 - 5), "1 day 23 hours");
        assert_eq!(span(4 * 86_400 + 7200), "4 days");
        assert_eq!(span(86_400), "1 day");
        assert_eq!(span(5 * 3600), "5 hours");
        assert_eq!(span(61), "1 minute");
        assert_eq!(span(-5), "0 minutes");
    }

    #[test]
    fn keys_are_named() {
        assert_eq!(Key::Rsa { bits: 2048 }.to_string(), "RSA 2048-bit");
        assert_eq!(Key::Ec { curve: "P-256".into() }.to_string(), "ECDSA P-256");
    }
}
