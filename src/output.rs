//! Writes what a batch produces, in the chosen format, as each target
//! finishes: whole reports (text, json, jsonl), then the summary table or the
//! monitoring-plugin lines; a progress bar on stderr when it is a terminal.

use std::io::{self, IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

use crate::batch::{Listener, Outcome};
use crate::cli::Format;
use crate::config::Plan;
use crate::report::summary::{self, Row};
use crate::report::{self, Report};

/// The sink of one `reqdoctor check` run.
pub struct Output<'a> {
    plan: &'a Plan,
    out: &'a mut dyn Write,
    rows: Vec<Row>,
    progress: Option<ProgressBar>,
}

impl<'a> Output<'a> {
    pub fn new(plan: &'a Plan, out: &'a mut dyn Write) -> Output<'a> {
        let many = plan.targets.len() > 1 || plan.targets_file.is_some();
        let progress = (many && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {pos} done, {msg} [{elapsed}]").expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Output { plan, out, rows: Vec::new(), progress }
    }

    /// The end of the batch: the summary table (text, several targets) or the
    /// plugin lines (nagios).
    pub fn finish(mut self, outcome: &Outcome) -> io::Result<()> {
        if let Some(bar) = self.progress.take() {
            bar.finish_and_clear();
        }
        match self.plan.format {
            Format::Nagios => {
                summary::render_nagios(&self.rows, self.plan.options.timeout.as_millis() as u64, self.out)?
            }
            Format::Text if self.rows.len() > 1 || outcome.bad_lines > 0 => {
                summary::render_table(&mut self.rows, self.plan.lang, self.out)?
            }
            _ => {}
        }
        self.out.flush()
    }
}

impl Listener for Output<'_> {
    fn report(&mut self, report: &Report) -> io::Result<()> {
        let first = self.rows.is_empty();
        if matches!(self.plan.format, Format::Text | Format::Nagios) {
            self.rows.push(Row::from(report));
        }
        if let Some(bar) = &self.progress {
            bar.inc(1);
            bar.set_message(report.target.clone());
        }
        match self.plan.format {
            Format::Text => {
                if !first {
                    writeln!(self.out)?;
                }
                report::text::render(report, self.out, self.plan.color, self.plan.lang)?;
                self.out.flush()
            }
            Format::Json => {
                report::json::render(report, self.out)?;
                self.out.flush()
            }
            Format::Jsonl => report::json::render_line(report, self.out),
            Format::Nagios => Ok(()),
        }
    }

    fn bad_line(&mut self, message: &str) {
        let line = format!("reqdoctor: {message}");
        match &self.progress {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}
