//! reqdoctor answers one question for a WeChat mini-program developer, a
//! support engineer or a monitoring job: would `wx.request` to this URL work,
//! and if not, why?
//!
//! A diagnosis flows one way:
//! [`Plan`](config::Plan) → [`probe`] (network I/O under the timeout budget,
//! recorded in a [`Trace`](probe::Trace)) → [`checks`] (pure rules) →
//! [`Report`](report::Report) → a renderer in [`report`].

pub mod baseline;
pub mod batch;
pub mod cert;
pub mod checks;
pub mod cli;
pub mod config;
pub mod explain;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod lang;
pub mod miniprogram;
pub mod output;
pub mod probe;
pub mod project;
mod properties;
pub mod report;
pub mod request;
pub mod routing;
pub mod serve;
pub mod target;
pub mod targets;
pub mod text;
pub mod trust;

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use checks::Context;
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
    Report::new(target, &checks, options.request.api, &trace, chain.as_ref().and_then(|c| c.as_ref().ok()))
}

/// One runtime worker per CPU, at least two.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// Runs `reqdoctor check`: diagnoses the targets (`plan.concurrency` at a
/// time), writes each report to `out` as it finishes, ends with the summary,
/// and returns how the batch went.
pub fn run_check(plan: &Plan, out: &mut dyn Write) -> io::Result<batch::Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(worker_threads()).enable_all().build()?;
    let result = runtime.block_on(async {
        let mut output = output::Output::new(plan, out);
        let outcome = batch::run(plan, &mut output).await?;
        if let Some(store) = &plan.baseline {
            let saved = store.lock().expect("not poisoned").save();
            saved.map_err(|e| io::Error::new(e.kind(), format!("cannot write --baseline: {e}")))?;
        }
        match output.finish(&outcome) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(outcome),
            other => other.map(|()| outcome),
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}
