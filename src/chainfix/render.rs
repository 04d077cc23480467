//! `reqdoctor chain`'s words: the chain before and after, every AIA fetch,
//! the paths to a root and the Android phones each serves, why it cannot be
//! fixed, and the server configuration lines for the written file.

use std::io::{self, Write};

use super::{FetchOutcome, Fix, LeftOut, PathView, Reason, Verdict};
use crate::cert::{Chain, draw, rfc3339};
use crate::lang::Lang;
use crate::say;

/// Writes the whole account of `fix`; `file` is where the PEM was written
/// (named in the configuration lines).
pub fn render(fix: &Fix, file: &str, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", say!(lang, "Host: {}", "主机：{}", fix.host))?;
    writeln!(out, "{}", say!(lang, "Sent:  {}", "服务器发送：{}", path_line(&fix.before, lang)))?;
    for fetch in &fix.fetches {
        writeln!(out, "  {}", fetch_line(fetch, lang))?;
    }
    match &fix.verdict {
        Verdict::Built { after, paths, same_as_sent, left_out, reordered, .. } => {
            writeln!(out, "{}", say!(lang, "Fixed: {}", "修复后：{}", path_line(after, lang)))?;
            if *reordered {
                writeln!(
                    out,
                    "  {}",
                    say!(lang, "As sent, out of order: {}", "服务器发送的顺序有误：{}", sent_names(fix))
                )?;
            }
            for (name, why) in left_out {
                writeln!(out, "  {}", left_out_line(name, *why, lang))?;
            }
            if *same_as_sent {
                writeln!(
                    out,
                    "{}",
                    say!(lang, "The server already sends this chain.", "服务器发送的已是这条证书链。")
                )?;
            }
            if paths.len() > 1 {
                writeln!(
                    out,
                    "{}",
                    say!(
                        lang,
                        "Paths to a trusted root (the first is written):",
                        "通往受信任根证书的路径（写出的是第一条）："
                    )
                )?;
                for path in paths {
                    writeln!(out, "  {}", path_view(path, lang))?;
                }
            }
            config(file, lang, out)
        }
        Verdict::Cannot(reason) => {
            writeln!(out, "{}", say!(lang, "Cannot fix: {}", "无法修复：{}", reason_line(reason, lang)))
        }
    }
}

fn path_line(chain: &Chain, lang: Lang) -> String {
    draw(&chain.path.steps(&chain.certs), lang, |i, root| match root {
        Some(true) => say!(lang, "{} (trusted root, sent)", "{}（受信任的根证书，已发送）", chain.certs[i].name),
        _ => chain.certs[i].name.clone(),
    })
}

/// The certificates as the server sent them, in its order.
fn sent_names(fix: &Fix) -> String {
    fix.before.certs.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn left_out_line(name: &str, why: LeftOut, lang: Lang) -> String {
    match why {
        LeftOut::Root => say!(
            lang,
            "Left out: {name}, a root (phones use their own copy; sending it only costs bytes)",
            "已去掉：{name}，根证书（手机使用自带的副本，发送它只会多占字节）"
        ),
        LeftOut::Expired(at) => {
            say!(lang, "Left out: {name}, expired at {}", "已去掉：{name}，已于 {} 过期", rfc3339(at))
        }
        LeftOut::Unneeded => say!(
            lang,
            "Left out: {name}, on no path from the leaf to the root",
            "已去掉：{name}，不在从叶子证书到根证书的路径上"
        ),
    }
}

fn fetch_line(fetch: &super::FetchRecord, lang: Lang) -> String {
    let (url, of) = (&fetch.url, &fetch.for_cert);
    match &fetch.outcome {
        FetchOutcome::Added(names) => {
            say!(lang, "AIA of {of}: {url} gave {}", "{of} 的 AIA：{url} 取得 {}", names.join(", "))
        }
        FetchOutcome::NotIssuer(names) => say!(
            lang,
            "AIA of {of}: {url} gave {}, which does not sign {of}: not used",
            "{of} 的 AIA：{url} 取得 {}，但它并未签发 {of}：未采用",
            names.join(", ")
        ),
        FetchOutcome::Unreadable(why) => say!(lang, "AIA of {of}: {url}: {why}", "{of} 的 AIA：{url}：{why}"),
        FetchOutcome::Skipped => say!(
            lang,
            "AIA of {of}: {url} skipped (only http and https are fetched)",
            "{of} 的 AIA：{url} 已跳过（只获取 http 和 https）"
        ),
        FetchOutcome::Failed(why) => {
            say!(lang, "AIA of {of}: {url} failed: {why}", "{of} 的 AIA：{url} 获取失败：{why}")
        }
    }
}

fn path_view(path: &PathView, lang: Lang) -> String {
    let names = format!("{} → {}", path.names.join(" → "), path.root);
    let phones = match &path.android {
        None => say!(lang, "a root Android never shipped", "Android 从未内置的根证书"),
        Some(root) if root.removed.is_some() => {
            say!(lang, "Android {} and later, removed since", "Android {} 起内置，后已移除", root.added_in)
        }
        Some(root) => say!(lang, "Android {} and later", "Android {} 及以上", root.added_in),
    };
    let floor = match path.serves_floor {
        true => say!(lang, "serves --min-android", "覆盖 --min-android"),
        false => say!(lang, "does not serve every phone from --min-android", "无法覆盖 --min-android 起的所有手机"),
    };
    format!("{names}: {phones}; {floor}")
}

fn reason_line(reason: &Reason, lang: Lang) -> String {
    match reason {
        Reason::LeafExpired { not_after } => say!(
            lang,
            "the leaf expired at {}: renew the certificate",
            "叶子证书已于 {} 过期：请续期证书",
            rfc3339(*not_after)
        ),
        Reason::LeafNotYetValid { not_before } => {
            say!(lang, "the leaf is valid only from {}", "叶子证书 {} 才生效", rfc3339(*not_before))
        }
        Reason::WrongHost => say!(
            lang,
            "the leaf does not cover this host: a certificate for it is needed, not a chain",
            "叶子证书不包含此域名：需要为它签发证书，而不是补证书链"
        ),
        Reason::NoPath { no_aia, limit } => {
            let mut line = say!(lang, "no path to a trusted root", "找不到通往受信任根证书的路径");
            if !no_aia.is_empty() {
                line += &say!(lang, "; no AIA URL in {}", "；{} 没有 AIA 地址", no_aia.join(", "));
            }
            if *limit {
                line += &say!(lang, "; stopped after {} fetches", "；已获取 {} 次后停止", super::MAX_FETCHES);
            }
            line
        }
        Reason::StillRefused(chain) => say!(
            lang,
            "the built chain is still refused ({}): {}",
            "补全后的证书链仍被拒绝（{}）：{}",
            chain.refusal().map_or_else(|| "problems".to_owned(), |r| r.to_string()),
            path_line(chain, lang)
        ),
    }
}

/// The lines that install `file` on common servers. The key is never read.
fn config(file: &str, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", say!(lang, "Install {file}:", "安装 {file}："))?;
    writeln!(out, "  nginx:          ssl_certificate {file};")?;
    writeln!(out, "  Apache 2.4.8+:  SSLCertificateFile {file}")?;
    let older = say!(
        lang,
        "SSLCertificateFile with the leaf, SSLCertificateChainFile with the intermediates alone",
        "SSLCertificateFile 填叶子证书，SSLCertificateChainFile 只填中间证书"
    );
    writeln!(out, "  Apache ≤2.4.7:  {older}")?;
    writeln!(out, "  Caddy:          tls {file} privkey.pem")?;
    let haproxy = say!(
        lang,
        "crt FILE, where FILE is {file} with the private key appended",
        "crt FILE，FILE 为 {file} 末尾追加私钥"
    );
    writeln!(out, "  HAProxy:        {haproxy}")
}
