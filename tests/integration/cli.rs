//! Runs the built `reqdoctor` binary and parses its JSON into test-local
//! structs with `deny_unknown_fields`: the schema SPEC fixes is enforced here,
//! independently of the crate's own types.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::support::pki;

/// Every check id every report carries, with its step, in report order — as
/// `reqdoctor checks --json` lists them (checks that need an option left out).
pub fn catalogue() -> &'static [(String, u8)] {
    static ALWAYS: OnceLock<Vec<(String, u8)>> = OnceLock::new();
    ALWAYS.get_or_init(|| {
        crate::catalogue::listed()
            .checks
            .iter()
            .filter(|check| check.only_with.is_none())
            .map(|check| (check.id.clone(), check.step))
            .collect()
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub target: String,
    pub started_at: String,
    pub verdict: String,
    pub checks: Vec<CheckJson>,
    pub timings_ms: Timings,
    #[serde(default)]
    pub addresses: Vec<String>,
    #[serde(default)]
    pub tls: Option<Value>,
    #[serde(default)]
    pub http: Option<Value>,
    #[serde(default)]
    pub certificate: Option<Certificate>,
    #[serde(default)]
    pub http3: Option<Http3>,
    #[serde(default)]
    pub profile: Option<Profile>,
    #[serde(default)]
    pub timeline: Vec<TimelineEntry>,
}

/// The HTTP/3 attempt (docs/json.md's `http3`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http3 {
    pub address: String,
    pub port_from: String,
    pub connected: bool,
    pub handshake_ms: f64,
    pub total_ms: f64,
    pub raced: bool,
    #[serde(default)]
    pub alpn: Option<String>,
    #[serde(default)]
    pub status: Option<u32>,
    #[serde(default)]
    pub ttfb_ms: Option<f64>,
}

/// One stretch of the diagnosis (docs/json.md's `timeline`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub phase: String,
    pub start_ms: f64,
    pub end_ms: f64,
    pub extra: bool,
}

/// `wx.request`'s `res.profile` field names (docs/json.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case, dead_code)]
pub struct Profile {
    pub fetchStart: f64,
    pub redirectStart: f64,
    pub redirectEnd: f64,
    pub domainLookUpStart: f64,
    pub domainLookUpEnd: f64,
    pub connectStart: f64,
    pub connectEnd: f64,
    pub SSLconnectionStart: f64,
    pub SSLconnectionEnd: f64,
    pub requestStart: f64,
    pub requestEnd: f64,
    pub responseStart: f64,
    pub responseEnd: f64,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub peerIP: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    pub socketReused: bool,
    pub sendBytesCount: u64,
    pub receivedBytedCount: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub chain: Vec<CertEntry>,
    pub path: Vec<usize>,
    #[serde(default)]
    pub trusted_root: Option<String>,
    #[serde(default)]
    pub missing_issuer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertEntry {
    pub role: String,
    pub name: String,
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    pub sha256: String,
    pub not_before: String,
    pub not_after: String,
    pub days_left: i64,
    pub key: String,
    pub signature_algorithm: String,
    pub san: Vec<String>,
    pub is_ca: bool,
    #[serde(default)]
    pub path_len: Option<u32>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    #[serde(default)]
    pub aia_issuer: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckJson {
    pub id: String,
    pub step: u8,
    pub status: String,
    pub summary: String,
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default)]
    pub wx: Option<Wx>,
    pub data: Map<String, Value>,
    pub duration_ms: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wx {
    pub errno: u32,
    #[serde(rename = "errMsg")]
    pub err_msg: String,
    /// What Android phones report instead, where their verifier differs.
    #[serde(default)]
    pub android: Option<Box<Wx>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timings {
    pub dns: Option<f64>,
    pub connect: Option<f64>,
    pub tls: Option<f64>,
    pub ttfb: Option<f64>,
    pub total: f64,
}

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The single JSON report on stdout, validated against SPEC's shape.
    pub fn report(&self) -> Report {
        let report: Report = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one SPEC report: {e}\n{}\nstderr: {}", self.stdout, self.stderr));
        assert_spec_shape(&report);
        report
    }
}

impl Report {
    pub fn check(&self, id: &str) -> &CheckJson {
        self.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id} in {self:#?}"))
    }

    /// `id → status` for every check, for compact assertions.
    pub fn statuses(&self) -> BTreeMap<&str, &str> {
        self.checks.iter().map(|c| (c.id.as_str(), c.status.as_str())).collect()
    }

    /// Asserts a check's status and that its summary mentions `needle`.
    #[track_caller]
    pub fn expect(&self, id: &str, status: &str, needle: &str) -> &CheckJson {
        let check = self.check(id);
        assert_eq!(check.status, status, "{id}: {check:#?}\nall: {:#?}", self.statuses());
        assert!(check.summary.contains(needle), "{id} summary {:?} does not mention {needle:?}", check.summary);
        check
    }
}

/// The report's fixed structure: every catalogue id once, in order, with its step;
/// statuses from SPEC's set; the verdict is the worst status; hints where warn/fail.
pub fn assert_spec_shape(report: &Report) {
    assert_eq!(report.schema_version, 1);
    assert_eq!(report.tool.name, "reqdoctor");
    assert_eq!(report.tool.version, env!("CARGO_PKG_VERSION"));
    assert!(report.started_at.ends_with('Z') && report.started_at.len() == 20, "{}", report.started_at);
    let mut ids: Vec<(String, u8)> = report.checks.iter().map(|c| (c.id.clone(), c.step)).collect();
    if ids.last().is_some_and(|(id, step)| id == "baseline.drift" && *step == 0) {
        ids.pop();
    }
    if ids.first().is_some_and(|(id, step)| id == "net.proxy" && *step == 1) {
        ids.remove(0);
    }
    assert_eq!(
        ids,
        catalogue(),
        "the catalogue in order; net.proxy first, only with a proxy; baseline.drift last, only with --baseline"
    );
    let mut worst = "pass";
    for check in &report.checks {
        assert!(["pass", "warn", "fail", "skip", "info"].contains(&check.status.as_str()), "{check:?}");
        assert!(!check.summary.is_empty() && !check.summary.contains('\n'), "{check:?}");
        if matches!(check.status.as_str(), "warn" | "fail") {
            assert!(check.hint.as_ref().is_some_and(|h| !h.is_empty()), "{} has no hint", check.id);
        }
        if let Some(wx) = &check.wx {
            let api = wx.err_msg.split(":fail").next().unwrap_or_default();
            assert!(["request", "uploadFile", "downloadFile", "connectSocket"].contains(&api), "{wx:?}");
        }
        worst = match (worst, check.status.as_str()) {
            (_, "fail") | ("fail", _) => "fail",
            (_, "warn") | ("warn", _) => "warn",
            _ => worst,
        };
    }
    assert_eq!(report.verdict, worst);
    assert!(report.timings_ms.total >= 0.0);
    assert!(report.target.contains("://"), "{}", report.target);
    assert!(report.checks.iter().all(|c| c.duration_ms >= 0.0));
    assert_timeline(report);
}

/// The timeline's spans lie within the total, in start order, each phase
/// named as docs/json.md lists it and marked extra exactly when reqdoctor's own.
fn assert_timeline(report: &Report) {
    const PHONE: [&str; 9] = [
        "domainLookUp",
        "connect",
        "SSLconnection",
        "request",
        "response",
        "redirect",
        "http11_retry",
        "quic_handshake",
        "h3_request",
    ];
    const EXTRA: [&str; 7] =
        ["phone_hello", "legacy_hellos", "tlcp_hello", "large_chain", "date_probe", "other_addresses", "proxy_connect"];
    let mut previous = 0.0;
    for entry in &report.timeline {
        let known =
            if entry.extra { EXTRA.contains(&entry.phase.as_str()) } else { PHONE.contains(&entry.phase.as_str()) };
        assert!(known, "{entry:?}");
        assert!(previous <= entry.start_ms && entry.start_ms <= entry.end_ms, "{:?}", report.timeline);
        assert!(entry.end_ms <= report.timings_ms.total + 0.001, "{entry:?} after {}", report.timings_ms.total);
        previous = entry.start_ms;
    }
}

/// Runs `reqdoctor` with exactly `args`, in an environment without colour settings.
pub fn reqdoctor(args: &[&str]) -> Run {
    reqdoctor_with_env(args, &[])
}

/// The proxy variables `check` reads: removed from every run, so that the suite
/// never depends on the environment it runs in.
pub const PROXY_VARS: [&str; 8] =
    ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];

/// The built `reqdoctor` as a std `Command`, without the proxy variables.
pub fn command() -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("reqdoctor"));
    for name in PROXY_VARS {
        command.env_remove(name);
    }
    command
}

/// Runs `reqdoctor` with `args` and the extra environment variables `env`.
pub fn reqdoctor_with_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::cargo_bin("reqdoctor").expect("the reqdoctor binary is built");
    for name in PROXY_VARS {
        command.env_remove(name);
    }
    let output: Output = command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .env_remove("COLUMNS")
        .envs(env.iter().copied())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run reqdoctor");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `reqdoctor check --json --ca-file <test root>` plus `args`; the exit code must match the verdict.
pub fn check(args: &[&str]) -> Report {
    let root = pki().root_pem_path().to_str().expect("utf-8 path").to_owned();
    let mut all = vec!["check", "--json", "--ca-file", root.as_str()];
    all.extend_from_slice(args);
    let run = reqdoctor(&all);
    let report = run.report();
    let expected = match report.verdict.as_str() {
        "pass" => 0,
        "warn" => 1,
        _ => 2,
    };
    assert_eq!(run.code, expected, "exit code vs verdict {}; stderr: {}", report.verdict, run.stderr);
    report
}

/// `--connect-to api.test:443:127.0.0.1:<port>`: a port-less URL reaches a loopback server.
pub fn to(addr: SocketAddr) -> String {
    format!("api.test:443:{}:{}", addr.ip(), addr.port())
}

/// Checks `https://api.test<path>` against the server at `addr`.
pub fn check_api(addr: SocketAddr, path: &str, extra: &[&str]) -> Report {
    let route = to(addr);
    let url = format!("https://api.test{path}");
    let mut args = vec!["--connect-to", route.as_str()];
    args.extend_from_slice(extra);
    args.push(url.as_str());
    check(&args)
}
