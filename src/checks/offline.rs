//! `reqdoctor cert`: the catalogue judged for a certificate bundle read from
//! files, with no server. The cert.* rules are the very ones `check` runs
//! ([`cert::judge`]); every other check is `skip` (there is no server to ask),
//! and a private key given with the bundle is judged in cert.key.

pub use super::cert::Input;

use super::cert;
use super::wx::{NetError, Phone};
use super::{Check, CheckId, Status};
use crate::cert::Chain;
use crate::lang::Lang;
use crate::say;

/// What `reqdoctor cert` knows beyond the chain.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras {
    /// The host was not given but taken from the leaf's names.
    pub host_from_leaf: bool,
    /// Whether the private key given is the leaf's; `None` when none was given.
    pub key_matches: Option<bool>,
}

/// Every check of the catalogue, in report order, for `chain` read from files.
pub fn checks(chain: &Chain, input: &Input<'_>, extras: Extras) -> Vec<Check> {
    let lang = input.lang;
    let because = say!(lang, "no server: reqdoctor cert reads files", "没有服务器：reqdoctor cert 只读取文件");
    let mut checks: Vec<Check> = CheckId::always()
        .filter(|id| id.row().name.split('.').next() != Some("cert"))
        .map(|id| Check::skip(id, because.clone()))
        .collect();
    for check in cert::judge(chain, input) {
        let check = match check.id {
            CheckId::CertHostname if extras.host_from_leaf => host_from_leaf(check, input.host, lang),
            CheckId::CertKey => match extras.key_matches {
                Some(matches) => private_key(check, matches, lang),
                None => check,
            },
            _ => check,
        };
        checks.push(check);
    }
    checks.sort_by_key(|check| check.id);
    checks
}

/// cert.hostname says which name it checked when nobody gave one.
fn host_from_leaf(mut check: Check, host: &str, lang: Lang) -> Check {
    check.summary = say!(
        lang,
        "{} (checked for {host}, the leaf's first name; give --host for another)",
        "{}（检查的域名 {host} 取自证书的第一个名称；可用 --host 指定其他域名）",
        check.summary
    );
    check.data("host_from", "leaf")
}

/// cert.key with the private key: `data.private_key_matches`, and a failure
/// when the key is not the leaf's.
fn private_key(check: Check, matches: bool, lang: Lang) -> Check {
    let check = check.data("private_key_matches", matches);
    if matches {
        let summary = say!(lang, "{}; the private key matches the leaf", "{}；私钥与证书匹配", check.summary);
        return Check { summary, ..check };
    }
    let mut summary = say!(
        lang,
        "the private key does not match the leaf certificate (its public key differs)",
        "私钥与证书不匹配（公钥不同）"
    );
    if check.status != Status::Pass {
        summary = format!("{summary}; {}", check.summary);
    }
    let hint = say!(
        lang,
        "install the key the certificate was issued for (the CSR's key), or reissue the certificate for this key; most servers refuse to start with a mismatched pair (nginx: \"key values mismatch\"), and a server that starts cannot complete a handshake",
        "请安装签发该证书时所用（CSR 对应）的私钥，或用此私钥重新签发证书；多数服务器在证书与私钥不匹配时无法启动（nginx：“key values mismatch”），即使启动也无法完成握手"
    );
    Check { status: Status::Fail, summary, ..check }.hint(hint).phone(Phone::Net(NetError::SslProtocolError))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::Roots;

    /// The offline checks of a self-signed api.test leaf trusted as its own root.
    fn judged(extras: Extras, lang: Lang) -> Vec<Check> {
        let key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["api.test".to_owned()]).unwrap().self_signed(&key).unwrap();
        let mut store = rustls::RootCertStore::empty();
        store.add(leaf.der().clone()).unwrap();
        let roots = Roots::from_store(store);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let chain = Chain::analyze(&[leaf.der().clone()], &roots, "api.test", now).unwrap();
        let input = Input { host: "api.test", now, expiry_warn_days: 14, roots: &roots, android: None, lang };
        checks(&chain, &input, extras)
    }

    fn find(checks: &[Check], id: CheckId) -> &Check {
        checks.iter().find(|c| c.id == id).unwrap()
    }

    #[test]
    fn every_check_once_in_order_and_only_cert_checks_judged() {
        let checks = judged(Extras::default(), Lang::En);
        assert!(checks.iter().map(|c| c.id).eq(CheckId::always()));
        for check in &checks {
            let is_cert = check.id.as_str().starts_with("cert.");
            assert_eq!(check.status == Status::Skip, !is_cert, "{check:?}");
        }
        assert!(find(&checks, CheckId::TcpConnect).summary.contains("no server"));
        assert!(!find(&checks, CheckId::CertKey).data.contains_key("private_key_matches"));
    }

    #[test]
    fn a_key_that_is_not_the_leafs_fails_cert_key() {
        let mismatched = judged(Extras { key_matches: Some(false), ..Extras::default() }, Lang::Zh);
        let key = find(&mismatched, CheckId::CertKey);
        assert_eq!(key.status, Status::Fail);
        assert!(key.summary.contains("私钥与证书不匹配") && key.hint.is_some(), "{key:?}");
        assert_eq!(key.data["private_key_matches"], false);
        assert_eq!(key.phone, Some(Phone::Net(NetError::SslProtocolError)));
        let matched = judged(Extras { key_matches: Some(true), host_from_leaf: true }, Lang::En);
        assert_eq!(find(&matched, CheckId::CertKey).status, Status::Pass);
        assert_eq!(find(&matched, CheckId::CertKey).data["private_key_matches"], true);
        assert!(find(&matched, CheckId::CertHostname).summary.contains("the leaf's first name"));
    }
}
