//! Many targets at once: a bounded number of diagnoses in flight, reports
//! handed back as each finishes, a failing target never stopping the others,
//! and Ctrl-C or SIGTERM ending the run cleanly with what has finished.

use std::sync::Arc;

use tokio::task::JoinSet;

use crate::config::Plan;
use crate::diagnose;
use crate::report::Report;
use crate::targets::{self, Entry};

/// How a batch ended.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The worst verdict's exit code (0–2) among finished targets.
    pub worst: u8,
    pub finished: usize,
    /// Lines of the targets file that were not URLs.
    pub bad_lines: usize,
    /// Ctrl-C or SIGTERM stopped the batch early.
    pub interrupted: bool,
    /// The reader of the output went away (a broken pipe): not an error.
    pub output_closed: bool,
}

/// What the batch tells its caller.
pub trait Listener {
    /// A finished report; an error (e.g. a closed pipe) stops the batch.
    fn report(&mut self, report: &Report) -> std::io::Result<()>;
    /// A line that is not a URL, as one message.
    fn bad_line(&mut self, message: &str);
}

/// Diagnoses every target of the plan, `plan.concurrency` at a time.
pub async fn run(plan: &Plan, listener: &mut dyn Listener) -> std::io::Result<Outcome> {
    let mut entries = targets::stream(plan.targets.clone(), plan.targets_file.clone());
    let mut running: JoinSet<Report> = JoinSet::new();
    let mut outcome = Outcome::default();
    let mut input_done = false;
    let stop = shutdown_signal();
    tokio::pin!(stop);
    while !(input_done && running.is_empty()) {
        tokio::select! {
            biased;
            () = &mut stop => {
                outcome.interrupted = true;
                break;
            }
            Some(joined) = running.join_next(), if !running.is_empty() => {
                let Ok(mut report) = joined else {
                    listener.bad_line("a diagnosis stopped unexpectedly; the other targets go on");
                    continue;
                };
                if let Some(store) = &plan.baseline {
                    store.lock().expect("not poisoned").judge(&mut report, plan.lang);
                }
                outcome.worst = outcome.worst.max(report.exit_code());
                outcome.finished += 1;
                if let Err(e) = listener.report(&report) {
                    outcome.output_closed = true;
                    return if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(outcome) } else { Err(e) };
                }
            }
            entry = entries.recv(), if !input_done && running.len() < plan.concurrency => match entry {
                None => input_done = true,
                Some(Entry::Target(target)) => {
                    let (options, lang) = (Arc::clone(&plan.options), plan.lang);
                    running.spawn(async move { diagnose(&target, &options, lang).await });
                }
                Some(Entry::Bad(message)) => {
                    outcome.bad_lines += 1;
                    listener.bad_line(&message);
                }
            },
        }
    }
    Ok(outcome)
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
