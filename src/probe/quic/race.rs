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

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::aim::Target as Aimed;
use super::{Aim, Attempt, Made, attempt};
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
    Some(Seed { host: target.host(), ask })
}

/// An attempt running beside the TCP path; stopped when dropped unfinished.
pub(in crate::probe) struct Racing {
    addr: SocketAddr,
    handle: Option<JoinHandle<Made>>,
}

/// Starts the attempt to `addr` in a task of its own.
pub(in crate::probe) fn start(seed: Seed, addr: SocketAddr, roots: Roots, deadline: Instant) -> Racing {
    let handle = tokio::spawn(async move {
        let request = seed.ask.as_deref().map(Ask::outgoing);
        let raced = Attempt { addr, aim: Aim::Url, alt_host: None, host: &seed.host, request, tcp_chain: None };
        attempt(raced, &roots, deadline).await
    });
    Racing { addr, handle: Some(handle) }
}

impl Racing {
    /// The raced attempt, when it went where the phone goes (`to`); `None`
    /// (and the attempt stopped) when it did not, or did not finish.
    pub async fn finish(mut self, to: &Aimed) -> Option<Made> {
        if self.addr != to.addr {
            return None;
        }
        let mut made = self.handle.take()?.await.ok()?;
        made.trace.aim = to.aim;
        made.trace.alt_host = to.alt_host.clone();
        made.trace.raced = true;
        Some(made)
    }
}

impl Drop for Racing {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
    }
}
