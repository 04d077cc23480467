//! One diagnosis, end to end: the probe records what happens on the network
//! (a [`Trace`](crate::probe::Trace)) with the certificate chain parsed and
//! verified once, the rules judge the record with the clock passed in, and
//! the result becomes a [`Report`]. `check`'s batches and `serve`'s probes both come through here.

use std::time::SystemTime;

use crate::checks::{self, Context, Rules};
use crate::lang::Lang;
use crate::probe::{self, Settings};
use crate::report::Report;
use crate::target::Target;

/// Everything one diagnosis needs besides its target, shared by a whole run.
#[derive(Clone, Debug)]
pub struct Options {
    pub probe: Settings,
    pub rules: Rules,
}

/// Diagnoses one target: probe the network, then judge every check.
pub async fn diagnose(target: &Target, options: &Options, lang: Lang) -> Report {
    let mut trace = probe::run(target, &options.probe).await;
    let cx = Context {
        target,
        probe: &options.probe,
        rules: &options.rules,
        trace: &trace,
        now: SystemTime::now(),
        chain: trace.chain(),
        lang,
    };
    let checks = checks::evaluate(&cx);
    let chain = trace.take_chain();
    Report::new(target, checks, options.probe.request.api, &trace, chain)
}

/// One runtime worker per CPU, at least two.
pub fn worker_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
}

/// The multi-threaded runtime diagnoses run on.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(worker_threads()).enable_all().build()
}

/// A runtime sized to `work`: one diagnosis runs on the calling thread (no
/// worker threads to start, wake and stop; its raced QUIC attempt, if any,
/// gets a thread of its own); many get [`runtime`]'s workers.
pub fn runtime_for(work: Work) -> std::io::Result<tokio::runtime::Runtime> {
    match work {
        Work::One => tokio::runtime::Builder::new_current_thread().enable_all().build(),
        Work::Many => runtime(),
    }
}

/// How much a run does at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// One target.
    One,
    /// Several targets (or as many as a file holds).
    Many,
}

impl Work {
    /// The work of diagnosing `targets` (none: more may come from a file).
    pub fn of(targets: Option<usize>) -> Work {
        if targets == Some(1) { Work::One } else { Work::Many }
    }
}
