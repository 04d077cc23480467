//! `reqdoctor serve --config FILE`: modules, each a set of probe settings with
//! the same names as `check`'s options (`timeout-ms`, `allow-domain`, …).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::cli::ProbeArgs;
use crate::config::ProbeOptions;

/// The module used when `/probe` names none.
pub const DEFAULT_MODULE: &str = "default";
/// Probes allowed to run at once unless the config says otherwise.
const DEFAULT_MAX_CONCURRENT: usize = 16;
/// The most `max-concurrent-probes` may be.
const MAX_CONCURRENT: usize = 4096;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ServeConfig {
    #[serde(default)]
    max_concurrent_probes: Option<usize>,
    #[serde(default)]
    modules: BTreeMap<String, ProbeArgs>,
}

/// The validated configuration of an exporter.
#[derive(Debug)]
pub struct Config {
    pub modules: BTreeMap<String, Module>,
    pub max_concurrent: usize,
}

/// One module: how to probe, and which targets it accepts.
#[derive(Debug)]
pub struct Module {
    pub options: Arc<ProbeOptions>,
    /// `allowed-targets` patterns (`*` matches anything); empty accepts every target.
    pub allowed: Vec<String>,
}

impl Module {
    fn new(args: &ProbeArgs) -> Result<Module, String> {
        let mut options = ProbeOptions::from_args(args).map_err(|e| e.0)?;
        options.deny_internal = !args.allow_private_targets;
        Ok(Module { options: Arc::new(options), allowed: args.allowed_targets.clone() })
    }

    /// Why this module refuses `target`, if it does.
    pub fn refuses(&self, target: &crate::target::Target) -> Option<String> {
        if !self.allowed.is_empty() && !self.allowed.iter().any(|p| glob(p, target.url.as_str())) {
            return Some(format!("{} does not match this module's allowed-targets", target.shown()));
        }
        let literal = target.host().parse::<std::net::IpAddr>().ok();
        let internal = literal.is_some_and(crate::probe::tcp::is_internal)
            || target.host() == "localhost"
            || target.host().ends_with(".localhost");
        (self.options.deny_internal && internal).then(|| {
            format!(
                "{} is a loopback, private or link-local address; this module does not probe those (allow-private-targets = true allows them)",
                target.host()
            )
        })
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else { return false };
            (0..=tail.len()).filter(|i| tail.is_char_boundary(*i)).any(|i| glob(rest, &tail[i..]))
        }
    }
}

impl Config {
    /// Without a file: one `default` module with `check`'s defaults.
    pub fn builtin() -> Result<Config, String> {
        let modules = BTreeMap::from([(DEFAULT_MODULE.to_owned(), Module::new(&ProbeArgs::default())?)]);
        Ok(Config { modules, max_concurrent: DEFAULT_MAX_CONCURRENT })
    }

    /// Reads and validates a TOML file; errors name the file and the module.
    pub fn read(path: &Path) -> Result<Config, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read --config {shown}: {e}"))?;
        let parsed: ServeConfig =
            toml::from_str(&text).map_err(|e| format!("--config {shown}: {}", one_line(&e.to_string())))?;
        let mut modules = BTreeMap::new();
        for (name, args) in parsed.modules {
            let module = Module::new(&args).map_err(|e| format!("--config {shown}: module {name}: {e}"))?;
            modules.insert(name, module);
        }
        if !modules.contains_key(DEFAULT_MODULE) {
            modules.insert(DEFAULT_MODULE.to_owned(), Module::new(&ProbeArgs::default())?);
        }
        let max_concurrent = parsed.max_concurrent_probes.unwrap_or(DEFAULT_MAX_CONCURRENT);
        if !(1..=MAX_CONCURRENT).contains(&max_concurrent) {
            return Err(format!("--config {shown}: max-concurrent-probes must be from 1 to {MAX_CONCURRENT}"));
        }
        Ok(Config { modules, max_concurrent })
    }
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
        let path = std::env::temp_dir().join(format!("reqdoctor-serve-{}-{}.toml", std::process::id(), text.len()));
        std::fs::write(&path, text).unwrap();
        let result = Config::read(&path);
        let _ = std::fs::remove_file(&path);
        result
    }

    #[test]
    fn modules_use_check_option_names() {
        let config = read(
            "max-concurrent-probes = 4\n[modules.strict]\ntimeout-ms = 5000\nallow-domain = [\"https://api.example.com\"]\ndebug-mode = true\n",
        )
        .unwrap();
        assert_eq!(config.max_concurrent, 4);
        let strict = &config.modules["strict"].options;
        assert_eq!(strict.timeout.as_millis(), 5000);
        assert!(strict.debug_mode && strict.allow_list.as_ref().is_some_and(|l| l.len() == 1));
        assert!(config.modules.contains_key(DEFAULT_MODULE), "a default module is always there");
    }

    #[test]
    fn globs_match_whole_urls() {
        assert!(glob("https://*.example.com/*", "https://api.example.com/x"));
        assert!(!glob("https://*.example.com/*", "https://example.org/x"));
        assert!(glob("*", "anything"));
        assert!(glob("https://api.test/ok", "https://api.test/ok"));
        assert!(!glob("https://api.test/ok", "https://api.test/ok2"));
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
    fn mistakes_are_one_line_naming_file_and_module() {
        let err = read("[modules.x]\ntimeout-ms = \"fast\"\n").unwrap_err();
        assert!(err.contains("--config") && err.contains("timeout-ms") && !err.contains('\n'), "{err}");
        let err = read("[modules.x]\nallow-domain = [\"api.example.com\"]\n").unwrap_err();
        assert!(err.contains("module x: --allow-domain 'api.example.com'"), "{err}");
        let err = read("[modules.x]\nbogus = 1\n").unwrap_err();
        assert!(err.contains("unknown field `bogus`"), "{err}");
    }
}
