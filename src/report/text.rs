//! The text report for people at a terminal: the target and its addresses,
//! the six steps in triage order with one line per check, hints under
//! warnings and failures, where the time went, and the verdict — wrapped to
//! the terminal's width with a hanging indent, and with the checks that a
//! single earlier failure skipped folded into one line.

use std::io::{self, Write};

use colored::{Color, Colorize};
use textwrap::core::display_width;

use super::fold::{Line, fold};
use super::waterfall;
use super::{CertEntry, CertificateReport, CheckReport, Report};
use crate::cert::{self, Role};
use crate::checks::Status;
use crate::checks::catalogue::{STEP_ORDER, step_heading};
use crate::lang::Lang;
use crate::say;
use crate::text::{MAX_LINE, clean, columns, pad};

/// The width a report is wrapped to when nothing says otherwise (not a terminal).
pub const DEFAULT_WIDTH: usize = 80;
/// No report is wrapped narrower than this.
pub const MIN_WIDTH: usize = 40;

/// How the text report is laid out.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// ANSI colours.
    pub color: bool,
    pub lang: Lang,
    /// The terminal's columns.
    pub width: usize,
    /// Every skipped check on its own line instead of folded by cause.
    pub verbose: bool,
}

impl Layout {
    /// Plain text at the default width: what files, pipes and the exporter get.
    pub fn plain(lang: Lang) -> Layout {
        Layout { color: false, lang, width: DEFAULT_WIDTH, verbose: false }
    }
}

/// Renders one report.
pub fn render(report: &Report, out: &mut dyn Write, layout: Layout) -> io::Result<()> {
    let pen = Pen { paint: Painter { color: layout.color }, width: layout.width.max(MIN_WIDTH), lang: layout.lang };
    let title = format!("{} ", pen.paint.bold(report.command()));
    pen.wrap(out, &title, "  ", &clean(&report.target, MAX_LINE))?;
    header(report, &pen, out)?;
    let width = report.checks.iter().map(|c| c.id.as_str().len()).max().unwrap_or(0);
    for step in STEP_ORDER {
        let checks: Vec<&CheckReport> = report.checks.iter().filter(|c| c.step == step).collect();
        if checks.is_empty() {
            continue;
        }
        writeln!(out)?;
        let indent = if step == 0 { "  " } else { "" };
        writeln!(out, "{indent}{}", pen.paint.bold(&step_heading(step, pen.lang)))?;
        for line in fold(&checks, report, layout.verbose) {
            match line {
                Line::Check(check) => render_check(check, width, &pen, out)?,
                Line::Folded { ids, summary } => {
                    let mark = format!("  {} ", pen.paint.color("–", Color::BrightBlack));
                    pen.wrap(out, &mark, "    ", &say!(pen.lang, "{ids}: {summary}", "{ids}：{summary}"))?;
                }
            }
        }
    }
    writeln!(out)?;
    if !report.of_files {
        waterfall::render(&report.timeline, report.timings_ms.total, &pen, out)?;
    }
    let verdict = say!(pen.lang, "verdict ", "结论 ");
    let first = format!("{}{}", pen.paint.bold(&verdict), verdict_word(report, &pen));
    pen.wrap(out, &first, "        ", &verdict_detail(report, pen.lang))
}

/// The addresses and the chain, under labels aligned by display width.
fn header(report: &Report, pen: &Pen, out: &mut dyn Write) -> io::Result<()> {
    let (addresses, certificate) = match pen.lang {
        Lang::En => ("addresses:", "certificate:"),
        Lang::Zh => ("地址：", "证书链："),
    };
    let label_width = columns(addresses).max(columns(certificate)) + 1;
    let indent = " ".repeat(2 + label_width);
    if !report.addresses.is_empty() {
        pen.wrap(out, &format!("  {}", pad(addresses, label_width)), &indent, &report.addresses.join(", "))?;
    }
    if let Some(chain) = &report.certificate {
        pen.wrap(out, &format!("  {}", pad(certificate, label_width)), &indent, &chain_line(chain, pen.lang))?;
    }
    Ok(())
}

fn render_check(check: &CheckReport, width: usize, pen: &Pen, out: &mut dyn Write) -> io::Result<()> {
    let (mark, color) = mark(check.status);
    let first = format!("  {} {} ", pen.paint.color(mark, color), pad(check.id.as_str(), width));
    let hanging = if 5 + width <= pen.width / 2 { 5 + width } else { 6 };
    pen.wrap(out, &first, &" ".repeat(hanging), &check.summary)?;
    if !matches!(check.status, Status::Warn | Status::Fail) {
        return Ok(());
    }
    if let Some(hint) = &check.hint {
        pen.wrap(out, &format!("    {} ", pen.paint.color("→", Color::Cyan)), "      ", hint)?;
    }
    if let Some(wx) = &check.wx {
        let phone = say!(pen.lang, "phone:", "手机报错：");
        let line = format!("errno {} {}", wx.errno, wx.err_msg);
        pen.wrap(out, &format!("    {} ", pen.paint.dim(&phone)), "      ", &line)?;
        if let Some(android) = &wx.android {
            let phone = say!(pen.lang, "Android:", "Android 手机：");
            let line = format!("errno {} {}", android.errno, android.err_msg);
            pen.wrap(out, &format!("    {} ", pen.paint.dim(&phone)), "      ", &line)?;
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
pub fn chain_line(certificate: &CertificateReport, lang: Lang) -> String {
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

/// `✘ FAIL`, coloured.
fn verdict_word(report: &Report, pen: &Pen) -> String {
    let color = match report.verdict {
        Status::Fail => Color::Red,
        Status::Warn => Color::Yellow,
        _ => Color::Green,
    };
    pen.paint.bold(&pen.paint.color(super::verdict_word(report.verdict, pen.lang), color))
}

/// `: 1 failure (dns.resolve); 2 warnings (…)`, or that the request should work.
pub fn verdict_detail(report: &Report, lang: Lang) -> String {
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
    let tail = if detail.is_empty() && report.of_files {
        say!(lang, "the phone accepts these certificates for this host", "手机会接受这些证书用于该域名")
    } else if detail.is_empty() {
        say!(lang, "wx.request to this URL should work", "wx.request 请求这个 URL 应当可以成功")
    } else {
        detail.join(say!(lang, "; ", "；").as_str())
    };
    say!(lang, ": {tail}", "：{tail}")
}

/// Writes wrapped lines at one width, in one language, with or without colour.
pub struct Pen {
    pub paint: Painter,
    pub width: usize,
    pub lang: Lang,
}

impl Pen {
    /// `first` (which may carry colour) then `text`, wrapped to the width, the
    /// lines after the first starting with `hanging`.
    pub fn wrap(&self, out: &mut dyn Write, first: &str, hanging: &str, text: &str) -> io::Result<()> {
        if plain(text) {
            return wrap_plain(out, first, hanging, text, self.width);
        }
        for line in textwrap::wrap(text, wrap_options(self.width, first, hanging)) {
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// The lines textwrap's first fit (`wrap_options`) makes of [`plain`] text,
/// where a byte is a column: words end at spaces, a word wider than a
/// hanging line is cut into pieces that fit one, and with a `first` the first
/// word may start the second line (textwrap puts an empty word before it).
/// Written as they are found, with no word measured in Unicode or collected.
fn wrap_plain(out: &mut dyn Write, first: &str, hanging: &str, text: &str, width: usize) -> io::Result<()> {
    let widths = [display_width(first), display_width(hanging)].map(|indent| width.saturating_sub(indent));
    let (mut lines, mut start, mut end, mut used) = (0, 0, 0, 0);
    let mut on_line = usize::from(!first.is_empty());
    for piece in pieces(text, widths[1]) {
        if used + piece.word.len() > widths[lines.min(1)] && on_line > 0 {
            write_line(out, if lines == 0 { first } else { hanging }, &text[start..end])?;
            (lines, start, used, on_line) = (lines + 1, piece.start, 0, 0);
        }
        used += piece.word.len() + piece.space;
        end = piece.start + piece.word.len();
        on_line += 1;
    }
    write_line(out, if lines == 0 { first } else { hanging }, &text[start..end])
}

fn write_line(out: &mut dyn Write, indent: &str, text: &str) -> io::Result<()> {
    match text {
        "" => writeln!(out, "{}", indent.trim_end()),
        text => writeln!(out, "{indent}{text}"),
    }
}

/// A word of plain text (cut to fit when too wide), where it starts, and the
/// spaces after it (none after a piece that is not a word's last).
struct Piece<'a> {
    start: usize,
    word: &'a str,
    space: usize,
}

/// The words of `text` in order, each wider than `limit` cut into pieces of
/// `limit` bytes (one, if `limit` is 0), as textwrap's `break_words` does.
fn pieces(text: &str, limit: usize) -> impl Iterator<Item = Piece<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = &text[at..];
        let word_len = rest.find(' ').unwrap_or(rest.len());
        if word_len == 0 {
            return None;
        }
        let cut = limit.max(1);
        let piece = if word_len > cut {
            Piece { start: at, word: &rest[..cut], space: 0 }
        } else {
            let space = rest[word_len..].bytes().take_while(|&b| b == b' ').count();
            Piece { start: at, word: &rest[..word_len], space }
        };
        at += piece.word.len() + piece.space;
        Some(piece)
    })
}

/// How textwrap wraps the report's lines: `first` before the first line,
/// `hanging` before the others, words never hyphenated.
fn wrap_options<'a>(width: usize, first: &'a str, hanging: &'a str) -> textwrap::Options<'a> {
    textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(hanging)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        // Optimal fit may let a line overflow by a column; first fit never does.
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit)
}

/// ASCII text without control characters (a byte is a column) that starts
/// with a word.
fn plain(text: &str) -> bool {
    text.is_ascii() && !text.bytes().any(|b| b.is_ascii_control()) && text.starts_with(|c: char| c != ' ')
}

/// Applies colour only when asked, so tests and pipes get plain text.
pub struct Painter {
    pub color: bool,
}

impl Painter {
    pub fn color(&self, text: &str, color: Color) -> String {
        if self.color { text.color(color).to_string() } else { text.to_owned() }
    }

    pub fn bold(&self, text: &str) -> String {
        if self.color { text.bold().to_string() } else { text.to_owned() }
    }

    pub fn dim(&self, text: &str) -> String {
        if self.color { text.dimmed().to_string() } else { text.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Pen::wrap` wrote before its shortcut: textwrap, whatever fits.
    fn by_textwrap(first: &str, hanging: &str, text: &str, width: usize) -> String {
        textwrap::wrap(text, wrap_options(width, first, hanging))
            .iter()
            .map(|line| format!("{}\n", line.trim_end()))
            .collect()
    }

    #[test]
    fn plain_text_is_wrapped_as_textwrap_wraps_it() {
        let firsts = ["", "  ", "  \u{2713} ", "  \x1b[32m\u{2713}\x1b[0m ", "  tls.handshake    "];
        let hangings = ["", "  ", "                     "];
        let texts = [
            "the chain leads to the trusted root 'reqdoctor bench Root CA' (--ca-file /tmp/fx/t/certs/root.pem)",
            "two  spaces   inside, and trailing ones   ",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            "x averyveryverylongwordthatcannotbebrokenanywhereatallnotevenonce and more words after it",
            "averyveryverylongwordthatcannotbebrokenanywhereatallnotevenonce",
            "ICP filing of good.bench.test cannot be verified from outside; look it up at https://beian.miit.gov.cn",
            "w",
        ];
        for width in 0..=110 {
            for (first, hanging, text) in
                firsts.iter().flat_map(|f| hangings.map(|h| (f, h))).flat_map(|(f, h)| texts.map(|t| (*f, h, t)))
            {
                let pen = Pen { paint: Painter { color: false }, width, lang: Lang::En };
                let mut out = Vec::new();
                pen.wrap(&mut out, first, hanging, text).expect("written to a Vec");
                let written = String::from_utf8(out).expect("UTF-8");
                assert_eq!(
                    written,
                    by_textwrap(first, hanging, text, width),
                    "{first:?} {hanging:?} {text:?} at {width}"
                );
            }
        }
    }

    #[test]
    fn a_line_that_fits_is_written_as_textwrap_writes_it() {
        let firsts = ["", "  ", "  \u{2713} ", "  \x1b[32m\u{2713}\x1b[0m ", "  tls.handshake  ", "名字 "];
        let texts = [
            "TLS1.3 negotiated",
            "connected to 127.0.0.1:443 in 0.468 ms (1 of 1 addresses accept)",
            "two  spaces   inside, and trailing ones   ",
            " a leading space",
            "",
            "a\tcontrol",
            "a line\nbreak",
            "名字 wide",
            "averyveryverylongwordthatcannotbebrokenanywhereatallnotevenonce and more",
        ];
        for width in 1..=90 {
            for first in firsts {
                for text in texts {
                    let pen = Pen { paint: Painter { color: false }, width, lang: Lang::En };
                    let mut out = Vec::new();
                    pen.wrap(&mut out, first, "      ", text).expect("written to a Vec");
                    let written = String::from_utf8(out).expect("UTF-8");
                    assert_eq!(written, by_textwrap(first, "      ", text, width), "{first:?} {text:?} at {width}");
                }
            }
        }
    }
}
