//! The mini program's allow-lists ("服务器域名" in the admin console): one
//! entry is an origin, and the documented matching rule — exact scheme, host
//! and port — lives here, beside the parser. The `domain.allowlist` and
//! `url.port` checks apply it.

use url::Url;

use crate::target::Target;

/// One allow-list entry, e.g. `https://api.example.com` or `https://api.example.com:8443`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowEntry {
    pub raw: String,
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl AllowEntry {
    /// Parses one entry; the error starts with the entry, for the caller to prefix.
    pub fn parse(raw: &str) -> Result<AllowEntry, BadEntry> {
        let bad = |why: Problem| BadEntry { raw: raw.to_owned(), why };
        if raw.contains('*') {
            return Err(bad(Problem::Wildcard));
        }
        let target = Target::parse(raw).map_err(|e| bad(Problem::NotAUrl(e.reason)))?;
        let url: &Url = &target.url;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad(Problem::NotAnOrigin));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(Problem::Credentials));
        }
        Ok(AllowEntry {
            raw: raw.to_owned(),
            scheme: url.scheme().to_owned(),
            host: target.host(),
            port: target.explicit_port,
        })
    }

    /// The documented rule: exact scheme and host; an entry without a port
    /// allows only port-less URLs, one with a port allows exactly that port.
    pub fn allows(&self, target: &Target) -> bool {
        self.scheme == target.url.scheme() && self.host == target.host() && self.port == target.explicit_port
    }

    /// Whether the entry names the target's host (whatever its scheme and port).
    pub fn same_host(&self, target: &Target) -> bool {
        self.host == target.host()
    }

    /// Whether the entry names a parent domain of the target's host.
    pub fn parent_of(&self, target: &Target) -> bool {
        target.host().ends_with(&format!(".{}", self.host))
    }
}

/// An allow-list entry that is not an origin: `'api.test/x': why`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{raw}': {why}")]
pub struct BadEntry {
    pub raw: String,
    pub why: Problem,
}

/// What is wrong with an allow-list entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the allow-list takes no wildcards: list each domain")]
    Wildcard,
    #[error("{0}")]
    NotAUrl(String),
    #[error("an entry is an origin only (scheme://host[:port]), without a path")]
    NotAnOrigin,
    #[error("an entry carries no user name or password")]
    Credentials,
}

/// The origin as the admin console spells it: scheme, host, and the port only when written.
pub fn origin_of(target: &Target) -> String {
    let host = match target.url.host() {
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        _ => target.host(),
    };
    match target.explicit_port {
        Some(port) => format!("{}://{host}:{port}", target.url.scheme()),
        None => format!("{}://{host}", target.url.scheme()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(raw: &str) -> AllowEntry {
        AllowEntry::parse(raw).unwrap()
    }

    fn target(raw: &str) -> Target {
        Target::parse(raw).unwrap()
    }

    #[test]
    fn ports_must_match_exactly() {
        let cases = [
            ("https://api.test", "https://api.test/x", true),
            ("https://api.test", "https://API.test/x?y=1", true),
            ("https://api.test", "https://api.test:443/x", false),
            ("https://api.test:443", "https://api.test:443/x", true),
            ("https://api.test:8443", "https://api.test:8443/", true),
            ("https://api.test:8443", "https://api.test/", false),
            ("https://test", "https://api.test/", false),
            ("https://api.test", "http://api.test/", false),
        ];
        for (allow, url, expected) in cases {
            assert_eq!(entry(allow).allows(&target(url)), expected, "{allow} vs {url}");
        }
    }

    #[test]
    fn entries_are_origins_only() {
        for raw in ["api.test", "https://api.test/path", "https://u:p@api.test", "https://api.test/?q"] {
            assert!(AllowEntry::parse(raw).is_err(), "{raw}");
        }
        assert!(AllowEntry::parse("https://api.test/").is_ok());
    }

    #[test]
    fn origins_show_only_written_ports() {
        assert_eq!(origin_of(&target("https://api.test:443/x")), "https://api.test:443");
        assert_eq!(origin_of(&target("https://api.test/x")), "https://api.test");
        assert_eq!(origin_of(&target("https://[::1]:8443/")), "https://[::1]:8443");
    }
}
