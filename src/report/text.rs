//! The text report for people at a terminal: the target and its addresses,
//! the six steps in triage order with one line per check, hints under
//! warnings and failures, where the time went, and the verdict.

use std::io::{self, Write};

use colored::{Color, Colorize};

use super::{CertEntry, CertificateReport, CheckReport, Report, TimingsMs};
use crate::checks::Status;

/// The steps in the order the mini-program guide gives them, then the request.
const STEPS: [(u8, &str); 7] = [
    (1, "the phone's network"),
    (2, "the request allow-list"),
    (3, "HTTPS certificate and TLS 1.2+"),
    (4, "domain rules: no IP or localhost, no port, ICP filing"),
    (5, "the timeout budget"),
    (6, "redirects"),
    (0, "the request itself"),
];

/// Renders one report; `color` adds ANSI colours.
pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let paint = Painter { color };
    writeln!(out, "{} {}", paint.bold("reqdoctor check"), report.target)?;
    if !report.addresses.is_empty() {
        writeln!(out, "  addresses:   {}", report.addresses.join(", "))?;
    }
    if let Some(certificate) = &report.certificate {
        writeln!(out, "  certificate: {}", chain_line(certificate))?;
    }
    let width = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    for (step, title) in STEPS {
        let checks: Vec<&CheckReport> = report.checks.iter().filter(|c| c.step == step).collect();
        if checks.is_empty() {
            continue;
        }
        writeln!(out)?;
        let heading = if step == 0 { format!("  {title}") } else { format!("{step} {title}") };
        writeln!(out, "{}", paint.bold(&heading))?;
        for check in checks {
            render_check(check, width, &paint, out)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{} {}", paint.bold("timing "), timing_line(&report.timings_ms))?;
    writeln!(out, "{} {}", paint.bold("verdict"), verdict_line(report, &paint))
}

fn render_check(check: &CheckReport, width: usize, paint: &Painter, out: &mut dyn Write) -> io::Result<()> {
    let (mark, color) = mark(check.status);
    let id = format!("{:<width$}", check.id);
    writeln!(out, "  {} {} {}", paint.color(mark, color), id, check.summary)?;
    if matches!(check.status, Status::Warn | Status::Fail) {
        if let Some(hint) = &check.hint {
            writeln!(out, "    {} {hint}", paint.color("→", Color::Cyan))?;
        }
        if let Some(wx) = &check.wx {
            writeln!(out, "    {} errno {} {}", paint.dim("phone:"), wx.errno, paint.dim(&wx.err_msg))?;
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

/// `leaf (89 days left) → intermediate (1094 days left) → root (trusted root)`, plus extras.
fn chain_line(certificate: &CertificateReport) -> String {
    let days = |entry: &CertEntry| match entry.days_left {
        _ if entry.role == "root" => "untrusted root".to_owned(),
        d if d < 0 => format!("expired {} days ago", -d),
        1 => "1 day left".to_owned(),
        d => format!("{d} days left"),
    };
    let mut parts: Vec<String> =
        certificate.path.iter().map(|i| &certificate.chain[*i]).map(|e| format!("{} ({})", e.name, days(e))).collect();
    if let Some(root) = &certificate.trusted_root {
        parts.push(format!("{root} (trusted root)"));
    }
    if let Some(issuer) = &certificate.missing_issuer {
        parts.push(format!("{issuer} (not sent, not trusted)"));
    }
    let mut line = parts.join(" → ");
    let extras: Vec<&str> = certificate.chain.iter().filter(|e| e.role == "extra").map(|e| e.name.as_str()).collect();
    if !extras.is_empty() {
        line.push_str(&format!("; also sent: {}", extras.join(", ")));
    }
    line
}

fn timing_line(t: &TimingsMs) -> String {
    let phases = [("dns", t.dns), ("connect", t.connect), ("tls", t.tls), ("first byte", t.ttfb)];
    let mut parts: Vec<String> =
        phases.iter().filter_map(|(name, ms)| ms.map(|ms| format!("{name} {ms:.1} ms"))).collect();
    parts.push(format!("total {:.1} ms", t.total));
    parts.join(" → ")
}

fn verdict_line(report: &Report, paint: &Painter) -> String {
    let ids =
        |status: Status| -> Vec<&str> { report.checks.iter().filter(|c| c.status == status).map(|c| c.id).collect() };
    let (fails, warns) = (ids(Status::Fail), ids(Status::Warn));
    let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut detail = Vec::new();
    if !fails.is_empty() {
        detail.push(format!("{} ({})", count(fails.len(), "failure"), fails.join(", ")));
    }
    if !warns.is_empty() {
        detail.push(format!("{} ({})", count(warns.len(), "warning"), warns.join(", ")));
    }
    let (word, color) = match report.verdict {
        Status::Fail => ("✘ FAIL", Color::Red),
        Status::Warn => ("! WARN", Color::Yellow),
        _ => ("✔ PASS", Color::Green),
    };
    let tail = if detail.is_empty() { "wx.request to this URL should work".to_owned() } else { detail.join("; ") };
    format!("{}: {tail}", paint.bold(&paint.color(word, color)))
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
