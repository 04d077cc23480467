//! Step 3, the root on old Androids: a chain that ends at a root which
//! Android releases the app must still support do not ship (or which AOSP
//! removed) fails on those phones with -202. Android's root history is
//! bundled (`crate::android`); `--min-android` sets the oldest release.

use std::sync::Arc;

use super::wx::{NetError, Phone};
use super::{Check, CheckId};
use crate::android::{AndroidRoots, Release};
use crate::cert::Chain;
use crate::lang::Lang;
use crate::say;
use crate::trust::Roots;

/// The oldest Android release checked by default: 7.0 (API 24), old enough to
/// cover nearly every phone that still runs WeChat, recent enough that a
/// warning concerns phones people use. Set your own from your users' devices.
pub const DEFAULT_MIN_ANDROID: &str = "7.0";

/// Which Android releases the chain's root must be on, and the history to read.
#[derive(Clone, Debug)]
pub struct AndroidFloor {
    pub roots: Arc<AndroidRoots>,
    /// The oldest release the app must still support.
    pub min: Release,
    /// The history came from `--android-roots`: judge roots of `--ca-file` too.
    pub given: bool,
}

/// How the phones from the floor up reach a trusted root.
pub(super) enum Reach {
    /// Every release from the floor up ships the chain's root.
    Root,
    /// Older releases follow the sent cross-signed copy of the root to this
    /// older root (named), which they ship; the chain's root ships since `since`.
    CrossSigned { via: String, since: String },
    /// Some of them cannot: cert.trusted's warning.
    Gap(Check),
}

/// How Android releases at or above the floor reach a root for this chain.
pub(super) fn reach(chain: &Chain, floor: &AndroidFloor, roots: &Roots, root_name: &str, lang: Lang) -> Reach {
    let Some(key) = chain.anchor_spki_sha256() else { return Reach::Root };
    let history = &floor.roots;
    let on_floor =
        |sha: &str| history.by_key(sha).is_some_and(|r| r.added_in_api <= floor.min.api && r.removed.is_none());
    if on_floor(&key) {
        return Reach::Root;
    }
    if let Some((via, _)) = cross_signed(chain, roots).into_iter().find(|(_, sha)| on_floor(sha)) {
        let since = history.by_key(&key).map_or_else(|| "never".to_owned(), |r| r.added_in.clone());
        return Reach::CrossSigned { via, since };
    }
    match gap(chain, floor, &key, root_name, lang) {
        Some(check) => Reach::Gap(check),
        None => Reach::Root,
    }
}

/// cert.trusted's warning when the chain's root (by `key`) is missing from
/// Android releases at or above the floor, if it is.
fn gap(chain: &Chain, floor: &AndroidFloor, key: &str, root_name: &str, lang: Lang) -> Option<Check> {
    let _ = chain;
    let history = &floor.roots;
    let key = key.to_owned();
    let (min, until) = (&floor.min.version, &history.history_until);
    let (summary, hint) = match history.by_key(&key) {
        None => (
            say!(
                lang,
                "the chain ends at '{root_name}', which no Android release in AOSP's root store (to {until}) ships: phones on Android {min} to 13 fail with -202, as do 14+ phones whose root store was not updated",
                "证书链止于“{root_name}”，AOSP 根证书库（截至 {until}）的所有 Android 版本都没有它：Android {min} 至 13 的手机会报 -202，未更新根证书库的 14 及以上手机也一样"
            ),
            cross_sign_hint(lang),
        ),
        Some(root) if root.added_in_api > floor.min.api => {
            let added = &root.added_in;
            (
                say!(
                    lang,
                    "the chain ends at '{root_name}', which Android ships only since {added}: phones on Android {min} up to before {added} fail with -202",
                    "证书链止于“{root_name}”，Android 从 {added} 起才内置它：Android {min} 至 {added} 之前的手机会报 -202"
                ),
                cross_sign_hint(lang),
            )
        }
        Some(root) => {
            let removed = root.removed.as_deref()?;
            let from = history
                .first_release_after(removed)
                .map_or_else(|| "a later release".to_owned(), |r| r.version.clone());
            (
                say!(
                    lang,
                    "the chain ends at '{root_name}', which AOSP removed on {removed}: phones on Android {from} and later fail with -202",
                    "证书链止于“{root_name}”，AOSP 已于 {removed} 将其移除：Android {from} 及以后的手机会报 -202"
                ),
                say!(
                    lang,
                    "move to a certificate from a CA whose root current Android releases ship",
                    "请换用根证书仍在当前 Android 版本中的 CA 签发的证书"
                ),
            )
        }
    };
    let check = Check::warn(CheckId::CertTrusted, summary).hint(hint).phone(Phone::Net(NetError::CertAuthorityInvalid));
    Some(check.data("min_android", min.clone()).data("root_spki_sha256", key.to_owned()))
}

/// The roots (name, and key as SHA-256 of the SubjectPublicKeyInfo, hex)
/// that issued a sent cross-signed copy of the chain's root: the root's key,
/// issued by another CA. Old phones without the root take that longer path.
fn cross_signed(chain: &Chain, roots: &Roots) -> Vec<(String, String)> {
    let Some(anchor_key) = chain.anchor_key.as_deref() else { return Vec::new() };
    chain
        .certs
        .iter()
        .filter(|c| c.parts.spki == anchor_key && !c.self_issued())
        .flat_map(|c| {
            let name = c.issuer_name.clone();
            roots
                .anchors_named(&c.issuer_der)
                .map(move |anchor| (name.clone(), crate::cert::spki_sha256(anchor.subject_public_key_info.as_ref())))
        })
        .collect()
}

fn cross_sign_hint(lang: Lang) -> String {
    say!(
        lang,
        "ask the CA for a chain cross-signed by an older root that those Android releases ship, and install it; or use a CA whose root they ship",
        "请向 CA 索取由这些 Android 版本内置的旧根证书交叉签名的证书链并部署；或换用根证书已被内置的 CA"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::android::Root;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    use rustls_pki_types::CertificateDer;

    fn ca_params(cn: &str) -> CertificateParams {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
    }

    fn entry(key: &str, added_in: &str, api: u32) -> Root {
        let (subject, not_after) = (String::new(), "2040-01-01".to_owned());
        Root {
            spki_sha256: key.to_owned(),
            subject,
            not_after,
            added_in: added_in.into(),
            added_in_api: api,
            removed: None,
        }
    }

    /// A new root (on Android since 12) cross-signed by an old one (since 4.0):
    /// old phones take the sent cross-signed copy to the old root.
    #[test]
    fn a_sent_cross_signed_copy_of_the_root_serves_old_androids() {
        let new_key = KeyPair::generate().unwrap();
        let new_root = CertifiedIssuer::self_signed(ca_params("New Root"), new_key).unwrap();
        let old_root = CertifiedIssuer::self_signed(ca_params("Old Root"), KeyPair::generate().unwrap()).unwrap();
        let cross = ca_params("New Root").signed_by(new_root.key(), &old_root).unwrap();
        let leaf = CertificateParams::new(vec!["api.test".to_owned()]).unwrap();
        let leaf = leaf.signed_by(&KeyPair::generate().unwrap(), &new_root).unwrap();
        let mut store = rustls::RootCertStore::empty();
        store.add(new_root.der().clone()).unwrap();
        store.add(old_root.der().clone()).unwrap();
        let roots = Roots::from_store(store);
        let key = |der: &CertificateDer<'_>| {
            let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
            crate::cert::spki_sha256(crate::trust::strip_sequence(cert.public_key().raw))
        };
        let bundled = AndroidRoots::bundled();
        let roots_known = vec![entry(&key(new_root.der()), "12", 31), entry(&key(old_root.der()), "4.0", 14)];
        let history = AndroidRoots::new("2023-06-02".into(), bundled.releases.clone(), roots_known);
        let min = history.release("7.0").unwrap().clone();
        let floor = AndroidFloor { roots: Arc::new(history), min, given: true };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let judge = |sent: &[CertificateDer<'static>]| {
            let chain = Chain::analyze(sent, &roots, "api.test", now).unwrap();
            match reach(&chain, &floor, &roots, "New Root", Lang::En) {
                Reach::Gap(check) => format!("gap: {}", check.summary),
                Reach::CrossSigned { via, since } => format!("via {via} before {since}"),
                Reach::Root => "root".to_owned(),
            }
        };
        let alone = judge(&[leaf.der().clone()]);
        assert!(alone.starts_with("gap: ") && alone.contains("ships only since 12"), "{alone}");
        assert_eq!(judge(&[leaf.der().clone(), cross.der().clone()]), "via Old Root before 12");
    }

    /// The key hash of a Mozilla trust anchor is how the bundled history names
    /// the same root: ISRG Root X1 is found, first shipped in Android 7.1.
    #[test]
    fn mozilla_anchors_are_found_in_the_history_by_key() {
        let history = AndroidRoots::bundled();
        let isrg = webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .find(|a| String::from_utf8_lossy(a.subject.as_ref()).contains("ISRG Root X1"))
            .expect("ISRG Root X1 among the Mozilla roots");
        let found = history.by_key(&crate::cert::spki_sha256(isrg.subject_public_key_info.as_ref()));
        assert_eq!(found.map(|r| r.added_in.as_str()), Some("7.1"));
        let known = webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .filter(|a| history.by_key(&crate::cert::spki_sha256(a.subject_public_key_info.as_ref())).is_some())
            .count();
        assert!(known > 60, "only {known} Mozilla roots found in Android's history");
    }
}
