//! Step 3, the certificate: every cert.* rule, decided on the chain the server
//! sent (captured even when rustls refused it), so that all defects are named
//! at once rather than only the first one a TLS library meets.

use std::time::UNIX_EPOCH;

use super::android::{self, AndroidFloor, Reach};
use super::wx::{NetError, Phone};
use super::{Check, CheckId, Context, Status, upstream};
use crate::cert::{
    CertFacts, Chain, ChainError, Key, Path, PathEnd, PathStep, apple_refuses, chromium_limit, draw, host_matches,
    rfc3339, san_covers, validity_days, wildcard_over_public_suffix,
};
use crate::cert::{Defect, EXPLICIT_CURVE, Flaw, Problem};
use crate::lang::Lang;
use crate::say;
use crate::trust::{Roots, RootsSource};

/// What the rules need besides the chain; all plain values, so the rules are
/// pure functions, unit-tested on PEM fixtures with a fixed clock.
pub struct Input<'a> {
    pub host: &'a str,
    /// This machine's clock, Unix seconds.
    pub now: i64,
    pub expiry_warn_days: u32,
    pub roots: &'a Roots,
    /// The Android releases the chain's root must be on, when that is judged.
    pub android: Option<&'a AndroidFloor>,
    /// The language of summaries and hints.
    pub lang: Lang,
}

/// The chain and what is known about it.
struct Analysis<'a> {
    chain: &'a [CertFacts],
    path: &'a Path,
    problems: &'a [Problem],
    /// The error the phone reports for this chain; `None` when it accepts it.
    refused: Option<NetError>,
    host: &'a str,
    now: i64,
    expiry_warn_days: u32,
    roots: &'a RootsSource,
    whole: &'a Chain,
    trust: &'a Roots,
    android: Option<&'a AndroidFloor>,
    lang: Lang,
}

pub(super) fn checks(cx: &Context<'_>) -> Vec<Check> {
    let lang = cx.lang;
    if let Err(because) = presented(cx) {
        return skip_all(&because);
    }
    let chain = match cx.chain {
        Some(Ok(chain)) => chain,
        Some(Err(why)) => return unparseable(why, lang),
        None => {
            let because = say!(lang, "no certificate to judge", "没有可供检查的证书");
            return skip_all(&because);
        }
    };
    let host = cx.target.host();
    let now = cx.now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let input = Input {
        host: &host,
        now,
        expiry_warn_days: cx.rules.expiry_warn_days,
        roots: &cx.probe.roots,
        android: cx.rules.android.as_ref(),
        lang,
    };
    judge(chain, &input)
}

/// Every cert.* rule on one chain, in catalogue order. A failing check
/// carries the error Chromium reports for the whole chain, so that whichever
/// is the root cause names what the phone shows.
pub fn judge(chain: &Chain, input: &Input<'_>) -> Vec<Check> {
    let a = Analysis {
        chain: &chain.certs,
        path: &chain.path,
        problems: &chain.problems,
        refused: chain.refusal().map(NetError::of_refusal),
        host: input.host,
        now: input.now,
        expiry_warn_days: input.expiry_warn_days,
        roots: &input.roots.source,
        whole: chain,
        trust: input.roots,
        android: input.android.filter(|floor| floor.given || input.roots.is_public()),
        lang: input.lang,
    };
    let checks = [trusted(&a), chain_check(&a), hostname(&a), expiry(&a), key(&a), signature(&a)];
    checks
        .into_iter()
        .map(|check| match (check.status, a.refused) {
            // Android's platform verifier is reported to give -202 for every
            // rejection where Chromium's own verifier gives -207.
            (Status::Fail, Some(NetError::CertInvalid)) => {
                check.phone(Phone::Net(NetError::CertInvalid)).phone_android(Phone::Net(NetError::CertAuthorityInvalid))
            }
            (Status::Fail, Some(error)) => check.phone(Phone::Net(error)),
            _ => check,
        })
        .collect()
}

/// Why there is no chain to judge, if there is none.
fn presented(cx: &Context<'_>) -> Result<(), String> {
    let lang = cx.lang;
    if cx.target.is_fetchable() && !cx.target.uses_tls() {
        let scheme = cx.target.url.scheme();
        return Err(say!(
            lang,
            "{scheme}: URLs carry no certificate ({url_scheme})",
            "{scheme}: 协议的 URL 不涉及证书（{url_scheme}）",
            url_scheme = CheckId::UrlScheme
        ));
    }
    let Some(tls) = cx.trace.connection.as_ref().and_then(|c| c.tls.as_ref()) else {
        return Err(upstream(cx).unwrap_or_else(|| say!(lang, "no TLS handshake was attempted", "未进行 TLS 握手")));
    };
    if tls.failure() == Some(&crate::probe::tls::TlsFailure::TooLarge) && tls.presented.is_empty() {
        return Err(say!(
            lang,
            "the certificate message is too large to read ({tls_handshake})",
            "证书消息太大，无法读取（{tls_handshake}）",
            tls_handshake = CheckId::TlsHandshake
        ));
    }
    if tls.presented.is_empty() {
        let cause = upstream(cx).unwrap_or_else(|| {
            say!(
                lang,
                "the handshake ended first ({tls_handshake})",
                "TLS 握手已提前结束（{tls_handshake}）",
                tls_handshake = CheckId::TlsHandshake
            )
        });
        return Err(say!(lang, "the server sent no certificate: {cause}", "服务器未发送证书：{cause}"));
    }
    Ok(())
}

/// Every cert.* check skipped for one reason.
fn skip_all(because: &str) -> Vec<Check> {
    CheckId::family("cert").map(|id| Check::skip(id, because)).collect()
}

fn unparseable(error: &ChainError, lang: Lang) -> Vec<Check> {
    let why = match error {
        ChainError::Empty => say!(lang, "the server sent no certificate", "服务器没有发送证书"),
        ChainError::Unparseable { position, reason } => say!(
            lang,
            "certificate {position} of the chain is not a valid X.509 certificate: {reason}",
            "证书链中的第 {position} 张证书不是有效的 X.509 证书：{reason}"
        ),
    };
    // Chromium refuses a leaf it cannot parse (-207) and passes over an
    // intermediate it cannot parse, so the leaf's issuer is missing (-202).
    let phone = match error {
        ChainError::Unparseable { position, .. } if *position > 1 => NetError::CertAuthorityInvalid,
        _ => NetError::CertInvalid,
    };
    let mut checks = vec![
        Check::fail(
            CheckId::CertTrusted,
            say!(lang, "the server sent a certificate that cannot be parsed: {why}", "服务器发送的证书无法解析：{why}"),
        )
        .phone(Phone::Net(phone))
        .hint(say!(
            lang,
            "reinstall the certificate files: the chain file must hold PEM certificates, leaf first",
            "请重新部署证书文件：证书链文件须为 PEM 格式，且叶子证书排在最前"
        )),
    ];
    let because = say!(
        lang,
        "the chain cannot be parsed ({cert_trusted})",
        "证书链无法解析（{cert_trusted}）",
        cert_trusted = CheckId::CertTrusted
    );
    checks.extend(CheckId::family("cert").skip(1).map(|id| Check::skip(id, because.clone())));
    checks
}

/// The path as names, `leaf → intermediate → root (trusted root)`, drawn by
/// the same function as the text report's chain line (a missing issuer is
/// cert.chain's own finding); `Lang::En` is the form `data` carries.
fn chain_names(a: &Analysis<'_>, lang: Lang) -> String {
    let steps: Vec<PathStep> =
        a.path.steps(a.chain).into_iter().filter(|step| !matches!(step, PathStep::Missing(_))).collect();
    draw(&steps, lang, |index, root| match root {
        Some(true) => say!(lang, "{} (trusted root)", "{}（受信任的根证书）", a.chain[index].name),
        _ => a.chain[index].name.clone(),
    })
}

/// The root store, as the summaries name it.
fn roots_name(roots: &RootsSource, lang: Lang) -> String {
    match (roots, lang) {
        (RootsSource::Mozilla, Lang::En) => "the Mozilla root store".to_owned(),
        (RootsSource::Mozilla, Lang::Zh) => "Mozilla 根证书库".to_owned(),
        (RootsSource::File(path), _) => format!("--ca-file {}", path.display()),
    }
}

fn trusted(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertTrusted;
    let (lang, roots) = (a.lang, roots_name(a.roots, a.lang));
    let name = |index: usize| &a.chain[index].name;
    // Chromium refuses a leaf it cannot parse before it builds any path, and
    // names a path it gave up on before any problem of that path.
    let first = |wanted: fn(&Problem) -> bool| a.problems.iter().find(|p| wanted(p));
    let unparseable = first(|p| p.at == 0 && matches!(p.flaw, Flaw::Unparseable(_)));
    if let Some(problem) = unparseable.or_else(|| first(|p| p.flaw == Flaw::TooManyPaths)) {
        return flawed(a, problem).data("chain", chain_names(a, Lang::En));
    }
    let check = match &a.path.end {
        PathEnd::Trusted(root) => match a.problems.iter().find(|p| trust_problem(&p.flaw)) {
            Some(problem) => flawed(a, problem),
            None => {
                let reach = a.android.map_or(Reach::Root, |floor| android::reach(a.whole, floor, a.trust, root, lang));
                let mut summary = say!(
                    lang,
                    "the chain leads to the trusted root '{root}' ({roots})",
                    "证书链可追溯到受信任的根证书“{root}”（{roots}）"
                );
                match reach {
                    Reach::Gap(warn) => warn,
                    Reach::CrossSigned { via, since } => {
                        summary.push_str(&say!(
                            lang,
                            "; Android phones older than {since} follow the sent cross-signed copy to '{via}'",
                            "；{since} 之前的 Android 手机沿服务器发送的交叉签名证书追溯到“{via}”"
                        ));
                        Check::pass(id, summary).data("android_via", via)
                    }
                    Reach::Root => Check::pass(id, summary),
                }
            }
        },
        PathEnd::Missing { after, .. } if unreadable_issuer(a, *after).is_some() => {
            let (index, defect) = unreadable_issuer(a, *after).expect("found");
            let name = &a.chain[index].name;
            let why = defect_text(defect, lang);
            Check::fail(
                id,
                say!(
                    lang,
                    "the intermediate '{name}' is sent, but the phone cannot parse it ({why}), so the chain stops below it",
                    "服务器发送了中间证书“{name}”，但手机无法解析它（{why}），证书链因此中断"
                ),
            )
            .hint(say!(
                lang,
                "install the CA's current intermediate certificate in place of this one",
                "请用 CA 提供的当前中间证书替换这张证书"
            ))
        }
        PathEnd::UntrustedRoot(0) => {
            untrusted(say!(lang, "the certificate '{}' is self-signed", "证书“{}”是自签名证书", name(0)), a)
        }
        PathEnd::UntrustedRoot(index) => untrusted(
            say!(
                lang,
                "the chain ends at '{}', a root that is not trusted (unknown CA)",
                "证书链止于“{}”，它是不受信任的根证书（未知 CA）",
                name(*index)
            ),
            a,
        ),
        PathEnd::Missing { after: 0, .. } => Check::skip(
            id,
            say!(
                lang,
                "cannot tell while the chain is incomplete ({cert_chain})",
                "证书链不完整，无法判断（{cert_chain}）",
                cert_chain = CheckId::CertChain
            ),
        ),
        PathEnd::Missing { after, issuer } => untrusted(
            say!(
                lang,
                "the chain ends at '{}', issued by '{issuer}', which is neither sent nor a trusted root: an unknown CA, or an intermediate the server does not send",
                "证书链止于“{}”，其签发者“{issuer}”既不在服务器发送的证书中，也不是受信任的根证书：可能是未知 CA，也可能是服务器未发送的中间证书",
                name(*after)
            ),
            a,
        ),
    };
    check.data("chain", chain_names(a, Lang::En))
}

/// A problem cert.trusted names; dates, keys and signature algorithms have checks of their own.
fn trust_problem(flaw: &Flaw) -> bool {
    !matches!(
        flaw,
        Flaw::NotYetValid | Flaw::Expired | Flaw::WeakKey | Flaw::UnacceptableAlgorithm | Flaw::ValidityTooLong
    )
}

/// A sent certificate that would issue `chain[after]` but that the phone cannot parse.
fn unreadable_issuer<'b>(a: &Analysis<'b>, after: usize) -> Option<(usize, &'b Defect)> {
    let issuer = &a.chain[after].issuer_der;
    a.chain
        .iter()
        .enumerate()
        .filter(|(i, c)| *i != after && &c.subject_der == issuer)
        .find_map(|(i, c)| c.parts.defects.first().map(|d| (i, d)))
}

/// cert.trusted failing for one of the path's problems, in a sentence.
fn flawed(a: &Analysis<'_>, problem: &Problem) -> Check {
    let lang = a.lang;
    let (summary, hint) = flaw_text(a, problem, lang);
    Check::fail(CheckId::CertTrusted, summary).hint(hint)
}

/// What the phone's verifier found, and what to do about it.
fn flaw_text(a: &Analysis<'_>, problem: &Problem, lang: Lang) -> (String, String) {
    let name = &a.chain[problem.at].name;
    let reissue = || {
        say!(
            lang,
            "reissue the certificate from a public CA for TLS server use, and install its full chain",
            "请向公共 CA 重新申请用于 TLS 服务器的证书，并部署完整的证书链"
        )
    };
    let ca_chain = || {
        say!(
            lang,
            "install the intermediate certificates your CA provides for this certificate, leaf first, and nothing else",
            "请按 CA 提供的中间证书部署证书链（叶子证书在前），不要加入其他证书"
        )
    };
    match &problem.flaw {
        Flaw::BadSignature => (
            say!(
                lang,
                "the signature on '{name}' does not verify with its issuer's key: the certificate sent (or trusted) under the issuer's name is not the one that signed it",
                "“{name}”的签名无法用其签发者的公钥验证：以该签发者名义发送（或受信任）的证书并不是实际签发它的那张"
            ),
            ca_chain(),
        ),
        Flaw::NotCa => (
            say!(
                lang,
                "'{name}' is used as an intermediate but is not a CA certificate (no basicConstraints CA:TRUE)",
                "“{name}”被用作中间证书，但它不是 CA 证书（没有 basicConstraints CA:TRUE）"
            ),
            ca_chain(),
        ),
        Flaw::PathLength => (
            say!(
                lang,
                "'{name}' is one CA too many: a pathLenConstraint above it allows fewer CA certificates below",
                "“{name}”超出了证书链允许的 CA 层数：其上级 CA 的 pathLenConstraint 不允许这么多层"
            ),
            ca_chain(),
        ),
        Flaw::NoKeyCertSign => (
            say!(
                lang,
                "'{name}' is used as an intermediate but its keyUsage does not allow signing certificates (keyCertSign)",
                "“{name}”被用作中间证书，但其 keyUsage 不允许签发证书（缺少 keyCertSign）"
            ),
            ca_chain(),
        ),
        Flaw::NoServerAuth if problem.at == 0 => (
            say!(
                lang,
                "the certificate is not valid for TLS server authentication (its extendedKeyUsage lacks serverAuth)",
                "该证书不能用于 TLS 服务器身份验证（其 extendedKeyUsage 中没有 serverAuth）"
            ),
            reissue(),
        ),
        Flaw::NoServerAuth => (
            say!(
                lang,
                "the intermediate '{name}' restricts the chain to other purposes: its extendedKeyUsage lacks serverAuth",
                "中间证书“{name}”把证书链限定于其他用途：其 extendedKeyUsage 中没有 serverAuth"
            ),
            ca_chain(),
        ),
        Flaw::NameConstraint { name: outside, by } => {
            let ca = &a.chain[*by].name;
            (
                say!(
                    lang,
                    "'{ca}' may only issue for the names its name constraints allow, and '{name}' carries {outside}",
                    "“{ca}”只能为其名称约束（nameConstraints）允许的名称签发证书，而“{name}”包含 {outside}"
                ),
                reissue(),
            )
        }
        Flaw::UnknownCritical(oid) => (
            say!(
                lang,
                "'{name}' has a critical extension the phone does not understand ({oid})",
                "“{name}”含有手机无法识别的关键（critical）扩展（{oid}）"
            ),
            reissue(),
        ),
        Flaw::Unparseable(defect) => {
            let why = defect_text(defect, lang);
            (say!(lang, "the certificate cannot be parsed by the phone: {why}", "手机无法解析该证书：{why}"), reissue())
        }
        Flaw::TooManyPaths => (
            say!(
                lang,
                "the phone gives up before reaching a trusted root: Chromium stops building a path after 20 steps (its iteration limit), and this chain needs more",
                "手机在到达受信任的根证书之前就放弃了：Chromium 构建证书路径最多尝试 20 步（迭代上限），而这条证书链需要更多步"
            ),
            ca_chain(),
        ),
        Flaw::NotYetValid | Flaw::Expired | Flaw::WeakKey | Flaw::UnacceptableAlgorithm | Flaw::ValidityTooLong => {
            (say!(lang, "'{name}' is refused", "“{name}”被拒绝"), reissue())
        }
    }
}

/// Why Chromium's parser refuses a certificate, in a few words.
fn defect_text(defect: &Defect, lang: Lang) -> String {
    match defect {
        Defect::Duplicate(ext) => say!(lang, "it has two {ext} extensions", "它含有两个 {ext} 扩展"),
        Defect::Malformed(ext) => say!(lang, "its {ext} extension is malformed", "它的 {ext} 扩展格式错误"),
        Defect::EmptyAia => say!(
            lang,
            "its authorityInfoAccess extension is empty or malformed",
            "它的 authorityInfoAccess 扩展为空或格式错误"
        ),
        Defect::EmptyNameConstraints => say!(
            lang,
            "its nameConstraints extension has neither permitted nor excluded subtrees",
            "它的 nameConstraints 扩展既没有 permitted 也没有 excluded 子树"
        ),
        Defect::SanNotCritical => say!(
            lang,
            "its subject is empty but its subjectAltName is not marked critical",
            "它的 subject 为空，但 subjectAltName 未标记为关键（critical）"
        ),
        Defect::EmptyIssuer => say!(lang, "its issuer name is empty", "它的签发者名称为空"),
        Defect::BadKey => say!(lang, "its public key cannot be decoded", "它的公钥无法解码"),
    }
}

fn untrusted(summary: String, a: &Analysis<'_>) -> Check {
    let roots = roots_name(a.roots, a.lang);
    Check::fail(CheckId::CertTrusted, summary).hint(say!(
        a.lang,
        "use a certificate from a CA that phones trust; the roots used here are {roots}",
        "请使用手机信任的 CA 签发的证书；本次检查使用的根证书来自 {roots}"
    ))
}

fn chain_check(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertChain;
    let lang = a.lang;
    if a.problems.iter().any(|p| p.flaw == Flaw::TooManyPaths) {
        let because = say!(
            lang,
            "the phone gives up before the end of the chain ({cert_trusted})",
            "手机在证书链结束前就放弃了（{cert_trusted}）",
            cert_trusted = CheckId::CertTrusted
        );
        return Check::skip(id, because);
    }
    let names = chain_names(a, lang);
    match &a.path.end {
        PathEnd::UntrustedRoot(0) => {
            return Check::skip(
                id,
                say!(
                    lang,
                    "a self-signed certificate has no chain ({cert_trusted})",
                    "自签名证书没有证书链（{cert_trusted}）",
                    cert_trusted = CheckId::CertTrusted
                ),
            );
        }
        PathEnd::Missing { after: 0, issuer } if unreadable_issuer(a, 0).is_none() => {
            return missing_intermediate(a, issuer);
        }
        _ => {}
    }
    if a.path.out_of_order {
        return Check::warn(
            id,
            say!(
                lang,
                "the chain is sent out of order (the path is {names})",
                "证书链的发送顺序有误（正确的路径是 {names}）"
            ),
        )
        .hint(say!(
            lang,
            "order the certificate file leaf first, then each certificate's issuer",
            "请调整证书文件中的顺序：叶子证书在最前，之后依次是每张证书的签发者"
        ));
    }
    // A cross-signed copy of the root (its key, another issuer) serves phones
    // without the root, so it is not an extra.
    let cross_signed =
        |c: &CertFacts| a.whole.anchor_key.as_deref() == Some(c.parts.spki.as_slice()) && !c.self_issued();
    let extra: Vec<&str> =
        a.path.extras.iter().map(|i| &a.chain[*i]).filter(|c| !cross_signed(c)).map(|c| c.name.as_str()).collect();
    if !extra.is_empty() {
        return Check::warn(
            id,
            say!(
                lang,
                "the server sends certificates the chain does not need: {}",
                "服务器发送了证书链用不到的证书：{}",
                extra.join(", ")
            ),
        )
        .hint(say!(
            lang,
            "remove them from the certificate file; they cost bytes in every handshake",
            "请将它们从证书文件中删除；每次 TLS 握手都要白白多传输这些数据"
        ));
    }
    Check::pass(id, say!(lang, "complete: {names}", "证书链完整：{names}")).data("chain", chain_names(a, Lang::En))
}

/// The leaf's issuer is neither sent nor trusted, and rustls refused the chain.
fn missing_intermediate(a: &Analysis<'_>, issuer: &str) -> Check {
    let lang = a.lang;
    let from = match &a.chain[0].aia_issuer {
        Some(url) => say!(lang, " (its CA publishes it at {url})", "（CA 在 {url} 提供该证书）"),
        None => String::new(),
    };
    Check::fail(
        CheckId::CertChain,
        say!(
            lang,
            "the server does not send the intermediate certificate '{issuer}' that issued its certificate{from}",
            "服务器没有发送签发其证书的中间证书“{issuer}”{from}"
        ),
    )
    .hint(say!(
        lang,
        "append '{issuer}' to the server's certificate file after the leaf (reqdoctor chain URL -o fullchain.pem writes that file); phones do not fetch missing intermediates",
        "请把“{issuer}”追加到服务器证书文件中叶子证书的后面（reqdoctor chain URL -o fullchain.pem 可生成该文件）；手机不会自动下载缺失的中间证书"
    ))
    .data("missing", issuer.to_owned())
}

fn hostname(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertHostname;
    let (lang, host) = (a.lang, a.host);
    let leaf = &a.chain[0];
    if let Some(defect) = leaf.parts.defects.first() {
        let why = defect_text(defect, lang);
        return Check::skip(
            id,
            say!(
                lang,
                "the certificate cannot be parsed ({why}), so its names are unknown ({cert_trusted})",
                "证书无法解析（{why}），其域名无从得知（{cert_trusted}）",
                cert_trusted = CheckId::CertTrusted
            ),
        );
    }
    let sans = leaf.alt_names();
    let covering = sans.iter().find(|san| san_covers(san, host)).map(String::as_str);
    let listed = shown_names(&sans, covering, lang);
    if host_matches(leaf, host) {
        return Check::pass(
            id,
            say!(lang, "{host} is covered by the certificate ({listed})", "证书适用于 {host}（{listed}）"),
        )
        .data("san", sans);
    }
    if let Some(wildcard) = wildcard_over_public_suffix(leaf, host) {
        return Check::fail(
            id,
            say!(
                lang,
                "{wildcard} would cover {host}, but it stands over a public suffix, and phones accept no wildcard there",
                "{wildcard} 看似能覆盖 {host}，但通配符位于公共后缀之上，手机不接受这种通配符"
            ),
        )
        .hint(say!(
            lang,
            "reissue the certificate with DNS:{host} itself in its subjectAltName",
            "请重新签发证书，在 subjectAltName 中直接写入 DNS:{host}"
        ))
        .data("san", sans);
    }
    let summary = if sans.is_empty() {
        say!(
            lang,
            "the certificate has no subjectAltName, so it covers no host ('{}' in the CN is ignored)",
            "证书没有 subjectAltName (SAN)，因此不适用于任何域名（CN 中的“{}”会被忽略）",
            leaf.name
        )
    } else {
        say!(
            lang,
            "{host} is not in the certificate's subjectAltName ({listed})",
            "{host} 不在证书的 subjectAltName 中（{listed}）"
        )
    };
    Check::fail(id, summary)
        .hint(say!(
            lang,
            "reissue the certificate with DNS:{host} in its subjectAltName (the CN is ignored)",
            "请重新签发证书，并在 subjectAltName 中加入 DNS:{host}（CN 会被忽略）"
        ))
        .data("san", sans)
}

/// Up to five names, the covering one first; a certificate may carry thousands.
fn shown_names(sans: &[String], covering: Option<&str>, lang: Lang) -> String {
    const SHOWN: usize = 5;
    if sans.len() <= SHOWN {
        return sans.join(", ");
    }
    let mut shown: Vec<&str> = covering.into_iter().collect();
    shown.extend(sans.iter().map(String::as_str).filter(|s| Some(*s) != covering).take(SHOWN - shown.len()));
    let n = sans.len();
    say!(lang, "{}, … {n} names in all", "{} 等，共 {n} 个名称", shown.join(", "))
}

fn expiry(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertExpiry;
    let lang = a.lang;
    let needed = a.path.links.iter().map(|i| (*i, &a.chain[*i])).filter(|(i, c)| *i == 0 || !c.self_issued());
    if let Some(check) = needed.into_iter().find_map(|(index, cert)| out_of_dates(a, index, cert)) {
        return check;
    }
    let leaf = &a.chain[0];
    if let Some(check) = too_long(a, leaf).or_else(|| expired_root(a)) {
        return check;
    }
    let left = leaf.not_after - a.now;
    let (date, remaining) = (rfc3339(leaf.not_after), span(left, lang));
    let check = if left < i64::from(a.expiry_warn_days) * 86_400 {
        Check::warn(
            id,
            say!(
                lang,
                "the certificate expires in {remaining} (not after {date})",
                "证书将在 {remaining}后过期（有效期至 {date}）"
            ),
        )
        .hint(say!(
            lang,
            "renew it now; phones refuse it the moment it expires",
            "请立即续期；证书一过期，手机就会拒绝连接"
        ))
    } else {
        Check::pass(
            id,
            say!(lang, "valid for another {remaining} (not after {date})", "剩余有效期 {remaining}（有效期至 {date}）"),
        )
    };
    check.data("not_after", rfc3339(leaf.not_after)).data("days_left", left / 86_400)
}

/// A leaf valid for longer than phones accept: Chromium's limit for public
/// CAs (fail, -213), or Apple's 825 days for any CA (warn: iPhones only).
fn too_long(a: &Analysis<'_>, leaf: &CertFacts) -> Option<Check> {
    let lang = a.lang;
    let (days, from, until) = (validity_days(leaf), rfc3339(leaf.not_before), rfc3339(leaf.not_after));
    let data = |check: Check| check.data("validity_days", days).data("not_after", rfc3339(leaf.not_after));
    if a.problems.iter().any(|p| p.flaw == Flaw::ValidityTooLong) {
        let limit = chromium_limit(leaf.not_before);
        let summary = say!(
            lang,
            "the certificate is valid for {days} days ({from} to {until}), longer than the {limit} phones accept for a certificate from a public CA issued then",
            "证书有效期为 {days} 天（{from} 至 {until}），超过了手机对该时期公共 CA 证书允许的 {limit}"
        );
        return Some(data(Check::fail(CheckId::CertExpiry, summary).hint(say!(
            lang,
            "reissue it valid for at most 398 days (CAs issue 90-day or one-year certificates)",
            "请重新签发有效期不超过 398 天的证书（CA 通常签发 90 天或一年期证书）"
        ))));
    }
    if apple_refuses(leaf) {
        let summary = say!(
            lang,
            "the certificate is valid for {days} days ({from} to {until}): iPhones refuse TLS certificates issued since 2019-07-01 that are valid for more than 825 days, from any CA; Android phones accept it",
            "证书有效期为 {days} 天（{from} 至 {until}）：iPhone 拒绝 2019-07-01 之后签发、有效期超过 825 天的 TLS 证书（任何 CA 都一样）；Android 手机可以接受"
        );
        return Some(data(Check::warn(CheckId::CertExpiry, summary).hint(say!(
            lang,
            "reissue it valid for at most 825 days (398 for a public CA)",
            "请重新签发有效期不超过 825 天的证书（公共 CA 证书不超过 398 天）"
        ))));
    }
    None
}

/// A trusted root whose own validity has ended: Android's verifier ignores a
/// root's expiry, Chromium and iOS do not (warn: iPhones fail).
fn expired_root(a: &Analysis<'_>) -> Option<Check> {
    let PathEnd::Trusted(root) = &a.path.end else { return None };
    let date = match a.whole.anchor_not_after {
        Some(not_after) => rfc3339(not_after),
        None => {
            let key = a.whole.anchor_spki_sha256()?;
            let known = a.android?.roots.by_key(&key)?;
            format!("{}T23:59:59Z", known.not_after)
        }
    };
    if date.as_str() >= rfc3339(a.now).as_str() {
        return None;
    }
    let lang = a.lang;
    let summary = say!(
        lang,
        "the root '{root}' the chain ends at expired on {date}: iPhones (and Chromium) refuse the chain with -201; Android phones ignore a root's own expiry and accept it",
        "证书链所止的根证书“{root}”已于 {date} 过期：iPhone（以及 Chromium）会以 -201 拒绝该证书链；Android 手机不检查根证书本身的有效期，可以接受"
    );
    let hint = say!(
        lang,
        "move to a chain that ends at a current root (ask the CA for its current chain)",
        "请改用止于有效根证书的证书链（向 CA 索取当前的证书链）"
    );
    Some(Check::warn(CheckId::CertExpiry, summary).hint(hint).data("root_not_after", date))
}

/// The certificate at `index` of the chain, if it is not valid yet or expired.
fn out_of_dates(a: &Analysis<'_>, index: usize, cert: &CertFacts) -> Option<Check> {
    let lang = a.lang;
    let what = if index == 0 {
        say!(lang, "the certificate", "证书")
    } else {
        say!(lang, "the intermediate '{}'", "中间证书“{}”", cert.name)
    };
    let fail = |summary: String| Check::fail(CheckId::CertExpiry, summary);
    if cert.not_before > a.now {
        let (wait, date) = (span(cert.not_before - a.now, lang), rfc3339(cert.not_before));
        let summary = say!(
            lang,
            "{what} is not valid yet: it starts in {wait} (not before {date})",
            "{what}尚未生效：将在 {wait}后生效（生效时间 {date}）"
        );
        return Some(fail(summary).hint(say!(
            lang,
            "if the certificate is new, check this machine's clock ({clock_skew}); otherwise reissue it with a correct start date",
            "如果证书是新签发的，请检查本机时钟（{clock_skew}）；否则请重新签发生效时间正确的证书", clock_skew = CheckId::ClockSkew)));
    }
    if cert.not_after < a.now {
        let (ago, date) = (span(a.now - cert.not_after, lang), rfc3339(cert.not_after));
        return Some(
            fail(say!(
                lang,
                "{what} expired {ago} ago (not after {date})",
                "{what}已于 {ago}前过期（有效期至 {date}）"
            ))
            .hint(say!(
                lang,
                "renew the certificate (and install the CA's current intermediate), then reload the server",
                "请续期证书（并部署 CA 当前的中间证书），然后重新加载服务器配置"
            )),
        );
    }
    None
}

/// A duration as people say it, rounded down: `89 days`, `1 day 23 hours`, `5 hours`,
/// `3 minutes`, `40 seconds` (in Chinese `89 天`, `1 天 23 小时`, `5 小时`…).
fn span(seconds: i64, lang: Lang) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    let unit = |n: i64, en: &str, zh: &str| match lang {
        Lang::En => format!("{n} {en}{}", if n == 1 { "" } else { "s" }),
        Lang::Zh => format!("{n} {zh}"),
    };
    match (days, hours) {
        (3.., _) | (1..=2, 0) => unit(days, "day", "天"),
        (1..=2, _) => format!("{} {}", unit(days, "day", "天"), unit(hours, "hour", "小时")),
        (0, 1..) => unit(hours, "hour", "小时"),
        _ if minutes > 0 => unit(minutes, "minute", "分钟"),
        _ => unit(seconds, "second", "秒"),
    }
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
    let lang = a.lang;
    if let Some((cert, (what, phone))) = path_certs(a).find_map(|c| key_problem(&c.key, lang).map(|p| (c, p))) {
        return Check::fail(id, say!(lang, "'{}' has {what}", "“{}”使用了{what}", cert.name))
            .hint(say!(
                lang,
                "reissue the certificate with an RSA 2048+ or ECDSA P-256/P-384 key",
                "请改用 RSA 2048 位以上或 ECDSA P-256/P-384 密钥重新签发证书"
            ))
            .phone(phone);
    }
    let leaf = &a.chain[0];
    if leaf.forbids_signing() {
        let usage = leaf.key_usage.join(", ");
        return Check::fail(
            id,
            say!(
                lang,
                "the certificate's keyUsage ({usage}) does not allow digitalSignature, which the TLS handshake needs",
                "证书的 keyUsage（{usage}）不允许 digitalSignature，而 TLS 握手需要它"
            ),
        )
        .hint(say!(
            lang,
            "reissue the server certificate with keyUsage digitalSignature (a CA certificate cannot serve as one)",
            "请重新签发 keyUsage 含 digitalSignature 的服务器证书（CA 证书不能直接当服务器证书用）"
        ))
        .phone(Phone::Net(NetError::SslKeyUsageIncompatible));
    }
    let leaf_key = &leaf.key;
    let shown = match (leaf_key, lang) {
        (Key::Rsa { bits }, Lang::Zh) => format!("RSA {bits} 位密钥"),
        (_, Lang::Zh) => format!("{leaf_key} 密钥"),
        (_, Lang::En) => format!("{leaf_key} key"),
    };
    Check::pass(id, shown).data("leaf_key", leaf_key.to_string())
}

/// What is wrong with a key phones refuse, and the phone's error if it names one.
/// A key the phone's TLS stack cannot use: no signature algorithm in common.
fn mismatch() -> Phone {
    Phone::Net(NetError::SslVersionOrCipherMismatch)
}

fn key_problem(key: &Key, lang: Lang) -> Option<(String, Phone)> {
    match key {
        Key::Rsa { bits: 0 } => Some((
            say!(lang, "an RSA key that cannot be decoded", "无法解码的 RSA 密钥"),
            Phone::Net(NetError::CertInvalid),
        )),
        Key::Rsa { bits } if *bits < 2048 => Some((
            say!(lang, "an RSA key of {bits} bits (under 2048)", "长度为 {bits} 位的 RSA 密钥（低于 2048 位）"),
            Phone::Net(NetError::CertWeakKey),
        )),
        Key::Ec { curve } if curve == EXPLICIT_CURVE => Some((
            say!(
                lang,
                "an EC key with explicit curve parameters instead of a named curve, which the phone's TLS stack (BoringSSL) cannot read",
                "使用显式曲线参数（而非命名曲线）的 EC 密钥，手机的 TLS 协议栈（BoringSSL）无法读取"
            ),
            Phone::Net(NetError::SslProtocolError),
        )),
        Key::Ec { curve } if curve != "P-256" && curve != "P-384" => Some((
            say!(
                lang,
                "an EC key on {curve} (only P-256 and P-384 are accepted)",
                "基于 {curve} 曲线的 EC 密钥（只接受 P-256 和 P-384）"
            ),
            mismatch(),
        )),
        Key::Ed25519 | Key::Ed448 => Some((
            say!(
                lang,
                "an {key} key, which the phone's TLS stack (Chromium/Cronet) does not accept in certificates",
                "类型为 {key} 的密钥，而手机的 TLS 协议栈（Chromium/Cronet）不接受证书使用这类密钥"
            ),
            mismatch(),
        )),
        Key::Other { algorithm } => Some((
            say!(
                lang,
                "a key of algorithm {algorithm}, which phones do not accept",
                "算法为 {algorithm} 的密钥，而手机不接受这类密钥"
            ),
            mismatch(),
        )),
        _ => None,
    }
}

fn signature(a: &Analysis<'_>) -> Check {
    let id = CheckId::CertSignature;
    let lang = a.lang;
    if let Some(cert) = path_certs(a).find(|c| c.signature.weak_hash.is_some()) {
        let hash = cert.signature.weak_hash.unwrap_or_default();
        let (name, algorithm) = (&cert.name, &cert.signature.name);
        return Check::fail(
            id,
            say!(lang, "'{name}' is signed with {hash} ({algorithm})", "“{name}”使用 {hash} 签名（{algorithm}）"),
        )
        .hint(say!(
            lang,
            "{hash} signatures are refused; reissue the certificate signed with SHA-256",
            "{hash} 签名会被拒绝；请重新签发使用 SHA-256 签名的证书"
        ));
    }
    let unacceptable = a.problems.iter().find(|p| p.flaw == Flaw::UnacceptableAlgorithm);
    if let Some(cert) = unacceptable.map(|p| &a.chain[p.at]) {
        let (name, algorithm) = (&cert.name, &cert.signature.name);
        return Check::fail(
            id,
            say!(
                lang,
                "'{name}' is signed with {algorithm}, which the phone does not accept",
                "“{name}”使用 {algorithm} 签名，手机不接受这种签名算法"
            ),
        )
        .hint(say!(
            lang,
            "reissue the certificate signed with RSA or ECDSA over SHA-256",
            "请重新签发使用 RSA 或 ECDSA（SHA-256）签名的证书"
        ));
    }
    let mut algorithms: Vec<&str> = path_certs(a).map(|c| c.signature.name.as_str()).collect();
    algorithms.dedup();
    Check::pass(id, say!(lang, "signed with {}", "签名算法：{}", algorithms.join(", ")))
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
    fn judged(chain: &[&str], host: &str, now: i64) -> Vec<(CheckId, Status, String)> {
        let der: Vec<CertificateDer<'static>> = chain.iter().map(|n| pem(n)).collect();
        let roots = roots();
        let chain = Chain::analyze(&der, &roots, host, now).unwrap();
        let input = Input { host, now, expiry_warn_days: 14, roots: &roots, android: None, lang: Lang::En };
        judge(&chain, &input).into_iter().map(|c| (c.id, c.status, c.summary)).collect()
    }

    #[track_caller]
    fn expect(checks: &[(CheckId, Status, String)], id: CheckId, status: Status, needle: &str) {
        let (_, got, summary) = checks.iter().find(|(i, ..)| *i == id).expect("the check is there");
        assert_eq!((*got, summary.contains(needle)), (status, true), "{id}: {got:?} {summary:?} wanted {needle:?}");
    }

    #[test]
    fn a_good_chain_passes_every_rule() {
        let checks = judged(&["leaf", "intermediate"], "api.example.com", JUNE);
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
        let at = |now| judged(&["leaf", "intermediate"], "api.example.com", now);
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
        let checks = judged(&["leaf"], "api.example.com", JUNE);
        expect(&checks, CheckId::CertChain, Status::Fail, "'Fixture Intermediate CA'");
        expect(&checks, CheckId::CertChain, Status::Fail, "http://ca.example.com/intermediate.crt");
        expect(&checks, CheckId::CertTrusted, Status::Skip, "cert.chain");
    }

    #[test]
    fn hostnames_follow_the_san_only() {
        let leaf = |host| judged(&["leaf", "intermediate"], host, JUNE);
        expect(&leaf("www.example.com"), CheckId::CertHostname, Status::Pass, "DNS:*.example.com");
        expect(&leaf("a.b.example.com"), CheckId::CertHostname, Status::Fail, "a.b.example.com is not in");
        expect(&leaf("example.com"), CheckId::CertHostname, Status::Fail, "");
        let no_san = judged(&["leaf-no-san", "intermediate"], "api.example.com", JUNE);
        expect(&no_san, CheckId::CertHostname, Status::Fail, "has no subjectAltName");
        let ip = |host| judged(&["leaf-ip-san", "intermediate"], host, JUNE);
        expect(&ip("192.0.2.10"), CheckId::CertHostname, Status::Pass, "IP:192.0.2.10");
        expect(&ip("api.example.com"), CheckId::CertHostname, Status::Fail, "");
    }

    #[test]
    fn weak_keys_and_signatures_are_named() {
        let good_host = "api.example.com";
        expect(
            &judged(&["leaf-rsa1024", "intermediate"], good_host, JUNE),
            CheckId::CertKey,
            Status::Fail,
            "RSA key of 1024 bits",
        );
        expect(&judged(&["leaf-p521", "intermediate"], good_host, JUNE), CheckId::CertKey, Status::Fail, "P-521");
        expect(
            &judged(&["leaf-sha1", "intermediate"], good_host, JUNE),
            CheckId::CertSignature,
            Status::Fail,
            "SHA-1 (sha1WithRSAEncryption)",
        );
        expect(
            &judged(&["leaf-md5", "intermediate"], good_host, JUNE),
            CheckId::CertSignature,
            Status::Fail,
            "MD5 (md5WithRSAEncryption)",
        );
    }

    #[test]
    fn several_defects_are_all_named() {
        let checks = judged(&["leaf-rsa1024", "intermediate"], "other.test", 1_798_761_600 + 2 * DAY);
        let failing: Vec<CheckId> = checks.iter().filter(|(_, s, _)| *s == Status::Fail).map(|(id, ..)| *id).collect();
        assert_eq!(failing, [CheckId::CertHostname, CheckId::CertExpiry, CheckId::CertKey]);
    }

    #[test]
    fn order_and_extras_warn() {
        let reversed = judged(&["leaf", "root", "intermediate"], "api.example.com", JUNE);
        expect(&reversed, CheckId::CertChain, Status::Warn, "out of order");
        let extra = judged(&["leaf", "intermediate", "leaf-md5"], "api.example.com", JUNE);
        expect(&extra, CheckId::CertChain, Status::Warn, "does not need: api.example.com");
        let with_root = judged(&["leaf", "intermediate", "root"], "api.example.com", JUNE);
        expect(&with_root, CheckId::CertChain, Status::Pass, "complete");
    }

    #[test]
    fn spans_read_naturally() {
        let en = |seconds| span(seconds, Lang::En);
        assert_eq!(en(2 * 86_400 + 5), "2 days");
        assert_eq!(en(2 * 86_400 - 5), "1 day 23 hours");
        assert_eq!(en(4 * 86_400 + 7200), "4 days");
        assert_eq!(en(86_400), "1 day");
        assert_eq!(en(5 * 3600), "5 hours");
        assert_eq!(en(61), "1 minute");
        assert_eq!(en(59), "59 seconds");
        assert_eq!(en(1), "1 second");
        assert_eq!(en(-5), "0 seconds");
    }

    #[test]
    fn spans_read_naturally_in_chinese() {
        let zh = |seconds| span(seconds, Lang::Zh);
        assert_eq!(zh(2 * 86_400 + 5), "2 天");
        assert_eq!(zh(2 * 86_400 - 5), "1 天 23 小时");
        assert_eq!(zh(5 * 3600), "5 小时");
        assert_eq!(zh(61), "1 分钟");
    }

    #[test]
    fn chinese_judgements_read_in_chinese_and_keep_data_in_english() {
        let der: Vec<CertificateDer<'static>> = ["leaf-rsa1024", "intermediate"].iter().map(|n| pem(n)).collect();
        let roots = roots();
        let now = 1_798_761_600 + 2 * DAY;
        let chain = Chain::analyze(&der, &roots, "other.test", now).unwrap();
        let input =
            Input { host: "other.test", now, expiry_warn_days: 14, roots: &roots, android: None, lang: Lang::Zh };
        let checks = judge(&chain, &input);
        for check in &checks {
            assert!(!check.summary.is_ascii(), "{}: {}", check.id, check.summary);
            assert!(check.hint.as_ref().is_none_or(|hint| !hint.is_ascii()), "{}: {:?}", check.id, check.hint);
        }
        let summary = |id| &checks.iter().find(|c| c.id == id).unwrap().summary;
        assert!(summary(CheckId::CertExpiry).starts_with("证书已于 2 天前过期（有效期至 2026-12-31T23:59:59Z）"));
        assert!(summary(CheckId::CertKey).contains("长度为 1024 位的 RSA 密钥"));
        assert!(summary(CheckId::CertTrusted).contains("受信任的根证书“Fixture Root CA”"));
        assert!(summary(CheckId::CertHostname).contains("other.test 不在证书的 subjectAltName 中"));
        assert_eq!(
            checks[0].data["chain"],
            "api.example.com → Fixture Intermediate CA → Fixture Root CA (trusted root)"
        );
    }

    /// A root and a leaf for api.example.com valid `days` days from 2025-01-01,
    /// judged on 2025-06-01 with the root standing for `public` or private roots.
    fn judged_for_validity(days: i64, public: bool) -> (Vec<(CheckId, Status, String)>, Option<crate::cert::Refusal>) {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let start = time::OffsetDateTime::from_unix_timestamp(1_735_689_600).unwrap();
        let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params.not_before = start - time::Duration::days(30);
        root_params.not_after = start + time::Duration::days(3650);
        let root = CertifiedIssuer::self_signed(root_params, KeyPair::generate().unwrap()).unwrap();
        let mut params = CertificateParams::new(vec!["api.example.com".to_owned()]).unwrap();
        params.not_before = start;
        params.not_after = start + time::Duration::days(days);
        let leaf = params.signed_by(&KeyPair::generate().unwrap(), &root).unwrap();
        let mut store = rustls::RootCertStore::empty();
        store.add(root.der().clone()).unwrap();
        let roots = if public { Roots::public_for_test(store) } else { Roots::from_store(store) };
        let now = 1_748_736_000;
        let chain = Chain::analyze(&[leaf.der().clone()], &roots, "api.example.com", now).unwrap();
        let input =
            Input { host: "api.example.com", now, expiry_warn_days: 14, roots: &roots, android: None, lang: Lang::En };
        let checks = judge(&chain, &input).into_iter().map(|c| (c.id, c.status, c.summary)).collect();
        (checks, chain.refusal())
    }

    #[test]
    fn validity_over_398_days_from_a_public_ca_is_err_cert_validity_too_long() {
        let (checks, refusal) = judged_for_validity(500, true);
        expect(&checks, CheckId::CertExpiry, Status::Fail, "valid for 500 days");
        expect(&checks, CheckId::CertExpiry, Status::Fail, "longer than the 398 days");
        assert_eq!(refusal, Some(crate::cert::Refusal::ValidityTooLong));
        let (checks, refusal) = judged_for_validity(398, true);
        expect(&checks, CheckId::CertExpiry, Status::Pass, "valid for another");
        assert_eq!(refusal, None);
    }

    #[test]
    fn validity_over_825_days_from_any_ca_warns_for_iphones() {
        let (checks, refusal) = judged_for_validity(500, false);
        expect(&checks, CheckId::CertExpiry, Status::Pass, "valid for another");
        assert_eq!(refusal, None, "Chromium's limit is for public CAs only");
        let (checks, refusal) = judged_for_validity(900, false);
        expect(&checks, CheckId::CertExpiry, Status::Warn, "iPhones refuse TLS certificates");
        assert_eq!(refusal, None, "Chromium and Android accept it");
    }

    #[test]
    fn an_undecodable_rsa_key_is_not_called_0_bits() {
        let (what, phone) = key_problem(&Key::Rsa { bits: 0 }, Lang::En).expect("a problem");
        assert_eq!(what, "an RSA key that cannot be decoded");
        assert_eq!(phone, Phone::Net(NetError::CertInvalid));
    }

    #[test]
    fn keys_are_named() {
        assert_eq!(Key::Rsa { bits: 2048 }.to_string(), "RSA 2048-bit");
        assert_eq!(Key::Ec { curve: "P-256".into() }.to_string(), "ECDSA P-256");
    }
}
