//! What a batch ends with: a table of every target (text), or one
//! monitoring-plugin status line with perfdata and a line per target (nagios).

use std::io::{self, Write};

use super::{Report, TimingsMs};
use crate::checks::{CheckId, Status};
use crate::lang::Lang;
use crate::outcome::{Decision, Exit, Outcome};
use crate::say;
use crate::text::{MAX_LINE, clean, pad};

/// The little kept of each finished report.
#[derive(Clone, Debug)]
pub struct Row {
    pub target: String,
    pub verdict: Status,
    /// Failing check ids, then warning ones.
    pub problems: Vec<CheckId>,
    /// The first failing (else warning) check's id and summary.
    pub first: Option<(CheckId, String)>,
    pub timings: TimingsMs,
}

impl From<&Report> for Row {
    fn from(report: &Report) -> Row {
        let by = |status: Status| report.checks.iter().filter(move |c| c.status == status);
        let problems: Vec<CheckId> = by(Status::Fail).chain(by(Status::Warn)).map(|c| c.id).collect();
        let first = by(Status::Fail).chain(by(Status::Warn)).next().map(|c| (c.id, c.summary.clone()));
        Row {
            target: clean(&report.target, MAX_LINE),
            verdict: report.verdict,
            problems,
            first,
            timings: report.timings_ms.clone(),
        }
    }
}

/// `target  verdict  failing checks  total ms`, one line per target, worst
/// first (targets that could not be diagnosed last), then the counts and
/// whatever kept the run from running fully.
pub fn render_table(
    rows: &mut [Row],
    crashed: &[String],
    outcome: &Outcome,
    lang: Lang,
    out: &mut dyn Write,
) -> io::Result<()> {
    rows.sort_by(|a, b| b.verdict.severity().cmp(&a.verdict.severity()).then_with(|| a.target.cmp(&b.target)));
    let targets = rows.iter().map(|r| &r.target).chain(crashed);
    let width = targets.map(|t| t.chars().count()).max().unwrap_or(6).clamp(6, 60);
    let (target, verdict, checks, total) = match lang {
        Lang::En => ("target", "verdict", "failing checks", "total ms"),
        Lang::Zh => ("目标", "结论", "未通过的检查", "总耗时 ms"),
    };
    writeln!(out)?;
    writeln!(out, "{}  {}  {total:>9}  {checks}", pad(target, width), pad(verdict, 7))?;
    for row in rows.iter() {
        let problems: Vec<&str> = row.problems.iter().map(|id| id.as_str()).collect();
        let problems = if problems.is_empty() { "-".to_owned() } else { problems.join(", ") };
        let shown: String = row.target.chars().take(width).collect();
        writeln!(out, "{shown:<width$}  {:<7}  {:>9.1}  {problems}", row.verdict.as_str(), row.timings.total)?;
    }
    let stopped = say!(lang, "the diagnosis stopped unexpectedly", "诊断意外中止");
    for target in crashed {
        let shown: String = target.chars().take(width).collect();
        writeln!(out, "{shown:<width$}  {:<7}  {:>9}  {stopped}", "error", "-")?;
    }
    writeln!(out, "{}", counts_line(outcome, lang))
}

/// `41 targets: 17 pass, 0 warn, 24 fail; 5 lines could not be read`.
pub fn counts_line(outcome: &Outcome, lang: Lang) -> String {
    let (pass, warn, fail) = (outcome.pass, outcome.warn, outcome.fail);
    let n = outcome.finished() + outcome.crashed;
    let s = if n == 1 { "" } else { "s" };
    let mut line = say!(
        lang,
        "{n} target{s}: {pass} pass, {warn} warn, {fail} fail",
        "共 {n} 个目标：{pass} 个通过，{warn} 个警告，{fail} 个失败"
    );
    let decision = outcome.decide();
    if !decision.shortfalls.is_empty() {
        line.push_str(say!(lang, "; ", "；").as_str());
        line.push_str(&decision.shortfalls(lang));
    }
    line
}

/// The monitoring-plugin output: `REQDOCTOR CRITICAL - … | perfdata`, then one
/// line per target when there are several. The state word is the decision's;
/// `budget_ms` sets total's thresholds.
pub fn render_nagios(
    rows: &[Row],
    crashed: &[String],
    decision: &Decision,
    budget_ms: u64,
    out: &mut dyn Write,
) -> io::Result<()> {
    let state = decision.exit.word();
    let prefix = match decision.shortfalls(Lang::En) {
        text if text.is_empty() => String::new(),
        text => format!("{text}; "),
    };
    match (rows, crashed) {
        ([], []) => writeln!(out, "REQDOCTOR {state} - {}", decision.shortfalls(Lang::En)),
        ([row], []) => {
            writeln!(out, "REQDOCTOR {state} - {prefix}{} | {}", headline(row), perfdata(&row.timings, budget_ms))
        }
        _ => {
            let count = |status: Status| rows.iter().filter(|r| r.verdict == status).count();
            let (fail, warn, pass) = (count(Status::Fail), count(Status::Warn), count(Status::Pass));
            let n = rows.len() + crashed.len();
            let unknown = match crashed.len() {
                0 => String::new(),
                n => format!(" unknown={n};;;0"),
            };
            let worst = rows.iter().map(|r| r.verdict).max_by_key(|s| s.severity()).unwrap_or(Status::Pass);
            let first = rows.iter().find(|r| r.verdict == worst).map(|row| format!("; {}", headline(row)));
            let first = first.unwrap_or_default();
            writeln!(
                out,
                "REQDOCTOR {state} - {prefix}{fail} of {n} targets fail, {warn} warn{first} | targets={n};;;0 fail={fail};;;0 warn={warn};;;0 pass={pass};;;0{unknown}"
            )?;
            for row in rows {
                writeln!(out, "{} {} - {}", Exit::of(row.verdict).word(), row.target, headline(row))?;
            }
            for target in crashed {
                writeln!(out, "UNKNOWN {target} - the diagnosis stopped unexpectedly")?;
            }
            Ok(())
        }
    }
}

/// `cert.expiry: certificate expired 2 days ago`, or that the target passes.
fn headline(row: &Row) -> String {
    match &row.first {
        Some((id, summary)) => format!("{id}: {}", summary.replace('|', "/")),
        None => format!("{}: wx.request should work", row.target),
    }
}

/// `dns=1.2ms;;;0 … total=9.0ms;30000;60000;0`: warn at half the budget, critical at it.
fn perfdata(t: &TimingsMs, budget_ms: u64) -> String {
    let mut parts: Vec<String> = [("dns", t.dns), ("connect", t.connect), ("tls", t.tls), ("ttfb", t.ttfb)]
        .iter()
        .filter_map(|(name, ms)| ms.map(|ms| format!("{name}={ms:.1}ms;;;0")))
        .collect();
    parts.push(format!("total={:.1}ms;{};{budget_ms};0", t.total, budget_ms / 2));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(target: &str, verdict: Status, first: Option<(CheckId, &str)>) -> Row {
        Row {
            target: target.into(),
            verdict,
            problems: first.iter().map(|(id, _)| *id).collect(),
            first: first.map(|(id, s)| (id, s.to_owned())),
            timings: TimingsMs { dns: Some(1.2), connect: Some(0.3), tls: None, ttfb: None, total: 9.0 },
        }
    }

    fn outcome_of(rows: &[Row]) -> Outcome {
        let mut outcome = Outcome::default();
        rows.iter().for_each(|row| outcome.record(row.verdict));
        outcome
    }

    fn nagios(rows: &[Row]) -> String {
        let mut out = Vec::new();
        render_nagios(rows, &[], &outcome_of(rows).decide(), 60_000, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_target_is_one_plugin_line_with_perfdata() {
        let text = nagios(&[row(
            "https://a.test/",
            Status::Fail,
            Some((CheckId::CertExpiry, "certificate expired 2 days ago")),
        )]);
        assert_eq!(
            text,
            "REQDOCTOR CRITICAL - cert.expiry: certificate expired 2 days ago | dns=1.2ms;;;0 connect=0.3ms;;;0 total=9.0ms;30000;60000;0\n"
        );
        let ok = nagios(&[row("https://a.test/", Status::Pass, None)]);
        assert!(ok.starts_with("REQDOCTOR OK - https://a.test/: wx.request should work | "), "{ok}");
    }

    #[test]
    fn several_targets_add_counts_and_a_line_each() {
        let rows = [
            row("https://a.test/", Status::Pass, None),
            row("https://b.test/", Status::Warn, Some((CheckId::HttpResponse, "500 Internal Server Error"))),
        ];
        let text = nagios(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].starts_with("REQDOCTOR WARNING - 0 of 2 targets fail, 1 warn; http.response: 500"),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with("| targets=2;;;0 fail=0;;;0 warn=1;;;0 pass=1;;;0"), "{}", lines[0]);
        assert_eq!(lines[2], "WARNING https://b.test/ - http.response: 500 Internal Server Error");
    }

    #[test]
    fn the_table_puts_the_worst_first() {
        let mut rows = [
            row("https://a.test/", Status::Pass, None),
            row("https://b.test/", Status::Fail, Some((CheckId::DnsResolve, "x"))),
        ];
        let mut out = Vec::new();
        let outcome = outcome_of(&rows);
        render_table(&mut rows, &[], &outcome, Lang::En, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let b = text.find("https://b.test/").unwrap();
        assert!(b < text.find("https://a.test/").unwrap(), "{text}");
        assert!(text.contains("2 targets: 1 pass, 0 warn, 1 fail\n"), "{text}");
    }

    #[test]
    fn what_did_not_run_is_unknown_in_every_output() {
        let rows = [row("https://b.test/", Status::Fail, Some((CheckId::DnsResolve, "x")))];
        let outcome = Outcome { bad_lines: 2, crashed: 1, ..outcome_of(&rows) };
        let crashed = ["https://c.test/".to_owned()];
        let mut out = Vec::new();
        render_nagios(&rows, &crashed, &outcome.decide(), 60_000, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with(
                "REQDOCTOR UNKNOWN - 1 target could not be diagnosed; 2 lines could not be read; 1 of 2 targets fail"
            ),
            "{text}"
        );
        assert!(
            text.contains(" unknown=1;;;0\n")
                && text.ends_with("UNKNOWN https://c.test/ - the diagnosis stopped unexpectedly\n"),
            "{text}"
        );
        let mut out = Vec::new();
        render_table(&mut rows.clone(), &crashed, &outcome, Lang::En, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(
                "2 targets: 0 pass, 0 warn, 1 fail; 1 target could not be diagnosed; 2 lines could not be read\n"
            ),
            "{text}"
        );
    }
}
