//! The exporter's modules: each a set of probe settings and rules (named
//! like `check`'s options in the TOML file, which `cli` reads), and the
//! targets it accepts.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::pipeline::Options;
use crate::target::Target;

/// The module used when `/probe` names none.
pub const DEFAULT_MODULE: &str = "default";
/// Probes allowed to run at once unless the config says otherwise.
pub const DEFAULT_MAX_CONCURRENT: usize = 16;
/// The most `max-concurrent-probes` may be.
pub const MAX_CONCURRENT: usize = 4096;

/// The validated configuration of an exporter.
#[derive(Debug)]
pub struct Config {
    pub modules: BTreeMap<String, Module>,
    pub max_concurrent: usize,
}

/// One module: how to probe, and which targets it accepts.
#[derive(Debug)]
pub struct Module {
    pub options: Arc<Options>,
    /// `allowed-targets` patterns (`*` matches anything); empty accepts every target.
    pub allowed: Vec<String>,
}

impl Module {
    /// Why this module refuses `target`, if it does.
    pub fn refuses(&self, target: &Target) -> Option<String> {
        if !self.allowed.is_empty() && !self.allowed.iter().any(|p| glob(p, target.url.as_str())) {
            return Some(format!("{} does not match this module's allowed-targets", target.shown()));
        }
        let literal = target.host().parse::<std::net::IpAddr>().ok();
        let internal = literal.is_some_and(crate::probe::tcp::is_internal)
            || target.host() == "localhost"
            || target.host().ends_with(".localhost");
        (self.options.probe.deny_internal && internal).then(|| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_whole_urls() {
        assert!(glob("https://*.example.com/*", "https://api.example.com/x"));
        assert!(!glob("https://*.example.com/*", "https://example.org/x"));
        assert!(glob("*", "anything"));
        assert!(glob("https://api.test/ok", "https://api.test/ok"));
        assert!(!glob("https://api.test/ok", "https://api.test/ok2"));
    }
}
