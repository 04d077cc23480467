//! Where a `host:port` really connects: curl's `--connect-to` and `--resolve`
//! rules, so a support engineer can aim at one backend behind a load balancer;
//! with a proxy, `--connect-to` names what the proxy connects to and `--resolve`
//! where the proxy itself is.

use std::net::{IpAddr, SocketAddr};

/// `--connect-to HOST:PORT:ADDR:PORT2`; an empty field matches any / keeps the original.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectTo {
    pub raw: String,
    host: Option<String>,
    port: Option<u16>,
    to_host: Option<String>,
    to_port: Option<u16>,
}

/// `--resolve HOST:PORT:ADDR[,ADDR…]`; HOST `*` matches any host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolve {
    pub raw: String,
    host: String,
    port: u16,
    addrs: Vec<IpAddr>,
}

/// How one `host:port` is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// Ask DNS for `host`; `via` names the `--connect-to` rule that chose it.
    Dns { host: String, port: u16, via: Option<String> },
    /// Connect to these addresses without DNS.
    Fixed { addrs: Vec<SocketAddr>, why: Fixed },
}

/// Why DNS is not asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fixed {
    IpLiteral,
    ConnectTo(String),
    Resolve(String),
}

/// Every routing rule of a run.
#[derive(Clone, Debug, Default)]
pub struct Routes {
    pub connect_to: Vec<ConnectTo>,
    pub resolve: Vec<Resolve>,
}

impl Routes {
    pub fn route(&self, host: &str, port: u16) -> Route {
        let (host, port, via) = self.destination(host, port);
        self.lookup(&host, port, via)
    }

    /// Where `host:port` goes after the first `--connect-to` rule that
    /// matches, and that rule: what a proxy is asked to `CONNECT` to.
    pub fn destination(&self, host: &str, port: u16) -> (String, u16, Option<String>) {
        match self.connect_to.iter().find(|r| r.matches(host, port)) {
            Some(rule) => {
                let to = rule.to_host.clone().unwrap_or_else(|| host.to_owned());
                (to, rule.to_port.unwrap_or(port), Some(rule.raw.clone()))
            }
            None => (host.to_owned(), port, None),
        }
    }

    /// How a proxy's `host:port` is reached: `--resolve` applies, `--connect-to` does not (as in curl).
    pub fn proxy_route(&self, host: &str, port: u16) -> Route {
        self.lookup(host, port, None)
    }

    /// `--resolve`, an IP address, or DNS, for a host `--connect-to` has already rewritten (`via`).
    fn lookup(&self, host: &str, port: u16, via: Option<String>) -> Route {
        if let Some(rule) = self.resolve.iter().find(|r| r.matches(host, port)) {
            let addrs = rule.addrs.iter().map(|ip| SocketAddr::new(*ip, port)).collect();
            return Route::Fixed { addrs, why: Fixed::Resolve(rule.raw.clone()) };
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            let why = via.map_or(Fixed::IpLiteral, Fixed::ConnectTo);
            return Route::Fixed { addrs: vec![SocketAddr::new(ip, port)], why };
        }
        Route::Dns { host: host.to_owned(), port, via }
    }
}

impl ConnectTo {
    pub fn parse(raw: &str) -> Result<ConnectTo, BadRule> {
        let bad = |why: &str| BadRule::new("--connect-to", raw, why, "HOST:PORT:ADDR:PORT2");
        let fields = split_fields(raw).ok_or_else(|| bad("unbalanced [ ]"))?;
        let [host, port, to_host, to_port] = fields.as_slice() else {
            return Err(bad("it needs exactly four fields"));
        };
        Ok(ConnectTo {
            raw: raw.to_owned(),
            host: non_empty(host).map(|h| h.to_ascii_lowercase()),
            port: optional_port(port).map_err(|e| bad(&e))?,
            to_host: non_empty(to_host).map(|h| h.to_owned()),
            to_port: optional_port(to_port).map_err(|e| bad(&e))?,
        })
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        self.host.as_deref().is_none_or(|h| h.eq_ignore_ascii_case(host)) && self.port.is_none_or(|p| p == port)
    }
}

impl Resolve {
    pub fn parse(raw: &str) -> Result<Resolve, BadRule> {
        let bad = |why: &str| BadRule::new("--resolve", raw, why, "HOST:PORT:ADDR[,ADDR...]");
        let mut parts = raw.splitn(3, ':');
        let (Some(host), Some(port), Some(addrs)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("it needs three fields"));
        };
        if host.is_empty() {
            return Err(bad("HOST is empty"));
        }
        let port = optional_port(port).map_err(|e| bad(&e))?.ok_or_else(|| bad("PORT is empty"))?;
        let addrs = addrs
            .split(',')
            .map(|a| parse_ip(a).ok_or_else(|| bad(&format!("'{a}' is not an IP address"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Resolve { raw: raw.to_owned(), host: host.to_ascii_lowercase(), port, addrs })
    }

    fn matches(&self, host: &str, port: u16) -> bool {
        (self.host == "*" || self.host.eq_ignore_ascii_case(host)) && self.port == port
    }
}

/// A `--connect-to` or `--resolve` rule that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{flag} '{raw}': {why}; expected {form}")]
pub struct BadRule {
    pub flag: &'static str,
    pub raw: String,
    pub why: String,
    pub form: &'static str,
}

impl BadRule {
    fn new(flag: &'static str, raw: &str, why: &str, form: &'static str) -> BadRule {
        BadRule { flag, raw: raw.to_owned(), why: why.to_owned(), form }
    }
}

/// Splits on `:` outside `[...]`, so IPv6 literals can be bracketed.
fn split_fields(raw: &str) -> Option<Vec<String>> {
    let mut fields = vec![String::new()];
    let mut depth = 0usize;
    for ch in raw.chars() {
        match ch {
            '[' => depth += 1,
            ']' => depth = depth.checked_sub(1)?,
            ':' if depth == 0 => {
                fields.push(String::new());
                continue;
            }
            _ => {}
        }
        fields.last_mut()?.push(ch);
    }
    (depth == 0).then_some(fields)
}

fn non_empty(field: &str) -> Option<&str> {
    let trimmed = field.trim_start_matches('[').trim_end_matches(']');
    (!trimmed.is_empty()).then_some(trimmed)
}

fn optional_port(field: &str) -> Result<Option<u16>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    match field.parse::<u16>() {
        Ok(port) if port > 0 => Ok(Some(port)),
        _ => Err(format!("'{field}' is not a port from 1 to 65535")),
    }
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    text.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(connect_to: &[&str], resolve: &[&str]) -> Routes {
        Routes {
            connect_to: connect_to.iter().map(|r| ConnectTo::parse(r).unwrap()).collect(),
            resolve: resolve.iter().map(|r| Resolve::parse(r).unwrap()).collect(),
        }
    }

    fn fixed(addrs: &[&str], why: Fixed) -> Route {
        Route::Fixed { addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(), why }
    }

    #[test]
    fn connect_to_an_address_skips_dns() {
        let rule = "api.test:443:127.0.0.1:8443";
        let r = routes(&[rule], &[]);
        assert_eq!(r.route("api.test", 443), fixed(&["127.0.0.1:8443"], Fixed::ConnectTo(rule.into())));
        assert_eq!(r.route("API.test", 443), fixed(&["127.0.0.1:8443"], Fixed::ConnectTo(rule.into())));
        assert_eq!(r.route("api.test", 80), Route::Dns { host: "api.test".into(), port: 80, via: None });
    }

    #[test]
    fn connect_to_with_empty_fields() {
        let r = routes(&["::[::1]:"], &[]);
        assert_eq!(r.route("any.test", 8443), fixed(&["[::1]:8443"], Fixed::ConnectTo("::[::1]:".into())));
        let r = routes(&["api.test:443::9000"], &[]);
        let via = Some("api.test:443::9000".to_owned());
        assert_eq!(r.route("api.test", 443), Route::Dns { host: "api.test".into(), port: 9000, via });
    }

    #[test]
    fn resolve_applies_after_connect_to() {
        let r = routes(&["api.test:443:backend.test:8443"], &["backend.test:8443:10.0.0.7,[2001:db8::7]"]);
        let expected = fixed(
            &["10.0.0.7:8443", "[2001:db8::7]:8443"],
            Fixed::Resolve("backend.test:8443:10.0.0.7,[2001:db8::7]".into()),
        );
        assert_eq!(r.route("api.test", 443), expected);
    }

    #[test]
    fn resolve_accepts_bare_ipv6_and_a_wildcard_host() {
        let r = routes(&[], &["*:443:::1"]);
        assert_eq!(r.route("x.test", 443), fixed(&["[::1]:443"], Fixed::Resolve("*:443:::1".into())));
        assert_eq!(r.route("1.2.3.4", 80), fixed(&["1.2.3.4:80"], Fixed::IpLiteral));
    }

    #[test]
    fn a_proxy_takes_resolve_but_not_connect_to() {
        let r = routes(&["::127.0.0.1:8443"], &["proxy.test:3128:10.0.0.9"]);
        assert_eq!(r.destination("api.test", 443), ("127.0.0.1".into(), 8443, Some("::127.0.0.1:8443".into())));
        assert_eq!(r.destination("api.test", 80), ("127.0.0.1".into(), 8443, Some("::127.0.0.1:8443".into())));
        let proxy = fixed(&["10.0.0.9:3128"], Fixed::Resolve("proxy.test:3128:10.0.0.9".into()));
        assert_eq!(r.proxy_route("proxy.test", 3128), proxy);
        assert_eq!(r.proxy_route("other.test", 3128), Route::Dns { host: "other.test".into(), port: 3128, via: None });
        assert_eq!(r.proxy_route("::1", 3128), fixed(&["[::1]:3128"], Fixed::IpLiteral));
    }

    #[test]
    fn malformed_rules_name_the_problem() {
        for (raw, needle) in [
            ("api.test:443:127.0.0.1", "exactly four fields"),
            ("api.test:x:127.0.0.1:1", "'x' is not a port"),
            ("[::1:443:a:1", "unbalanced"),
        ] {
            let err = ConnectTo::parse(raw).unwrap_err().to_string();
            assert!(err.contains(needle), "{raw}: {err}");
        }
        for (raw, needle) in [
            ("api.test:443", "three fields"),
            ("api.test:443:not-an-ip", "'not-an-ip' is not an IP"),
            (":443:1.2.3.4", "HOST is empty"),
            ("a:0:1.2.3.4", "'0' is not a port"),
        ] {
            let err = Resolve::parse(raw).unwrap_err().to_string();
            assert!(err.contains(needle), "{raw}: {err}");
        }
    }
}
