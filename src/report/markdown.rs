//! The Markdown report, for pasting into a ticket or a chat: the verdict and
//! the phone's error first, then the six steps as one table, the certificate
//! chain, where the time went, and the command that produced it. Everything
//! that came from the network is escaped, so a server cannot add markup.

use std::io::{self, Write};

use super::fold::{Line, fold};
use super::text::{chain_line, verdict_detail};
use super::{CheckReport, Report, verdict_word};
use crate::checks::Status;
use crate::checks::catalogue::{STEP_ORDER, step_heading};
use crate::lang::Lang;
use crate::say;

/// Renders one report; `command` is the masked command line that produced it.
pub fn render(report: &Report, lang: Lang, command: &str, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### {} {}", verdict_word(report.verdict, lang), code(&report.target))?;
    writeln!(out)?;
    let verdict = say!(lang, "Verdict", "结论");
    writeln!(out, "**{verdict}:** {}{}", verdict_word(report.verdict, lang), escape(&verdict_detail(report, lang)))?;
    phone_errors(report, lang, out)?;
    writeln!(out)?;
    checks_table(report, lang, out)?;
    if let Some(chain) = &report.certificate {
        writeln!(out)?;
        let title = say!(lang, "Certificate chain", "证书链");
        writeln!(out, "**{title}:** {}", escape(&chain_line(chain, lang)))?;
    }
    writeln!(out)?;
    if !report.of_files {
        timing(report, lang, out)?;
        writeln!(out)?;
    }
    let made = say!(lang, "Made with", "生成命令");
    writeln!(out, "{made} (reqdoctor {}, {}):", report.tool.version, report.started_at)?;
    writeln!(out)?;
    writeln!(out, "```sh\n{}\n```", command.replace("```", "'''"))
}

/// What the phone would show, for each failing or warning check that says.
fn phone_errors(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let label = say!(lang, "The phone would show", "手机上会看到");
    for check in report.checks.iter().filter(|c| c.status.severity() > 0) {
        if let Some(wx) = &check.wx {
            writeln!(out)?;
            writeln!(out, "**{label}** ({}): errno {} {}", code(check.id.as_str()), wx.errno, code(&wx.err_msg))?;
            if let Some(android) = &wx.android {
                writeln!(out, "Android: errno {} {}", android.errno, code(&android.err_msg))?;
            }
        }
    }
    Ok(())
}

/// One table of every step's checks; folded skips are one row.
fn checks_table(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let (step, check, result) = match lang {
        Lang::En => ("step", "check", "result"),
        Lang::Zh => ("步骤", "检查项", "结果"),
    };
    writeln!(out, "| {step} | | {check} | {result} |")?;
    writeln!(out, "|---|---|---|---|")?;
    for number in STEP_ORDER {
        let checks: Vec<&CheckReport> = report.checks.iter().filter(|c| c.step == number).collect();
        let heading = escape(&step_heading(number, lang));
        for (index, line) in fold(&checks, report, false).into_iter().enumerate() {
            let shown_step = if index == 0 { heading.as_str() } else { "" };
            let row = match line {
                Line::Check(check) => row(check, lang),
                Line::Folded { ids, summary } => {
                    format!("{} | {} | {}", mark(Status::Skip), code(&ids), escape(summary))
                }
            };
            writeln!(out, "| {shown_step} | {row} |")?;
        }
    }
    Ok(())
}

fn row(check: &CheckReport, lang: Lang) -> String {
    let mut result = escape(&check.summary);
    if check.status.severity() > 0
        && let Some(hint) = &check.hint
    {
        result.push_str(&format!("<br>→ {}", escape(hint)));
    }
    if check.status.severity() > 0
        && let Some(wx) = &check.wx
    {
        let phone = say!(lang, "phone", "手机");
        result.push_str(&format!("<br>{phone}: errno {} {}", wx.errno, code(&wx.err_msg)));
    }
    format!("{} | {} | {result}", mark(check.status), code(check.id.as_str()))
}

/// Where the time went: the timeline as a table, extras marked.
fn timing(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let total = report.timings_ms.total;
    let title = say!(lang, "Timing", "耗时");
    writeln!(out, "**{title}:** {}", say!(lang, "total {total:.1} ms", "总计 {total:.1} ms"))?;
    if report.timeline.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let (phase, from, to, extra) = match lang {
        Lang::En => ("phase (res.profile)", "from ms", "to ms", "reqdoctor's own request"),
        Lang::Zh => ("阶段（res.profile）", "开始 ms", "结束 ms", "reqdoctor 额外的请求"),
    };
    writeln!(out, "| {phase} | {from} | {to} | |")?;
    writeln!(out, "|---|--:|--:|---|")?;
    for entry in &report.timeline {
        let note = if entry.extra { extra } else { "" };
        writeln!(out, "| {} | {:.1} | {:.1} | {note} |", code(entry.phase), entry.start_ms, entry.end_ms)?;
    }
    Ok(())
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✔",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Skip => "–",
        Status::Info => "ℹ️",
    }
}

/// `text` as inline code; backticks inside are replaced (they would end it)
/// and `|` is escaped for tables.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('`', "'").replace('|', "\\|"))
}

/// `text` with Markdown's and HTML's special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_from_a_server_stays_text() {
        assert_eq!(escape("<img src=x> *bold* [link](y) a|b"), "&lt;img src=x&gt; \\*bold\\* \\[link\\](y) a\\|b");
        assert_eq!(code("a`b|c"), "`a'b\\|c`");
    }
}
