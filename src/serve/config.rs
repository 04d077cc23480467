//! The exporter's modules: each a set of probe settings and rules (named
//! like `check`'s options in the TOML file, which `cli` reads), and the
//! targets it accepts.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::pipeline::Options;
use crate::routing::{Fixed, Route};
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
    /// The module's own `max-concurrent-probes`, within the exporter's.
    pub max_concurrent: Option<usize>,
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
        if !self.options.probe.deny_internal {
            return None;
        }
        if internal {
            return Some(format!(
                "{} is a loopback, private or link-local address; this module does not probe those (allow-private-targets = true allows them)",
                target.host()
            ));
        }
        self.routed_inside(target)
    }

    /// The module's own `connect-to`/`resolve` rule sends `target` to an
    /// internal address it may not reach: say so, rather than let the probe
    /// fail `tcp.connect` as if the server were down.
    fn routed_inside(&self, target: &Target) -> Option<String> {
        let Route::Fixed { addrs, why } = self.options.probe.routes.route(&target.host(), target.port()) else {
            return None;
        };
        let rule = match why {
            Fixed::ConnectTo(rule) => format!("connect-to {rule}"),
            Fixed::Resolve(rule) => format!("resolve {rule}"),
            Fixed::IpLiteral => return None,
        };
        // With some public address among them, the probe goes on with those.
        if !addrs.iter().all(|a| crate::probe::tcp::is_internal(a.ip())) {
            return None;
        }
        let inside = addrs.first()?;
        Some(format!(
            "this module's {rule} sends {} to {inside}, a loopback, private or link-local address this module does not probe (allow-private-targets = true allows it)",
            target.host()
        ))
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
