//! Turns the command line (and the files it names) into one validated
//! [`Plan`] of plain engine settings. Every problem here is the user's input,
//! reported as one line and exit code 3 before any network traffic.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::project::{self, Project, ProjectError};
use super::{CertArgs, CheckArgs, DataType, ProbeArgs};
use crate::allowlist::{AllowEntry, BadEntry};
use crate::android::{AndroidRoots, AndroidRootsError};
use crate::baseline;
use crate::batch::Batch;
use crate::certfile;
use crate::checks::{AndroidFloor, Rules, TimeoutSource};
use crate::lang::Lang;
use crate::miniprogram::{self, DEFAULT_TIMEOUT_MS, TOURIST_APPID};
use crate::output::{Format, Style};
use crate::pipeline::{Options, Work};
use crate::probe::Settings;
use crate::probe::dns::{DnsServer, Resolver};
use crate::probe::quic::Http3Mode;
use crate::probe::quic::race::{Ready, Standby};
use crate::proxy::{BadProxy, Given, Lookup, Proxies};
use crate::request::RequestSpec;
use crate::routing::{BadRule, ConnectTo, Resolve, Routes};
use crate::target::{BadUrl, Target};
use crate::trust::{Roots, RootsError};

/// What one `reqdoctor check` run will do.
#[derive(Debug)]
pub struct Plan {
    pub batch: Batch,
    pub style: Style,
    /// `--baseline`: loaded when the run starts, compared with every report, written back at the end.
    pub baseline: Option<PathBuf>,
}

/// A problem with the user's input: one line, exit code 3.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error(transparent)]
    Url(#[from] BadUrl),
    #[error(transparent)]
    Roots(#[from] RootsError),
    #[error(transparent)]
    Rule(#[from] BadRule),
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Baseline(#[from] baseline::LoadError),
    #[error("--allow-domain {0}")]
    AllowDomain(BadEntry),
    #[error("--timeout-ms must be greater than 0")]
    ZeroTimeout,
    #[error("--dns-server '{0}': expected IP or IP:PORT (IPv6 as [::1]:53)")]
    DnsServer(String),
    #[error("-H '{shown}': {why}")]
    Header { shown: String, why: &'static str },
    #[error("cannot read --targets-file {}: {source}", path.display())]
    TargetsFile { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    AndroidRoots(#[from] AndroidRootsError),
    #[error("--min-android '{given}': not an Android release the root history knows ({known}, or an API level)")]
    MinAndroid { given: String, known: String },
    #[error("{0}")]
    Proxy(BadProxy),
    #[error("{0}; unset it, or give --proxy '' to ignore the proxy variables")]
    ProxyVariable(BadProxy),
}

/// Where probe settings come from: `check`'s command line, which also reads
/// the proxy environment variables (through this lookup), or a `serve`
/// module, which reads none: an exporter's probes do not change with the
/// environment it happens to run in.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    CommandLine(Lookup<'a>),
    Config,
}

impl Plan {
    pub fn from_args(args: &CheckArgs) -> Result<Plan, UsageError> {
        let ready = races_on_a_thread(args).then(Ready::start).flatten();
        let targets = args.urls.iter().map(|raw| Target::parse(raw)).collect::<Result<Vec<_>, _>>()?;
        let format = match (args.json, args.format) {
            (true, _) => Format::Json,
            (false, format) => format.unwrap_or(Format::Text),
        };
        if let Some(path) = args.targets_file.as_ref().filter(|p| p.as_os_str() != "-") {
            std::fs::File::open(path).map_err(|source| UsageError::TargetsFile { path: path.clone(), source })?;
        }
        let env = |name: &str| std::env::var(name).ok();
        let options = options(&args.probe, Source::CommandLine(&env))?;
        options.probe.standby.offer(ready);
        let lang = Lang::resolve(args.lang);
        let budget_ms = u64::try_from(options.probe.timeout.as_millis()).unwrap_or(u64::MAX);
        Ok(Plan {
            batch: Batch {
                targets,
                targets_file: args.targets_file.clone(),
                concurrency: usize::from(args.concurrency),
                options: Arc::new(options),
                lang,
            },
            style: Style {
                format,
                color: wants_color(args.no_color, format),
                lang,
                budget_ms,
                width: terminal_width(),
                verbose: args.verbose,
            },
            baseline: args.baseline.clone(),
        })
    }
}

/// What one `reqdoctor cert` run will do: the files, how they are judged, how
/// the report looks.
#[derive(Debug)]
pub struct CertPlan {
    pub files: certfile::Files,
    pub options: certfile::Options,
    pub style: Style,
}

impl CertPlan {
    pub fn from_args(args: &CertArgs) -> Result<CertPlan, UsageError> {
        let format = match (args.json, args.format) {
            (true, _) => Format::Json,
            (false, format) => format.unwrap_or(Format::Text),
        };
        let roots = match &args.ca_file {
            Some(path) => Roots::from_pem_file(path)?,
            None => Roots::mozilla(),
        };
        let lang = Lang::resolve(args.lang);
        let options = certfile::Options {
            roots,
            expiry_warn_days: args.expiry_warn_days,
            android: Some(android_floor(&args.min_android, args.android_roots.as_deref())?),
            host: args.host.clone(),
            lang,
        };
        Ok(CertPlan {
            files: certfile::Files { bundle: args.files.clone(), key: args.key.clone() },
            options,
            style: Style {
                format,
                color: wants_color(args.no_color, format),
                lang,
                budget_ms: DEFAULT_TIMEOUT_MS,
                width: terminal_width(),
                verbose: args.verbose,
            },
        })
    }
}

/// Whether the run is one target with HTTP/3 on: its runtime then has one
/// thread, and the QUIC attempt raced beside the TCP connection gets a thread
/// of its own, started here so that it is ready by the time the connection is
/// ([`Ready`]).
fn races_on_a_thread(args: &CheckArgs) -> bool {
    let count = args.targets_file.is_none().then_some(args.urls.len());
    Work::of(count) == Work::One && (args.probe.http3 || args.probe.high_performance)
}

/// Validates probe settings and rules (from the command line, or a serve module).
pub fn options(args: &ProbeArgs, source: Source<'_>) -> Result<Options, UsageError> {
    let roots = match &args.ca_file {
        Some(path) => Roots::from_pem_file(path)?,
        None => Roots::mozilla(),
    };
    let routes = Routes {
        connect_to: args.connect_to.iter().map(|r| ConnectTo::parse(r)).collect::<Result<_, _>>()?,
        resolve: args.resolve.iter().map(|r| Resolve::parse(r)).collect::<Result<_, _>>()?,
    };
    let project = args.project.as_deref().map(project::read_project).transpose()?;
    let (timeout, timeout_source) = timeout_budget(args, project.as_ref())?;
    let appid = args.appid.clone().or_else(|| project.as_ref()?.appid.clone());
    let url_check_off = project.as_ref().is_some_and(|p| p.url_check == Some(false));
    let server = args.dns_server.as_deref().map(parse_dns_server).transpose()?;
    let probe = Settings {
        roots,
        routes,
        proxies: proxies(args, source)?,
        resolver: Resolver::new(server.map_or(DnsServer::System, DnsServer::Given)),
        timeout,
        max_redirects: args.max_redirects,
        deny_internal: false,
        http2: args.enable_http2 || args.high_performance,
        standby: Standby::default(),
        http3: match (args.http3, args.high_performance) {
            (true, _) => Http3Mode::Forced,
            (false, true) => Http3Mode::Advertised,
            (false, false) => Http3Mode::Off,
        },
        request: RequestSpec {
            api: args.api,
            method: args.method.clone(),
            headers: args.headers.iter().map(|h| parse_header(h)).collect::<Result<_, _>>()?,
            data: args.data.clone(),
            referer: miniprogram::referer(appid.as_deref().unwrap_or(TOURIST_APPID), &args.app_version),
            expect_json: args.data_type == DataType::Json,
            redirect: args.redirect,
        },
    };
    let rules = Rules {
        allow_list: allow_list(args)?,
        debug_mode: args.debug_mode || url_check_off,
        expiry_warn_days: args.expiry_warn_days,
        timeout_source,
        android: Some(android_floor(&args.min_android, args.android_roots.as_deref())?),
    };
    Ok(Options { probe, rules })
}

/// `--proxy` and `--noproxy` (a module's `proxy` and `noproxy`), and on the
/// command line the proxy variables.
fn proxies(args: &ProbeArgs, source: Source<'_>) -> Result<Proxies, UsageError> {
    let ((proxy, noproxy), env) = match source {
        Source::CommandLine(env) => (("--proxy", "--noproxy"), Some(env)),
        Source::Config => (("proxy", "noproxy"), None),
    };
    let given = Given {
        proxy: args.proxy.as_deref().map(|url| (url, proxy)),
        noproxy: args.noproxy.as_deref().map(|list| (list, noproxy)),
        env,
    };
    Proxies::from_given(&given)
        .map_err(|bad| if bad.is_variable() { UsageError::ProxyVariable(bad) } else { UsageError::Proxy(bad) })
}

/// `--min-android` against `--android-roots` (or the bundled history).
fn android_floor(min_android: &str, android_roots: Option<&Path>) -> Result<AndroidFloor, UsageError> {
    let roots = match android_roots {
        Some(path) => Arc::new(AndroidRoots::from_file(path)?),
        None => AndroidRoots::bundled(),
    };
    let Some(min) = roots.release(min_android).cloned() else {
        let known: Vec<&str> = roots.releases.iter().map(|r| r.version.as_str()).collect();
        return Err(UsageError::MinAndroid { given: min_android.to_owned(), known: known.join(", ") });
    };
    Ok(AndroidFloor { roots, min, given: android_roots.is_some() })
}

/// `--domains-file` entries for the API, then `--allow-domain`; `None` when neither was given.
fn allow_list(args: &ProbeArgs) -> Result<Option<Vec<AllowEntry>>, UsageError> {
    if args.domains_file.is_none() && args.allow_domain.is_empty() {
        return Ok(None);
    }
    let mut entries = match &args.domains_file {
        Some(path) => project::read_domains_file(path, args.api)?,
        None => Vec::new(),
    };
    for raw in &args.allow_domain {
        entries.push(AllowEntry::parse(raw).map_err(UsageError::AllowDomain)?);
    }
    Ok(Some(entries))
}

/// `--timeout-ms` wins over `--app-json`, which wins over the project's app.json,
/// which wins over the mini program's default; each for the chosen API.
fn timeout_budget(args: &ProbeArgs, project: Option<&Project>) -> Result<(Duration, TimeoutSource), UsageError> {
    let from_flag_file = match &args.app_json {
        Some(path) => project::read_app_json(path, "--app-json")?
            .of(args.api)
            .map(|ms| (ms, TimeoutSource::AppJson(path.clone()))),
        None => None,
    };
    let from_project =
        project.and_then(|p| Some((p.timeouts.of(args.api)?, TimeoutSource::AppJson(p.app_json.clone()?))));
    let (ms, source) = match (args.timeout_ms, from_flag_file.or(from_project)) {
        (Some(0), _) => return Err(UsageError::ZeroTimeout),
        (Some(ms), _) => (ms, TimeoutSource::Flag),
        (None, Some(found)) => found,
        (None, None) => (DEFAULT_TIMEOUT_MS, TimeoutSource::Default),
    };
    Ok((Duration::from_millis(ms), source))
}

fn parse_dns_server(text: &str) -> Result<SocketAddr, UsageError> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| UsageError::DnsServer(text.to_owned()))
}

/// Parses `-H 'Name: value'`. Errors never repeat the value (it may be a secret):
/// they show the name, or the text up to the first space.
fn parse_header(text: &str) -> Result<(String, String), UsageError> {
    let shown = match text.split_once(':') {
        Some((name, _)) => format!("{}: ***", name.trim()),
        None => format!("{}…", text.split_whitespace().next().unwrap_or("").chars().take(40).collect::<String>()),
    };
    let bad = |why: &'static str| UsageError::Header { shown: shown.clone(), why };
    let (name, value) = text.split_once(':').ok_or_else(|| bad("expected 'Name: value'"))?;
    let (name, value) = (name.trim(), value.trim());
    http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("not a valid header name"))?;
    http::HeaderValue::from_str(value).map_err(|_| bad("the value has characters a header cannot carry"))?;
    Ok((name.to_owned(), value.to_owned()))
}

/// Colour only for text on a terminal (or with `CLICOLOR_FORCE`), and never
/// with `--no-color`, `NO_COLOR` or `CLICOLOR=0`.
/// The text report's width: `COLUMNS` when set to a number, else the
/// terminal's when stdout is one, else 80.
fn terminal_width() -> usize {
    let columns = std::env::var("COLUMNS").ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|&n| n > 0);
    let terminal = || terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0));
    columns.or_else(terminal).unwrap_or(crate::report::text::DEFAULT_WIDTH)
}

fn wants_color(no_color: bool, format: Format) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    let clicolor_off = std::env::var_os("CLICOLOR").is_some_and(|v| v == "0");
    if format != Format::Text || no_color || set("NO_COLOR") {
        return false;
    }
    set("CLICOLOR_FORCE") || (!clicolor_off && std::io::stdout().is_terminal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_need_a_name_and_a_clean_value() {
        assert_eq!(parse_header("X-Trace:  abc ").unwrap(), ("X-Trace".into(), "abc".into()));
        assert_eq!(parse_header("Referer: https://x/").unwrap(), ("Referer".into(), "https://x/".into()));
        for (bad, shown) in
            [("no colon", "-H 'no…'"), ("bad name: x", "-H 'bad name: ***'"), ("X: a\u{1}b", "-H 'X: ***'")]
        {
            let err = parse_header(bad).unwrap_err().to_string();
            assert!(err.starts_with(shown), "{err}");
        }
        let err = parse_header("Authorization: Bearer s3cret\u{1}").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse_header("Authorization Bearer s3cret").unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn dns_servers_default_to_port_53() {
        assert_eq!(parse_dns_server("1.2.3.4").unwrap(), "1.2.3.4:53".parse().unwrap());
        assert_eq!(parse_dns_server("127.0.0.1:5353").unwrap(), "127.0.0.1:5353".parse().unwrap());
        assert_eq!(parse_dns_server("::1").unwrap(), "[::1]:53".parse().unwrap());
        assert_eq!(parse_dns_server("[::1]:5353").unwrap(), "[::1]:5353".parse().unwrap());
        assert!(parse_dns_server("dns.example").is_err());
    }
}
