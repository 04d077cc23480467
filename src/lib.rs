//! reqdoctor answers one question for a WeChat mini-program developer, a
//! support engineer or a monitoring job: would `wx.request` to this URL work,
//! and if not, why?
//!
//! A diagnosis flows one way:
//! [`Plan`](config::Plan) → [`probe`] (network I/O under the timeout budget,
//! recorded in a [`Trace`](probe::Trace)) → [`checks`] (pure rules) →
//! [`Report`](report::Report) → a renderer in [`report`].

pub mod cert;
pub mod checks;
pub mod cli;
pub mod config;
pub mod explain;
pub mod lang;
pub mod miniprogram;
pub mod probe;
pub mod project;
pub mod report;
pub mod request;
pub mod routing;
pub mod target;
pub mod trust;

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use checks::Context;
use cli::Format;
use config::{Plan, ProbeOptions};
use lang::Lang;
use report::Report;
use target::Target;

/// Diagnoses one target: probe the network, then judge every check.
pub async fn diagnose(target: &Target, options: &ProbeOptions, lang: Lang) -> Report {
    let trace = probe::run(target, options).await;
    let chain = trace.presented().map(|der| cert::Chain::analyze(der, &options.roots));
    let cx = Context { target, options, trace: &trace, now: SystemTime::now(), chain: chain.as_ref(), lang };
    let checks = checks::evaluate(&cx);
    Report::new(target, &checks, &trace, chain.as_ref().and_then(|c| c.as_ref().ok()))
}

/// Runs `reqdoctor check`: diagnoses each target in turn, writes each report
/// to `out` as soon as it is done, and returns the worst exit code (0–2).
/// A reader that goes away (broken pipe) ends the run, keeping the code so far.
pub fn run_check(plan: &Plan, out: &mut dyn Write) -> io::Result<u8> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let result = runtime.block_on(async {
        let mut worst = 0;
        for (index, target) in plan.targets.iter().enumerate() {
            let report = diagnose(target, &plan.options, plan.lang).await;
            worst = worst.max(report.exit_code());
            match render(&report, plan, index, out) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                other => other?,
            }
        }
        Ok(worst)
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

fn render(report: &Report, plan: &Plan, index: usize, out: &mut dyn Write) -> io::Result<()> {
    match plan.format {
        Format::Text => {
            if index > 0 {
                writeln!(out)?;
            }
            report::text::render(report, out, plan.color, plan.lang)?;
            out.flush()
        }
        Format::Json => {
            report::json::render(report, out)?;
            out.flush()
        }
        Format::Jsonl => report::json::render_line(report, out),
    }
}
