//! `reqdoctor checks`: the check catalogue for people (a table by step) and
//! for runbooks and tooling (`--json`, `schema_version` 1). Both are drawn
//! from [`catalogue::ROWS`], the one list of checks.

use std::io::{self, Write};

use serde_json::json;

use crate::checks::Phone;
use crate::checks::catalogue::{self, ROWS, Row, STEP_ORDER, step_heading, step_title};
use crate::lang::Lang;
use crate::miniprogram::Api;
use crate::say;
use crate::text::{columns, pad};

/// The catalogue's JSON layout version; bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// One table per step: id, title, and the phone error a failure reports by default.
pub fn render_text(lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let id_width = ROWS.iter().map(|row| row.name.len()).max().unwrap_or(0);
    let title_width = ROWS.iter().map(|row| columns(row.title(lang))).max().unwrap_or(0);
    for step in STEP_ORDER {
        writeln!(out, "{}", step_heading(step, lang))?;
        for row in ROWS.iter().filter(|row| row.step == step) {
            let title = pad(row.title(lang), title_width);
            let line = format!("  {:<id_width$}  {title}  {}", row.name, details(row, lang));
            writeln!(out, "{}", line.trim_end())?;
        }
        writeln!(out)?;
    }
    let docs = catalogue::DOCS;
    writeln!(out, "{}", say!(lang, "Each check is explained in {docs}.", "每项检查的说明见 {docs}。"))
}

/// The phone error a failure reports (`600001 net::ERR_CERT_DATE_INVALID`), or the option the check needs.
fn details(row: &Row, lang: Lang) -> String {
    match (row.phone, row.only_with) {
        (Some(Phone::Net(error)), _) => format!("{} net::{}", Phone::Net(error).errno(), error.name()),
        (Some(phone), _) => format!("{} {}", phone.errno(), phone.detail()),
        (None, Some(option)) => say!(lang, "(only with {option})", "（仅在使用 {option} 时出现）"),
        (None, None) => "-".to_owned(),
    }
}

/// The catalogue as one JSON document: the steps, then every check in report order.
pub fn render_json(out: &mut dyn Write) -> io::Result<()> {
    let steps: Vec<_> = STEP_ORDER
        .iter()
        .map(|step| {
            let (en, zh) = step_title(*step);
            json!({"step": step, "title": {"en": en, "zh": zh}})
        })
        .collect();
    let checks: Vec<_> = ROWS
        .iter()
        .enumerate()
        .map(|(order, row)| {
            json!({
                "id": row.id,
                "step": row.step,
                "order": order + 1,
                "title": {"en": row.title.0, "zh": row.title.1},
                "phone_error": row.phone.map(|phone| phone.wx(Api::Request)),
                "depends_on": row.depends_on,
                "only_with": row.only_with,
                "docs": row.docs(),
            })
        })
        .collect();
    let document = json!({"schema_version": SCHEMA_VERSION, "steps": steps, "checks": checks});
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_lists_every_row_in_order() {
        let mut out = Vec::new();
        render_json(&mut out).unwrap();
        let document: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let ids: Vec<&str> = document["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
        let expected: Vec<&str> = ROWS.iter().map(|row| row.name).collect();
        assert_eq!(ids, expected);
        assert_eq!(document["checks"][1]["docs"], "docs/checks.md#dns.resolve");
        assert_eq!(document["checks"][1]["phone_error"]["errno"], 600_001);
        assert_eq!(document["checks"][0]["only_with"], "--proxy");
    }

    #[test]
    fn the_text_groups_by_step_in_both_languages() {
        let mut en = Vec::new();
        render_text(Lang::En, &mut en).unwrap();
        let en = String::from_utf8(en).unwrap();
        assert!(en.starts_with("1 the phone's network\n  net.proxy "), "{en}");
        assert!(en.contains("\n  dns.resolve "), "{en}");
        assert!(en.contains("only with --baseline"), "{en}");
        let mut zh = Vec::new();
        render_text(Lang::Zh, &mut zh).unwrap();
        assert!(String::from_utf8(zh).unwrap().contains("域名解析"));
    }
}
