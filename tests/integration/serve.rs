//! `reqdoctor serve` end to end: the built binary runs as an exporter on a loopback
//! port with a TOML config, and is asked over real HTTP (a tiny HTTP/1.0 client on
//! `std::net::TcpStream`) — `/probe` of loopback fixtures, `/metrics`, `/`, the stored
//! reports, the concurrency limit, bad configs — and finally scraped by a real
//! Prometheus (Debian's, which `.ci/run` installs along with `promtool`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tempfile::TempDir;

use crate::cli::{Report, assert_spec_shape, catalogue, to};
use crate::support::{CertKind, ProxyOptions, connect_proxy, https_server, pki, refused_port, shared_dns, tarpit};

/// The longest any single HTTP exchange with the exporter or Prometheus may take.
pub(crate) const HTTP_LIMIT: Duration = Duration::from_secs(30);
/// How long the exporter may take to print its address.
const START_LIMIT: Duration = Duration::from_secs(20);
/// The content type of `/probe` and `/metrics`.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

// ---------------------------------------------------------------------------
// The exporter as a child process

/// A running `reqdoctor serve --listen 127.0.0.1:0 --config <file>`, killed on drop.
pub(crate) struct Exporter {
    child: Child,
    pub(crate) addr: SocketAddr,
    /// The module list of the "listening on" line.
    pub(crate) modules: String,
    /// Everything the exporter wrote to stderr so far (printed when a test fails).
    stderr: Arc<Mutex<String>>,
    _dir: TempDir,
}

impl Exporter {
    /// Writes `config` to a temp file and starts the exporter on it; waits (bounded)
    /// for the `listening on http://ADDR` line.
    pub(crate) fn start(config: &str) -> Exporter {
        Exporter::start_with_env(config, &[])
    }

    /// [`Exporter::start`], with the environment variables `env` set.
    fn start_with_env(config: &str, env: &[(&str, &str)]) -> Exporter {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("reqdoctor.toml");
        std::fs::write(&path, config).expect("write the config");
        let mut command = serve_command(&path);
        command.envs(env.iter().copied());
        Exporter::spawn(command, dir)
    }

    /// Runs `command` (a `reqdoctor serve` whose files are in `dir`) with stderr piped;
    /// waits (bounded) for the `listening on http://ADDR` line.
    pub(crate) fn spawn(mut command: Command, dir: TempDir) -> Exporter {
        let mut child = command.stderr(Stdio::piped()).spawn().expect("start reqdoctor serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let lines = drain_lines(child.stderr.take().expect("piped stderr"), Arc::clone(&stderr));
        let deadline = Instant::now() + START_LIMIT;
        let (addr, modules) = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("reqdoctor serve: listening on http://") {
                        let (addr, modules) = rest.split_once(' ').unwrap_or((rest, ""));
                        let addr: SocketAddr = addr.parse().unwrap_or_else(|e| panic!("{e}: bad address in {line:?}"));
                        let modules = modules.trim_start_matches("(modules: ").trim_end_matches(')').to_owned();
                        break (addr, modules);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("reqdoctor serve printed no address within {START_LIMIT:?}; stderr: {}", locked(&stderr));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait().expect("wait for reqdoctor serve");
                    panic!("reqdoctor serve exited ({status}) before listening; stderr: {}", locked(&stderr));
                }
            }
        };
        Exporter { child, addr, modules, stderr, _dir: dir }
    }

    /// Replaces the exporter's config file (for a reload).
    fn rewrite_config(&self, config: &str) {
        std::fs::write(self._dir.path().join("reqdoctor.toml"), config).expect("rewrite the config");
    }

    /// Waits (bounded) until the exporter's stderr contains `text`.
    fn wait_for_log(&self, text: &str) {
        let deadline = Instant::now() + START_LIMIT;
        while !locked(&self.stderr).contains(text) {
            assert!(Instant::now() < deadline, "no {text:?} on stderr: {}", locked(&self.stderr));
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn get(&self, path: &str) -> Answer {
        http(self.addr, "GET", path, &[], HTTP_LIMIT)
    }

    /// `GET /probe?target=…&module=…` (the module left out when `None`).
    pub(crate) fn probe(&self, target: &str, module: Option<&str>) -> Answer {
        self.get(&probe_path(target, module))
    }

    /// `/metrics`, parsed.
    fn metrics(&self) -> Samples {
        let answer = self.get("/metrics");
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.header("content-type"), Some(PROMETHEUS_TEXT));
        Samples::parse(&answer.body)
    }

    /// `/report/N.json` of the probe that gave `answer`, validated against SPEC's shape.
    fn report_of(&self, answer: &Answer) -> Report {
        let link = answer.header("link").unwrap_or_else(|| panic!("a probe answer links its report: {answer:?}"));
        let path = link
            .strip_prefix('<')
            .and_then(|l| l.split_once(">; rel=\"describedby\""))
            .map(|(path, _)| path)
            .unwrap_or_else(|| panic!("Link header {link:?} is not </report/N.json>; rel=\"describedby\""));
        let json = self.get(path);
        assert_eq!(json.status, 200, "{path}: {json:?}");
        assert_eq!(json.header("content-type"), Some("application/json"), "{path}");
        let report: Report = serde_json::from_str(&json.body)
            .unwrap_or_else(|e| panic!("{path} is not a SPEC report: {e}\n{}", json.body));
        assert_spec_shape(&report);
        report
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- reqdoctor serve ({}) stderr ---\n{}", self.addr, locked(&self.stderr));
        }
    }
}

/// `reqdoctor serve --listen 127.0.0.1:0 --config <path>` in an English, colourless environment.
pub(crate) fn serve_command(config: &Path) -> Command {
    let mut command = crate::cli::command();
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    command
}

/// Reads `from` line by line on a thread: every line is appended to `log` and sent on.
fn drain_lines(from: impl Read + Send + 'static, log: Arc<Mutex<String>>) -> mpsc::Receiver<String> {
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            let _ = writeln!(log.lock().unwrap_or_else(PoisonError::into_inner), "{line}");
            let _ = lines.send(line);
        }
    });
    received
}

fn locked(text: &Mutex<String>) -> String {
    text.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn probe_path(target: &str, module: Option<&str>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("target", target);
    if let Some(module) = module {
        query.append_pair("module", module);
    }
    format!("/probe?{}", query.finish())
}

/// A `[modules.NAME]` table that trusts the test root and sends the URLs' hosts to the
/// loopback fixtures of `routes` (`HOST:443:127.0.0.1:PORT`), then `extra` lines. The
/// fixtures are internal addresses, which a module probes only with allow-private-targets.
pub(crate) fn loopback_module(name: &str, routes: &[String], extra: &str) -> String {
    let routes: Vec<String> = routes.iter().map(|r| toml_string(r)).collect();
    format!(
        "[modules.{name}]\nallow-private-targets = true\nca-file = {}\nconnect-to = [{}]\n{extra}\n",
        toml_string(pki().root_pem_path().to_str().expect("utf-8 temp path")),
        routes.join(", ")
    )
}

/// A TOML basic string (paths and routes have no quotes or backslashes, but be safe).
pub(crate) fn toml_string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

// ---------------------------------------------------------------------------
// A tiny HTTP/1.0 client

/// One HTTP answer: the status, the headers (names lowercased) and the body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {} {:?}\n{}", self.status, self.headers, self.body)
    }
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.0 request (the server closes after answering) and reads the whole
/// answer; panics unless it has arrived within `limit`.
pub(crate) fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], limit: Duration) -> Answer {
    let deadline = Instant::now() + limit;
    let mut stream = TcpStream::connect_timeout(&addr, limit).unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
    stream.set_write_timeout(Some(limit)).expect("set a write timeout");
    let mut request = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: 0\r\n");
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("send {method} {path} to {addr}: {e}"));
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "{method} {path} on {addr}: no complete answer within {limit:?}");
        stream.set_read_timeout(Some(left)).expect("set a read timeout");
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                panic!("{method} {path} on {addr}: no complete answer within {limit:?}")
            }
            Err(e) => panic!("{method} {path} on {addr}: {e}"),
        }
    }
    parse_answer(&raw)
        .unwrap_or_else(|| panic!("{method} {path} on {addr}: not HTTP: {:?}", String::from_utf8_lossy(&raw)))
}

fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let body = String::from_utf8(raw[split + 4..].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Some(Answer { status, headers, body })
}

// ---------------------------------------------------------------------------
// The Prometheus text format

/// The samples of a text-format answer: `name{labels}` exactly as written → value.
pub(crate) struct Samples(BTreeMap<String, f64>);

impl Samples {
    fn parse(body: &str) -> Samples {
        let mut samples = BTreeMap::new();
        for line in body.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("not a sample: {line:?}"));
            let value: f64 = value.parse().unwrap_or_else(|e| panic!("{e}: bad value in {line:?}"));
            assert!(samples.insert(series.to_owned(), value).is_none(), "{series} twice in\n{body}");
        }
        Samples(samples)
    }

    pub(crate) fn get(&self, series: &str) -> Option<f64> {
        self.0.get(series).copied()
    }

    /// Every series, `name{labels}`.
    fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    /// The value of `series`, which must be there.
    #[track_caller]
    pub(crate) fn value(&self, series: &str) -> f64 {
        self.get(series).unwrap_or_else(|| panic!("no {series} in {:#?}", self.0))
    }

    #[track_caller]
    pub(crate) fn expect(&self, series: &str, value: f64) {
        assert_eq!(self.value(series), value, "{series} in {:#?}", self.0);
    }

    /// `(check, step) → status` of every `reqdoctor_check_status` sample.
    fn check_statuses(&self) -> BTreeMap<(String, u8), f64> {
        let label = |labels: &str, name: &str| {
            let start = labels.find(&format!("{name}=\""))? + name.len() + 2;
            let end = labels[start..].find('"')? + start;
            Some(labels[start..end].to_owned())
        };
        self.0
            .iter()
            .filter_map(|(series, value)| {
                let labels = series.strip_prefix("reqdoctor_check_status{")?;
                let check = label(labels, "check").unwrap_or_else(|| panic!("no check label: {series}"));
                let step = label(labels, "step").and_then(|s| s.parse().ok()).expect("a numeric step label");
                Some(((check, step), *value))
            })
            .collect()
    }
}

/// What a `/probe` answer must look like whatever the target: 200 in the text format,
/// SPEC's metrics, and check statuses that are exactly the stored report's.
#[track_caller]
pub(crate) fn assert_probe_answer(exporter: &Exporter, answer: &Answer) -> (Samples, Report) {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some(PROMETHEUS_TEXT));
    let samples = Samples::parse(&answer.body);
    let report = exporter.report_of(answer);
    let (success, verdict) = match report.verdict.as_str() {
        "pass" => (1.0, 0.0),
        "warn" => (1.0, 1.0),
        _ => (0.0, 2.0),
    };
    samples.expect("reqdoctor_probe_success", success);
    samples.expect("reqdoctor_verdict", verdict);
    let expected: BTreeMap<(String, u8), f64> = report
        .checks
        .iter()
        .filter_map(|c| {
            let status = match c.status.as_str() {
                "pass" => 0.0,
                "warn" => 1.0,
                "fail" => 2.0,
                _ => return None,
            };
            Some(((c.id.clone(), c.step), status))
        })
        .collect();
    assert_eq!(samples.check_statuses(), expected, "reqdoctor_check_status vs the stored report\n{}", answer.body);
    for ((check, step), _) in samples.check_statuses() {
        assert!(catalogue().contains(&(check.clone(), step)), "{check} step {step} is not in the catalogue");
    }
    samples.value("reqdoctor_phase_duration_seconds{phase=\"total\"}");
    for line in answer.body.lines().filter(|l| l.starts_with('#')) {
        let mut words = line.split(' ');
        assert!(matches!(words.nth(1), Some("HELP" | "TYPE")), "{line}");
        assert!(words.next().is_some_and(|name| name.starts_with("reqdoctor_")), "{line}");
    }
    (samples, report)
}

fn now_seconds() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs_f64()
}

// ---------------------------------------------------------------------------
// The exporter's endpoints

#[test]
fn serve_answers_health_and_refuses_what_it_does_not_serve() {
    let exporter = Exporter::start("[modules.strict]\ntimeout-ms = 5000\n[modules.lenient]\ndebug-mode = true\n");
    assert_eq!(exporter.modules, "default, lenient, strict", "a default module is always there");

    let health = exporter.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"), "{health:?}");
    let missing = exporter.get("/nothing/here");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert!(missing.body.contains("/probe?target=URL"), "a 404 says what there is: {missing:?}");
    for path in ["/healthz", "/probe?target=https%3A%2F%2Fapi.test%2F"] {
        let post = http(exporter.addr, "POST", path, &[], HTTP_LIMIT);
        assert_eq!(post.status, 405, "POST {path}: {post:?}");
    }

    for path in ["/probe", "/probe?target=", "/probe?module=strict"] {
        let answer = exporter.get(path);
        assert_eq!(answer.status, 400, "{path}: {answer:?}");
        assert!(answer.body.contains("missing ?target=URL"), "{path}: {answer:?}");
    }
    let unknown = exporter.probe("https://api.test/ok", Some("nosuch"));
    assert_eq!(unknown.status, 400, "{unknown:?}");
    assert!(unknown.body.contains("unknown module 'nosuch'"), "{unknown:?}");
    assert!(unknown.body.contains("known: default, lenient, strict"), "names the known modules: {unknown:?}");
    // (A URL that parses, e.g. ftp://…, is diagnosed instead: url.scheme fails, as with `check`.)
    for target in ["not a url", "https://", "http://[::1", "/ok"] {
        let answer = exporter.probe(target, None);
        assert_eq!(answer.status, 400, "{target}: {answer:?}");
        assert!(answer.body.starts_with(&format!("invalid URL '{target}'")), "{answer:?}");
        assert_eq!(answer.body.lines().count(), 1, "{answer:?}");
    }
    let long = format!("https://api.test/{}", "a".repeat(5000));
    assert_eq!(exporter.probe(&long, None).status, 400, "an overlong target is refused");

    let metrics = exporter.metrics();
    for verdict in ["pass", "warn", "fail"] {
        metrics.expect(&format!("reqdoctor_exporter_probes_total{{verdict=\"{verdict}\"}}"), 0.0);
    }
    metrics.expect("reqdoctor_exporter_probe_duration_seconds_count", 0.0);
    metrics.expect("reqdoctor_exporter_probes_rejected_total", 0.0);
    let page = exporter.get("/");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/report/"), "refused requests are not probes: {}", page.body);
}

#[test]
fn a_valid_target_probes_to_success_with_every_spec_metric() {
    let valid = https_server(CertKind::Valid);
    let exporter = Exporter::start(&loopback_module("valid", &[to(valid)], "timeout-ms = 20000"));
    let answer = exporter.probe("https://api.test/ok", Some("valid"));
    let (samples, report) = assert_probe_answer(&exporter, &answer);
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    assert_eq!(report.target, "https://api.test/ok");
    samples.expect("reqdoctor_probe_success", 1.0);
    samples.expect("reqdoctor_verdict", 0.0);
    samples.expect("reqdoctor_check_status{check=\"cert.expiry\",step=\"3\"}", 0.0);
    samples.expect("reqdoctor_check_status{check=\"tls.handshake\",step=\"3\"}", 0.0);
    for phase in ["connect", "tls", "ttfb", "total"] {
        let seconds = samples.value(&format!("reqdoctor_phase_duration_seconds{{phase=\"{phase}\"}}"));
        assert!((0.0..60.0).contains(&seconds), "{phase}: {seconds} s");
    }
    samples.expect("reqdoctor_tls_version_info{version=\"TLS1.3\"}", 1.0);
    samples.expect("reqdoctor_http_status_code", 200.0);
    samples.expect("reqdoctor_http_redirects", 0.0);
    let not_after = samples.value("reqdoctor_cert_not_after_timestamp_seconds");
    let in_90_days = now_seconds() + 90.0 * 86400.0;
    assert!((not_after - in_90_days).abs() < 86400.0, "the leaf expires in 90 days: {not_after} vs {in_90_days}");
    assert_eq!(answer.header("link"), Some("</report/1.json>; rel=\"describedby\""));

    let text = exporter.get("/report/1.txt");
    assert_eq!(text.status, 200, "{text:?}");
    assert_eq!(text.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(text.body.starts_with("reqdoctor check https://api.test/ok\n"), "{}", text.body);
    assert!(text.body.contains("cert.expiry") && text.body.contains("verdict"), "{}", text.body);
    assert!(!text.body.contains('\u{1b}'), "no colour in a stored text report");
    for missing in ["/report/999999.json", "/report/999999.txt", "/report/x.json", "/report/0.json"] {
        assert_eq!(exporter.get(missing).status, 404, "{missing}");
    }

    let page = exporter.get("/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    for needle in ["https://api.test/ok", "valid", "pass", "href=\"/report/1.txt\"", "href=\"/report/1.json\""] {
        assert!(page.body.contains(needle), "the front page lacks {needle:?}: {}", page.body);
    }

    let metrics = exporter.metrics();
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"pass\"}", 1.0);
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"fail\"}", 0.0);
    metrics.expect("reqdoctor_exporter_probe_duration_seconds_count", 1.0);
    metrics.expect("reqdoctor_exporter_probe_duration_seconds_bucket{le=\"+Inf\"}", 1.0);
    metrics.expect("reqdoctor_exporter_probes_in_flight", 0.0);
    metrics.expect(&format!("reqdoctor_exporter_build_info{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")), 1.0);
}

#[test]
fn failing_targets_probe_to_zero_and_are_counted() {
    let expired = https_server(CertKind::Expired);
    let dns = shared_dns();
    let stuck = tarpit();
    let exporter = Exporter::start(&format!(
        "{}{}[modules.dns]\ndns-server = \"{dns}\"\ntimeout-ms = 10000\n",
        loopback_module("expired", &[to(expired)], ""),
        loopback_module("stuck", &[to(stuck)], ""),
    ));

    let answer = exporter.probe("https://api.test/ok", Some("expired"));
    let (samples, report) = assert_probe_answer(&exporter, &answer);
    samples.expect("reqdoctor_probe_success", 0.0);
    samples.expect("reqdoctor_check_status{check=\"cert.expiry\",step=\"3\"}", 2.0);
    report.expect("cert.expiry", "fail", "expired");
    let not_after = samples.value("reqdoctor_cert_not_after_timestamp_seconds");
    assert!(not_after < now_seconds() - 86400.0, "expired two days ago: {not_after}");

    // nx.test does not exist on the shared DNS server: NXDOMAIN.
    let answer = exporter.probe("https://nx.test/ok", Some("dns"));
    let (samples, report) = assert_probe_answer(&exporter, &answer);
    samples.expect("reqdoctor_probe_success", 0.0);
    samples.expect("reqdoctor_check_status{check=\"dns.resolve\",step=\"1\"}", 2.0);
    report.expect("dns.resolve", "fail", "NXDOMAIN");
    assert!(samples.get("reqdoctor_http_status_code").is_none() && samples.get("reqdoctor_tls_version_info").is_none());

    // The tarpit accepts and never speaks; the module allows 60 s, Prometheus' header 2 s.
    let path = probe_path("https://api.test/ok", Some("stuck"));
    let header = [("X-Prometheus-Scrape-Timeout-Seconds", "2")];
    let answer = http(exporter.addr, "GET", &path, &header, Duration::from_secs(10));
    let (samples, report) = assert_probe_answer(&exporter, &answer);
    samples.expect("reqdoctor_probe_success", 0.0);
    samples.expect("reqdoctor_check_status{check=\"tcp.connect\",step=\"1\"}", 0.0);
    samples.expect("reqdoctor_check_status{check=\"tls.handshake\",step=\"3\"}", 2.0);
    samples.expect("reqdoctor_check_status{check=\"timeout.budget\",step=\"5\"}", 2.0);
    // 2 s less the exporter's 0.5 s margin to answer in.
    report.expect("tls.handshake", "fail", "1500 ms");

    let metrics = exporter.metrics();
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"pass\"}", 0.0);
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"warn\"}", 0.0);
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"fail\"}", 3.0);
    metrics.expect("reqdoctor_exporter_probe_duration_seconds_count", 3.0);
    metrics.expect("reqdoctor_exporter_probes_rejected_total", 0.0);

    let page = exporter.get("/").body;
    let newest_first: Vec<usize> = (1..=3)
        .map(|id| page.find(&format!("href=\"/report/{id}.json\"")).unwrap_or_else(|| panic!("no report {id}: {page}")))
        .collect();
    assert!(newest_first[2] < newest_first[1] && newest_first[1] < newest_first[0], "newest first: {page}");
    for needle in ["https://nx.test/ok", "dns.resolve", "cert.expiry", "class=\"fail\""] {
        assert!(page.contains(needle), "the front page lacks {needle:?}: {page}");
    }
    let text = exporter.get("/report/2.txt");
    assert!(text.body.starts_with("reqdoctor check https://nx.test/ok\n"), "{}", text.body);
}

#[test]
fn internal_targets_are_refused_unless_the_module_allows_them() {
    let valid = https_server(CertKind::Valid);
    let exporter = Exporter::start(&format!(
        "{}[modules.closed]\nca-file = {}\nconnect-to = [{}]\n",
        loopback_module("open", &[to(valid)], "allowed-targets = [\"https://api.test/ok*\"]"),
        toml_string(pki().root_pem_path().to_str().unwrap()),
        toml_string(&to(valid)),
    ));
    for target in ["https://127.0.0.1/ok", "https://[::1]/ok", "https://localhost/ok", "https://10.1.2.3/ok"] {
        let answer = exporter.probe(target, None);
        assert_eq!(answer.status, 403, "{target}: {answer:?}");
        assert!(
            answer.body.starts_with("target refused: ") && answer.body.contains("allow-private-targets"),
            "{answer:?}"
        );
    }
    let outside = exporter.probe("https://api.test/echo", Some("open"));
    assert_eq!(outside.status, 403, "{outside:?}");
    assert!(outside.body.contains("allowed-targets"), "{outside:?}");

    let (samples, _) = assert_probe_answer(&exporter, &exporter.probe("https://api.test/ok", Some("open")));
    samples.expect("reqdoctor_probe_success", 1.0);
    // A module whose own route leads to a loopback address refuses, rather
    // than report the server down (a failed tcp.connect) when it is not.
    let closed = exporter.probe("https://api.test/ok", Some("closed"));
    assert_eq!(closed.status, 403, "{closed:?}");
    assert!(closed.body.contains("allow-private-targets"), "{closed:?}");

    let metrics = exporter.metrics();
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"pass\"}", 1.0);
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"fail\"}", 0.0);
    metrics.expect("reqdoctor_exporter_probe_duration_seconds_count", 1.0);
}

/// A module goes through the proxy its config names; no module reads the proxy variables.
#[test]
fn a_module_uses_its_own_proxy_and_never_the_environments() {
    let valid = https_server(CertKind::Valid);
    let proxy = connect_proxy(ProxyOptions::mapping("api.test:443", valid));
    let config = format!(
        "{}[modules.proxied]\nca-file = {}\nproxy = {}\n",
        loopback_module("direct", &[to(valid)], ""),
        toml_string(pki().root_pem_path().to_str().unwrap()),
        toml_string(&proxy.url()),
    );
    let elsewhere = format!("http://{}", refused_port());
    let exporter = Exporter::start_with_env(&config, &[("HTTPS_PROXY", &elsewhere), ("https_proxy", &elsewhere)]);
    // The proxy is the operator's: its loopback address needs no allow-private-targets.
    let (samples, report) = assert_probe_answer(&exporter, &exporter.probe("https://api.test/ok", Some("proxied")));
    samples.expect("reqdoctor_probe_success", 1.0);
    let info = report.expect("net.proxy", "info", "(from the module's proxy)");
    assert_eq!(info.data["origin"], "proxy");
    report.expect("tcp.connect", "pass", &format!("connected to the proxy {}", proxy.addr));
    let (samples, report) = assert_probe_answer(&exporter, &exporter.probe("https://api.test/ok", Some("direct")));
    samples.expect("reqdoctor_probe_success", 1.0);
    assert!(report.checks.iter().all(|c| c.id != "net.proxy"), "HTTPS_PROXY is not read: {:#?}", report.statuses());
    assert_eq!(proxy.seen().len(), 1, "{:?}", proxy.seen());
}

#[test]
fn one_probe_at_a_time_rejects_the_second_with_503() {
    let valid = https_server(CertKind::Valid);
    let exporter =
        Exporter::start(&format!("max-concurrent-probes = 1\n{}", loopback_module("default", &[to(valid)], "")));
    // The first probe holds the only permit for 3 s (the fixture's /slow/3000); the
    // second is sent once /metrics shows the first running, so it must find none free.
    std::thread::scope(|scope| {
        let first = scope.spawn(|| exporter.probe("https://api.test/slow/3000", None));
        let deadline = Instant::now() + Duration::from_secs(20);
        while exporter.metrics().get("reqdoctor_exporter_probes_in_flight") != Some(1.0) {
            assert!(Instant::now() < deadline, "the first probe never showed as in flight");
            std::thread::sleep(Duration::from_millis(20));
        }
        let second = exporter.probe("https://api.test/ok", None);
        assert_eq!(second.status, 503, "{second:?}");
        assert!(second.body.contains("too many probes"), "{second:?}");
        let first = first.join().expect("the first probe's thread");
        let (samples, _) = assert_probe_answer(&exporter, &first);
        samples.expect("reqdoctor_probe_success", 1.0);
    });
    let metrics = exporter.metrics();
    metrics.expect("reqdoctor_exporter_probes_rejected_total", 1.0);
    metrics.expect("reqdoctor_exporter_probes_total{verdict=\"pass\"}", 1.0);
    metrics.expect("reqdoctor_exporter_probe_duration_seconds_count", 1.0);
    metrics.expect("reqdoctor_exporter_probes_in_flight", 0.0);
    // The permit is free again.
    let (samples, _) = assert_probe_answer(&exporter, &exporter.probe("https://api.test/ok", None));
    samples.expect("reqdoctor_probe_success", 1.0);
}

#[test]
fn a_probe_abandoned_by_its_client_leaves_nothing_in_flight() {
    let exporter = Exporter::start(&loopback_module("stuck", &[to(tarpit())], "timeout-ms = 3000"));
    let in_flight = || exporter.metrics().value("reqdoctor_exporter_probes_in_flight");
    // A scraper that gives up (Prometheus at its scrape timeout, curl -m) closes the connection.
    let mut client = TcpStream::connect(exporter.addr).unwrap();
    let path = probe_path("https://api.test/ok", Some("stuck"));
    write!(client, "GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", exporter.addr).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while in_flight() != 1.0 {
        assert!(Instant::now() < deadline, "the probe never showed as in flight");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(client);
    // The probe's budget is 3 s; give it 20.
    let deadline = Instant::now() + Duration::from_secs(20);
    while in_flight() != 0.0 {
        assert!(Instant::now() < deadline, "reqdoctor_exporter_probes_in_flight stays at {}", in_flight());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_bad_config_is_one_line_naming_the_file_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("unknown-top.toml", "bogus = 1\n", "unknown field `bogus`"),
        ("unknown-option.toml", "[modules.x]\nca-files = \"/tmp/root.pem\"\n", "unknown field `ca-files`"),
        ("wrong-type.toml", "[modules.x]\ntimeout-ms = \"fast\"\n", "timeout-ms"),
        ("not-a-list.toml", "[modules.x]\nconnect-to = \"api.test:443:127.0.0.1:1\"\n", "connect-to"),
        ("max-type.toml", "max-concurrent-probes = \"many\"\n", "max-concurrent-probes"),
        ("max-zero.toml", "max-concurrent-probes = 0\n", "max-concurrent-probes must be from 1 to 4096"),
        ("bad-option.toml", "[modules.x]\nallow-domain = [\"api.example.com\"]\n", "module x"),
        ("not-toml.toml", "[modules.x\n", "--config"),
    ];
    for (name, text, needle) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        assert_config_refused(&path, needle);
    }
    assert_config_refused(&dir.path().join("absent.toml"), "cannot read --config");
}

#[test]
fn a_huge_concurrency_limit_is_a_config_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    std::fs::write(&path, "max-concurrent-probes = 9223372036854775807\n").unwrap();
    assert_config_refused(&path, "max-concurrent-probes");
}

/// `reqdoctor serve --config path` exits 3 at once with one stderr line naming the file and `needle`.
#[track_caller]
fn assert_config_refused(path: &Path, needle: &str) {
    let output = assert_cmd::Command::from_std(serve_command(path))
        .timeout(Duration::from_secs(20))
        .output()
        .expect("run reqdoctor serve");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = path.display().to_string();
    assert_eq!(output.status.code(), Some(3), "{shown}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{shown}: one line: {stderr}");
    assert!(stderr.starts_with("reqdoctor: ") && stderr.contains(&shown), "names {shown}: {stderr}");
    assert!(stderr.contains(needle), "{shown}: {stderr:?} does not mention {needle:?}");
}

// ---------------------------------------------------------------------------
// promtool and a real Prometheus

/// Fails (never skips) when a Prometheus tool is missing.
pub(crate) fn require_tool(tool: &str) {
    let found = Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status();
    assert!(
        found.is_ok_and(|s| s.success()),
        "`{tool} --version` does not run: install Debian's `prometheus` package, which ships prometheus and \
         promtool (.ci/run installs it: apt-get install -y --no-install-recommends prometheus)"
    );
}

/// `promtool check metrics` on `body` (on stdin): no lint problem, no parse error.
#[track_caller]
fn assert_promtool_accepts(what: &str, body: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child.stdin.take().expect("piped stdin").write_all(body.as_bytes()).expect("feed promtool");
    let output = child.wait_with_output().expect("wait for promtool");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success() && said.trim().is_empty(),
        "promtool check metrics flags {what} ({}):\n{said}\n--- the body ---\n{body}",
        output.status
    );
}

#[test]
fn promtool_accepts_probe_and_metrics_answers() {
    require_tool("promtool");
    let exporter = Exporter::start(&format!(
        "{}{}{}",
        loopback_module("valid", &[to(https_server(CertKind::Valid))], ""),
        loopback_module("expired", &[to(https_server(CertKind::Expired))], ""),
        loopback_module("down", &[to(refused_port())], ""),
    ));
    let cases = [
        ("https://api.test/ok", "valid"),
        ("https://api.test/hops/2", "valid"),
        ("https://api.test/status/503", "valid"),
        ("https://api.test/ok", "expired"),
        ("https://api.test/ok", "down"),
        ("https://127.0.0.1/ok", "down"),
    ];
    for (target, module) in cases {
        let answer = exporter.probe(target, Some(module));
        assert_probe_answer(&exporter, &answer);
        assert_promtool_accepts(&format!("/probe of {target} with module {module}"), &answer.body);
    }
    let metrics = exporter.get("/metrics");
    assert_promtool_accepts("/metrics", &metrics.body);
}

/// A Prometheus server run from a temp dir, killed on drop; its log is printed on failure.
pub(crate) struct Prometheus {
    child: Child,
    pub(crate) addr: SocketAddr,
    log: PathBuf,
    _dir: TempDir,
}

impl Prometheus {
    /// Checks `config` with `promtool check config`, then runs Prometheus on it.
    fn start(config: &str) -> Prometheus {
        Prometheus::start_in(tempfile::tempdir().expect("a temp dir"), config)
    }

    /// [`Prometheus::start`] with `config` written to `dir/prometheus.yml`, beside the
    /// files it names (rule files, file_sd target lists) that the caller put in `dir`.
    pub(crate) fn start_in(dir: TempDir, config: &str) -> Prometheus {
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();
        let check =
            Command::new("promtool").args(["check", "config"]).arg(&config_file).output().expect("run promtool");
        assert!(
            check.status.success(),
            "promtool check config: {}{}\n{config}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let log = dir.path().join("prometheus.log");
        let out = std::fs::File::create(&log).unwrap();
        let addr = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_file.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={addr}"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start prometheus");
        Prometheus { child, addr, log, _dir: dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path` of the HTTP API as JSON, whatever the status (a bad query is a 400
    /// with `"status": "error"`), or `None` until Prometheus answers.
    pub(crate) fn api(&mut self, path: &str) -> Option<Value> {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", self.log());
        }
        TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).ok()?;
        serde_json::from_str(&http(self.addr, "GET", path, &[], HTTP_LIMIT).body).ok()
    }

    /// An instant query: `[(labels, value)]`, or `None` until Prometheus answers.
    pub(crate) fn query(&mut self, query: &str) -> Option<Vec<(BTreeMap<String, String>, f64)>> {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("prometheus exited ({status}):\n{}", self.log());
        }
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let answer = try_http(self.addr, &format!("/api/v1/query?query={encoded}"))?;
        let json: Value = serde_json::from_str(&answer.body).ok()?;
        let results = json.pointer("/data/result")?.as_array()?;
        results
            .iter()
            .map(|r| {
                let labels = r["metric"]
                    .as_object()?
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect::<Option<_>>()?;
                Some((labels, r.pointer("/value/1")?.as_str()?.parse().ok()?))
            })
            .collect()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- prometheus log ---\n{}", self.log());
        }
    }
}

/// `instance → value` of a query's results.
fn by_instance(results: &[(BTreeMap<String, String>, f64)]) -> BTreeMap<String, f64> {
    results.iter().filter_map(|(labels, value)| Some((labels.get("instance")?.clone(), *value))).collect()
}

/// A loopback port nothing listens on right now (for a child that cannot report its own).
fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// Like [`http`] but `None` while nothing listens or the answer is not a 200.
pub(crate) fn try_http(addr: SocketAddr, path: &str) -> Option<Answer> {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    let answer = http(addr, "GET", path, &[], HTTP_LIMIT);
    (answer.status == 200).then_some(answer)
}

/// docs/monitoring.md's prometheus.yml, scraping every 2 s: each target probed through
/// the exporter (the multi-target relabelling), and the exporter's own /metrics. The
/// 2 s scrape timeout leaves a probe 1.5 s, plenty for a loopback fixture.
fn prometheus_config(exporter: SocketAddr, module: &str, targets: &[&str]) -> String {
    let targets: String = targets.iter().map(|t| format!("          - {t}\n")).collect();
    format!(
        "global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 2s
scrape_configs:
  - job_name: reqdoctor
    metrics_path: /probe
    params:
      module: [{module}]
    static_configs:
      - targets:
{targets}    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {exporter}
  - job_name: reqdoctor_exporter
    static_configs:
      - targets: ['{exporter}']
"
    )
}

#[test]
fn prometheus_scrapes_probes_with_the_multi_target_relabelling() {
    require_tool("prometheus");
    require_tool("promtool");
    let started = Instant::now();
    // One module reaches both fixtures: the valid certificate also covers *.wild.test.
    let valid = https_server(CertKind::Valid);
    let expired = https_server(CertKind::Expired);
    let routes = [format!("good.wild.test:443:127.0.0.1:{}", valid.port()), to(expired)];
    let exporter = Exporter::start(&loopback_module("loopback", &routes, ""));
    let (good, bad) = ("https://good.wild.test/ok", "https://api.test/ok");
    let mut prometheus = Prometheus::start(&prometheus_config(exporter.addr, "loopback", &[good, bad]));

    // Wait (bounded) until both probe targets and the exporter itself have been scraped.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (success, up) = loop {
        let success = by_instance(&prometheus.query("reqdoctor_probe_success").unwrap_or_default());
        let up = prometheus.query("up").unwrap_or_default();
        let exporter_up = up.iter().any(|(labels, _)| labels.get("job").is_some_and(|j| j == "reqdoctor_exporter"));
        if success.contains_key(good) && success.contains_key(bad) && exporter_up {
            break (success, up);
        }
        assert!(
            Instant::now() < deadline,
            "after 60 s Prometheus has reqdoctor_probe_success for {success:?} and up {up:?}; targets: {}",
            try_http(prometheus.addr, "/api/v1/targets").map(|a| a.body).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(success.get(good), Some(&1.0), "{good}: {success:?}");
    assert_eq!(success.get(bad), Some(&0.0), "{bad}: {success:?}");
    assert_eq!(up.len(), 3, "{up:?}");
    for (labels, value) in &up {
        assert_eq!(*value, 1.0, "every scrape succeeds: {labels:?}");
    }

    let expiry = prometheus.query("reqdoctor_check_status{check=\"cert.expiry\"}").expect("a query answer");
    let expiry = by_instance(&expiry);
    assert_eq!(expiry.get(bad), Some(&2.0), "{expiry:?}");
    assert_eq!(expiry.get(good), Some(&0.0), "{expiry:?}");
    let build = prometheus.query("reqdoctor_exporter_build_info").expect("a query answer");
    assert!(build.iter().any(|(labels, v)| *v == 1.0 && labels["version"] == env!("CARGO_PKG_VERSION")), "{build:?}");
    eprintln!("prometheus end to end: {:.1} s", started.elapsed().as_secs_f64());
}

/// The fenced block of docs/monitoring.md whose first line is `# {name}`.
fn guide_block(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/monitoring.md");
    let guide = std::fs::read_to_string(path).expect("docs/monitoring.md");
    let start = guide.find(&format!("```\n# {name}\n")).or_else(|| guide.find(&format!("\n# {name}\n")).map(|i| i - 3));
    let start = start.and_then(|i| guide[i..].find('\n').map(|n| i + n + 1));
    let start = start.unwrap_or_else(|| panic!("docs/monitoring.md has no block starting with '# {name}'"));
    let end = guide[start..].find("\n```").unwrap_or_else(|| panic!("the {name} block is not closed")) + start;
    guide[start..=end].to_owned()
}

/// Runs promtool with `args` in `dir`; it must succeed.
#[track_caller]
pub(crate) fn promtool(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("promtool").args(args).current_dir(dir).output().expect("run promtool");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "promtool {}: {}\n{said}", args.join(" "), output.status);
    said
}

/// promtool's unit test of the guide's alert rules: each fires when it should, and only then.
const ALERT_TESTS: &str = r#"
rule_files: [reqdoctor-alerts.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'reqdoctor_check_status{job="reqdoctor",instance="https://a.example.com/",check="cert.chain",step="3"}'
        values: '2x20'
      - series: 'reqdoctor_check_status{job="reqdoctor",instance="https://a.example.com/",check="tls.version",step="3"}'
        values: '1x40'
      - series: 'reqdoctor_probe_success{job="reqdoctor",instance="https://a.example.com/"}'
        values: '0x20'
      - series: 'reqdoctor_probe_success{job="reqdoctor",instance="https://b.example.com/"}'
        values: '1x20'
      - series: 'reqdoctor_cert_not_after_timestamp_seconds{job="reqdoctor",instance="https://b.example.com/"}'
        values: '864000x20'
      - series: 'reqdoctor_cert_not_after_timestamp_seconds{job="reqdoctor",instance="https://c.example.com/"}'
        values: '2592000x20'
      - series: 'up{job="reqdoctor",instance="https://d.example.com/"}'
        values: '0x20'
      - series: 'up{job="node",instance="db1:9100"}'
        values: '0x20'
      - series: 'reqdoctor_exporter_probes_rejected_total{job="reqdoctor_exporter",instance="127.0.0.1:9688"}'
        values: '0 0 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1'
    alert_rule_test:
      - eval_time: 4m
        alertname: WxRequestCheckFailing
        exp_alerts: []
      - eval_time: 6m
        alertname: WxRequestCheckFailing
        exp_alerts:
          - exp_labels: {severity: critical, job: reqdoctor, instance: "https://a.example.com/", check: cert.chain, step: "3"}
            exp_annotations:
              summary: "cert.chain fails for https://a.example.com/"
              description: "Step 3 check cert.chain has failed for 5 minutes: wx.request to https://a.example.com/ fails on phones. The exporter's front page links the full report; `reqdoctor check https://a.example.com/` repeats it."
      - eval_time: 29m
        alertname: WxRequestCheckWarning
        exp_alerts: []
      - eval_time: 31m
        alertname: WxRequestCheckWarning
        exp_alerts:
          - exp_labels: {severity: warning, job: reqdoctor, instance: "https://a.example.com/", check: tls.version, step: "3"}
            exp_annotations: {summary: "tls.version warns for https://a.example.com/"}
      - eval_time: 6m
        alertname: WxRequestProbeFailing
        exp_alerts:
          - exp_labels: {severity: critical, job: reqdoctor, instance: "https://a.example.com/"}
            exp_annotations: {summary: "wx.request to https://a.example.com/ would fail"}
      - eval_time: 11m
        alertname: WxRequestCertificateExpiresSoon
        exp_alerts:
          - exp_labels: {severity: warning, job: reqdoctor, instance: "https://b.example.com/"}
            exp_annotations:
              summary: "the certificate of https://b.example.com/ expires in 9d 23h 49m 0s"
              description: "Renew it and install the whole chain (leaf and intermediates)."
      - eval_time: 11m
        alertname: ReqdoctorScrapeFailing
        exp_alerts:
          - exp_labels: {severity: warning, job: reqdoctor, instance: "https://d.example.com/"}
            exp_annotations:
              summary: "reqdoctor cannot scrape https://d.example.com/"
              description: "The exporter is down, refused the probe (503), or the scrape timed out; the target is not being checked."
      - eval_time: 5m
        alertname: ReqdoctorProbesRejected
        exp_alerts:
          - exp_labels: {severity: warning, job: reqdoctor_exporter, instance: "127.0.0.1:9688"}
            exp_annotations: {summary: "reqdoctor serve refused probes: raise max-concurrent-probes"}
      - eval_time: 20m
        alertname: ReqdoctorProbesRejected
        exp_alerts: []
"#;

#[test]
fn the_monitoring_guide_configs_are_valid() {
    require_tool("promtool");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prometheus.yml"), guide_block("prometheus.yml")).unwrap();
    std::fs::write(dir.path().join("reqdoctor-alerts.yml"), guide_block("reqdoctor-alerts.yml")).unwrap();
    std::fs::write(dir.path().join("alert-tests.yml"), ALERT_TESTS).unwrap();
    let said = promtool(dir.path(), &["check", "config", "prometheus.yml"]);
    assert!(said.contains("SUCCESS: 1 rule files found"), "the config loads the alert rules: {said}");
    let said = promtool(dir.path(), &["check", "rules", "reqdoctor-alerts.yml"]);
    assert!(said.contains("SUCCESS: 6 rules found"), "{said}");
    promtool(dir.path(), &["test", "rules", "alert-tests.yml"]);

    // The modules example is accepted as it stands (with a CA file that exists here).
    let root = pki().root_pem_path().to_str().unwrap().to_owned();
    let toml = guide_block("reqdoctor.toml");
    assert!(toml.contains("/etc/reqdoctor/staging-root.pem"), "{toml}");
    let exporter = Exporter::start(&toml.replace("/etc/reqdoctor/staging-root.pem", &root));
    assert_eq!(exporter.modules, "android, default, release, staging, upload");
    let refused = exporter.probe("https://pay.example.com/notify", Some("release"));
    assert_eq!(refused.status, 403, "allowed-targets limits the release module: {refused:?}");
}

// ---------------------------------------------------------------------------
// Behaving like the exporters operators run already

#[test]
fn metrics_has_the_process_and_build_info_and_405_says_allow() {
    let exporter = Exporter::start("");
    let metrics = exporter.metrics();
    assert!(metrics.value("process_resident_memory_bytes") > 1e6, "a live process has memory");
    assert!(metrics.value("process_open_fds") >= 3.0, "stdin, stdout, stderr and the listener at least");
    assert!(metrics.value("process_start_time_seconds") > 1.7e9);
    let info = metrics.names().into_iter().find(|n| n.starts_with("reqdoctor_build_info{")).expect("build_info");
    assert!(info.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))), "{info}");
    let revision = info.split("revision=\"").nth(1).and_then(|r| r.split('"').next()).expect("a revision label");
    assert!(revision.len() == 12 && revision.bytes().all(|b| b.is_ascii_hexdigit()), "the commit: {info}");
    metrics.expect(&info, 1.0);
    metrics.expect("reqdoctor_exporter_config_last_reload_successful", 1.0);

    for (method, path, allow) in
        [("POST", "/healthz", "GET, HEAD"), ("DELETE", "/probe?target=x", "GET"), ("GET", "/-/reload", "POST, PUT")]
    {
        let answer = http(exporter.addr, method, path, &[], HTTP_LIMIT);
        assert_eq!(answer.status, 405, "{method} {path}: {answer:?}");
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}: {answer:?}");
    }
}

#[test]
fn a_reload_takes_a_good_config_and_keeps_the_old_one_for_a_bad_one() {
    let valid = https_server(CertKind::Valid);
    let first = loopback_module("one", &[to(valid)], "");
    let exporter = Exporter::start(&first);
    let two = format!("{first}{}", loopback_module("two", &[to(valid)], ""));
    exporter.rewrite_config(&two);
    let reloaded = http(exporter.addr, "POST", "/-/reload", &[], HTTP_LIMIT);
    assert_eq!((reloaded.status, reloaded.body.as_str()), (200, "reloaded (modules: default, one, two)\n"));
    let (samples, _) = assert_probe_answer(&exporter, &exporter.probe("https://api.test/ok", Some("two")));
    samples.expect("reqdoctor_probe_success", 1.0);

    exporter.rewrite_config("[modules.broken]\ntimeout-ms = \"soon\"\n");
    let refused = http(exporter.addr, "POST", "/-/reload", &[], HTTP_LIMIT);
    assert_eq!(refused.status, 500, "{refused:?}");
    assert!(refused.body.starts_with("reload failed, the old configuration stays: --config "), "{refused:?}");
    assert_eq!(refused.body.lines().count(), 1, "{refused:?}");
    exporter.wait_for_log("reqdoctor serve: reload failed, the old configuration stays:");
    let (samples, _) = assert_probe_answer(&exporter, &exporter.probe("https://api.test/ok", Some("two")));
    samples.expect("reqdoctor_probe_success", 1.0);
    let metrics = exporter.metrics();
    metrics.expect("reqdoctor_exporter_config_last_reload_successful", 0.0);
    metrics.expect("reqdoctor_exporter_config_reloads_total{result=\"failure\"}", 1.0);
    metrics.expect("reqdoctor_exporter_config_reloads_total{result=\"success\"}", 1.0);

    exporter.rewrite_config(&loopback_module("three", &[to(valid)], ""));
    let hup = Command::new("kill").args(["-HUP", &exporter.child.id().to_string()]).status().expect("kill(1)");
    assert!(hup.success(), "kill -HUP");
    exporter.wait_for_log("reqdoctor serve: configuration reloaded (modules: default, three)");
    let gone = exporter.probe("https://api.test/ok", Some("two"));
    assert_eq!(gone.status, 400, "module two went with the reload: {gone:?}");
    exporter.metrics().expect("reqdoctor_exporter_config_last_reload_successful", 1.0);
}

#[test]
fn debug_true_answers_the_diagnosis_as_text() {
    let valid = https_server(CertKind::Valid);
    let exporter = Exporter::start(&loopback_module("default", &[to(valid)], ""));
    let answer = exporter.get(&format!("{}&debug=true", probe_path("https://api.test/ok", None)));
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.header("content-type"), Some("text/plain; charset=utf-8"));
    assert!(answer.body.starts_with("Diagnosis:\nreqdoctor check https://api.test/ok\n"), "{}", answer.body);
    assert!(answer.body.contains("✔ tls.handshake"), "{}", answer.body);
    let metrics = answer.body.split("\nMetrics that would have been returned:\n").nth(1).expect("the metrics part");
    assert!(metrics.contains("\nreqdoctor_probe_success 1\n"), "{metrics}");
    assert!(answer.body.contains("This report: /report/"), "{}", answer.body);
}

#[test]
fn a_modules_route_to_a_private_address_is_refused_with_403_not_probed() {
    let valid = https_server(CertKind::Valid);
    let route = toml_string(&to(valid));
    let exporter = Exporter::start(&format!(
        "[modules.routed]\nconnect-to = [{route}]\n[modules.public]\nresolve = [\"api.test:443:127.0.0.1,203.0.113.7\"]\ntimeout-ms = 300\n"
    ));
    let refused = exporter.probe("https://api.test/ok", Some("routed"));
    assert_eq!(refused.status, 403, "{refused:?}");
    let expected = format!(
        "target refused: this module's connect-to {} sends api.test to {valid}, a loopback, private or link-local address",
        to(valid)
    );
    assert!(refused.body.starts_with(&expected), "{refused:?}");
    // One public address among them: the probe runs (and reaches no server in 300 ms).
    let probed = exporter.probe("https://api.test/ok", Some("public"));
    assert_eq!(probed.status, 200, "{probed:?}");
    exporter.metrics().expect("reqdoctor_exporter_probes_total{verdict=\"fail\"}", 1.0);
}

#[test]
fn a_modules_own_limit_answers_503_while_others_probe() {
    let valid = https_server(CertKind::Valid);
    let exporter = Exporter::start(&format!(
        "{}{}",
        loopback_module("single", &[to(valid)], "max-concurrent-probes = 1"),
        loopback_module("other", &[to(valid)], "")
    ));
    std::thread::scope(|scope| {
        let first = scope.spawn(|| exporter.probe("https://api.test/slow/3000", Some("single")));
        let deadline = Instant::now() + Duration::from_secs(20);
        while exporter.metrics().get("reqdoctor_exporter_probes_in_flight") != Some(1.0) {
            assert!(Instant::now() < deadline, "the first probe never showed as in flight");
            std::thread::sleep(Duration::from_millis(20));
        }
        let second = exporter.probe("https://api.test/ok", Some("single"));
        assert_eq!(second.status, 503, "{second:?}");
        assert!(second.body.contains("this module's max-concurrent-probes"), "{second:?}");
        let other = exporter.probe("https://api.test/ok", Some("other"));
        assert_eq!(other.status, 200, "another module has its own room: {other:?}");
        assert_eq!(first.join().expect("the first probe's thread").status, 200);
    });
    exporter.metrics().expect("reqdoctor_exporter_probes_rejected_total", 1.0);
}

#[test]
fn a_modules_limit_out_of_range_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("reqdoctor.toml");
    std::fs::write(&path, "[modules.zero]\nmax-concurrent-probes = 0\n").expect("write");
    let output = serve_command(&path).stderr(Stdio::piped()).output().expect("run reqdoctor serve");
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("module zero: max-concurrent-probes must be from 1 to 4096"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn sigterm_stops_the_exporter_with_a_log_line_and_exit_0() {
    let mut exporter = Exporter::start("");
    let version = format!("reqdoctor serve: reqdoctor {} (", env!("CARGO_PKG_VERSION"));
    exporter.wait_for_log(&version);
    let term = Command::new("kill").args(["-TERM", &exporter.child.id().to_string()]).status().expect("kill(1)");
    assert!(term.success(), "kill -TERM");
    let deadline = Instant::now() + START_LIMIT;
    let status = loop {
        if let Some(status) = exporter.child.try_wait().expect("wait for reqdoctor serve") {
            break status;
        }
        assert!(Instant::now() < deadline, "reqdoctor serve still runs after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0), "{status}");
    exporter.wait_for_log("reqdoctor serve: stopped");
}
