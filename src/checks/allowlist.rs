//! Step 2: is the URL's origin on the mini program's request allow-list
//! ("服务器域名" in the admin console)? Release builds refuse any other origin.

use url::Url;

use super::wx::Wx;
use super::{Check, CheckId, Context};
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
    pub fn parse(raw: &str) -> Result<AllowEntry, String> {
        let bad = |why: &str| format!("--allow-domain '{raw}': {why}");
        let target = Target::parse(raw).map_err(|e| bad(&e.reason))?;
        let url: &Url = &target.url;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(bad("an entry is an origin only (scheme://host[:port]), without a path"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("an entry carries no user name or password"));
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

    pub fn port(&self) -> Option<u16> {
        self.port
    }

    fn same_host(&self, target: &Target) -> bool {
        self.host == target.host()
    }

    fn parent_of(&self, target: &Target) -> bool {
        target.host().ends_with(&format!(".{}", self.host))
    }
}

pub(super) fn check(cx: &Context<'_>) -> Check {
    let id = CheckId::DomainAllowlist;
    let Some(entries) = &cx.options.allow_list else {
        return Check::skip(id, "no allow-list given (--allow-domain); release builds need the origin listed");
    };
    let origin = origin_of(cx.target);
    if let Some(entry) = entries.iter().find(|e| e.allows(cx.target)) {
        return Check::pass(id, format!("{origin} is on the allow-list ({})", entry.raw));
    }
    let listed: Vec<&str> = entries.iter().map(|e| e.raw.as_str()).collect();
    let summary = format!("{origin} is not on the request allow-list ({})", listed.join(", "));
    let check = if cx.options.debug_mode {
        Check::warn(id, format!("{summary}; debug mode lets it through, release builds refuse it"))
    } else {
        Check::fail(id, summary)
    };
    check
        .hint(miss_hint(entries, cx.target, &origin))
        .wx(Some(Wx::not_in_domain_list()))
        .data("origin", origin)
        .data("allow_list", listed)
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

fn miss_hint(entries: &[AllowEntry], target: &Target, origin: &str) -> String {
    let add = format!(
        "add {origin} to the request allow-list (mp.weixin.qq.com → 开发管理 → 开发设置 → 服务器域名 → request合法域名)"
    );
    if let Some(entry) = entries.iter().find(|e| e.same_host(target)) {
        return format!("{} is listed, but ports and schemes must match exactly; {add}", entry.raw);
    }
    if let Some(entry) = entries.iter().find(|e| e.parent_of(target)) {
        return format!("{} is listed, but a parent domain does not cover its subdomains; {add}", entry.raw);
    }
    add
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
    fn hints_explain_near_misses() {
        let entries = [entry("https://example.test")];
        let hint = miss_hint(&entries, &target("https://api.example.test/"), "https://api.example.test");
        assert!(hint.contains("parent domain does not cover"), "{hint}");
        let entries = [entry("https://api.test:8443")];
        let hint = miss_hint(&entries, &target("https://api.test/"), "https://api.test");
        assert!(hint.contains("ports and schemes must match"), "{hint}");
    }

    #[test]
    fn origins_show_only_written_ports() {
        assert_eq!(origin_of(&target("https://api.test:443/x")), "https://api.test:443");
        assert_eq!(origin_of(&target("https://api.test/x")), "https://api.test");
        assert_eq!(origin_of(&target("https://[::1]:8443/")), "https://[::1]:8443");
    }
}
