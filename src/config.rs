//! Turns the command line (and the files it names) into one validated
//! [`Plan`]. Every problem here is the user's input, reported as one line and
//! exit code 3 before any network traffic.

use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::checks::AllowEntry;
use crate::cli::{CheckArgs, DataType, Format, ProbeArgs};
use crate::lang::Lang;
use crate::miniprogram::{self, Api, TOURIST_APPID};
use crate::project::{self, DEFAULT_TIMEOUT_MS, Project};
use crate::routing::{ConnectTo, Resolve, Routes};
use crate::target::Target;
use crate::trust::Roots;

/// What one `reqdoctor check` run will do.
#[derive(Debug)]
pub struct Plan {
    pub targets: Vec<Target>,
    pub options: Arc<ProbeOptions>,
    /// More targets, read as the batch goes (`-` for stdin).
    pub targets_file: Option<PathBuf>,
    /// Targets diagnosed at once.
    pub concurrency: usize,
    /// `--baseline`: compared with every report, written back at the end.
    pub baseline: Option<std::sync::Mutex<crate::baseline::Store>>,
    pub format: Format,
    pub color: bool,
    /// The language of summaries, hints and the text report.
    pub lang: Lang,
}

/// Everything a probe and its checks need, shared by all targets of a run.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    pub roots: Roots,
    pub routes: Routes,
    pub dns_server: Option<SocketAddr>,
    pub timeout: Duration,
    pub timeout_source: TimeoutSource,
    /// `None` when no allow-list was given (domain.allowlist is then `skip`).
    pub allow_list: Option<Vec<AllowEntry>>,
    pub debug_mode: bool,
    pub request: RequestSpec,
    pub expiry_warn_days: u32,
    pub max_redirects: u32,
    /// Never connect to loopback, private or link-local addresses (the exporter's default).
    pub deny_internal: bool,
}

/// Where the timeout budget came from, so the report can say so.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeoutSource {
    Default,
    Flag,
    AppJson(PathBuf),
    /// `serve` cut the budget to Prometheus' scrape timeout (less a margin).
    ScrapeTimeout,
}

/// The request as the mini program would send it.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    /// Exactly as given; request.method judges it.
    pub method: String,
    /// Extra headers in the order given (names as typed).
    pub headers: Vec<(String, String)>,
    pub data: Option<String>,
    /// The Referer the mini program sends (it cannot be changed).
    pub referer: String,
    /// `dataType: "json"`: the page expects a JSON body.
    pub expect_json: bool,
    /// Which wx API sends it; its rules, timeout and allow-list apply.
    pub api: Api,
}

/// A problem with the user's input: one line, exit code 3.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

impl From<String> for UsageError {
    fn from(message: String) -> UsageError {
        UsageError(message)
    }
}

impl Plan {
    pub fn from_args(args: &CheckArgs) -> Result<Plan, UsageError> {
        let targets = args
            .urls
            .iter()
            .map(|raw| Target::parse(raw).map_err(|e| UsageError(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let format = match (args.json, args.format) {
            (true, _) => Format::Json,
            (false, format) => format.unwrap_or(Format::Text),
        };
        if let Some(path) = args.targets_file.as_ref().filter(|p| p.as_os_str() != "-") {
            std::fs::File::open(path)
                .map_err(|e| UsageError(format!("cannot read --targets-file {}: {e}", path.display())))?;
        }
        Ok(Plan {
            targets,
            targets_file: args.targets_file.clone(),
            baseline: args
                .baseline
                .as_deref()
                .map(crate::baseline::Store::load)
                .transpose()?
                .map(std::sync::Mutex::new),
            concurrency: usize::from(args.concurrency),
            options: Arc::new(ProbeOptions::from_args(&args.probe)?),
            format,
            color: wants_color(args.no_color, format),
            lang: Lang::resolve(args.lang),
        })
    }
}

impl ProbeOptions {
    /// Validates probe settings (from the command line, or a serve module).
    pub fn from_args(args: &ProbeArgs) -> Result<ProbeOptions, UsageError> {
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
        Ok(ProbeOptions {
            roots,
            routes,
            dns_server: args.dns_server.as_deref().map(parse_dns_server).transpose()?,
            timeout,
            timeout_source,
            allow_list: allow_list(args)?,
            debug_mode: args.debug_mode || url_check_off,
            request: RequestSpec {
                api: args.api,
                method: args.method.clone(),
                headers: args.headers.iter().map(|h| parse_header(h)).collect::<Result<_, _>>()?,
                data: args.data.clone(),
                referer: miniprogram::referer(appid.as_deref().unwrap_or(TOURIST_APPID), &args.app_version),
                expect_json: args.data_type == DataType::Json,
            },
            expiry_warn_days: args.expiry_warn_days,
            max_redirects: args.max_redirects,
            deny_internal: false,
        })
    }
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
        entries.push(AllowEntry::parse(raw).map_err(|e| UsageError(format!("--allow-domain {e}")))?);
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
        (Some(0), _) => return Err(UsageError("--timeout-ms must be greater than 0".into())),
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
        .map_err(|_| UsageError(format!("--dns-server '{text}': expected IP or IP:PORT (IPv6 as [::1]:53)")))
}

/// Parses `-H 'Name: value'`. Errors never repeat the value (it may be a secret):
/// they show the name, or the text up to the first space.
fn parse_header(text: &str) -> Result<(String, String), UsageError> {
    let shown = match text.split_once(':') {
        Some((name, _)) => format!("{}: ***", name.trim()),
        None => format!("{}…", text.split_whitespace().next().unwrap_or("").chars().take(40).collect::<String>()),
    };
    let bad = |why: &str| UsageError(format!("-H '{shown}': {why}"));
    let (name, value) = text.split_once(':').ok_or_else(|| bad("expected 'Name: value'"))?;
    let (name, value) = (name.trim(), value.trim());
    http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad("not a valid header name"))?;
    http::HeaderValue::from_str(value).map_err(|_| bad("the value has characters a header cannot carry"))?;
    Ok((name.to_owned(), value.to_owned()))
}

/// Colour only for text on a terminal (or with `CLICOLOR_FORCE`), and never
/// with `--no-color`, `NO_COLOR` or `CLICOLOR=0`.
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
        assert_eq!(parse_header("X-Trace:  abc "), Ok(("X-Trace".into(), "abc".into())));
        assert_eq!(parse_header("Referer: https://x/"), Ok(("Referer".into(), "https://x/".into())));
        for (bad, shown) in
            [("no colon", "-H 'no…'"), ("bad name: x", "-H 'bad name: ***'"), ("X: a\u{1}b", "-H 'X: ***'")]
        {
            let err = parse_header(bad).unwrap_err().0;
            assert!(err.starts_with(shown), "{err}");
        }
        let err = parse_header("Authorization: Bearer s3cret\u{1}").unwrap_err().0;
        assert!(!err.contains("s3cret"), "{err}");
        let err = parse_header("Authorization Bearer s3cret").unwrap_err().0;
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn dns_servers_default_to_port_53() {
        assert_eq!(parse_dns_server("1.2.3.4"), Ok("1.2.3.4:53".parse().unwrap()));
        assert_eq!(parse_dns_server("127.0.0.1:5353"), Ok("127.0.0.1:5353".parse().unwrap()));
        assert_eq!(parse_dns_server("::1"), Ok("[::1]:53".parse().unwrap()));
        assert_eq!(parse_dns_server("[::1]:5353"), Ok("[::1]:5353".parse().unwrap()));
        assert!(parse_dns_server("dns.example").is_err());
    }
}
