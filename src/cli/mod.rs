//! The command line: clap's structs (names, help and defaults, which come
//! from the engine's constants), their translation into the engine's plain
//! settings ([`plan`]), the developer's files that feed it ([`project`], the
//! exporter's TOML in [`serve_config`]), running a command ([`run`]), and the
//! files an installation wants, generated from these structs: shell
//! completions ([`completions`]) and man pages ([`manpage`]).
//! Nothing below this layer sees a flag.

pub mod completions;
pub mod invocation;
pub mod manpage;
pub mod plan;
pub mod project;
pub mod run;
pub mod serve_config;
pub mod usage;

use std::path::PathBuf;

use clap::{Args, FromArgMatches, Parser, Subcommand, ValueEnum};
use serde::Deserialize;

use crate::miniprogram::{self, Api};
use crate::output::Format;
use crate::request::RedirectMode;
use crate::{batch, checks, probe, request};

/// Would a mini program's wx.request to this URL work, and if not, why?
#[derive(Debug, Parser)]
#[command(name = "reqdoctor", version = VERSION, about, long_about = None)]
#[command(propagate_version = true)]
// Help wraps at the terminal's width (COLUMNS when not a terminal, else 100), at most 100;
// every example line fits in 80 columns, so none is wrapped inside an argument.
#[command(max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Deferred: only the subcommand that runs has its options built (each is a
// few hundred arguments' worth of work at every start).
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Run the six-step wx.request triage against one or more URLs.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(Box<CheckArgs>),
    /// Explain an error the phone showed: the triage step, the checks, the likely causes.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Run a Prometheus exporter: /probe?target=URL&module=NAME, /metrics, /healthz.
    #[command(after_help = SERVE_EXAMPLES)]
    Serve(ServeArgs),
    /// Build the certificate chain the server should send (fetching missing intermediates) and write it as PEM.
    #[command(after_help = CHAIN_EXAMPLES)]
    Chain(Box<ChainArgs>),
    /// List every check: its id, triage step, title and the phone error a failure reports.
    Checks(ChecksArgs),
    /// Judge a certificate bundle from files, before deploying it: every cert.* check, no server.
    #[command(after_help = CERT_EXAMPLES)]
    Cert(CertArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print a man page: reqdoctor(1), or reqdoctor-COMMAND(1); --dir writes them all.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

/// `--version`'s words: the package version, and the git commit it was built
/// from when built from a git checkout (see build.rs), e.g. `0.1.0 (abc123def456)`.
pub const VERSION: &str = env!("REQDOCTOR_VERSION");

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  reqdoctor completions bash \\
      > ~/.local/share/bash-completion/completions/reqdoctor
  reqdoctor completions zsh > ~/.zfunc/_reqdoctor
  reqdoctor completions fish > ~/.config/fish/completions/reqdoctor.fish

zsh reads ~/.zfunc when fpath=(~/.zfunc $fpath) comes before compinit.";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

const CHAIN_EXAMPLES: &str = "\
Examples:
  reqdoctor chain https://api.example.com/ -o fullchain.pem
  reqdoctor chain https://api.example.com/ > fullchain.pem

The PEM (leaf first, then the intermediates, never the root) goes to -o FILE,
else to stdout; the account of the chain goes to stdout with -o, else to
stderr. Missing intermediates are fetched from the certificates' AIA URLs.
Exit codes: 0 the chain is fine or was fixed, 2 cannot be fixed, 3 bad input.";

#[derive(Debug, Args)]
pub struct ChainArgs {
    /// The https URL whose server's chain to fix, e.g. https://api.example.com/
    #[arg(value_name = "URL")]
    pub url: String,

    /// Write the PEM chain to FILE instead of stdout (replacing it).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The account's language [default: from LC_ALL/LC_MESSAGES/LANG, zh_* → zh]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,

    #[command(flatten)]
    pub probe: ProbeArgs,
}

const MAN_EXAMPLES: &str = "\
Examples:
  reqdoctor man | man -l -
  reqdoctor man check | man -l -
  reqdoctor man --dir ~/.local/share/man/man1";

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (check, explain, chain, serve, checks, cert, completions, man) [default: reqdoctor's own].
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,

    /// Write every page into DIR instead (reqdoctor.1, reqdoctor-check.1, ...), replacing those files.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Print the catalogue as one JSON document (for runbooks and tooling).
    #[arg(long)]
    pub json: bool,

    /// The titles' language [default: from LC_ALL/LC_MESSAGES/LANG, zh_* → zh]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,
}

const SERVE_EXAMPLES: &str = "\
Examples:
  reqdoctor serve
  reqdoctor serve --listen 127.0.0.1:9688 --config reqdoctor.toml
  curl '127.0.0.1:9688/probe?target=https://api.example.com/&module=default'

The config's [modules.NAME] tables take check's option names: timeout-ms,
allow-domain, ca-file, dns-server, debug-mode, expiry-warn-days, method,
header, api, project, proxy, ...
serve reads no proxy variable (HTTPS_PROXY...): a module uses a proxy only
when it sets proxy. SIGHUP or POST /-/reload reads the config again (a bad
one is logged and the old one stays); &debug=true answers a probe as text.";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (loopback unless you say otherwise).
    #[arg(long, value_name = "ADDR:PORT", default_value = crate::serve::DEFAULT_LISTEN, value_parser = crate::serve::parse_listen)]
    pub listen: std::net::SocketAddr,

    /// A TOML file of modules ([modules.NAME] with check's option names).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The language of the stored reports' summaries [default: from the locale]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,
}

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  reqdoctor explain request:fail errcode:-202 cronet_error_code:-202 \\
    error_msg:net::ERR_CERT_AUTHORITY_INVALID
  reqdoctor explain 600002 --url https://api.example.com/getinfo
  reqdoctor explain net::ERR_NAME_NOT_RESOLVED
  reqdoctor explain --lang zh 'request:fail 请求超时。'

Exit codes: 0 explained, 3 not recognised.";

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// What the phone showed: an errMsg (quoted or not), an errno, or a net::ERR_* name.
    #[arg(value_name = "ERRMSG | ERRNO", required = true, num_args = 1.., allow_negative_numbers = true)]
    pub error: Vec<String>,

    /// The URL that failed, to print the exact command that confirms the cause.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// Answer in JSON.
    #[arg(long)]
    pub json: bool,

    /// The answer's language [default: from LC_ALL/LC_MESSAGES/LANG, zh_* → zh]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,
}

const CERT_EXAMPLES: &str = "\
Examples:
  reqdoctor cert fullchain.pem --host api.example.com --key privkey.pem
  reqdoctor cert leaf.pem intermediate.pem
  reqdoctor cert --json --expiry-warn-days 30 chain.p7c

Files are read in order, leaf first: PEM (CERTIFICATE, PKCS7 or CMS blocks;
key blocks are skipped), DER certificates, or DER PKCS#7 (.p7b, .p7c).
Checks that need a server are skipped. The private key is never printed.

Exit codes: 0 pass, 1 warn, 2 fail, 3 reqdoctor could not run.";

#[derive(Debug, Args)]
pub struct CertArgs {
    /// The bundle's files, leaf first: PEM, DER or PKCS#7.
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    pub files: Vec<PathBuf>,

    /// The host name the phone asks for [default: the leaf's first DNS name]
    #[arg(long, value_name = "NAME")]
    pub host: Option<String>,

    /// The private key (PEM or DER): cert.key fails unless it is the leaf's. Never printed.
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,

    /// Trust only the root certificates in this PEM file instead of the built-in Mozilla roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Warn when the leaf certificate expires within N days.
    #[arg(long, value_name = "N", default_value_t = checks::DEFAULT_EXPIRY_WARN_DAYS)]
    pub expiry_warn_days: u32,

    /// The oldest Android release the app supports: cert.trusted warns when the chain's root is missing from it.
    #[arg(long, value_name = "VERSION", default_value = checks::android::DEFAULT_MIN_ANDROID)]
    pub min_android: String,

    /// Android's root store history as JSON, in the form of data/android-roots.json [default: the bundled one].
    #[arg(long, value_name = "FILE")]
    pub android_roots: Option<PathBuf>,

    /// Print the report as one JSON document instead of text.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Output format: text, json, jsonl, nagios, markdown or html (as check's).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// The report's language [default: from LC_ALL/LC_MESSAGES/LANG, zh_* → zh]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,

    /// Never colour the text report (NO_COLOR is honoured too; CLICOLOR_FORCE forces colour).
    #[arg(long)]
    pub no_color: bool,

    /// Show every skipped check on its own line (the text report folds them by cause).
    #[arg(short, long)]
    pub verbose: bool,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  reqdoctor check https://api.example.com/getinfo
  reqdoctor check --json --timeout-ms 5000 https://api.example.com/getinfo
  reqdoctor check -X POST --data '{\"id\":1}' https://api.example.com/order
  reqdoctor check --allow-domain https://api.example.com \\
    https://api.example.com/getinfo
  reqdoctor check --connect-to api.example.com:443:10.0.0.7:443 \\
    https://api.example.com/

Exit codes: 0 pass, 1 warn, 2 fail, 3 reqdoctor could not run.";

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The URLs to diagnose, e.g. https://api.example.com/getinfo
    #[arg(value_name = "URL", required_unless_present = "targets_file")]
    pub urls: Vec<String>,

    /// More targets: one URL per line, # comments; - reads stdin.
    #[arg(short = 'f', long, value_name = "FILE")]
    pub targets_file: Option<PathBuf>,

    /// How many targets are diagnosed at once.
    #[arg(long, value_name = "N", default_value_t = batch::DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=4096))]
    pub concurrency: u16,

    /// Print the report as one JSON document instead of text.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Output format: text, json, jsonl (one report per line), nagios (a monitoring-plugin line),
    /// markdown (for tickets and chat) or html (one self-contained page).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Compare with, then update, the last good facts per target (the baseline.drift check).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// The report's language [default: from LC_ALL/LC_MESSAGES/LANG, zh_* → zh]
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::lang::Lang>,

    /// Never colour the text report (NO_COLOR is honoured too; CLICOLOR_FORCE forces colour).
    #[arg(long)]
    pub no_color: bool,

    /// Show every skipped check on its own line (the text report folds those one failure skipped).
    #[arg(short, long)]
    pub verbose: bool,

    #[command(flatten)]
    pub probe: ProbeArgs,
}

// How one target is probed and judged: shared by `check` (as options) and
// `serve` (as a module of its TOML config, with the same names). Not a doc
// comment: clap would make it the `about` of `check` and `chain`, whose
// options are built after their own `about` (the subcommands are deferred).
#[derive(Debug, Args, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProbeArgs {
    /// Trust only the root certificates in this PEM file instead of the built-in Mozilla roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Connect to ADDR:PORT2 when the URL says HOST:PORT, like curl (repeatable; empty fields match any).
    #[arg(long, value_name = "HOST:PORT:ADDR:PORT2")]
    pub connect_to: Vec<String>,

    /// Use ADDR for HOST:PORT without asking DNS, like curl (repeatable; ADDR may be a comma list).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,

    /// Go through this HTTP proxy (a CONNECT tunnel): http://[USER:PASSWORD@]HOST[:PORT]; '' for none [default: from https_proxy, HTTPS_PROXY, http_proxy, ALL_PROXY, as curl reads them].
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// Hosts reached without the proxy, like curl: a comma list of names (and their subdomains), IPs, CIDR blocks; '*' for all [default: from NO_PROXY].
    #[arg(long, value_name = "LIST")]
    pub noproxy: Option<String>,

    /// Ask this DNS server instead of the system resolver.
    #[arg(long, value_name = "IP[:PORT]")]
    pub dns_server: Option<String>,

    #[arg(long, value_name = "N", help = timeout_help())]
    pub timeout_ms: Option<u64>,

    /// Read networkTimeout from a mini program's app.json (the field of --api).
    #[arg(long, value_name = "PATH")]
    pub app_json: Option<PathBuf>,

    /// An allow-list entry such as https://api.example.com or https://api.example.com:8443 (repeatable).
    #[arg(long, value_name = "ORIGIN")]
    pub allow_domain: Vec<String>,

    /// The phone has debug mode on (or devtools has URL checks off): allow-list misses only warn.
    #[arg(long)]
    pub debug_mode: bool,

    /// The request method, as the mini program sends it.
    #[arg(short = 'X', long, value_name = "METHOD", default_value = request::DEFAULT_METHOD)]
    pub method: String,

    /// An extra request header 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "'K: V'")]
    #[serde(rename = "header")]
    pub headers: Vec<String>,

    /// The request data: a JSON object becomes the query string for GET, the body otherwise.
    #[arg(long, value_name = "STR")]
    pub data: Option<String>,

    /// The oldest Android release the app supports: cert.trusted warns when the chain's root is missing from it.
    #[arg(long, value_name = "VERSION", default_value = checks::android::DEFAULT_MIN_ANDROID)]
    pub min_android: String,

    /// Android's root store history as JSON, in the form of data/android-roots.json [default: the bundled one].
    #[arg(long, value_name = "FILE")]
    pub android_roots: Option<PathBuf>,

    /// Warn when the leaf certificate expires within N days.
    #[arg(long, value_name = "N", default_value_t = checks::DEFAULT_EXPIRY_WARN_DAYS)]
    pub expiry_warn_days: u32,

    /// The most redirects to follow before http.redirect fails.
    #[arg(long, value_name = "N", default_value_t = probe::DEFAULT_MAX_REDIRECTS)]
    pub max_redirects: u32,

    /// A mini-program project: project.config.json (+ project.private.config.json) and app.json.
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Allow-lists: one origin per line, or JSON with requestdomain, wsrequestdomain, uploaddomain, downloaddomain.
    #[arg(long, value_name = "FILE")]
    pub domains_file: Option<PathBuf>,

    /// Which wx API's rules, timeout and allow-list apply.
    #[arg(long, value_enum, value_name = "API", default_value = "request")]
    pub api: Api,

    /// The appid in the Referer the mini program sends [default: the project's, else touristappid].
    #[arg(long, value_name = "ID")]
    pub appid: Option<String>,

    /// The version in the Referer: devtools, 0 (develop and trial builds) or a release number.
    #[arg(long, value_name = "V", default_value = miniprogram::DEFAULT_APP_VERSION)]
    pub app_version: String,

    /// wx.request's redirect option: follow 3xx, or (manual) hand them to the page as the result.
    #[arg(long, value_enum, value_name = "MODE", default_value = "follow")]
    pub redirect: RedirectMode,

    /// Offer HTTP/2 (ALPN h2), as wx.request's enableHttp2: true does (off by default, like the mini program).
    #[arg(long)]
    pub enable_http2: bool,

    /// Try HTTP/3 too (wx.request's enableQuic): QUIC on the UDP port the response's Alt-Svc advertises for h3, else on the URL's own port (the http.quic check).
    #[arg(long)]
    pub http3: bool,

    /// Android's high-performance mode, its default from base library 3.5.0: HTTP/2 offered, and HTTP/3 tried where Alt-Svc advertises h3.
    #[arg(long)]
    pub high_performance: bool,

    /// wx.request's dataType: json expects a JSON body (the page gets a String otherwise).
    #[arg(long, value_enum, value_name = "TYPE", default_value = "json")]
    pub data_type: DataType,

    /// serve only: probe loopback, private and link-local addresses too.
    #[arg(skip)]
    pub allow_private_targets: bool,

    /// serve only: the target URLs this module accepts, as patterns with `*` (all when empty).
    #[arg(skip)]
    pub allowed_targets: Vec<String>,

    /// serve only: how many probes of this module may run at once (within the exporter's limit).
    #[arg(skip)]
    pub max_concurrent_probes: Option<usize>,
}

impl Default for ProbeArgs {
    /// What the command line gives when no option is set: clap's defaults are the only copy.
    fn default() -> ProbeArgs {
        let command = ProbeArgs::augment_args(clap::Command::new("defaults"));
        let matches = command.try_get_matches_from(["defaults"]).expect("no option needs a value");
        ProbeArgs::from_arg_matches(&matches).expect("the defaults parse")
    }
}

/// `--timeout-ms`'s help, with the mini program's default.
fn timeout_help() -> String {
    format!(
        "The request's timeout budget in milliseconds (overrides app.json) [default: {}]",
        miniprogram::DEFAULT_TIMEOUT_MS
    )
}

/// wx.request's `dataType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataType {
    Json,
    Text,
}
