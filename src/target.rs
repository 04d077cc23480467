//! One URL to diagnose, parsed once: the WHATWG-normalised [`Url`] plus the
//! facts normalisation hides, such as an explicit default port (`:443`), which
//! the mini program's domain rules still reject.

use std::fmt;

use url::{Host, Url};

/// A URL as the user gave it, and as the mini program would parse it.
#[derive(Clone, Debug)]
pub struct Target {
    /// Exactly what the user typed (reported back unchanged).
    pub raw: String,
    pub url: Url,
    /// The port written in the URL, even when it is the scheme's default.
    pub explicit_port: Option<u16>,
}

/// Why a string is not a URL reqdoctor can diagnose.
#[derive(Debug, PartialEq, Eq)]
pub struct BadUrl {
    pub input: String,
    pub reason: String,
}

impl fmt::Display for BadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URL '{}': {}", self.input, self.reason)
    }
}

impl std::error::Error for BadUrl {}

impl Target {
    pub fn parse(input: &str) -> Result<Target, BadUrl> {
        let bad = |reason: &str| BadUrl { input: input.to_owned(), reason: reason.to_owned() };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(bad("the URL is empty"));
        }
        let url = match Url::parse(trimmed) {
            Ok(url) => url,
            Err(_) if !trimmed.contains("://") => return Err(bad("it has no scheme; write it as https://host/path")),
            Err(e) => return Err(bad(&e.to_string())),
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        let explicit_port = explicit_port(trimmed).map_err(|reason| bad(&reason))?;
        Ok(Target { raw: input.to_owned(), url, explicit_port })
    }

    /// The host in its ASCII (punycode) form, without IPv6 brackets.
    pub fn host(&self) -> String {
        match self.url.host() {
            Some(Host::Ipv6(ip)) => ip.to_string(),
            Some(host) => host.to_string(),
            None => String::new(),
        }
    }

    /// The port the request goes to: the explicit one, else the scheme default.
    pub fn port(&self) -> u16 {
        self.explicit_port.or_else(|| self.url.port_or_known_default()).unwrap_or(443)
    }

    /// The URL as given — or, when it carries credentials, the parsed URL with
    /// them masked (`https://***@host/`): the text as typed may hide them in
    /// forms only a parser sees.
    pub fn shown(&self) -> String {
        if !self.has_credentials() {
            return self.raw.clone();
        }
        let mut masked = self.url.clone();
        let _ = masked.set_password(None);
        let _ = masked.set_username("***");
        masked.to_string()
    }

    /// Whether the URL carries `user[:password]@`.
    pub fn has_credentials(&self) -> bool {
        !self.url.username().is_empty() || self.url.password().is_some()
    }

    /// Whether the connection is wrapped in TLS (`https`, `wss`).
    pub fn uses_tls(&self) -> bool {
        matches!(self.url.scheme(), "https" | "wss")
    }

    /// Whether reqdoctor can open a connection for this scheme at all.
    pub fn is_fetchable(&self) -> bool {
        matches!(self.url.scheme(), "https" | "http" | "wss" | "ws")
    }
}

/// Finds a port written in the authority, which `Url` drops when it equals
/// the scheme's default.
fn explicit_port(input: &str) -> Result<Option<u16>, String> {
    let Some((_, rest)) = input.split_once("://") else {
        return Ok(None);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let port = match host_port.rfind(']') {
        Some(end) => host_port[end + 1..].strip_prefix(':'),
        None => host_port.rsplit_once(':').map(|(_, port)| port),
    };
    match port {
        None | Some("") => Ok(None),
        Some(digits) => {
            digits.parse::<u16>().map(Some).map_err(|_| format!("port '{digits}' is not a number from 0 to 65535"))
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_an_explicit_default_port() {
        let target = Target::parse("https://api.example.com:443/x").unwrap();
        assert_eq!(target.explicit_port, Some(443));
        assert_eq!(target.url.port(), None, "Url itself hides it");
        assert_eq!(target.port(), 443);
    }

    #[test]
    fn explicit_ports_in_every_authority_shape() {
        let cases = [
            ("https://a.example/", None),
            ("https://a.example:8443", Some(8443)),
            ("https://user:pw@a.example/", None),
            ("https://user:pw@a.example:444/", Some(444)),
            ("https://[::1]/", None),
            ("https://[::1]:443/", Some(443)),
            ("https://a.example:/", None),
        ];
        for (input, port) in cases {
            assert_eq!(Target::parse(input).unwrap().explicit_port, port, "{input}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_url() {
        for input in ["", "api.example.com/x", "https://", "https://a.example:99999/", "http://[::1/"] {
            assert!(Target::parse(input).is_err(), "{input}");
        }
    }

    #[test]
    fn credentials_are_masked_when_shown() {
        let target = Target::parse("https://admin:s3cret@api.test/x?y=a@b").unwrap();
        assert_eq!(target.shown(), "https://***@api.test/x?y=a@b");
        // Found by fuzzing: a URL without "//" whose userinfo only the parser sees.
        let sneaky = Target::parse("ws:&$$$$$$$$$$$\0$:secret$$$@$$$$$:").unwrap();
        assert!(!sneaky.shown().contains("secret"), "{}", sneaky.shown());
        assert!(target.has_credentials());
        let plain = Target::parse("https://api.test/x?y=a@b").unwrap();
        assert_eq!(plain.shown(), "https://api.test/x?y=a@b");
        assert!(!plain.has_credentials());
    }

    #[test]
    fn hosts_are_ascii_and_unbracketed() {
        assert_eq!(Target::parse("https://例子.测试/").unwrap().host(), "xn--fsqu00a.xn--0zwm56d");
        assert_eq!(Target::parse("https://[::1]:8443/").unwrap().host(), "::1");
        assert_eq!(Target::parse("https://API.Example.COM/").unwrap().host(), "api.example.com");
    }
}
