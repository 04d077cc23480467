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
    pub modules: BTreeMap<String, Arc<ProbeOptions>>,
    pub max_concurrent: usize,
}

impl Config {
    /// Without a file: one `default` module with `check`'s defaults.
    pub fn builtin() -> Result<Config, String> {
        let options = ProbeOptions::from_args(&ProbeArgs::default()).map_err(|e| e.0)?;
        let modules = BTreeMap::from([(DEFAULT_MODULE.to_owned(), Arc::new(options))]);
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
            let options =
                ProbeOptions::from_args(&args).map_err(|e| format!("--config {shown}: module {name}: {e}"))?;
            modules.insert(name, Arc::new(options));
        }
        if !modules.contains_key(DEFAULT_MODULE) {
            let options = ProbeOptions::from_args(&ProbeArgs::default()).map_err(|e| e.0)?;
            modules.insert(DEFAULT_MODULE.to_owned(), Arc::new(options));
        }
        let max_concurrent = parsed.max_concurrent_probes.unwrap_or(DEFAULT_MAX_CONCURRENT);
        if max_concurrent == 0 {
            return Err(format!("--config {shown}: max-concurrent-probes must be at least 1"));
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
        let strict = &config.modules["strict"];
        assert_eq!(strict.timeout.as_millis(), 5000);
        assert!(strict.debug_mode && strict.allow_list.as_ref().is_some_and(|l| l.len() == 1));
        assert!(config.modules.contains_key(DEFAULT_MODULE), "a default module is always there");
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
