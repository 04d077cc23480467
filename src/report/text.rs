//! The text report for people at a terminal: the target and its addresses,
//! the six steps in triage order with one line per check, hints under
//! warnings and failures, where the time went, and the verdict.

use std::io::{self, Write};

use colored::{Color, Colorize};

use super::{CertEntry, CertificateReport, CheckReport, Report, TimingsMs};
use crate::cert::{self, Role};
use crate::checks::Status;
use crate::checks::catalogue::{STEP_ORDER, step_heading};
use crate::lang::Lang;
use crate::say;
use crate::text::{MAX_LINE, clean};

/// Renders one report; `color` adds ANSI colours.
pub fn render(report: &Report, out: &mut dyn Write, color: bool, lang: Lang) -> io::Result<()> {
    let paint = Painter { color };
    writeln!(out, "{} {}", paint.bold("reqdoctor check"), clean(&report.target, MAX_LINE))?;
    let (addresses, certificate) = match lang {
        Lang::En => ("addresses:  ", "certificate:"),
        Lang::Zh => ("地址：", "证书链："),
    };
    if !report.addresses.is_empty() {
        writeln!(out, "  {addresses} {}", report.addresses.join(", "))?;
    }
    if let Some(chain) = &report.certificate {
        writeln!(out, "  {certificate} {}", chain_line(chain, lang))?;
    }
    let width = report.checks.iter().map(|c| c.id.as_str().len()).max().unwrap_or(0);
    for step in STEP_ORDER {
        let checks: Vec<&CheckReport> = report.checks.iter().filter(|c| c.step == step).collect();
        if checks.is_empty() {
            continue;
        }
        writeln!(out)?;
        let indent = if step == 0 { "  " } else { "" };
        writeln!(out, "{indent}{}", paint.bold(&step_heading(step, lang)))?;
        for check in checks {
            render_check(check, width, &paint, lang, out)?;
        }
    }
    writeln!(out)?;
    let (timing, verdict) = match lang {
        Lang::En => ("timing ", "verdict"),
        Lang::Zh => ("耗时", "结论"),
    };
    writeln!(out, "{} {}", paint.bold(timing), timing_line(&report.timings_ms, lang))?;
    writeln!(out, "{} {}", paint.bold(verdict), verdict_line(report, &paint, lang))
}

fn render_check(check: &CheckReport, width: usize, paint: &Painter, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let (mark, color) = mark(check.status);
    let id = format!("{:<width$}", check.id.as_str());
    writeln!(out, "  {} {} {}", paint.color(mark, color), id, check.summary)?;
    if matches!(check.status, Status::Warn | Status::Fail) {
        if let Some(hint) = &check.hint {
            writeln!(out, "    {} {hint}", paint.color("→", Color::Cyan))?;
        }
        if let Some(wx) = &check.wx {
            let phone = say!(lang, "phone:", "手机报错：");
            writeln!(out, "    {} errno {} {}", paint.dim(&phone), wx.errno, paint.dim(&wx.err_msg))?;
            if let Some(android) = &wx.android {
                let phone = say!(lang, "Android:", "Android 手机：");
                writeln!(out, "    {} errno {} {}", paint.dim(&phone), android.errno, paint.dim(&android.err_msg))?;
            }
        }
    }
    Ok(())
}

fn mark(status: Status) -> (&'static str, Color) {
    match status {
        Status::Pass => ("✔", Color::Green),
        Status::Warn => ("!", Color::Yellow),
        Status::Fail => ("✘", Color::Red),
        Status::Skip => ("–", Color::BrightBlack),
        Status::Info => ("i", Color::Blue),
    }
}

/// `leaf (89 days left) → intermediate (1094 days left) → root (trusted root)`, plus extras:
/// the path drawn by [`cert::draw`], as `cert.chain` draws it, with each sent certificate's days.
fn chain_line(certificate: &CertificateReport, lang: Lang) -> String {
    let words = |index: usize, root: Option<bool>| {
        let entry: &CertEntry = &certificate.chain[index];
        let what = match (root, entry.days_left) {
            (Some(true), _) => say!(lang, "trusted root", "受信任的根证书"),
            (Some(false), _) => say!(lang, "untrusted root", "不受信任的根证书"),
            (None, d) if d < 0 => say!(lang, "expired {} days ago", "已过期 {} 天", -d),
            (None, 1) => say!(lang, "1 day left", "剩 1 天"),
            (None, d) => say!(lang, "{d} days left", "剩 {d} 天"),
        };
        say!(lang, "{} ({what})", "{}（{what}）", entry.name)
    };
    let mut line = cert::draw(&certificate.steps, lang, words);
    let extras: Vec<&str> =
        certificate.chain.iter().filter(|e| e.role == Role::Extra).map(|e| e.name.as_str()).collect();
    if !extras.is_empty() {
        line.push_str(&say!(lang, "; also sent: {}", "；另外发送了：{}", extras.join(", ")));
    }
    line
}

fn timing_line(t: &TimingsMs, lang: Lang) -> String {
    let names = match lang {
        Lang::En => ["dns", "connect", "tls", "first byte", "total"],
        Lang::Zh => ["DNS", "连接", "TLS", "首字节", "总计"],
    };
    let phases = [t.dns, t.connect, t.tls, t.ttfb];
    let mut parts: Vec<String> =
        names.iter().zip(phases).filter_map(|(name, ms)| ms.map(|ms| format!("{name} {ms:.1} ms"))).collect();
    parts.push(format!("{} {:.1} ms", names[4], t.total));
    parts.join(" → ")
}

fn verdict_line(report: &Report, paint: &Painter, lang: Lang) -> String {
    let ids = |status: Status| -> Vec<&str> {
        report.checks.iter().filter(|c| c.status == status).map(|c| c.id.as_str()).collect()
    };
    let (fails, warns) = (ids(Status::Fail), ids(Status::Warn));
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut detail = Vec::new();
    if !fails.is_empty() {
        let (n, s, list) = (fails.len(), plural(fails.len()), fails.join(", "));
        detail.push(say!(lang, "{n} failure{s} ({list})", "{n} 项失败（{list}）"));
    }
    if !warns.is_empty() {
        let (n, s, list) = (warns.len(), plural(warns.len()), warns.join(", "));
        detail.push(say!(lang, "{n} warning{s} ({list})", "{n} 项警告（{list}）"));
    }
    let (word, color) = match (report.verdict, lang) {
        (Status::Fail, Lang::En) => ("✘ FAIL", Color::Red),
        (Status::Fail, Lang::Zh) => ("✘ 不通过", Color::Red),
        (Status::Warn, Lang::En) => ("! WARN", Color::Yellow),
        (Status::Warn, Lang::Zh) => ("! 有警告", Color::Yellow),
        (_, Lang::En) => ("✔ PASS", Color::Green),
        (_, Lang::Zh) => ("✔ 通过", Color::Green),
    };
    let tail = if detail.is_empty() {
        say!(lang, "wx.request to this URL should work", "wx.request 请求这个 URL 应当可以成功")
    } else {
        detail.join(say!(lang, "; ", "；").as_str())
    };
    let colon = say!(lang, ": ", "：");
    format!("{}{colon}{tail}", paint.bold(&paint.color(word, color)))
}

/// Applies colour only when asked, so tests and pipes get plain text.
struct Painter {
    color: bool,
}

impl Painter {
    fn color(&self, text: &str, color: Color) -> String {
        if self.color { text.color(color).to_string() } else { text.to_owned() }
    }

    fn bold(&self, text: &str) -> String {
        if self.color { text.bold().to_string() } else { text.to_owned() }
    }

    fn dim(&self, text: &str) -> String {
        if self.color { text.dimmed().to_string() } else { text.to_owned() }
    }
}
