//! Many targets at once: a bounded number of diagnoses in flight, reports
//! handed back as each finishes, a failing target never stopping the others,
//! and Ctrl-C or SIGTERM ending the run cleanly with what has finished. A
//! diagnosis that panics is a target that could not run, never a pass.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::baseline::Store;
use crate::lang::Lang;
use crate::outcome::Outcome;
use crate::pipeline::{Options, diagnose};
use crate::report::Report;
use crate::target::Target;
use crate::targets::{self, Entry};

/// Targets diagnosed at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: u16 = 32;

/// What one batch diagnoses, and how.
#[derive(Debug)]
pub struct Batch {
    pub targets: Vec<Target>,
    /// More targets, read as the batch goes (`-` for stdin).
    pub targets_file: Option<PathBuf>,
    /// Targets diagnosed at once.
    pub concurrency: usize,
    pub options: Arc<Options>,
    /// The language of summaries and hints.
    pub lang: Lang,
}

impl Batch {
    /// Whether more than one target may come (the output then ends with a summary).
    pub fn is_many(&self) -> bool {
        self.targets.len() > 1 || self.targets_file.is_some()
    }
}

/// What the batch tells its caller.
pub trait Listener {
    /// A finished report; an error (e.g. a closed pipe) stops the batch.
    fn report(&mut self, report: &Report) -> io::Result<()>;
    /// A line that is not a URL, as one message.
    fn bad_line(&mut self, message: &str);
    /// A target whose diagnosis stopped unexpectedly (shown as given, credentials masked).
    fn crashed(&mut self, target: &str);
}

/// Diagnoses every target of the batch, `batch.concurrency` at a time; each
/// report is judged against `baseline` (when given) before it is handed on.
/// A reader that goes away (a broken pipe) ends the batch without an error.
pub async fn run(batch: &Batch, mut baseline: Option<&mut Store>, listener: &mut dyn Listener) -> io::Result<Outcome> {
    let mut entries = targets::stream(batch.targets.clone(), batch.targets_file.clone());
    let mut running: JoinSet<Report> = JoinSet::new();
    let mut names: HashMap<tokio::task::Id, String> = HashMap::new();
    let mut outcome = Outcome::default();
    let mut input_done = false;
    let stop = crate::shutdown::signal();
    tokio::pin!(stop);
    while !(input_done && running.is_empty()) {
        tokio::select! {
            biased;
            () = &mut stop => {
                outcome.interrupted = true;
                break;
            }
            Some(joined) = running.join_next_with_id(), if !running.is_empty() => {
                let mut report = match joined {
                    Ok((id, report)) => {
                        names.remove(&id);
                        report
                    }
                    Err(error) => {
                        outcome.crashed += 1;
                        listener.crashed(&names.remove(&error.id()).unwrap_or_default());
                        continue;
                    }
                };
                if let Some(store) = baseline.as_deref_mut() {
                    store.judge(&mut report, batch.lang);
                }
                outcome.record(report.verdict);
                match listener.report(&report) {
                    Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(outcome),
                    other => other?,
                }
            }
            entry = entries.recv(), if !input_done && running.len() < batch.concurrency => match entry {
                None => input_done = true,
                Some(Entry::Target(target)) => {
                    let (options, lang) = (Arc::clone(&batch.options), batch.lang);
                    let shown = target.shown();
                    let task = running.spawn(async move {
                        #[cfg(debug_assertions)]
                        panic_for_tests(&target);
                        // Boxed: the diagnosis is a large future, and a small one is cheaper to spawn.
                        Box::pin(diagnose(&target, &options, lang)).await
                    });
                    names.insert(task.id(), shown);
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

/// Debug builds only: a diagnosis of the host named by
/// `REQDOCTOR_TEST_PANIC_HOST` panics, so the test suite can show that a
/// crashed diagnosis is reported as one that could not run.
#[cfg(debug_assertions)]
fn panic_for_tests(target: &Target) {
    if std::env::var_os("REQDOCTOR_TEST_PANIC_HOST").is_some_and(|host| host == target.host().as_str()) {
        panic!("REQDOCTOR_TEST_PANIC_HOST: a deliberate panic for the test suite");
    }
}
