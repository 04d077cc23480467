//! `reqdoctor explain`: paste what the phone showed — a full errMsg, an errno,
//! a `net::ERR_*` name or an iOS message — and learn which triage step and
//! checks it points to, the likely causes in order, and the command that
//! confirms it.

mod recognize;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;
use serde_json::json;

use crate::lang::Lang;
use crate::say;
pub use recognize::{Recognized, recognize};
use table::Entry;

/// The placeholder URL when `--url` is not given.
const SOME_URL: &str = "https://YOUR-DOMAIN/PATH";

/// What one pasted error means.
pub struct Explanation {
    pub input: String,
    pub recognized: Recognized,
    pub entry: &'static Entry,
    /// The `reqdoctor check` command that confirms it.
    pub command: String,
}

/// Explains `input`; `None` when it is not an error reqdoctor knows.
pub fn explain(input: &str, url: Option<&str>) -> Option<Explanation> {
    let (recognized, entry) = recognize(input)?;
    Some(Explanation { input: input.trim().to_owned(), recognized, entry, command: command(entry, url) })
}

fn command(entry: &Entry, url: Option<&str>) -> String {
    let origin = url
        .and_then(|u| url::Url::parse(u).ok())
        .filter(|u| u.has_host())
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_else(|| "https://YOUR-DOMAIN".to_owned());
    let url = url.unwrap_or(SOME_URL);
    let flags = entry.flags.replace("https://YOUR-DOMAIN", &origin);
    let flags = if flags.is_empty() { String::new() } else { format!("{flags} ") };
    format!("reqdoctor check {flags}{}", shell_quote(url))
}

/// Quotes a URL for a POSIX shell when it has characters the shell would eat.
fn shell_quote(text: &str) -> String {
    let plain = text.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain { text.to_owned() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

/// The text answer, in `lang`.
pub fn render_text(e: &Explanation, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let entry = e.entry;
    let pick = |pair: (&'static str, &'static str)| if lang == Lang::Zh { pair.1 } else { pair.0 };
    writeln!(out, "reqdoctor explain: {}", e.input)?;
    writeln!(out)?;
    writeln!(out, "  {} {}", say!(lang, "recognised: ", "识别为：   "), e.recognized.describe())?;
    writeln!(out, "  {} {}", say!(lang, "meaning:    ", "含义：     "), pick(entry.meaning))?;
    let step = crate::checks::catalogue::step_heading(entry.step, lang);
    writeln!(out, "  {} {}", say!(lang, "triage step:", "排查步骤： "), step)?;
    let checks: Vec<&str> = entry.checks.iter().map(|c| c.as_str()).collect();
    writeln!(out, "  {} {}", say!(lang, "checks:     ", "相关检查： "), checks.join(", "))?;
    writeln!(out)?;
    writeln!(out, "  {}", say!(lang, "likely causes, most likely first:", "可能的原因（按可能性排序）："))?;
    for (n, (check, en, zh)) in entry.causes.iter().enumerate() {
        let cause = if lang == Lang::Zh { zh } else { en };
        writeln!(out, "    {}. {cause}  ({check})", n + 1)?;
    }
    writeln!(out)?;
    writeln!(out, "  {}", say!(lang, "confirm with:", "用这条命令确认："))?;
    writeln!(out, "    {}", e.command)
}

/// The JSON answer: stable keys, text in `lang`.
pub fn render_json(e: &Explanation, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let entry = e.entry;
    let pick = |pair: (&'static str, &'static str)| if lang == Lang::Zh { pair.1 } else { pair.0 };
    let causes: Vec<_> = entry
        .causes
        .iter()
        .map(|(check, en, zh)| json!({"check": check.as_str(), "cause": if lang == Lang::Zh { zh } else { en }}))
        .collect();
    let answer = json!({
        "input": e.input,
        "recognized": e.recognized,
        "key": entry.key,
        "step": entry.step,
        "checks": entry.checks.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "meaning": pick(entry.meaning),
        "causes": causes,
        "command": e.command,
    });
    serde_json::to_writer_pretty(&mut *out, &answer)?;
    writeln!(out)
}

/// The one-line answer to input reqdoctor does not recognise.
pub fn unknown(input: &str, lang: Lang) -> String {
    let shown: String = input.trim().chars().take(80).map(|c| if c.is_control() { ' ' } else { c }).collect();
    say!(
        lang,
        "cannot tell what '{shown}' means; paste the errMsg as the phone showed it (e.g. 'request:fail errcode:-202 cronet_error_code:-202 error_msg:net::ERR_CERT_AUTHORITY_INVALID'), an errno such as 600002, or a name such as net::ERR_NAME_NOT_RESOLVED",
        "无法识别 '{shown}'；请粘贴手机上显示的完整 errMsg（如 'request:fail errcode:-202 cronet_error_code:-202 error_msg:net::ERR_CERT_AUTHORITY_INVALID'），或 errno（如 600002），或 net::ERR_NAME_NOT_RESOLVED 这样的错误名"
    )
}

impl Serialize for Recognized {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json!({
            "errno": self.errno,
            "net_error": self.net.map(|(code, name)| json!({"code": code, "name": name})),
            "ios_code": self.ios,
        })
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_fill_in_the_url_and_flags() {
        let e = explain("request:fail url not in domain list", Some("https://api.test/x?a=1&b=2")).unwrap();
        assert_eq!(e.command, "reqdoctor check --allow-domain https://api.test 'https://api.test/x?a=1&b=2'");
        let e = explain("600002", None).unwrap();
        assert_eq!(e.command, "reqdoctor check --allow-domain https://YOUR-DOMAIN https://YOUR-DOMAIN/PATH");
    }

    #[test]
    fn renders_both_languages() {
        let e = explain("net::ERR_CERT_DATE_INVALID", None).unwrap();
        let mut en = Vec::new();
        render_text(&e, Lang::En, &mut en).unwrap();
        let en = String::from_utf8(en).unwrap();
        assert!(en.contains("cert.expiry") && en.contains("likely causes"), "{en}");
        let mut zh = Vec::new();
        render_text(&e, Lang::Zh, &mut zh).unwrap();
        let zh = String::from_utf8(zh).unwrap();
        assert!(zh.contains("证书已过期") && zh.contains("可能的原因"), "{zh}");
    }

    #[test]
    fn unknown_input_is_one_line() {
        assert!(!unknown("what\nis this", Lang::En).contains('\n'));
        assert_eq!(unknown("x", Lang::Zh).lines().count(), 1);
    }
}
