//! Writes what a batch produces, in the chosen format, as each target
//! finishes: whole reports (text, json, jsonl, markdown, an HTML page), then the summary table or the
//! monitoring-plugin lines; a progress bar on stderr when it is a terminal.

use std::io::{self, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::batch::Listener;
use crate::lang::Lang;
use crate::outcome::Outcome;
use crate::report::summary::{self, Row};
use crate::report::{self, Report};
use crate::text::{MAX_LINE, clean};

/// How the report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Nagios,
    // For tickets and chat: one section per target (a doc comment would change --help).
    Markdown,
    // One self-contained page holding every target's report.
    Html,
}

/// How one run's output looks.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub format: Format,
    /// ANSI colours in the text report.
    pub color: bool,
    pub lang: Lang,
    /// The timeout budget, for the nagios perfdata thresholds.
    pub budget_ms: u64,
    /// The text report's columns.
    pub width: usize,
    /// Every skipped check on its own line.
    pub verbose: bool,
}

impl Style {
    fn layout(&self) -> report::text::Layout {
        report::text::Layout { color: self.color, lang: self.lang, width: self.width, verbose: self.verbose }
    }
}

/// The sink of one `reqdoctor check` run.
pub struct Output<'a> {
    style: Style,
    out: &'a mut dyn Write,
    rows: Vec<Row>,
    /// The command line, masked, for the shareable formats.
    command: String,
    /// How many reports were written.
    written: usize,
    /// Targets whose diagnosis stopped unexpectedly, as shown.
    crashed: Vec<String>,
    /// The JSON line being written, kept for the next report.
    line: Vec<u8>,
    progress: Option<ProgressBar>,
}

impl<'a> Output<'a> {
    /// `many`: more than one target may come (a progress bar on a terminal).
    pub fn new(style: Style, many: bool, out: &'a mut dyn Write) -> Output<'a> {
        let progress = (many && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {pos} done, {msg} [{elapsed}]").expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Output {
            style,
            out,
            rows: Vec::new(),
            command: String::new(),
            written: 0,
            crashed: Vec::new(),
            line: Vec::new(),
            progress,
        }
    }

    /// The command line the Markdown and HTML reports say produced them (already masked).
    pub fn with_command(mut self, command: String) -> Output<'a> {
        self.command = command;
        self
    }

    /// The end of the batch: the summary table (text, several targets or
    /// anything that did not run) or the plugin lines (nagios).
    pub fn finish(mut self, outcome: &Outcome) -> io::Result<()> {
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
        let decision = outcome.decide();
        match self.style.format {
            Format::Nagios => {
                summary::render_nagios(&self.rows, &self.crashed, &decision, self.style.budget_ms, self.out)?
            }
            Format::Text if self.rows.len() + self.crashed.len() > usize::from(decision.shortfalls.is_empty()) => {
                summary::render_table(&mut self.rows, &self.crashed, outcome, self.style.lang, self.out)?
            }
            Format::Html => {
                if self.written == 0 {
                    report::html::begin(self.style.lang, self.out)?;
                }
                report::html::end(&self.command, self.style.lang, self.out)?
            }
            _ => {}
        }
        self.out.flush()
    }

    fn say(&self, line: String) {
        match &self.progress {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

impl Listener for Output<'_> {
    fn report(&mut self, report: &Report) -> io::Result<()> {
        let first = self.written == 0;
        self.written += 1;
        if matches!(self.style.format, Format::Text | Format::Nagios) {
            self.rows.push(Row::from(report));
        }
        if let Some(bar) = &self.progress {
            bar.inc(1);
            bar.set_message(clean(&report.target, MAX_LINE));
        }
        match self.style.format {
            Format::Text => {
                if !first {
                    writeln!(self.out)?;
                }
                report::text::render(report, self.out, self.style.layout())?;
                self.out.flush()
            }
            Format::Json => {
                report::json::render(report, self.out)?;
                self.out.flush()
            }
            Format::Jsonl => report::json::render_line(report, &mut self.line, self.out),
            Format::Nagios => Ok(()),
            Format::Markdown => {
                if !first {
                    writeln!(self.out, "\n---\n")?;
                }
                report::markdown::render(report, self.style.lang, &self.command, self.out)?;
                self.out.flush()
            }
            Format::Html => {
                if first {
                    report::html::begin(self.style.lang, self.out)?;
                }
                report::html::article(report, self.style.lang, self.out)?;
                self.out.flush()
            }
        }
    }

    fn bad_line(&mut self, message: &str) {
        self.say(format!("reqdoctor: {}", clean(message, MAX_LINE)));
    }

    fn crashed(&mut self, target: &str) {
        let shown = clean(target, MAX_LINE);
        let line = match self.style.lang {
            Lang::En => format!(
                "reqdoctor: {shown}: the diagnosis stopped unexpectedly (a bug in reqdoctor; please report it); the other targets go on"
            ),
            Lang::Zh => format!("reqdoctor: {shown}：诊断意外中止（这是 reqdoctor 的缺陷，请报告）；其他目标继续"),
        };
        self.say(line);
        self.crashed.push(shown);
    }
}
