//! The `Alt-Svc` response header (RFC 7838): where else, and by which
//! protocol, the origin says it can be reached. It is how the phone learns
//! that a server speaks QUIC: Chromium (Cronet) only tries HTTP/3 or gQUIC for
//! an origin after a response advertised it here.
//!
//! Parsed by the rules of the phone's parser (Chromium's
//! `SpdyAltSvcWireFormat`), which are stricter than the RFC in places: `ma`
//! and the port must be positive numbers (`ma=0` or a quoted `ma` makes the
//! phone ignore the whole header), `clear` counts only when it stands alone,
//! and one malformed alternative makes the phone ignore every alternative in
//! the header. So an error here means: the phone uses none of it.

use std::fmt;

/// How long an advertisement lasts when it carries no `ma` (RFC 7838: 24 hours).
pub const DEFAULT_MAX_AGE: u64 = 86_400;

/// One parsed `Alt-Svc` value: `clear`, or one or more alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltSvc {
    /// The value was `clear`: forget every alternative advertised before.
    /// `services` is then empty.
    pub clear: bool,
    /// The alternatives in the order the server listed them (its preference).
    pub services: Vec<Alternative>,
}

/// One advertised alternative service: `protocol="host:port"; ma=…; …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternative {
    /// The percent-decoded ALPN id: `h3`, `h3-29`, `quic` (Google QUIC), `h2`…
    pub protocol: String,
    /// The alternative host, as written (an IPv6 address keeps its brackets);
    /// `None` when empty: the origin's own host.
    pub host: Option<String>,
    /// The alternative port (for QUIC: a UDP port).
    pub port: u16,
    /// `ma`: for how many seconds the client may remember it.
    pub max_age: u64,
    /// `persist=1`: the client may keep it across network changes.
    pub persist: bool,
    /// `v`: the Google QUIC versions, as written between the quotes (`"43,46"`).
    pub versions: Option<String>,
}

/// Why the phone would ignore a header: where (the alternative, counted from
/// 1; 0 for the value as a whole) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{problem}", where_(*alternative))]
pub struct AltSvcError {
    /// Which alternative, counted from 1; 0 when the value as a whole is wrong.
    pub alternative: usize,
    pub problem: Problem,
}

fn where_(alternative: usize) -> String {
    if alternative == 0 { String::new() } else { format!("alternative {alternative}: ") }
}

/// What is wrong with an `Alt-Svc` value (never quoting it: it is untrusted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the value is empty")]
    Empty,
    #[error("'clear' does not stand alone")]
    ClearAmongAlternatives,
    #[error("no protocol id (a token before '=')")]
    Protocol,
    #[error("a percent escape in the protocol id is not %XX of UTF-8 text")]
    Percent,
    #[error("no quoted \"[host]:port\" after the protocol id")]
    Authority,
    #[error("the port is not a number from 1 to 65535")]
    Port,
    #[error("a parameter is not name=value")]
    Parameter,
    #[error("ma is not a whole number of seconds from 1 to 4294967295")]
    MaxAge,
    #[error("v is not a quoted list of version numbers such as \"43,46\"")]
    Versions,
    #[error("unexpected text where ';' or ',' should be")]
    Trailing,
}

/// Parse one `Alt-Svc` field value.
pub fn parse(value: &str) -> Result<AltSvc, AltSvcError> {
    let value = value.trim_matches(is_ows);
    if value.is_empty() {
        return Err(AltSvcError { alternative: 0, problem: Problem::Empty });
    }
    if value == "clear" {
        return Ok(AltSvc { clear: true, services: Vec::new() });
    }
    let mut cursor = Cursor(value);
    let mut services = Vec::new();
    loop {
        cursor.skip(|c| is_ows(c) || c == ',');
        if cursor.0.is_empty() {
            break;
        }
        let at = services.len() + 1;
        services.push(alternative(&mut cursor).map_err(|problem| AltSvcError { alternative: at, problem })?);
    }
    if services.is_empty() {
        return Err(AltSvcError { alternative: 0, problem: Problem::Empty });
    }
    Ok(AltSvc { clear: false, services })
}

/// Parse a response's `Alt-Svc` header lines together, as the phone does:
/// joined with `, ` into one value (so a `clear` line beside another line no
/// longer stands alone).
pub fn parse_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<AltSvc, AltSvcError> {
    let joined: Vec<&str> = lines.into_iter().collect();
    parse(&joined.join(", "))
}

/// `protocol="[host]:port"` and its parameters.
fn alternative(cursor: &mut Cursor) -> Result<Alternative, Problem> {
    let protocol = cursor.take(is_tchar);
    if protocol.is_empty() {
        return Err(Problem::Protocol);
    }
    if !cursor.eat('=') {
        return Err(if protocol == "clear" { Problem::ClearAmongAlternatives } else { Problem::Authority });
    }
    let protocol = percent_decode(protocol)?;
    let authority = cursor.quoted().ok_or(Problem::Authority)?;
    let (host, port) = split_authority(&authority)?;
    let mut found = Alternative { protocol, host, port, max_age: DEFAULT_MAX_AGE, persist: false, versions: None };
    parameters(cursor, &mut found)?;
    Ok(found)
}

/// `[host]:port`, the host bracketed when it is an IPv6 address.
fn split_authority(authority: &str) -> Result<(Option<String>, u16), Problem> {
    let colon = if authority.starts_with('[') {
        let close = authority.find(']').ok_or(Problem::Authority)?;
        (authority[close + 1..].starts_with(':')).then_some(close + 1)
    } else {
        authority.find(':')
    };
    let colon = colon.ok_or(Problem::Authority)?;
    let port = positive(&authority[colon + 1..]).and_then(|p| u16::try_from(p).ok()).ok_or(Problem::Port)?;
    let host = &authority[..colon];
    Ok(((!host.is_empty()).then(|| host.to_owned()), port))
}

/// `*( OWS ";" OWS name=value )` up to the next `,` or the end.
fn parameters(cursor: &mut Cursor, found: &mut Alternative) -> Result<(), Problem> {
    loop {
        cursor.skip(is_ows);
        if cursor.0.is_empty() || cursor.0.starts_with(',') {
            return Ok(());
        }
        if !cursor.eat(';') {
            return Err(Problem::Trailing);
        }
        cursor.skip(is_ows);
        if cursor.0.is_empty() || cursor.0.starts_with(',') || cursor.0.starts_with(';') {
            continue;
        }
        let name = cursor.take(is_tchar).to_ascii_lowercase();
        cursor.skip(is_ows);
        if name.is_empty() || !cursor.eat('=') {
            return Err(Problem::Parameter);
        }
        cursor.skip(is_ows);
        let value = if cursor.0.starts_with('"') {
            Value::Quoted(cursor.quoted().ok_or(Problem::Parameter)?)
        } else {
            Value::Token(cursor.take(|c| !is_ows(c) && c != ';' && c != ',').to_owned())
        };
        apply(&name, value, found)?;
    }
}

/// A parameter's value, as written.
enum Value {
    Token(String),
    Quoted(String),
}

/// Record the parameters the phone reads; others are ignored.
fn apply(name: &str, value: Value, found: &mut Alternative) -> Result<(), Problem> {
    match (name, value) {
        (_, Value::Token(token)) if token.is_empty() => Err(Problem::Parameter),
        ("ma", Value::Token(token)) => {
            let seconds = positive(&token).filter(|&s| s <= u64::from(u32::MAX)).ok_or(Problem::MaxAge)?;
            found.max_age = seconds;
            Ok(())
        }
        ("ma", Value::Quoted(_)) => Err(Problem::MaxAge),
        ("v", Value::Quoted(list)) => {
            let valid = list.split(',').all(|v| positive(v).is_some_and(|n| n <= u64::from(u16::MAX)));
            found.versions = Some(list).filter(|_| valid);
            found.versions.as_ref().map(|_| ()).ok_or(Problem::Versions)
        }
        ("v", Value::Token(_)) => Err(Problem::Versions),
        ("persist", value) => {
            found.persist = matches!(value, Value::Token(token) if token == "1");
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Digits only, more than zero, without overflow.
fn positive(digits: &str) -> Option<u64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok().filter(|&n| n > 0)
}

fn percent_decode(encoded: &str) -> Result<String, Problem> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = encoded.get(i + 1..i + 3).ok_or(Problem::Percent)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Problem::Percent);
            }
            out.push(u8::from_str_radix(hex, 16).map_err(|_| Problem::Percent)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Problem::Percent)
}

/// The rest of the value, consumed from the front.
struct Cursor<'a>(&'a str);

impl<'a> Cursor<'a> {
    fn skip(&mut self, what: impl Fn(char) -> bool) {
        self.0 = self.0.trim_start_matches(what);
    }

    fn take(&mut self, what: impl Fn(char) -> bool) -> &'a str {
        let end = self.0.find(|c| !what(c)).unwrap_or(self.0.len());
        let (taken, rest) = self.0.split_at(end);
        self.0 = rest;
        taken
    }

    fn eat(&mut self, c: char) -> bool {
        self.0.strip_prefix(c).map(|rest| self.0 = rest).is_some()
    }

    /// A quoted-string, unescaped; `None` when it does not start or end.
    fn quoted(&mut self) -> Option<String> {
        let mut chars = self.0.strip_prefix('"')?.char_indices();
        let mut out = String::new();
        while let Some((_, c)) = chars.next() {
            match c {
                '"' => {
                    self.0 = chars.as_str();
                    return Some(out);
                }
                '\\' => out.push(chars.next()?.1),
                c => out.push(c),
            }
        }
        None
    }
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// RFC 9110's `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

impl Alternative {
    /// IETF HTTP/3 (RFC 9114), the ALPN `h3`.
    pub fn is_h3(&self) -> bool {
        self.protocol == "h3"
    }

    /// A draft of HTTP/3 (`h3-29`, `h3-Q050`…): only clients built for that draft use it.
    pub fn is_h3_draft(&self) -> bool {
        self.protocol.starts_with("h3-")
    }

    /// Google QUIC (`quic`, with its versions in `v`).
    pub fn is_gquic(&self) -> bool {
        self.protocol == "quic"
    }

    /// The `v` versions as numbers (`43` for Q043); empty without `v`.
    pub fn version_numbers(&self) -> Vec<u16> {
        let list = self.versions.as_deref().unwrap_or_default();
        list.split(',').filter_map(|v| v.parse().ok()).collect()
    }
}

impl fmt::Display for Alternative {
    /// The alternative as a server would write it; parsing it gives it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.protocol.bytes() {
            if byte != b'%' && is_tchar(char::from(byte)) {
                write!(f, "{}", char::from(byte))?;
            } else {
                write!(f, "%{byte:02X}")?;
            }
        }
        f.write_str("=\"")?;
        for c in self.host.as_deref().unwrap_or_default().chars() {
            if c == '"' || c == '\\' {
                f.write_str("\\")?;
            }
            write!(f, "{c}")?;
        }
        write!(f, ":{}\"", self.port)?;
        if self.max_age != DEFAULT_MAX_AGE {
            write!(f, "; ma={}", self.max_age)?;
        }
        if self.persist {
            f.write_str("; persist=1")?;
        }
        if let Some(versions) = &self.versions {
            write!(f, "; v=\"{versions}\"")?;
        }
        Ok(())
    }
}

impl fmt::Display for AltSvc {
    /// The header value: `clear`, or the alternatives joined by `, `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.clear {
            return f.write_str("clear");
        }
        for (i, service) in self.services.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{service}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> Alternative {
        let parsed = parse(value).unwrap();
        assert_eq!(parsed.services.len(), 1, "{value}");
        parsed.services.into_iter().next().unwrap()
    }

    fn problem(value: &str) -> (usize, Problem) {
        let error = parse(value).unwrap_err();
        assert!(!error.to_string().contains('\n'));
        (error.alternative, error.problem)
    }

    #[test]
    fn h3_on_the_same_host() {
        let h3 = one("h3=\":443\"; ma=2592000");
        assert_eq!(
            h3,
            Alternative {
                protocol: "h3".into(),
                host: None,
                port: 443,
                max_age: 2_592_000,
                persist: false,
                versions: None
            }
        );
        assert!(h3.is_h3() && !h3.is_gquic() && !h3.is_h3_draft());
    }

    #[test]
    fn gquic_with_versions() {
        let quic = one("quic=\":443\"; ma=2592000; v=\"43,46\"");
        assert!(quic.is_gquic());
        assert_eq!(quic.versions.as_deref(), Some("43,46"));
        assert_eq!(quic.version_numbers(), vec![43, 46]);
    }

    #[test]
    fn several_alternatives_keep_their_order() {
        let all = parse("h3=\":443\"; ma=86400, h3-29=\":443\", quic=\":443\"; v=\"43\"").unwrap();
        let protocols: Vec<_> = all.services.iter().map(|s| s.protocol.as_str()).collect();
        assert_eq!(protocols, ["h3", "h3-29", "quic"]);
        assert!(all.services[1].is_h3_draft());
        assert_eq!(all.services[1].max_age, DEFAULT_MAX_AGE);
    }

    #[test]
    fn another_host_and_port() {
        let alt = one("h3=\"alt.example.com:8443\"; persist=1");
        assert_eq!((alt.host.as_deref(), alt.port, alt.persist), (Some("alt.example.com"), 8443, true));
        let v6 = one("h2=\"[2001:db8::1]:443\"");
        assert_eq!(v6.host.as_deref(), Some("[2001:db8::1]"));
    }

    #[test]
    fn clear_alone_and_not_alone() {
        assert_eq!(parse(" clear ").unwrap(), AltSvc { clear: true, services: vec![] });
        assert_eq!(problem("h3=\":443\", clear"), (2, Problem::ClearAmongAlternatives));
        assert_eq!(parse_lines(["clear", "h3=\":443\""]).unwrap_err().problem, Problem::ClearAmongAlternatives);
        assert_eq!(problem("Clear"), (1, Problem::Authority));
    }

    #[test]
    fn header_lines_combine() {
        let both = parse_lines(["h3=\":443\"", "quic=\":443\"; v=\"43\""]).unwrap();
        assert_eq!(both.services.len(), 2);
        assert_eq!(parse_lines([]).unwrap_err().problem, Problem::Empty);
    }

    #[test]
    fn percent_encoded_protocol_ids_are_decoded() {
        assert_eq!(one("w%3Dx%3Ay=\":80\"").protocol, "w=x:y");
        assert_eq!(problem("h%3=\":443\""), (1, Problem::Percent));
        assert_eq!(problem("h%FF=\":443\""), (1, Problem::Percent));
    }

    #[test]
    fn the_phone_ignores_what_its_parser_refuses() {
        let cases = [
            ("", 0, Problem::Empty),
            (" , ,", 0, Problem::Empty),
            ("=\":443\"", 1, Problem::Protocol),
            ("h3", 1, Problem::Authority),
            ("h3=:443", 1, Problem::Authority),
            ("h3=\":443", 1, Problem::Authority),
            ("h3=\"example.com\"", 1, Problem::Authority),
            ("h3=\"[::1\"", 1, Problem::Authority),
            ("h3=\":0\"", 1, Problem::Port),
            ("h3=\":65536\"", 1, Problem::Port),
            ("h3=\":\"", 1, Problem::Port),
            ("h3=\":443\"; ma=0", 1, Problem::MaxAge),
            ("h3=\":443\"; ma=\"60\"", 1, Problem::MaxAge),
            ("h3=\":443\"; ma=4294967296", 1, Problem::MaxAge),
            ("h3=\":443\"; ma=-1", 1, Problem::MaxAge),
            ("quic=\":443\"; v=43", 1, Problem::Versions),
            ("quic=\":443\"; v=\"43,\"", 1, Problem::Versions),
            ("quic=\":443\"; v=\"\"", 1, Problem::Versions),
            ("h3=\":443\"; =1", 1, Problem::Parameter),
            ("h3=\":443\"; ma", 1, Problem::Parameter),
            ("h3=\":443\" junk", 1, Problem::Trailing),
            ("h3=\":443\", h2=\":443\"x", 2, Problem::Trailing),
        ];
        for (value, at, expected) in cases {
            assert_eq!(problem(value), (at, expected), "{value:?}");
        }
    }

    #[test]
    fn unknown_parameters_and_empty_list_members_are_ignored() {
        let alt = one(",h3=\":443\" ;foo=a/b; x=\"y;z\";; persist=0 ,");
        assert_eq!((alt.port, alt.persist, alt.max_age), (443, false, DEFAULT_MAX_AGE));
    }

    #[test]
    fn errors_say_where() {
        let error = parse("h3=\":443\", h3=\":0\"").unwrap_err();
        assert_eq!(error.to_string(), "alternative 2: the port is not a number from 1 to 65535");
    }

    #[test]
    fn display_gives_the_header_back() {
        let value = "h3=\"alt.test:8443\"; ma=60; persist=1, quic=\":443\"; v=\"43\"";
        assert_eq!(parse(value).unwrap().to_string(), value);
        assert_eq!(parse("clear").unwrap().to_string(), "clear");
    }
}
