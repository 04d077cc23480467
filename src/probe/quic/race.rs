//! The QUIC attempt starts beside the TCP connection, on the URL's own port,
//! as Chromium races a QUIC connection against TCP once it knows an origin
//! speaks h3 (and most servers advertise h3 on the port they serve TLS on:
//! `h3=":443"`). When the TCP response then points elsewhere (a port or host
//! of its own in `Alt-Svc`), the raced attempt is stopped and a new one is
//! made there; otherwise it is the attempt.
//!
//! With `--http3` it is kept when nothing is advertised too. With
//! `--high-performance` it is a head start only: a phone waits for the
//! advertisement, so when the response advertises no h3 the attempt is
//! stopped and the report is what the phone sees, as if it was never made.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use tokio::runtime::{Builder, Handle, RuntimeFlavor};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::aim::Target as Aimed;
use super::{Aim, Attempt, Judged, Made, TcpVerdict, attempt};
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
    /// Where the TCP path leaves the chain it was sent and its verdict: the
    /// same chain over QUIC is not verified again when that came first.
    pub tcp_verdict: Arc<OnceLock<Judged>>,
}

/// What the attempt raced beside the first TCP connection needs; `None`
/// when there is no race: HTTP/3 off, a URL that is not fetched over TLS, a
/// WebSocket, or a proxy (the first connection is then the proxy's, and QUIC
/// is not tried).
pub(in crate::probe) fn seed(target: &Target, settings: &Settings) -> Option<Seed> {
    if !target.is_fetchable() || !super::applies(target, settings) {
        return None;
    }
    if matches!(settings.proxies.choose(true, &target.host()), Choice::Through(_)) {
        return None;
    }
    let spec = &settings.request;
    let ask = spec.is_safe_to_repeat().then(|| Arc::new(Ask::new(spec, &target.url)));
    Some(Seed { host: target.host(), ask, tcp_verdict: Arc::default() })
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
    /// A thread of its own, with a runtime of its own: a one-target run has
    /// one thread, and the two paths would otherwise take turns on it. The
    /// attempt comes back over `done`; dropping `stop` ends it.
    Thread { done: oneshot::Receiver<Made>, _stop: oneshot::Sender<()> },
}

/// Starts the attempt to `addr` beside the caller.
pub(in crate::probe) fn start(seed: Seed, addr: SocketAddr, roots: Roots, deadline: Instant) -> Racing {
    let work = async move {
        let request = seed.ask.as_deref().map(Ask::outgoing);
        let tcp = TcpVerdict::Later(&seed.tcp_verdict);
        let raced = Attempt { addr, aim: Aim::Url, alt_host: None, host: &seed.host, request, tcp };
        attempt(raced, &roots, deadline).await
    };
    let running = match Handle::current().runtime_flavor() {
        RuntimeFlavor::CurrentThread => on_a_thread(work),
        _ => Running::Task(tokio::spawn(work)),
    };
    Racing { addr, running: Some(running) }
}

/// Runs `work` on a new thread with a current-thread runtime, until it ends or
/// the returned [`Running`] is dropped. When no thread can start, nothing
/// runs: the race is lost, and the attempt is made after the response.
fn on_a_thread(work: impl Future<Output = Made> + Send + 'static) -> Running {
    let (done_tx, done) = oneshot::channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let _ = std::thread::Builder::new().name("reqdoctor-quic".into()).spawn(move || {
        let Ok(runtime) = Builder::new_current_thread().enable_all().build() else { return };
        runtime.block_on(async {
            tokio::select! {
                made = work => { let _ = done_tx.send(made); }
                _ = stopped => {}
            }
        });
    });
    Running::Thread { done, _stop: stop }
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
