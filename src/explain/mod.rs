//! `reqdoctor explain`: paste what the phone showed — a full errMsg, an errno,
//! a `net::ERR_*` name or an iOS message — and learn which triage step and
//! checks it points to, the likely causes in order, the fix, and the command
//! that confirms it. The checks named are the answer's own and every check
//! the catalogue says can report the error, so none is missed.

mod recognize;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;
use serde_json::json;

use crate::checks::catalogue::ROWS;
use crate::checks::{CheckId, Phone};
use crate::lang::Lang;
use crate::say;
pub use recognize::{PHONE_ONLY, Recognized, known_net_errors, recognize};
use table::Entry;

/// The placeholder URL when `--url` is not given.
const SOME_URL: &str = "https://YOUR-DOMAIN/PATH";

/// What one pasted error means.
pub struct Explanation {
    pub input: String,
    pub recognized: Recognized,
    pub entry: &'static Entry,
    /// The checks to look at: [`checks_for`] the entry.
    pub checks: Vec<CheckId>,
    /// The `reqdoctor check` command that confirms it.
    pub command: String,
}

/// Explains `input`; `None` when it is not an error reqdoctor knows.
pub fn explain(input: &str, url: Option<&str>) -> Option<Explanation> {
    let (recognized, entry) = recognize(input)?;
    let input = input.trim().to_owned();
    Some(Explanation { input, recognized, entry, checks: checks_for(entry), command: command(entry, url) })
}

/// The checks printed with `entry`: its own, most telling first, then every
/// other check whose catalogue row lists an error that `entry` answers.
pub fn checks_for(entry: &Entry) -> Vec<CheckId> {
    let mut checks = entry.checks.to_vec();
    for row in ROWS {
        if !checks.contains(&row.id) && row.reports.iter().any(|phone| answers(entry, *phone)) {
            checks.push(row.id);
        }
    }
    checks
}

/// Whether `entry` is the answer to what the phone shows for `phone`: to
/// its whole errMsg, or to its errno alone (600001 answers every net error).
pub fn answers(entry: &Entry, phone: Phone) -> bool {
    let whole = match phone {
        Phone::Net(error) => recognize::net_entry(error.code()),
        other => recognize::errno_entry(other.errno()),
    };
    [whole, recognize::errno_entry(phone.errno())].into_iter().flatten().any(|answer| answer.key == entry.key)
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
    let checks: Vec<&str> = e.checks.iter().map(|c| c.as_str()).collect();
    writeln!(out, "  {} {}", say!(lang, "checks:     ", "相关检查： "), checks.join(", "))?;
    writeln!(out)?;
    writeln!(out, "  {}", say!(lang, "likely causes, most likely first:", "可能的原因（按可能性排序）："))?;
    for (n, (check, en, zh)) in entry.causes.iter().enumerate() {
        let cause = if lang == Lang::Zh { zh } else { en };
        writeln!(out, "    {}. {cause}  ({check})", n + 1)?;
    }
    writeln!(out)?;
    writeln!(out, "  {}", say!(lang, "fix:", "修复方法："))?;
    writeln!(out, "    {}", pick(entry.fix))?;
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
        "checks": e.checks.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "meaning": pick(entry.meaning),
        "causes": causes,
        "fix": pick(entry.fix),
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
            "phrase": self.phrase,
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

    /// Every input the code base knows: each net error by number, by name
    /// (bare and with `net::`) and as the phone's errMsg, each errno a check
    /// reports (and the other network errnos), each phrase and iOS message.
    fn every_known_input() -> Vec<String> {
        let mut inputs = Vec::new();
        for (code, name) in known_net_errors() {
            let errmsg = format!("request:fail errcode:{code} cronet_error_code:{code} error_msg:net::{name}");
            inputs.extend([code.to_string(), name.to_owned(), format!("net::{name}"), errmsg]);
        }
        let reported = ROWS.iter().flat_map(|row| row.reports).map(|phone| phone.errno());
        inputs.extend(reported.chain([600_000, 600_003]).map(|errno| errno.to_string()));
        inputs.extend(recognize::PHRASES.iter().map(|(phrase, _)| format!("request:fail {phrase}")));
        inputs.extend(recognize::IOS_MESSAGES.iter().map(|(message, _)| format!("request:fail {message}。")));
        inputs
    }

    fn text(e: &Explanation, lang: Lang) -> String {
        let mut out = Vec::new();
        render_text(e, lang, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A label that ends its line must be followed by an indented value.
    fn assert_text_filled(input: &str, text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let trimmed = line.trim_end();
            let value = trimmed.split_once(':').or_else(|| trimmed.split_once('：')).map(|(_, v)| v.trim());
            if value == Some("") {
                let next = lines.get(n + 1).copied().unwrap_or("");
                assert!(next.starts_with("    ") && !next.trim().is_empty(), "{input}: empty {line:?}\n{text}");
            }
        }
    }

    fn assert_json_filled(input: &str, e: &Explanation, lang: Lang) {
        let mut out = Vec::new();
        render_json(e, lang, &mut out).unwrap();
        let answer: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let recognized = answer["recognized"].as_object().unwrap();
        assert!(recognized.values().any(|v| !v.is_null()), "{input}: nothing recognised");
        for (field, value) in answer.as_object().unwrap() {
            let empty = match value {
                serde_json::Value::String(s) => s.trim().is_empty(),
                serde_json::Value::Array(a) => a.is_empty(),
                other => other.is_null(),
            };
            assert!(!empty, "{input}: {field} is empty");
        }
        for cause in answer["causes"].as_array().unwrap() {
            assert!(cause["check"].as_str().is_some_and(|c| !c.is_empty()), "{input}");
            assert!(cause["cause"].as_str().is_some_and(|c| !c.is_empty()), "{input}");
        }
    }

    #[test]
    fn every_known_input_fills_every_field() {
        for input in every_known_input() {
            let e = explain(&input, None).unwrap_or_else(|| panic!("{input} is not recognised"));
            assert!(!e.checks.is_empty(), "{input} names no check");
            for lang in [Lang::En, Lang::Zh] {
                assert_text_filled(&input, &text(&e, lang));
                assert_json_filled(&input, &e, lang);
            }
        }
    }

    #[test]
    fn every_net_error_is_recognised_in_every_form() {
        for (code, name) in known_net_errors() {
            let errmsg = format!("request:fail errcode:{code} cronet_error_code:{code} error_msg:net::{name}");
            for input in [code.to_string(), name.to_owned(), format!("net::{name}"), errmsg] {
                let e = explain(&input, None).unwrap_or_else(|| panic!("{input}"));
                assert_eq!(e.recognized.net, Some((code, name)), "{input}");
                assert_eq!(e.recognized.errno, Some(600_001), "{input}");
            }
        }
    }

    /// The catalogue's round trip: every error a check can report, as every
    /// API's errMsg, is answered with that check among the checks named.
    #[test]
    fn every_error_a_check_reports_explains_back_to_it() {
        use clap::ValueEnum;
        for row in ROWS {
            for phone in row.reports {
                for api in crate::miniprogram::Api::value_variants() {
                    let wx = phone.wx(*api);
                    let e = explain(&wx.err_msg, None).unwrap_or_else(|| panic!("{}", wx.err_msg));
                    assert!(e.checks.contains(&row.id), "{} does not lead to {}: {:?}", wx.err_msg, row.name, e.checks);
                    assert_eq!(e.recognized.errno, Some(wx.errno), "{}", wx.err_msg);
                    let errno = explain(&wx.errno.to_string(), None).unwrap();
                    assert!(errno.checks.contains(&row.id), "errno {} does not lead to {}", wx.errno, row.name);
                }
            }
        }
    }

    #[test]
    fn every_entry_is_reachable_and_its_checks_come_first() {
        for entry in table::ALL {
            let checks = checks_for(entry);
            assert_eq!(&checks[..entry.checks.len()], entry.checks, "{}", entry.key);
            let reachable = every_known_input()
                .iter()
                .chain(known_net_errors().map(|(code, _)| code.to_string()).collect::<Vec<_>>().iter())
                .any(|input| recognize(input).is_some_and(|(_, found)| found.key == entry.key));
            assert!(reachable, "no input leads to {}", entry.key);
        }
    }

    #[test]
    fn a_bare_errno_names_every_check_that_reports_it() {
        let e = explain("600001", None).unwrap();
        let names: Vec<&str> = e.checks.iter().map(|c| c.as_str()).collect();
        for id in ["dns.resolve", "tcp.connect", "tls.handshake", "cert.trusted", "cert.expiry", "http.response"] {
            assert!(names.contains(&id), "{id} missing from {names:?}");
        }
        assert!(!names.contains(&"domain.allowlist"), "600002's check is not 600001's");
    }

    #[test]
    fn unknown_input_is_one_line() {
        assert!(!unknown("what\nis this", Lang::En).contains('\n'));
        assert_eq!(unknown("x", Lang::Zh).lines().count(), 1);
    }
}
