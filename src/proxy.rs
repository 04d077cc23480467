//! Whether reqdoctor goes through an HTTP proxy, and which: curl's `--proxy`
//! and `--noproxy`, and the proxy environment variables as curl reads them,
//! parsed once into [`Proxies`]; [`Proxies::choose`] picks the proxy for one
//! host (or none). The phone never uses these: they are reqdoctor's own way
//! out of a network that lets nothing else through.

use std::net::IpAddr;

use base64::Engine;
use ipnet::IpNet;

use crate::target::Target;

/// The port of a proxy URL that names none, as curl has it.
pub const DEFAULT_PORT: u16 = 1080;

/// The variables read for `https:` and `wss:` URLs, first set and not empty wins.
pub const HTTPS_VARS: [&str; 4] = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// For `http:` and `ws:` URLs: curl never reads `HTTP_PROXY` (a CGI script's
/// `Proxy:` request header arrives as that variable).
pub const HTTP_VARS: [&str; 3] = ["http_proxy", "all_proxy", "ALL_PROXY"];
/// The hosts that bypass the proxy.
pub const NO_PROXY_VARS: [&str; 2] = ["no_proxy", "NO_PROXY"];

/// One HTTP proxy, reached over plain TCP, asked for a tunnel with `CONNECT`.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// The host without IPv6 brackets, lower-case.
    host: String,
    port: u16,
    /// User and password, percent-decoded; never shown.
    credentials: Option<(String, String)>,
    /// Where it was set: `--proxy`, a serve module's `proxy`, or a variable's name.
    pub origin: &'static str,
}

/// A proxy URL that cannot be used: one line, credentials masked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin} '{shown}': {why}")]
pub struct BadProxy {
    pub origin: &'static str,
    pub shown: String,
    pub why: String,
}

impl BadProxy {
    /// Whether the value came from an environment variable (not an option).
    pub fn is_variable(&self) -> bool {
        HTTPS_VARS.contains(&self.origin) || HTTP_VARS.contains(&self.origin)
    }
}

impl Proxy {
    /// `http://[USER[:PASSWORD]@]HOST[:PORT]`; without a scheme, `http://` is meant.
    pub fn parse(raw: &str, origin: &'static str) -> Result<Proxy, BadProxy> {
        let bad = |why: &str| BadProxy { origin, shown: masked(raw), why: why.to_owned() };
        let raw = raw.trim();
        let url = if raw.contains("://") { raw.to_owned() } else { format!("http://{raw}") };
        let target = Target::parse(&url).map_err(|e| bad(&e.reason))?;
        let scheme = target.url.scheme();
        if scheme != "http" {
            return Err(bad(&format!("only http:// proxies are supported (an HTTP CONNECT tunnel), not {scheme}://")));
        }
        let port = target.explicit_port.unwrap_or(DEFAULT_PORT);
        if port == 0 {
            return Err(bad("the port must be from 1 to 65535"));
        }
        let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
        let credentials = target
            .has_credentials()
            .then(|| (decode(target.url.username()), decode(target.url.password().unwrap_or_default())));
        Ok(Proxy { host: target.host(), port, credentials, origin })
    }

    /// `http://HOST:PORT`, with `***@` in place of any credentials.
    pub fn shown(&self) -> String {
        let user = if self.credentials.is_some() { "***@" } else { "" };
        format!("http://{user}{}", self.address())
    }

    /// `HOST:PORT` (an IPv6 host in brackets).
    pub fn address(&self) -> String {
        authority(&self.host, self.port)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn has_credentials(&self) -> bool {
        self.credentials.is_some()
    }

    /// The `Proxy-Authorization` value for the URL's credentials: `Basic …`.
    pub fn authorization(&self) -> Option<String> {
        let (user, password) = self.credentials.as_ref()?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        Some(format!("Basic {token}"))
    }
}

impl std::fmt::Debug for Proxy {
    /// Never the credentials, even in a debug dump.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("url", &self.shown()).field("origin", &self.origin).finish()
    }
}

/// `host:port`, an IPv6 host in brackets (as `CONNECT` and `Host` name it).
pub fn authority(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// A proxy value as an error may show it: its scheme, and anything before the last `@` masked.
fn masked(raw: &str) -> String {
    let plain_scheme = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) if plain_scheme(scheme) => (format!("{scheme}://"), rest),
        _ => (String::new(), raw),
    };
    let shown = match rest.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}***@{host}"),
        None => format!("{scheme}{rest}"),
    };
    crate::text::clean(&shown, crate::text::MAX_NAME)
}

/// The hosts that are reached directly although a proxy is set: curl's
/// `NO_PROXY` list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<(String, Entry)>,
    /// Where it was set: `--noproxy`, a serve module's `noproxy`, or a variable's name.
    pub origin: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    /// `*`: every host.
    All,
    /// A name: itself and every name under it (`example.com` covers `api.example.com`).
    Name(String),
    /// An IP address, or a CIDR block: IP-address hosts inside it.
    Net(IpNet),
}

impl NoProxy {
    /// A comma-separated list (spaces around entries ignored) of host names,
    /// IP addresses, CIDR blocks and `*`; entries carry no port.
    pub fn parse(list: &str, origin: &'static str) -> NoProxy {
        let entries = list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|raw| (crate::text::clean(raw, crate::text::MAX_NAME), entry(raw)))
            .collect();
        NoProxy { entries, origin }
    }

    /// The entry, as written, that sends `host` (as [`Target::host`] gives it) past the proxy.
    pub fn matching(&self, host: &str) -> Option<&str> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        let covers = |entry: &Entry| match (entry, ip) {
            (Entry::All, _) => true,
            (Entry::Net(net), Some(ip)) => net.contains(&ip),
            (Entry::Name(name), None) => {
                host == *name || host.strip_suffix(name.as_str()).is_some_and(|rest| rest.ends_with('.'))
            }
            _ => false,
        };
        self.entries.iter().find(|(_, entry)| covers(entry)).map(|(raw, _)| raw.as_str())
    }
}

/// One entry of the list.
fn entry(raw: &str) -> Entry {
    if raw == "*" {
        return Entry::All;
    }
    let bare = raw.trim_start_matches('[').replace(']', "");
    if let Ok(net) = bare.parse::<IpNet>() {
        return Entry::Net(net.trunc());
    }
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Entry::Net(IpNet::from(ip));
    }
    Entry::Name(raw.trim_start_matches('.').trim_end_matches('.').to_ascii_lowercase())
}

/// The proxies of a run: one for TLS URLs, one for plain ones, and the hosts that bypass them.
#[derive(Clone, Debug, Default)]
pub struct Proxies {
    pub https: Option<Proxy>,
    pub http: Option<Proxy>,
    pub no_proxy: NoProxy,
}

/// How one host is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice<'a> {
    /// No proxy is set for this scheme.
    Direct,
    /// Through this proxy.
    Through(&'a Proxy),
    /// A proxy is set, but this entry of the no-proxy list sends the host past it.
    Bypassed { proxy: &'a Proxy, entry: &'a str },
}

/// Reads one environment variable.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Where the proxy settings come from; `--proxy`/`--noproxy` first.
pub struct Given<'a> {
    /// `--proxy URL` (or a module's `proxy`) and its name; an empty URL means none at all.
    pub proxy: Option<(&'a str, &'static str)>,
    /// `--noproxy LIST` (or a module's `noproxy`) and its name.
    pub noproxy: Option<(&'a str, &'static str)>,
    /// Reads an environment variable; `None` when the environment is not consulted.
    pub env: Option<Lookup<'a>>,
}

impl Proxies {
    /// The proxies `given` sets, as curl works them out: `--proxy` over the
    /// variables, `--proxy ''` for none at all, `--noproxy` over `NO_PROXY`.
    pub fn from_given(given: &Given<'_>) -> Result<Proxies, BadProxy> {
        let var = |names: &[&'static str]| {
            let env = given.env?;
            names.iter().find_map(|name| env(name).filter(|v| !v.trim().is_empty()).map(|v| (v, *name)))
        };
        let (https, http) = match given.proxy {
            Some((url, _)) if url.trim().is_empty() => return Ok(Proxies::default()),
            Some((url, origin)) => {
                let proxy = Proxy::parse(url, origin)?;
                (Some(proxy.clone()), Some(proxy))
            }
            None => {
                let parse = |found: Option<(String, &'static str)>| {
                    found.map(|(url, name)| Proxy::parse(&url, name)).transpose()
                };
                (parse(var(&HTTPS_VARS))?, parse(var(&HTTP_VARS))?)
            }
        };
        let no_proxy = match given.noproxy {
            Some((list, origin)) => NoProxy::parse(list, origin),
            None => var(&NO_PROXY_VARS).map(|(list, name)| NoProxy::parse(&list, name)).unwrap_or_default(),
        };
        Ok(Proxies { https, http, no_proxy })
    }

    /// Whether any proxy is set.
    pub fn is_set(&self) -> bool {
        self.https.is_some() || self.http.is_some()
    }

    /// How a URL's `host` is reached: `tls` for `https:`/`wss:` URLs.
    pub fn choose(&self, tls: bool, host: &str) -> Choice<'_> {
        let proxy = if tls { self.https.as_ref() } else { self.http.as_ref() };
        match (proxy, proxy.and_then(|_| self.no_proxy.matching(host))) {
            (None, _) => Choice::Direct,
            (Some(proxy), None) => Choice::Through(proxy),
            (Some(proxy), Some(entry)) => Choice::Bypassed { proxy, entry },
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn from_env(vars: &[(&str, &str)]) -> Proxies {
        let lookup = env(vars);
        Proxies::from_given(&Given { proxy: None, noproxy: None, env: Some(&lookup) }).unwrap()
    }

    fn origin(proxy: &Option<Proxy>) -> Option<&'static str> {
        proxy.as_ref().map(|p| p.origin)
    }

    #[test]
    fn proxy_urls_as_curl_reads_them() {
        let proxy = Proxy::parse("http://user:s%40cret@Proxy.Corp:3128/", "--proxy").unwrap();
        assert_eq!((proxy.host(), proxy.port()), ("proxy.corp", 3128));
        assert_eq!(proxy.shown(), "http://***@proxy.corp:3128");
        assert_eq!(proxy.authorization().unwrap(), format!("Basic {}", STANDARD.encode("user:s@cret")));
        assert!(!format!("{proxy:?}").contains("cret"), "{proxy:?}");
        let bare = Proxy::parse("10.0.0.1", "HTTPS_PROXY").unwrap();
        assert_eq!((bare.shown(), bare.authorization()), ("http://10.0.0.1:1080".to_owned(), None));
        assert_eq!(Proxy::parse("http://proxy:80", "--proxy").unwrap().port(), 80, "an explicit default port");
        assert_eq!(Proxy::parse("[::1]:8080", "--proxy").unwrap().address(), "[::1]:8080");
        assert_eq!(Proxy::parse("http://user@p:1", "--proxy").unwrap().authorization().unwrap(), {
            format!("Basic {}", STANDARD.encode("user:"))
        });
    }

    #[test]
    fn unusable_proxies_are_named_with_their_credentials_masked() {
        for (raw, needle) in [
            ("socks5://u:secret@p:1080", "only http:// proxies"),
            ("https://p:443", "not https://"),
            ("http://u:secret@p:99999", "port"),
            ("http://u:secret@", "host"),
        ] {
            let err = Proxy::parse(raw, "ALL_PROXY").unwrap_err().to_string();
            assert!(err.starts_with("ALL_PROXY '") && err.contains(needle), "{raw}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
        assert_eq!(masked("socks5://u:secret@p:1"), "socks5://***@p:1");
        assert_eq!(masked("u:se://cret@p:1"), "***@p:1");
        assert_eq!(masked("p:1"), "p:1");
    }

    #[test]
    fn https_urls_read_https_proxy_then_all_proxy_lowercase_first() {
        let both = from_env(&[("https_proxy", "a:1"), ("HTTPS_PROXY", "b:1"), ("ALL_PROXY", "c:1")]);
        assert_eq!(origin(&both.https), Some("https_proxy"));
        assert_eq!(origin(&both.http), Some("ALL_PROXY"));
        let upper = from_env(&[("HTTPS_PROXY", "b:1"), ("all_proxy", "c:1"), ("ALL_PROXY", "d:1")]);
        assert_eq!(origin(&upper.https), Some("HTTPS_PROXY"));
        assert_eq!(origin(&upper.http), Some("all_proxy"));
        let empty = from_env(&[("https_proxy", " "), ("HTTPS_PROXY", "b:1")]);
        assert_eq!(origin(&empty.https), Some("HTTPS_PROXY"), "an empty variable counts as unset");
    }

    #[test]
    fn http_urls_never_read_upper_case_http_proxy() {
        let upper = from_env(&[("HTTP_PROXY", "a:1")]);
        assert!(!upper.is_set());
        assert_eq!(origin(&from_env(&[("http_proxy", "a:1")]).http), Some("http_proxy"));
    }

    #[test]
    fn the_flag_wins_and_an_empty_flag_means_no_proxy() {
        let lookup = env(&[("HTTPS_PROXY", "b:1"), ("NO_PROXY", "api.test")]);
        let flag = Proxies::from_given(&Given { proxy: Some(("a:2", "--proxy")), noproxy: None, env: Some(&lookup) });
        let flag = flag.unwrap();
        assert_eq!((origin(&flag.https), origin(&flag.http)), (Some("--proxy"), Some("--proxy")));
        assert_eq!(flag.no_proxy.origin, "NO_PROXY", "NO_PROXY still applies, as in curl");
        let none = Proxies::from_given(&Given { proxy: Some(("", "--proxy")), noproxy: None, env: Some(&lookup) });
        assert!(!none.unwrap().is_set());
        let serve = Proxies::from_given(&Given { proxy: None, noproxy: None, env: None }).unwrap();
        assert!(!serve.is_set(), "without env, the variables are not read");
        let noproxy = Given { proxy: None, noproxy: Some(("*", "--noproxy")), env: Some(&lookup) };
        let noproxy = Proxies::from_given(&noproxy).unwrap();
        assert!(matches!(noproxy.choose(true, "x.test"), Choice::Bypassed { entry: "*", .. }));
    }

    #[test]
    fn a_bad_variable_is_an_error_naming_it() {
        let lookup = env(&[("https_proxy", "socks5://p:1")]);
        let err = Proxies::from_given(&Given { proxy: None, noproxy: None, env: Some(&lookup) }).unwrap_err();
        assert_eq!(err.origin, "https_proxy");
        assert!(err.is_variable());
        assert!(!Proxy::parse("socks5://p:1", "proxy").unwrap_err().is_variable(), "a serve module's proxy");
    }

    #[test]
    fn no_proxy_matches_suffixes_ips_and_blocks() {
        let list = NoProxy::parse(" .example.com, api.test.,10.0.0.0/8, ::1 ,[fd00::1], other:80", "NO_PROXY");
        for (host, entry) in [
            ("example.com", Some(".example.com")),
            ("api.example.com", Some(".example.com")),
            ("notexample.com", None),
            ("API.test", Some("api.test.")),
            ("v1.api.test", Some("api.test.")),
            ("10.1.2.3", Some("10.0.0.0/8")),
            ("11.0.0.1", None),
            ("::1", Some("::1")),
            ("fd00::1", Some("[fd00::1]")),
            ("other", None),
        ] {
            assert_eq!(list.matching(host), entry, "{host}");
        }
        assert_eq!(NoProxy::parse("a.test,*", "x").matching("b.test"), Some("*"));
        assert_eq!(NoProxy::default().matching("b.test"), None);
    }

    #[test]
    fn each_scheme_gets_its_proxy() {
        let proxies = from_env(&[("https_proxy", "a:1"), ("no_proxy", "direct.test")]);
        assert!(matches!(proxies.choose(true, "api.test"), Choice::Through(p) if p.address() == "a:1"));
        assert_eq!(proxies.choose(false, "api.test"), Choice::Direct);
        assert!(matches!(proxies.choose(true, "direct.test"), Choice::Bypassed { entry: "direct.test", .. }));
    }
}
