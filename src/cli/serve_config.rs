//! `reqdoctor serve --config FILE`: a TOML file of modules, each a set of
//! probe settings with the same names as `check`'s options (`timeout-ms`,
//! `allow-domain`, …), translated like the command line into the exporter's
//! plain [`Config`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::ProbeArgs;
use super::plan::{Source, UsageError, options};
use crate::serve::config::{Config, DEFAULT_MAX_CONCURRENT, DEFAULT_MODULE, MAX_CONCURRENT, Module};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ServeConfig {
    #[serde(default)]
    max_concurrent_probes: Option<usize>,
    #[serde(default)]
    modules: BTreeMap<String, ProbeArgs>,
}

/// A `--config` file that cannot be used: one line naming the file (and the module).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read --config {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("--config {}: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    #[error("--config {}: module {module}: {source}", path.display())]
    Module { path: PathBuf, module: String, source: Box<UsageError> },
    #[error("--config {}: max-concurrent-probes must be from 1 to {MAX_CONCURRENT}", path.display())]
    Concurrency { path: PathBuf },
    #[error("--config {}: module {module}: max-concurrent-probes must be from 1 to {MAX_CONCURRENT}", path.display())]
    ModuleConcurrency { path: PathBuf, module: String },
    #[error("the default module: {0}")]
    Default(Box<UsageError>),
}

fn module(args: &ProbeArgs) -> Result<Module, UsageError> {
    let mut options = options(args, Source::Config)?;
    options.probe.deny_internal = !args.allow_private_targets;
    let max_concurrent = args.max_concurrent_probes;
    Ok(Module { options: Arc::new(options), allowed: args.allowed_targets.clone(), max_concurrent })
}

fn default_module() -> Result<Module, ConfigError> {
    module(&ProbeArgs::default()).map_err(|e| ConfigError::Default(Box::new(e)))
}

/// Without a file: one `default` module with `check`'s defaults.
pub fn builtin() -> Result<Config, ConfigError> {
    let modules = BTreeMap::from([(DEFAULT_MODULE.to_owned(), default_module()?)]);
    Ok(Config { modules, max_concurrent: DEFAULT_MAX_CONCURRENT })
}

/// Reads and validates a TOML file; errors name the file and the module.
pub fn read(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    let parsed: ServeConfig = toml::from_str(&text)
        .map_err(|e| ConfigError::Toml { path: path.to_owned(), message: one_line(&e.to_string()) })?;
    let mut modules = BTreeMap::new();
    for (name, args) in parsed.modules {
        if args.max_concurrent_probes.is_some_and(|n| !(1..=MAX_CONCURRENT).contains(&n)) {
            return Err(ConfigError::ModuleConcurrency { path: path.to_owned(), module: name });
        }
        let module = module(&args).map_err(|source| ConfigError::Module {
            path: path.to_owned(),
            module: name.clone(),
            source: Box::new(source),
        })?;
        modules.insert(name, module);
    }
    if !modules.contains_key(DEFAULT_MODULE) {
        modules.insert(DEFAULT_MODULE.to_owned(), default_module()?);
    }
    let max_concurrent = parsed.max_concurrent_probes.unwrap_or(DEFAULT_MAX_CONCURRENT);
    if !(1..=MAX_CONCURRENT).contains(&max_concurrent) {
        return Err(ConfigError::Concurrency { path: path.to_owned() });
    }
    Ok(Config { modules, max_concurrent })
}

/// toml's messages span lines (the place, a snippet, a caret, the message):
/// keep the place, the offending line and the message.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let place = lines.first().copied().unwrap_or("");
    let what = lines.last().copied().unwrap_or("");
    let snippet = lines
        .iter()
        .filter_map(|l| l.split_once('|').map(|(_, text)| text.trim()))
        .find(|text| !text.is_empty() && !text.chars().all(|c| c == '^'));
    match snippet {
        Some(snippet) if place != what => format!("{place} ({snippet}): {what}"),
        _ if place != what => format!("{place}: {what}"),
        _ => place.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Config, String> {
        let file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        std::fs::write(file.path(), text).unwrap();
        super::read(file.path()).map_err(|e| e.to_string())
    }

    #[test]
    fn modules_use_check_option_names() {
        let config = read(
            "max-concurrent-probes = 4\n[modules.strict]\ntimeout-ms = 5000\nallow-domain = [\"https://api.example.com\"]\ndebug-mode = true\n",
        )
        .unwrap();
        assert_eq!(config.max_concurrent, 4);
        let strict = &config.modules["strict"].options;
        assert_eq!(strict.probe.timeout.as_millis(), 5000);
        assert!(strict.rules.debug_mode && strict.rules.allow_list.as_ref().is_some_and(|l| l.len() == 1));
        assert!(config.modules.contains_key(DEFAULT_MODULE), "a default module is always there");
    }

    #[test]
    fn internal_targets_are_refused_unless_allowed() {
        let config = read("[modules.open]\nallow-private-targets = true\n[modules.some]\nallowed-targets = [\"https://*.example.com/*\"]\n").unwrap();
        let target = |u| crate::target::Target::parse(u).unwrap();
        let default = &config.modules[DEFAULT_MODULE];
        assert!(default.refuses(&target("https://127.0.0.1/")).unwrap().contains("allow-private-targets"));
        assert!(default.refuses(&target("https://localhost/")).is_some());
        assert!(default.refuses(&target("https://api.example.com/")).is_none());
        assert!(config.modules["open"].refuses(&target("https://10.0.0.1/")).is_none());
        assert!(
            config.modules["some"].refuses(&target("https://api.example.org/")).unwrap().contains("allowed-targets")
        );
        assert!(config.modules["some"].refuses(&target("https://api.example.com/x")).is_none());
    }

    #[test]
    fn a_module_sets_its_proxy_by_name_and_reads_no_variable() {
        let config =
            read("[modules.out]\nproxy = \"http://u:secret@127.0.0.1:3128\"\nnoproxy = \"intranet.test\"\n").unwrap();
        let proxies = &config.modules["out"].options.probe.proxies;
        let https = proxies.https.as_ref().expect("the module's proxy");
        assert_eq!((https.shown().as_str(), https.origin), ("http://***@127.0.0.1:3128", "proxy"));
        assert_eq!(proxies.no_proxy.origin, "noproxy");
        assert!(!config.modules[DEFAULT_MODULE].options.probe.proxies.is_set());
        let err = read("[modules.x]\nproxy = \"socks5://u:secret@p:1\"\n").unwrap_err();
        assert!(err.contains("module x: proxy 'socks5://***@p:1': only http:// proxies"), "{err}");
        assert!(!err.contains("secret") && !err.contains("--proxy ''"), "{err}");
    }

    #[test]
    fn mistakes_are_one_line_naming_file_and_module() {
        let err = read("[modules.x]\ntimeout-ms = \"fast\"\n").unwrap_err();
        assert!(err.contains("--config") && err.contains("timeout-ms") && !err.contains('\n'), "{err}");
        let err = read("[modules.x]\nallow-domain = [\"api.example.com\"]\n").unwrap_err();
        assert!(err.contains("module x: --allow-domain 'api.example.com'"), "{err}");
        let err = read("[modules.x]\nbogus = 1\n").unwrap_err();
        assert!(err.contains("unknown field `bogus`"), "{err}");
    }
}
