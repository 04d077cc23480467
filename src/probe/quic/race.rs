//! The QUIC attempt starts beside the TCP connection, on the URL's own port,
//! as Chromium races a QUIC connection against TCP once it knows an origin
//! speaks h3 (and most servers advertise h3 on the port they serve TLS on:
//! `h3=":443"`). When the TCP response then points elsewhere (a port or host
//! of its own in `Alt-Svc`), the raced attempt is stopped and a new one is
//! made there; otherwise it is the attempt.
//!
//! A one-target run races on a thread of its own ([`Ready`]), started before
//! the target is known; a batch races in tasks of its runtime.
//!
//! With `--http3` it is kept when nothing is advertised too. With
//! `--high-performance` it is a head start only: a phone waits for the
//! advertisement, so when the response advertises no h3 the attempt is
//! stopped and the report is what the phone sees, as if it was never made.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::runtime::{Builder, Handle, RuntimeFlavor};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::aim::Target as Aimed;
use super::handshake::Bound;
use super::{Aim, Attempt, Made, attempt};
use crate::probe::verdicts::Verdicts;
use crate::probe::{Ask, Settings};
use crate::proxy::Choice;
use crate::target::Target;
use crate::trust::Roots;

/// What a raced attempt needs besides its address, known before the connection.
pub(in crate::probe) struct Seed {
    /// The URL's host: SNI, and the name the certificate must cover.
    pub host: String,
    /// The request, when it is safe to send twice.
    pub ask: Option<Arc<Ask>>,
    /// The diagnosis's verdicts, shared with the TCP path: the chain both are
    /// sent is verified once.
    pub verdicts: Arc<Verdicts>,
}

/// What the attempt raced beside the first TCP connection needs; `None`
/// when there is no race: HTTP/3 off, a URL that is not fetched over TLS, a
/// WebSocket, or a proxy (the first connection is then the proxy's, and QUIC
/// is not tried).
pub(in crate::probe) fn seed(target: &Target, settings: &Settings, verdicts: &Arc<Verdicts>) -> Option<Seed> {
    if !target.is_fetchable() || !super::applies(target, settings) {
        return None;
    }
    if matches!(settings.proxies.choose(true, &target.host()), Choice::Through(_)) {
        return None;
    }
    let spec = &settings.request;
    let ask = spec.is_safe_to_repeat().then(|| Arc::new(Ask::new(spec, &target.url)));
    Some(Seed { host: target.host(), ask, verdicts: Arc::clone(verdicts) })
}

/// An attempt running beside the TCP path; stopped when dropped unfinished.
pub(in crate::probe) struct Racing {
    addr: SocketAddr,
    running: Option<Running>,
}

/// Where the attempt runs.
enum Running {
    /// A task of the run's multi-threaded runtime (a batch).
    Task(JoinHandle<Made>),
    /// A [`Ready`] thread: a one-target run has one thread, and the two paths
    /// would otherwise take turns on it. The attempt comes back over `done`;
    /// dropping `stop` ends it.
    Thread { done: oneshot::Receiver<Made>, _stop: oneshot::Sender<()> },
}

/// Starts the attempt to `addr` beside the caller: on the thread `standby`
/// has ready, or a new one, when the caller's runtime has one thread (a
/// one-target run); otherwise as a task of the caller's runtime.
pub(in crate::probe) fn start(
    seed: Seed,
    addr: SocketAddr,
    roots: Roots,
    deadline: Instant,
    standby: &Standby,
) -> Racing {
    let work = move |bound: Bound| -> Work {
        Box::pin(async move {
            let request = seed.ask.as_deref().map(Ask::outgoing);
            let verdicts = &seed.verdicts;
            let raced = Attempt { addr, aim: Aim::Url, alt_host: None, host: &seed.host, request, verdicts, bound };
            attempt(raced, &roots, deadline).await
        })
    };
    let running = match Handle::current().runtime_flavor() {
        RuntimeFlavor::CurrentThread => standby.take().or_else(Ready::start).map(|ready| ready.run(Box::new(work))),
        _ => Some(Running::Task(tokio::spawn(work(Bound::default())))),
    };
    Racing { addr, running }
}

/// An attempt running.
type Work = Pin<Box<dyn Future<Output = Made> + Send>>;

/// An attempt to start, given the endpoint bound for it.
type MakeWork = Box<dyn FnOnce(Bound) -> Work + Send>;

/// What a ready thread is handed: the attempt, where its outcome goes, and
/// the signal to stop it.
struct Job {
    work: MakeWork,
    done: oneshot::Sender<Made>,
    stopped: oneshot::Receiver<()>,
}

/// A thread with a current-thread runtime and a UDP endpoint bound, waiting
/// for the one attempt it will run. Starting a thread, a runtime and a
/// socket takes longer than the first TCP connection on a nearby server, so
/// `check` starts this while it reads its options; the attempt's first packet
/// then leaves as the TCP connection starts. Dropped unused, the thread ends.
pub struct Ready {
    job: oneshot::Sender<Job>,
}

impl Ready {
    /// Starts the thread; `None` when none can start.
    pub fn start() -> Option<Ready> {
        let (job, jobs) = oneshot::channel::<Job>();
        let thread = std::thread::Builder::new().name("reqdoctor-quic".into()).spawn(move || {
            let Ok(runtime) = Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async {
                let bound = Bound::ahead();
                let Ok(job) = jobs.await else { return };
                tokio::select! {
                    made = (job.work)(bound) => { let _ = job.done.send(made); }
                    _ = job.stopped => {}
                }
            });
        });
        thread.ok().map(|_| Ready { job })
    }

    /// Hands the thread `work`; it runs until it ends or the returned
    /// [`Running`] is dropped. When the thread could not build its runtime,
    /// nothing runs: the race is lost, and the attempt is made after the response.
    fn run(self, work: MakeWork) -> Running {
        let (done_tx, done) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let _ = self.job.send(Job { work, done: done_tx, stopped });
        Running::Thread { done, _stop: stop }
    }
}

/// Where a one-target run keeps the [`Ready`] thread its raced attempt will
/// take; empty otherwise (an attempt then starts its own). Clones share it.
#[derive(Clone, Default)]
pub struct Standby(Arc<Mutex<Option<Ready>>>);

impl Standby {
    /// Keeps `ready` for the run's attempt.
    pub fn offer(&self, ready: Option<Ready>) {
        *self.0.lock().expect("not poisoned") = ready;
    }

    fn take(&self) -> Option<Ready> {
        self.0.lock().expect("not poisoned").take()
    }
}

impl std::fmt::Debug for Standby {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ready = self.0.lock().is_ok_and(|ready| ready.is_some());
        f.debug_tuple("Standby").field(&if ready { "ready" } else { "empty" }).finish()
    }
}

impl Racing {
    /// The raced attempt, when it went where the phone goes (`to`); `None`
    /// (and the attempt stopped) when it did not, or did not finish.
    pub async fn finish(mut self, to: &Aimed) -> Option<Made> {
        if self.addr != to.addr {
            return None;
        }
        let mut made = match self.running.take()? {
            Running::Task(handle) => handle.await.ok()?,
            Running::Thread { done, _stop } => done.await.ok()?,
        };
        made.trace.aim = to.aim;
        made.trace.alt_host = to.alt_host.clone();
        made.trace.raced = true;
        Some(made)
    }
}

impl Drop for Racing {
    fn drop(&mut self) {
        // A thread's attempt stops when its `stop` sender is dropped with it.
        if let Some(Running::Task(handle)) = self.running.take() {
            handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_thread_is_taken_once_by_whichever_clone_asks() {
        let standby = Standby::default();
        let shared = standby.clone();
        assert_eq!(format!("{shared:?}"), "Standby(\"empty\")");
        standby.offer(Ready::start());
        assert_eq!(format!("{shared:?}"), "Standby(\"ready\")");
        assert!(shared.take().is_some());
        assert!(standby.take().is_none(), "one attempt per ready thread");
    }
}
