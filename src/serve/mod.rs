//! `reqdoctor serve`: Prometheus' multi-target exporter pattern. `/probe`
//! runs one diagnosis and answers in the text format with SPEC's metric names
//! (`debug=true`: the diagnosis as text instead); `/metrics` has the
//! exporter's own; `/healthz` answers 200; `/` lists the last probes with
//! links to their reports; SIGHUP and `POST /-/reload` reload the
//! configuration, keeping the old one when the new one is bad.

pub mod config;
mod metrics;
mod page;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::checks::TimeoutSource;
use crate::lang::Lang;
use crate::pipeline::{self, Options};
use crate::report::Report;
use crate::target::Target;
pub use config::{Config, DEFAULT_MODULE, Module};
use metrics::Exporter;
use page::History;

/// What every request handler shares.
struct State {
    live: RwLock<Arc<Live>>,
    reload: Reload,
    lang: Lang,
    history: Mutex<History>,
    exporter: Exporter,
}

/// The configuration in force and the probe slots it allows: replaced whole
/// on a reload, while probes that started under the old one finish with it.
struct Live {
    config: Config,
    permits: Arc<Semaphore>,
    /// Per module with its own `max-concurrent-probes`.
    module_permits: BTreeMap<String, Arc<Semaphore>>,
}

impl Live {
    fn new(config: Config) -> Arc<Live> {
        let module_permits = config
            .modules
            .iter()
            .filter_map(|(name, module)| Some((name.clone(), Arc::new(Semaphore::new(module.max_concurrent?)))))
            .collect();
        Arc::new(Live { permits: Arc::new(Semaphore::new(config.max_concurrent)), module_permits, config })
    }

    /// A slot for a probe of `module`: the module's and the exporter's, or which one is full.
    fn slot(&self, module: &str) -> Result<Vec<OwnedSemaphorePermit>, &'static str> {
        let mut held = Vec::with_capacity(2);
        if let Some(own) = self.module_permits.get(module) {
            held.push(Arc::clone(own).try_acquire_owned().map_err(|_| "this module's")?);
        }
        held.push(Arc::clone(&self.permits).try_acquire_owned().map_err(|_| "the exporter's")?);
        Ok(held)
    }
}

/// Reads the configuration again (the `--config` file, or the built-in one):
/// given by `cli`, which owns the file format.
pub type Reload = Box<dyn Fn() -> Result<Config, String> + Send + Sync>;

/// The longest target URL `/probe` accepts.
const MAX_TARGET: usize = 4096;
/// How much of Prometheus' scrape timeout is left for sending the answer.
const SCRAPE_MARGIN: Duration = Duration::from_millis(500);

/// What `serve` needs: plain values, read and checked by the caller.
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub config: Config,
    /// Reads the configuration again, on SIGHUP and `POST /-/reload`.
    pub reload: Reload,
    /// The language of the stored reports' summaries.
    pub lang: Lang,
}

/// Why the exporter could not run (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
}

/// Runs the exporter until Ctrl-C or SIGTERM.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    let ServeOptions { listen, config, reload, lang } = options;
    let runtime = pipeline::runtime().map_err(ServeError::Runtime)?;
    runtime.block_on(async {
        let listener = TcpListener::bind(listen).await.map_err(|source| ServeError::Listen { addr: listen, source })?;
        let bound = listener.local_addr().map_err(|source| ServeError::Listen { addr: listen, source })?;
        eprintln!("reqdoctor serve: reqdoctor {}, process {}", env!("REQDOCTOR_VERSION"), std::process::id());
        eprintln!("reqdoctor serve: listening on http://{bound} (modules: {})", module_names(&config));
        let state = Arc::new(State {
            live: RwLock::new(Live::new(config)),
            reload,
            lang,
            history: Mutex::default(),
            exporter: Exporter::new(),
        });
        accept(listener, state).await;
        eprintln!("reqdoctor serve: stopped (a signal asked it to)");
        Ok(())
    })
}

fn module_names(config: &Config) -> String {
    config.modules.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    let stop = crate::shutdown::signal();
    tokio::pin!(stop);
    let mut hangups = Hangups::new();
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = hangups.next() => {
                let _ = reload(&state);
            }
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(req, Arc::clone(&state)));
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
}

/// SIGHUP, as a stream of wake-ups (never, where there is no SIGHUP).
struct Hangups(#[cfg(unix)] Option<tokio::signal::unix::Signal>);

impl Hangups {
    fn new() -> Hangups {
        #[cfg(unix)]
        return Hangups(tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok());
        #[cfg(not(unix))]
        Hangups()
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.0 {
            signal.recv().await;
            return;
        }
        std::future::pending::<()>().await;
    }
}

/// Reads the configuration again; a bad one is logged and the old one kept.
fn reload(state: &State) -> Result<String, String> {
    let result = (state.reload)();
    state.exporter.reloaded(result.is_ok());
    match result {
        Ok(config) => {
            let names = module_names(&config);
            *state.live.write().expect("not poisoned") = Live::new(config);
            eprintln!("reqdoctor serve: configuration reloaded (modules: {names})");
            Ok(names)
        }
        Err(error) => {
            eprintln!("reqdoctor serve: reload failed, the old configuration stays: {error}");
            Err(error)
        }
    }
}

fn live(state: &State) -> Arc<Live> {
    Arc::clone(&state.live.read().expect("not poisoned"))
}

type Answer = Response<Full<Bytes>>;

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Result<Answer, Infallible> {
    let path = req.uri().path().to_owned();
    let allow = allowed_methods(&path);
    if !allow.contains(req.method()) {
        let names: Vec<&str> = allow.iter().map(Method::as_str).collect();
        return Ok(not_allowed(&names.join(", ")));
    }
    Ok(match path.as_str() {
        "/-/reload" => reload_answer(&state),
        "/healthz" => text(StatusCode::OK, "ok\n".into()),
        "/metrics" => prometheus(state.exporter.render()),
        "/probe" => probe(&req, &state).await,
        "/diagnose" => diagnose_page(&req, &state).await,
        "/explain" => explain_page(&req, &state),
        "/" => html(state.history.lock().expect("not poisoned").page(&live(&state).config)),
        other => match other.strip_prefix("/report/") {
            Some(name) => stored_report(name, &state),
            None => text(StatusCode::NOT_FOUND, "not found: try /, /probe?target=URL, /metrics or /healthz\n".into()),
        },
    })
}

/// `POST /-/reload`: 200 with the modules now served, or 500 with why the
/// old configuration stays.
fn reload_answer(state: &State) -> Answer {
    match reload(state) {
        Ok(names) => text(StatusCode::OK, format!("reloaded (modules: {names})\n")),
        Err(error) => {
            text(StatusCode::INTERNAL_SERVER_ERROR, format!("reload failed, the old configuration stays: {error}\n"))
        }
    }
}

/// The methods `path` answers: a diagnosis only on GET, a reload only on POST or PUT.
fn allowed_methods(path: &str) -> &'static [Method] {
    match path {
        "/-/reload" => &[Method::POST, Method::PUT],
        "/probe" | "/diagnose" => &[Method::GET],
        _ => &[Method::GET, Method::HEAD],
    }
}

/// 405, with the methods the path takes in `Allow`.
fn not_allowed(allow: &str) -> Answer {
    let mut answer = text(StatusCode::METHOD_NOT_ALLOWED, format!("method not allowed: use {allow}\n"));
    if let Ok(value) = HeaderValue::from_str(allow) {
        answer.headers_mut().insert(hyper::header::ALLOW, value);
    }
    answer
}

/// `/probe?target=URL[&module=NAME][&debug=true]`: one diagnosis, as
/// Prometheus metrics; with `debug=true`, as blackbox_exporter does, the
/// diagnosis as text, then the metrics it gives, then the module's settings.
async fn probe(req: &Request<Incoming>, state: &State) -> Answer {
    let (id, report) = match diagnose(req, state).await {
        Ok(done) => done,
        Err(refused) => return refused,
    };
    if query(req).iter().any(|(k, v)| k == "debug" && v == "true") {
        return debug_answer(&report, id, state);
    }
    let mut answer = prometheus(metrics::probe(&report));
    if let Ok(link) = HeaderValue::from_str(&format!("</report/{id}.json>; rel=\"describedby\"")) {
        answer.headers_mut().insert("link", link);
    }
    answer
}

/// `/diagnose?target=URL[&module=NAME]`, the front page's form: the same
/// diagnosis and the same refusals as `/probe`, then the report as HTML.
async fn diagnose_page(req: &Request<Incoming>, state: &State) -> Answer {
    match diagnose(req, state).await {
        Ok((id, _)) => see_other(&format!("/report/{id}.html")),
        Err(refused) => refused,
    }
}

/// `/explain?error=ERRMSG`, the front page's other form: `reqdoctor explain` as a page.
fn explain_page(req: &Request<Incoming>, state: &State) -> Answer {
    let query = query(req);
    let Some(input) = query.iter().find(|(k, _)| k == "error").map(|(_, v)| v.trim()).filter(|v| !v.is_empty()) else {
        return text(StatusCode::BAD_REQUEST, "missing ?error=ERRMSG\n".into());
    };
    if input.len() > MAX_TARGET {
        return text(StatusCode::BAD_REQUEST, format!("error longer than {MAX_TARGET} bytes\n"));
    }
    let mut body = Vec::new();
    let (status, answer) = match crate::explain::explain(input, None) {
        Some(explanation) => {
            let _ = crate::explain::render_text(&explanation, state.lang, &mut body);
            (StatusCode::OK, String::from_utf8_lossy(&body).into_owned())
        }
        None => (StatusCode::NOT_FOUND, crate::explain::unknown(input, state.lang)),
    };
    let mut page = html(page::explained(input, &answer));
    *page.status_mut() = status;
    page
}

/// `debug=true`'s answer: the text report, the metrics, where the reports are kept.
fn debug_answer(report: &Report, id: u64, state: &State) -> Answer {
    let mut body = b"Diagnosis:\n".to_vec();
    if crate::report::text::render(report, &mut body, crate::report::text::Layout::plain(state.lang)).is_err() {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot render the report\n".into());
    }
    body.extend_from_slice(b"\nMetrics that would have been returned:\n");
    body.extend_from_slice(metrics::probe(report).as_bytes());
    body.extend_from_slice(format!("\nThis report: /report/{id}.txt, .json, .md, .html\n").as_bytes());
    with_type(StatusCode::OK, "text/plain; charset=utf-8", body)
}

/// Checks the query like `/probe` does (module, target, the module's limits,
/// a free slot), runs the diagnosis and keeps its report; the refusal otherwise.
async fn diagnose(req: &Request<Incoming>, state: &State) -> Result<(u64, Arc<Report>), Answer> {
    let query = query(req);
    let get = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let Some(raw) = get("target").filter(|t| !t.is_empty()) else {
        return Err(text(StatusCode::BAD_REQUEST, "missing ?target=URL\n".into()));
    };
    if raw.len() > MAX_TARGET {
        return Err(text(StatusCode::BAD_REQUEST, format!("target longer than {MAX_TARGET} bytes\n")));
    }
    let module = get("module").filter(|m| !m.is_empty()).unwrap_or(DEFAULT_MODULE);
    let live = live(state);
    let Some(chosen) = live.config.modules.get(module) else {
        let known: Vec<&str> = live.config.modules.keys().map(String::as_str).collect();
        return Err(text(StatusCode::BAD_REQUEST, format!("unknown module '{module}'; known: {}\n", known.join(", "))));
    };
    let target = Target::parse(raw).map_err(|e| text(StatusCode::BAD_REQUEST, format!("{e}\n")))?;
    if let Some(why) = chosen.refuses(&target) {
        return Err(text(StatusCode::FORBIDDEN, format!("target refused: {why}\n")));
    }
    let _slot = live.slot(module).map_err(|whose| {
        state.exporter.reject();
        let limit = format!("{whose} max-concurrent-probes");
        text(StatusCode::SERVICE_UNAVAILABLE, format!("too many probes running ({limit}); try again\n"))
    })?;
    let mut options = chosen.options.as_ref().clone();
    if let Some(limit) = scrape_limit(req).filter(|limit| *limit < options.probe.timeout) {
        options.probe.timeout = limit;
        options.rules.timeout_source = TimeoutSource::ScrapeTimeout;
    }
    let report = run_probe(&target, &options, state).await;
    let id = state.history.lock().expect("not poisoned").push(module, Arc::clone(&report));
    Ok((id, report))
}

fn query(req: &Request<Incoming>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect()
}

async fn run_probe(target: &Target, options: &Options, state: &State) -> Arc<Report> {
    let _in_flight = state.exporter.in_flight();
    let started = Instant::now();
    let report = Arc::new(pipeline::diagnose(target, options, state.lang).await);
    state.exporter.observe(report.verdict, started.elapsed().as_secs_f64());
    report
}

/// Prometheus' `X-Prometheus-Scrape-Timeout-Seconds`, less a margin to answer in.
fn scrape_limit(req: &Request<Incoming>) -> Option<Duration> {
    let seconds: f64 = req.headers().get("x-prometheus-scrape-timeout-seconds")?.to_str().ok()?.trim().parse().ok()?;
    let total = Duration::try_from_secs_f64(seconds).ok()?;
    Some(total.saturating_sub(SCRAPE_MARGIN).max(Duration::from_millis(100)))
}

/// `/report/N.txt`, `/report/N.json`, `/report/N.md` or `/report/N.html` of a recent probe.
fn stored_report(name: &str, state: &State) -> Answer {
    let Some((id, kind @ ("txt" | "json" | "md" | "html"))) = name.rsplit_once('.') else {
        return text(StatusCode::NOT_FOUND, "reports are /report/N.txt, .json, .md and .html\n".into());
    };
    let history = state.history.lock().expect("not poisoned");
    let Some(recent) = id.parse::<u64>().ok().and_then(|id| history.get(id)) else {
        return text(StatusCode::NOT_FOUND, "no such report (the last 100 are kept)\n".into());
    };
    let mut body = Vec::new();
    let report = &recent.report;
    let command = format!("reqdoctor serve: /probe?target={}&module={}", report.target, recent.module);
    let (written, content_type) = match kind {
        "json" => (crate::report::json::render(report, &mut body), "application/json"),
        "md" => {
            (crate::report::markdown::render(report, state.lang, &command, &mut body), "text/markdown; charset=utf-8")
        }
        "html" => (crate::report::html::document(report, state.lang, &command, &mut body), "text/html; charset=utf-8"),
        _ => (
            crate::report::text::render(report, &mut body, crate::report::text::Layout::plain(state.lang)),
            "text/plain; charset=utf-8",
        ),
    };
    if written.is_err() {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "cannot render the report\n".into());
    }
    with_type(StatusCode::OK, content_type, body)
}

/// A redirect to `location` after a form's diagnosis.
fn see_other(location: &str) -> Answer {
    let mut answer = text(StatusCode::SEE_OTHER, format!("see {location}\n"));
    if let Ok(value) = HeaderValue::from_str(location) {
        answer.headers_mut().insert(hyper::header::LOCATION, value);
    }
    answer
}

fn text(status: StatusCode, body: String) -> Answer {
    with_type(status, "text/plain; charset=utf-8", body.into_bytes())
}

fn html(body: String) -> Answer {
    with_type(StatusCode::OK, "text/html; charset=utf-8", body.into_bytes())
}

fn prometheus(body: String) -> Answer {
    with_type(StatusCode::OK, metrics::CONTENT_TYPE, body.into_bytes())
}

fn with_type(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    answer.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    answer
}

/// The address `serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9688";

/// Parses `--listen`.
pub fn parse_listen(text: &str) -> Result<SocketAddr, BadListen> {
    text.parse().map_err(|_| BadListen(text.to_owned()))
}

/// A `--listen` value that is not an address.
#[derive(Debug, thiserror::Error)]
#[error("'{0}' is not an address like 127.0.0.1:9688")]
pub struct BadListen(String);
