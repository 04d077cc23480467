//! `reqdoctor serve`: Prometheus' multi-target exporter pattern. `/probe`
//! runs one diagnosis and answers in the text format with SPEC's metric names;
//! `/metrics` has the exporter's own; `/healthz` answers 200; `/` lists the
//! last probes with links to their reports.

pub mod config;
mod metrics;
mod page;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

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
    config: Config,
    lang: Lang,
    permits: Semaphore,
    history: Mutex<History>,
    exporter: Mutex<Exporter>,
}

/// The longest target URL `/probe` accepts.
const MAX_TARGET: usize = 4096;
/// How much of Prometheus' scrape timeout is left for sending the answer.
const SCRAPE_MARGIN: Duration = Duration::from_millis(500);

/// What `serve` needs: plain values, read and checked by the caller.
#[derive(Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    pub config: Config,
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
    let ServeOptions { listen, config, lang } = options;
    let runtime = pipeline::runtime().map_err(ServeError::Runtime)?;
    runtime.block_on(async {
        let listener = TcpListener::bind(listen).await.map_err(|source| ServeError::Listen { addr: listen, source })?;
        let bound = listener.local_addr().map_err(|source| ServeError::Listen { addr: listen, source })?;
        let modules: Vec<&str> = config.modules.keys().map(String::as_str).collect();
        eprintln!("reqdoctor serve: listening on http://{bound} (modules: {})", modules.join(", "));
        let state = Arc::new(State {
            permits: Semaphore::new(config.max_concurrent),
            config,
            lang,
            history: Mutex::default(),
            exporter: Mutex::default(),
        });
        accept(listener, state).await;
        Ok(())
    })
}

async fn accept(listener: TcpListener, state: Arc<State>) {
    let stop = crate::shutdown::signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
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

type Answer = Response<Full<Bytes>>;

async fn handle(req: Request<Incoming>, state: Arc<State>) -> Result<Answer, Infallible> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".into()));
    }
    let path = req.uri().path().to_owned();
    Ok(match path.as_str() {
        "/healthz" => text(StatusCode::OK, "ok\n".into()),
        "/metrics" => prometheus(state.exporter.lock().expect("not poisoned").render()),
        "/probe" if req.method() == Method::GET => probe(&req, &state).await,
        "/probe" => text(StatusCode::METHOD_NOT_ALLOWED, "/probe runs a diagnosis: use GET\n".into()),
        "/diagnose" if req.method() == Method::GET => diagnose_page(&req, &state).await,
        "/explain" => explain_page(&req, &state),
        "/" => html(state.history.lock().expect("not poisoned").page(&state.config)),
        other => match other.strip_prefix("/report/") {
            Some(name) => stored_report(name, &state),
            None => text(StatusCode::NOT_FOUND, "not found: try /, /probe?target=URL, /metrics or /healthz\n".into()),
        },
    })
}

/// `/probe?target=URL[&module=NAME]`: one diagnosis, as Prometheus metrics.
async fn probe(req: &Request<Incoming>, state: &State) -> Answer {
    let (id, report) = match diagnose(req, state).await {
        Ok(done) => done,
        Err(refused) => return refused,
    };
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
    let Some(chosen) = state.config.modules.get(module) else {
        let known: Vec<&str> = state.config.modules.keys().map(String::as_str).collect();
        return Err(text(StatusCode::BAD_REQUEST, format!("unknown module '{module}'; known: {}\n", known.join(", "))));
    };
    let target = Target::parse(raw).map_err(|e| text(StatusCode::BAD_REQUEST, format!("{e}\n")))?;
    if let Some(why) = chosen.refuses(&target) {
        return Err(text(StatusCode::FORBIDDEN, format!("target refused: {why}\n")));
    }
    let Ok(_permit) = state.permits.try_acquire() else {
        state.exporter.lock().expect("not poisoned").rejected += 1;
        return Err(text(StatusCode::SERVICE_UNAVAILABLE, "too many probes running; try again\n".into()));
    };
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
    let _in_flight = InFlight::start(&state.exporter);
    let started = Instant::now();
    let report = Arc::new(pipeline::diagnose(target, options, state.lang).await);
    state.exporter.lock().expect("not poisoned").observe(report.verdict, started.elapsed().as_secs_f64());
    report
}

/// Counts a probe as in flight until dropped — also when the client goes away
/// and hyper drops the handler mid-probe.
struct InFlight<'a>(&'a Mutex<Exporter>);

impl<'a> InFlight<'a> {
    fn start(exporter: &'a Mutex<Exporter>) -> InFlight<'a> {
        exporter.lock().expect("not poisoned").in_flight += 1;
        InFlight(exporter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut exporter) = self.0.lock() {
            exporter.in_flight -= 1;
        }
    }
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
