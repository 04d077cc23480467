//! The network side of a diagnosis: resolve, connect, handshake and request,
//! all under one deadline (the mini program's timeout budget), recording what
//! happened in a [`Trace`]. The probe never judges and never prints; the
//! checks read the trace.

pub mod aia;
pub mod client_auth;
pub mod dns;
pub mod flight;
pub mod head;
pub mod hello;
pub mod http;
pub mod lenient;
pub mod proxy;
pub mod quic;
pub mod raw;
pub mod redirect;
pub mod tcp;
pub mod timeline;
pub mod tls;
pub mod verdicts;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout_at};
use url::Url;

use crate::proxy::{Choice, Proxies};
use crate::request::RequestSpec;
use crate::routing::{Route, Routes};
use crate::target::Target;
use crate::trust::Roots;
use dns::{DnsLookup, Resolver};
use http::{Connection, ExchangeError, Outgoing, Protocol};
use proxy::{Dial, ProxyTrace};
use quic::{Http3, Http3Mode};
use redirect::{Next, Refusal};
use tcp::TcpTrace;
use timeline::{Span, SpanKind, Timeline};
use tls::TlsTrace;
use verdicts::Verdicts;

/// The HTTP/2 error code with which a server asks for HTTP/1.1 (RFC 9113).
const HTTP_1_1_REQUIRED: u32 = 0xd;

/// How many redirects are followed unless told otherwise.
pub const DEFAULT_MAX_REDIRECTS: u32 = 20;

/// How every target of a run is probed: shared by all of them.
#[derive(Clone, Debug)]
pub struct Settings {
    pub roots: Roots,
    pub routes: Routes,
    /// The proxies reqdoctor goes through (the phone does not).
    pub proxies: Proxies,
    /// The run's resolver (the system's, or `--dns-server`), built once.
    pub resolver: Resolver,
    /// The mini program's timeout budget: one deadline for the whole request.
    pub timeout: Duration,
    pub max_redirects: u32,
    /// Never connect to loopback, private or link-local addresses (the exporter's default).
    pub deny_internal: bool,
    /// Offer HTTP/2 (ALPN h2), as the mini program does with `enableHttp2: true`.
    pub http2: bool,
    /// When to try HTTP/3 over QUIC besides the TCP request.
    pub http3: Http3Mode,
    /// The thread a one-target run readied for its raced QUIC attempt.
    pub standby: quic::race::Standby,
    pub request: RequestSpec,
}

/// Everything the probe saw for one target.
#[derive(Debug)]
pub struct Trace {
    pub started_at: SystemTime,
    /// The first connection; `None` when the URL's scheme cannot be requested.
    pub connection: Option<ConnTrace>,
    /// The request and its redirects; `None` when it was not sent.
    pub http: Option<HttpTrace>,
    pub timings: Timings,
    /// The phase in which the timeout budget ran out, if it did.
    pub ran_out: Option<Phase>,
    /// Every stretch of time, the phone's phases and reqdoctor's extra requests.
    pub spans: Vec<Span>,
    /// The HTTP/3 side; `None` when it was not to be tried (HTTP/3 off, not
    /// https, a WebSocket, or nothing fetched).
    pub http3: Option<Http3>,
}

impl Trace {
    /// A trace of nothing yet: no connection, no request, no time spent.
    pub fn empty(started_at: SystemTime) -> Trace {
        Trace {
            started_at,
            connection: None,
            http: None,
            timings: Timings::default(),
            ran_out: None,
            spans: Vec::new(),
            http3: None,
        }
    }

    /// The certificates the server sent on the first connection, if any.
    pub fn presented(&self) -> Option<&[rustls_pki_types::CertificateDer<'static>]> {
        let tls = self.connection.as_ref()?.tls.as_ref()?;
        (!tls.presented.is_empty()).then_some(tls.presented.as_slice())
    }

    /// That chain, parsed and verified by the phone's rules.
    pub fn chain(&self) -> Option<&Result<crate::cert::Chain, crate::cert::ChainError>> {
        self.connection.as_ref()?.tls.as_ref()?.chain.as_ref()
    }

    /// Takes the verified chain out of the trace, once the checks have read
    /// it, so that the report can keep its names and fingerprints uncopied.
    pub fn take_chain(&mut self) -> Option<crate::cert::Chain> {
        self.connection.as_mut()?.tls.as_mut()?.chain.take()?.ok()
    }
}

/// How the first connection was made. Through a proxy, `route`, `dns` and
/// `tcp` are the way to the proxy, and `proxy` the tunnel beyond it.
#[derive(Debug)]
pub struct ConnTrace {
    pub route: Route,
    /// `None` when no DNS was needed (IP literal, `--resolve`, `--connect-to ADDR`).
    pub dns: Option<DnsLookup>,
    pub tcp: Option<TcpTrace>,
    /// The tunnel through the proxy, when one was used.
    pub proxy: Option<ProxyTrace>,
    /// `None` for plain `http:`/`ws:` URLs or when TCP failed.
    pub tls: Option<TlsTrace>,
    /// When the certificate was refused: the server's `Date` from one bare
    /// `HEAD /`, and this machine's clock when it arrived (for clock.skew).
    pub refused_date: Option<(SystemTime, SystemTime)>,
    /// The other addresses that accepted TCP, each with its own TLS handshake
    /// and request (the first connection only).
    pub others: Vec<OtherAddress>,
}

impl ConnTrace {
    fn new(route: Route) -> ConnTrace {
        ConnTrace { route, dns: None, tcp: None, proxy: None, tls: None, refused_date: None, others: Vec::new() }
    }

    /// Until the connection could carry TLS: the TCP connect, and the tunnel through a proxy.
    pub fn connect_time(&self) -> Option<std::time::Duration> {
        let tcp = self.tcp.as_ref()?.connect_time?;
        match &self.proxy {
            None => Some(tcp),
            Some(proxy) => proxy.tunnel.as_ref().filter(|_| proxy.is_open()).map(|t| tcp + t.elapsed),
        }
    }

    /// How the raw probes reach the server the connection reached.
    fn dial(&self) -> Option<Dial> {
        let at = self.tcp.as_ref()?.chosen?;
        Some(match &self.proxy {
            None => Dial::Direct(at),
            Some(p) => {
                Dial::Tunnel { at, proxy: Arc::new(p.proxy.clone()), destination: p.destination.as_str().into() }
            }
        })
    }
}

/// Another address of the host, tried as the phone would meet it there.
#[derive(Debug)]
pub struct OtherAddress {
    pub addr: SocketAddr,
    pub tls: TlsTrace,
    /// The first request (no redirects followed), sent when the certificate was
    /// accepted and the method is safe to repeat; `None` when not sent.
    pub answer: Option<Result<http::Response, ExchangeError>>,
}

/// The request, hop by hop.
#[derive(Debug, Default)]
pub struct HttpTrace {
    pub hops: Vec<Hop>,
    pub end: Option<HttpEnd>,
    /// The server answered HTTP/2 with HTTP_1_1_REQUIRED and the request was
    /// sent again over a new HTTP/1.1 connection, as Chromium does.
    pub downgraded: bool,
}

/// One request and its response.
#[derive(Clone, Debug)]
pub struct Hop {
    pub url: Url,
    pub method: String,
    pub response: Option<http::Response>,
    /// Whether this hop needed a new connection.
    pub new_connection: bool,
}

/// Why the request stopped where it did.
#[derive(Debug)]
pub enum HttpEnd {
    /// A final (non-redirect) response arrived.
    Complete,
    /// A redirect was not followed.
    Refused(Refusal),
    /// The exchange failed at the last hop.
    Failed(ExchangeError),
    /// A redirect needed a new connection, which could not be made.
    HopUnreachable(HopFailure),
}

/// The HTTP the server chose over ALPN.
fn protocol_of(tls: &TlsTrace) -> Protocol {
    match tls.session().and_then(|s| s.alpn.as_deref()) {
        Some("h2") => Protocol::Http2,
        _ => Protocol::Http1,
    }
}

/// The first request, owned, to send on another address.
struct Ask {
    url: Url,
    method: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Ask {
    fn new(spec: &RequestSpec, url: &Url) -> Ask {
        let (url, method) = (spec.effective_url(url), spec.method().to_owned());
        Ask { url, method, headers: spec.headers_to_send(), body: spec.body() }
    }

    /// The request to write.
    fn outgoing(&self) -> Outgoing<'_> {
        Outgoing { url: &self.url, method: &self.method, headers: &self.headers, body: self.body.clone() }
    }

    async fn send(
        &self,
        io: Box<dyn http::Io>,
        protocol: Protocol,
        limit: Instant,
    ) -> Result<http::Response, ExchangeError> {
        let mut conn = Connection::open(io, limit, protocol).await?;
        conn.exchange(self.outgoing(), limit).await
    }
}

/// Why a redirect hop's new connection failed.
#[derive(Debug)]
pub enum HopFailure {
    /// Connecting to `host:port` failed; `conn` holds how far it got.
    Connect { host: String, port: u16, conn: Box<ConnTrace> },
    /// The connection opened, but HTTP could not start on it.
    Http(ExchangeError),
}

/// Where time goes, phase by phase (first connection only, except `total`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timings {
    pub dns: Option<Duration>,
    pub connect: Option<Duration>,
    pub tls: Option<Duration>,
    pub ttfb: Option<Duration>,
    pub total: Duration,
}

/// A phase of the request, for naming where the budget ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Dns,
    Connect,
    Tls,
    FirstByte,
    Body,
}

impl Phase {
    /// The phase's stable name, as in `timings_ms`: dns, connect, tls, ttfb, body.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Dns => "dns",
            Phase::Connect => "connect",
            Phase::Tls => "tls",
            Phase::FirstByte => "ttfb",
            Phase::Body => "body",
        }
    }
}

/// A connection ready for requests, and the HTTP it speaks.
type Opened = (Box<dyn http::Io>, Protocol);

/// How a connection was made, the stream the phone would use, and the other addresses' streams.
type Connected = (ConnTrace, Option<TcpStream>, Vec<(SocketAddr, TcpStream)>);

/// How long the TLS handshake and the request on each of the other addresses may take.
pub const SWEEP_LIMIT: Duration = Duration::from_secs(3);

/// How long the bare `HEAD /` over a refused certificate may take.
const DATE_PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Diagnoses the network path of one target within its timeout budget.
pub async fn run(target: &Target, settings: &Settings) -> Trace {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let deadline = started + settings.timeout;
    let verdicts = Arc::new(if quic::applies(target, settings) { Verdicts::shared() } else { Verdicts::default() });
    let mut session = Session {
        settings,
        deadline,
        ran_out: None,
        sweeping: Vec::new(),
        sweep_started: None,
        http11_required: false,
        timeline: Timeline::new(started),
        first: true,
        race: quic::race::seed(target, settings, &verdicts),
        racing: None,
        verdicts,
    };
    let mut trace = Trace::empty(started_at);
    if target.is_fetchable() {
        let (conn, io) = session.open(&target.host(), target.port(), target.uses_tls(), Some(&target.url)).await;
        session.first = false;
        trace.timings = Timings {
            dns: conn.dns.as_ref().map(|d| d.duration),
            connect: conn.connect_time(),
            tls: conn.tls.as_ref().map(|t| t.duration),
            ..Timings::default()
        };
        trace.connection = Some(conn);
        if let Some(opened) = io.filter(|_| settings.request.method_is_valid()) {
            let http = session.fetch(opened, target).await;
            trace.timings.ttfb = http.hops.first().and_then(|h| h.response.as_ref()).map(|r| r.ttfb);
            trace.http = Some(http);
        }
        if quic::applies(target, settings) {
            trace.http3 = Some(session.http3(target, &trace).await);
        }
        for sweep in std::mem::take(&mut session.sweeping) {
            if let (Ok(other), Some(conn)) = (sweep.await, trace.connection.as_mut()) {
                conn.others.push(other);
            }
        }
        if let Some(since) = session.sweep_started {
            session.timeline.mark(SpanKind::OtherAddresses, since);
        }
    }
    trace.timings.total = started.elapsed();
    trace.ran_out = session.ran_out;
    trace.spans = session.timeline.finish();
    trace
}

/// One diagnosis in progress: the budget and where it ran out.
struct Session<'a> {
    settings: &'a Settings,
    deadline: Instant,
    ran_out: Option<Phase>,
    /// The other addresses being tried, joined once the phone's request is done.
    sweeping: Vec<JoinHandle<OtherAddress>>,
    /// When they were started, if any were.
    sweep_started: Option<Instant>,
    /// The server asked for HTTP/1.1 (HTTP_1_1_REQUIRED): h2 is no longer offered.
    http11_required: bool,
    timeline: Timeline,
    /// Opening the first connection: its phases are the phone's `res.profile` phases.
    first: bool,
    /// With `--http3` or `--high-performance`: what the QUIC attempt raced beside the first TCP connection needs.
    race: Option<quic::race::Seed>,
    /// That attempt, once started.
    racing: Option<quic::race::Racing>,
    /// The verdicts on the chains sent, shared with the raced QUIC attempt.
    verdicts: Arc<Verdicts>,
}

impl Session<'_> {
    fn note_timeout(&mut self, phase: Phase) {
        self.ran_out.get_or_insert(phase);
    }

    /// Records a phase of the first connection (a redirect's are part of its hop).
    fn mark_first(&mut self, kind: SpanKind, since: Instant) {
        if self.first {
            self.timeline.mark(kind, since);
        }
    }

    /// Resolves, connects (or tunnels through the proxy) and, for https,
    /// handshakes; returns a usable stream only when every step worked and
    /// the certificate was accepted. With `sweep` (the target's URL), the
    /// other addresses that accept TCP get a TLS handshake and the request
    /// too, in the background.
    async fn open(&mut self, host: &str, port: u16, use_tls: bool, sweep: Option<&Url>) -> (ConnTrace, Option<Opened>) {
        let settings = self.settings;
        let (mut conn, stream, others) = match settings.proxies.choose(use_tls, host) {
            Choice::Through(proxy) => self.tunnel(proxy, host, port).await,
            Choice::Direct | Choice::Bypassed { .. } => {
                let route = settings.routes.route(host, port);
                self.connect(route, settings.deny_internal).await
            }
        };
        let Some(stream) = stream else {
            return (conn, None);
        };
        if !use_tls {
            return (conn, Some((Box::new(stream), Protocol::Http1)));
        }
        if let Some(url) = sweep.filter(|_| !others.is_empty()) {
            self.sweep_started = Some(Instant::now());
            self.sweeping = self.sweep(others, host, url);
        }
        let opened = self.secure(stream, &mut conn, host).await;
        (conn, opened)
    }

    /// Resolves (unless the route fixes the addresses) and connects to every
    /// address (but internal ones when `deny_internal`); the stream is the one
    /// the phone would use.
    async fn connect(&mut self, route: Route, deny_internal: bool) -> Connected {
        let mut conn = ConnTrace::new(route.clone());
        let addrs = match route {
            Route::Fixed { addrs, .. } => addrs,
            Route::Dns { host: name, port, .. } => {
                let since = Instant::now();
                let lookup = self.resolve(&name).await;
                self.mark_first(SpanKind::Dns, since);
                let addrs = lookup.addresses().into_iter().map(|ip| SocketAddr::new(ip, port)).collect();
                conn.dns = Some(lookup);
                addrs
            }
        };
        if addrs.is_empty() {
            return (conn, None, Vec::new());
        }
        let (allowed, denied): (Vec<SocketAddr>, Vec<SocketAddr>) =
            addrs.into_iter().partition(|a| !(deny_internal && tcp::is_internal(a.ip())));
        if let (Some(seed), Some(addr)) = (self.race.take(), allowed.first()) {
            let (roots, standby) = (self.settings.roots.clone(), &self.settings.standby);
            self.racing = Some(quic::race::start(seed, *addr, roots, self.deadline, standby));
        }
        let since = Instant::now();
        let (mut tcp, stream, others) = tcp::connect_all(&allowed, self.deadline).await;
        self.mark_first(SpanKind::Connect, since);
        tcp.attempts.extend(denied.into_iter().map(|addr| tcp::TcpAttempt {
            addr,
            result: tcp::TcpResult::Denied,
            elapsed: std::time::Duration::ZERO,
        }));
        if stream.is_none() && Instant::now() >= self.deadline {
            self.note_timeout(Phase::Connect);
        }
        conn.tcp = Some(tcp);
        (conn, stream, others)
    }

    /// Whether h2 is offered: `--enable-http2`, never for a WebSocket.
    fn http2(&self) -> bool {
        self.settings.http2
            && !self.http11_required
            && self.settings.request.api != crate::miniprogram::Api::ConnectSocket
    }

    /// The TLS handshake and the request on the other addresses' connections,
    /// all at once, each within [`SWEEP_LIMIT`]: how every address of the host
    /// would serve the phone. The request goes only when its method is safe
    /// to send more than once.
    fn sweep(&self, others: Vec<(SocketAddr, TcpStream)>, host: &str, url: &Url) -> Vec<JoinHandle<OtherAddress>> {
        let limit = self.deadline.min(Instant::now() + SWEEP_LIMIT);
        let http2 = self.http2();
        let spec = &self.settings.request;
        let ask = spec.is_safe_to_repeat().then(|| Arc::new(Ask::new(spec, url)));
        others
            .into_iter()
            .map(|(addr, stream)| {
                let (host, roots, ask) = (host.to_owned(), self.settings.roots.clone(), ask.clone());
                let verdicts = Arc::clone(&self.verdicts);
                tokio::spawn(async move {
                    let (tls, stream) = tls::handshake(stream, &host, &roots, &verdicts, http2, limit).await;
                    let answer = match (stream, ask) {
                        (Some(stream), Some(ask)) if tls.refusal().is_none() => {
                            Some(ask.send(Box::new(stream), protocol_of(&tls), limit).await)
                        }
                        _ => None,
                    };
                    OtherAddress { addr, tls, answer }
                })
            })
            .collect()
    }

    /// The TLS handshake on the phone's connection (with the raw probes when it
    /// fails); a usable stream only when the certificate was accepted.
    async fn secure(&mut self, stream: TcpStream, conn: &mut ConnTrace, host: &str) -> Option<Opened> {
        let since = Instant::now();
        let (roots, verdicts) = (&self.settings.roots, &*self.verdicts);
        let (mut tls, stream) = tls::handshake(stream, host, roots, verdicts, self.http2(), self.deadline).await;
        self.mark_first(SpanKind::Tls, since);
        if matches!(tls.failure(), Some(tls::TlsFailure::TimedOut | tls::TlsFailure::Stalled { .. })) {
            self.note_timeout(Phase::Tls);
        }
        if let (Some(failure), Some(dial)) = (tls.failure(), conn.dial())
            && failure.may_be_version()
            && tls.client_auth.is_none()
        {
            self.probe_raw(&mut tls, &dial, host).await;
        }
        if let (Some(tls::TlsFailure::TooLarge), Some(dial)) = (tls.failure(), conn.dial()) {
            let since = Instant::now();
            let large = raw::large_chain(&dial, host, self.deadline).await;
            self.timeline.mark(SpanKind::LargeChain, since);
            self.adopt(&mut tls, &large.certificates, host);
            tls.certificate_bytes = large.message_len;
        }
        let accepted = tls.refusal().is_none();
        let protocol = protocol_of(&tls);
        conn.tls = Some(tls);
        match stream {
            Some(stream) if accepted => Some((Box::new(stream) as Box<dyn http::Io>, protocol)),
            Some(stream) => {
                let since = Instant::now();
                let limit = self.deadline.min(since + DATE_PROBE_LIMIT);
                conn.refused_date = http::read_date(Box::new(stream), host, limit).await;
                self.timeline.mark(SpanKind::DateProbe, since);
                None
            }
            None => None,
        }
    }

    /// Takes `certificates` from a raw probe as the chain the server presents,
    /// when the handshake itself saw none, verified by the phone's rules.
    fn adopt(&self, tls: &mut TlsTrace, certificates: &[rustls_pki_types::CertificateDer<'static>], host: &str) {
        if tls.presented.is_empty() && !certificates.is_empty() {
            tls.present(certificates.to_vec(), host, &self.settings.roots, &self.verdicts);
        }
    }

    /// After a failed handshake, offers the phone's own ClientHello and, when
    /// the server refuses that too, TLS 1.1 and 1.0, then a 国密 TLCP hello;
    /// the certificates a TLS answer sends in the clear are kept so that they
    /// are judged too.
    async fn probe_raw(&mut self, tls: &mut TlsTrace, dial: &Dial, host: &str) {
        let since = Instant::now();
        let phone = raw::phone(dial, host, self.deadline).await;
        self.timeline.mark(SpanKind::PhoneHello, since);
        let answered = phone.answer.hello().is_some();
        self.adopt(tls, &phone.certificates, host);
        tls.phone = Some(phone);
        if !answered {
            let since = Instant::now();
            let legacy = raw::legacy(dial, host, self.deadline).await;
            self.timeline.mark(SpanKind::LegacyHellos, since);
            self.adopt(tls, &legacy.certificates, host);
            let old = legacy.highest().is_some();
            tls.legacy = Some(legacy);
            if !old {
                let since = Instant::now();
                tls.tlcp = Some(raw::tlcp(dial, self.deadline).await);
                self.timeline.mark(SpanKind::TlcpHello, since);
            }
        }
    }

    /// The HTTP/3 attempt: where the TCP response's `Alt-Svc` (or `--http3`)
    /// points, the QUIC handshake there, and the request again when it is
    /// safe to send twice.
    async fn http3(&mut self, target: &Target, trace: &Trace) -> Http3 {
        let Some(conn) = trace.connection.as_ref() else {
            return Http3::NoAddress;
        };
        let advertised = quic::aim::for_origin(target, trace);
        let host = target.host();
        let origin = quic::aim::Origin { host: &host, port: target.port(), conn };
        let settings = self.settings;
        let racing = self.racing.take();
        let to = match quic::aim::aim(&origin, advertised, settings.http3, settings, self.deadline).await {
            Ok(to) => to,
            Err(why) => return why,
        };
        let raced = match racing {
            Some(racing) => racing.finish(&to).await,
            None => None,
        };
        let made = match raced {
            Some(raced) => raced,
            None => {
                let spec = &settings.request;
                let ask = spec.is_safe_to_repeat().then(|| Ask::new(spec, &target.url));
                let request = ask.as_ref().map(Ask::outgoing);
                let (alt_host, verdicts) = (to.alt_host, &*self.verdicts);
                let bound = quic::handshake::Bound::default();
                let attempt =
                    quic::Attempt { addr: to.addr, aim: to.aim, alt_host, host: &host, request, verdicts, bound };
                quic::attempt(attempt, &settings.roots, self.deadline).await
            }
        };
        made.mark(&mut self.timeline);
        Http3::Tried(Box::new(made.trace))
    }

    async fn resolve(&mut self, host: &str) -> DnsLookup {
        let started = Instant::now();
        match timeout_at(self.deadline, dns::lookup(host, &self.settings.resolver)).await {
            Ok(lookup) => lookup,
            Err(_) => {
                self.note_timeout(Phase::Dns);
                dns::timed_out(host, self.settings.resolver.server(), started.elapsed())
            }
        }
    }

    /// Sends the request and follows same-host redirects.
    async fn fetch(&mut self, (io, protocol): Opened, target: &Target) -> HttpTrace {
        let spec = &self.settings.request;
        let mut trace = HttpTrace::default();
        let mut began = Instant::now();
        let mut conn = match Connection::open(io, self.deadline, protocol).await {
            Ok(conn) => conn,
            Err(error) => return self.failed(trace, error),
        };
        let mut url = spec.effective_url(&target.url);
        let mut method = spec.method().to_owned();
        let mut body = spec.body();
        let headers = spec.headers_to_send();
        let mut new_connection = false;
        loop {
            let outgoing = Outgoing { url: &url, method: &method, headers: &headers, body: body.clone() };
            let sent = Instant::now();
            let result = conn.exchange(outgoing, self.deadline).await;
            if matches!(result, Err(ExchangeError::Http2 { reason: HTTP_1_1_REQUIRED, .. })) && !self.http11_required {
                // Chromium remembers that the server wants HTTP/1.1 and sends the request again.
                self.http11_required = true;
                trace.downgraded = true;
                let reconnected = self.reconnect(&url).await;
                self.timeline.mark(SpanKind::Http11Retry, began);
                match reconnected {
                    Ok(fresh) => conn = fresh,
                    Err(why) => return HttpTrace { end: Some(HttpEnd::HopUnreachable(why)), ..trace },
                }
                began = Instant::now();
                continue;
            }
            self.mark_exchange(trace.hops.is_empty(), began, sent, result.as_ref().ok());
            trace.hops.push(Hop {
                url: url.clone(),
                method: method.clone(),
                response: result.as_ref().ok().cloned(),
                new_connection,
            });
            let response = match result {
                Ok(response) => response,
                Err(error) => return self.failed(trace, error),
            };
            if spec.redirect == crate::request::RedirectMode::Manual {
                return HttpTrace { end: Some(HttpEnd::Complete), ..trace };
            }
            let visited: Vec<Url> = trace.hops.iter().map(|h| h.url.clone()).collect();
            let next = redirect::next(
                &url,
                response.status,
                response.location.as_deref(),
                &visited,
                self.settings.max_redirects,
                &method,
            );
            let (next_url, next_method, keep_body) = match next {
                Next::Done => {
                    return HttpTrace { end: Some(HttpEnd::Complete), ..trace };
                }
                Next::Stop(refusal) => {
                    return HttpTrace { end: Some(HttpEnd::Refused(refusal)), ..trace };
                }
                Next::Follow { url, method, keep_body } => (url, method, keep_body),
            };
            began = Instant::now();
            new_connection = next_url.port_or_known_default() != url.port_or_known_default()
                || next_url.scheme() != url.scheme()
                || !conn.reusable().await;
            if new_connection {
                match self.reconnect(&next_url).await {
                    Ok(fresh) => conn = fresh,
                    Err(why) => {
                        return HttpTrace { end: Some(HttpEnd::HopUnreachable(why)), ..trace };
                    }
                }
            }
            (url, method) = (next_url, next_method);
            if !keep_body {
                body.clear();
            }
        }
    }

    /// Records one exchange: the first request's wait and response as the
    /// phone's phases, a later one (a redirect's) as a whole, from `began`.
    fn mark_exchange(&mut self, first: bool, began: Instant, sent: Instant, response: Option<&http::Response>) {
        if !first {
            self.timeline.mark(SpanKind::Redirect, began);
            return;
        }
        let Some(response) = response else {
            self.timeline.mark(SpanKind::Waiting, began);
            return;
        };
        let first_byte = (sent + response.ttfb).min(Instant::now());
        self.timeline.push(SpanKind::Waiting, began, first_byte);
        self.timeline.mark(SpanKind::Receiving, first_byte);
    }

    fn failed(&mut self, mut trace: HttpTrace, error: ExchangeError) -> HttpTrace {
        match error {
            ExchangeError::TimedOutWaiting => self.note_timeout(Phase::FirstByte),
            ExchangeError::TimedOutReading => self.note_timeout(Phase::Body),
            _ => {}
        }
        trace.end = Some(HttpEnd::Failed(error));
        trace
    }

    /// A new connection for a redirect hop; the error says how far it got.
    async fn reconnect(&mut self, url: &Url) -> Result<Connection, HopFailure> {
        let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let (conn, io) = self.open(&host, port, url.scheme() == "https", None).await;
        let Some((io, protocol)) = io else {
            return Err(HopFailure::Connect { host, port, conn: Box::new(conn) });
        };
        Connection::open(io, self.deadline, protocol).await.map_err(HopFailure::Http)
    }
}
