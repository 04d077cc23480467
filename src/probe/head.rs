//! A response head read the way the phone reads it. Chromium's HTTP/1 parser
//! is lenient where hyper is strict: it finds the status line within the
//! first four bytes, takes the status from whatever digits follow the
//! version (none: 200), skips header lines without a colon, joins folded
//! lines, and reads an answer with no status line at all as the body of a
//! 200 (HTTP/0.9, on the default port only). It refuses a head with a NUL
//! byte and headers that contradict each other. Every rule here was tried on
//! Chromium 156 (tests/fixtures/http/chromium-156-heads.md).

/// The status line may start this many bytes into the answer at most.
const STATUS_LINE_SLOP: usize = 4;

/// Where the status line starts in what has arrived so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// `HTTP` (in any case) at this offset.
    At(usize),
    /// No status line: the phone reads everything as the body of a 200.
    Http09,
    /// Too few bytes yet to tell.
    NeedMore,
}

/// Finds the status line: `http` in any case within the first four bytes.
pub fn locate(buf: &[u8], eof: bool) -> Start {
    for offset in 0..STATUS_LINE_SLOP {
        match buf.get(offset..offset + 4) {
            Some(word) if word.eq_ignore_ascii_case(b"http") => return Start::At(offset),
            Some(_) => {}
            None if eof => return Start::Http09,
            None => return Start::NeedMore,
        }
    }
    Start::Http09
}

/// The offset just past the blank line that ends a head (`\n\n` or
/// `\n\r\n`, so bare-LF heads end too), searching from `from`.
pub fn find_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(newline) = buf.get(at..)?.iter().position(|&b| b == b'\n') {
        let end = at + newline;
        match (buf.get(end + 1), buf.get(end + 2)) {
            (Some(b'\n'), _) => return Some(end + 2),
            (Some(b'\r'), Some(b'\n')) => return Some(end + 3),
            _ => at = end + 1,
        }
    }
    None
}

/// A head that the phone accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Head {
    /// The status the page gets as `res.statusCode`.
    pub status: u32,
    /// Each header as the phone keeps it: name and value trimmed, folded lines joined.
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether the status line says HTTP/1.0 (no chunked bodies then).
    pub http10: bool,
    /// Where the head breaks HTTP/1.1 although the phone accepts it.
    pub flaws: Vec<Flaw>,
}

/// One way a head breaks HTTP/1.1 that the phone forgives. The strings are
/// the server's own bytes, lossily decoded (cleaned before display).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// No status line: the whole answer is the body of a 200 (HTTP/0.9).
    NoStatusLine,
    /// Bytes before the status line.
    Leading(usize),
    /// A status line that is not `HTTP/1.x NNN reason`.
    StatusLine(String),
    /// A line the phone skips: no colon, or nothing before it.
    SkippedLine(String),
    /// A header the phone keeps that HTTP/1.1 forbids: a name that is not a
    /// token, white space before the colon, or a control character in the value.
    Header(String),
    /// A header (named) whose value is folded onto the next line; the phone joins the lines.
    Folded(String),
    /// A Content-Length that is not a number: the phone ignores it and reads
    /// the body until the connection closes.
    ContentLength(String),
}

/// A head the phone refuses, with Chromium's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    /// ERR_INVALID_HTTP_RESPONSE (-370).
    #[error("a NUL byte in the response head")]
    Nul,
    /// ERR_INVALID_HTTP_RESPONSE (-370): HTTP/0.9 on a port other than the URL scheme's.
    #[error("no status line, and the URL names a port")]
    Http09OnPort,
    /// ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH (-346).
    #[error("Content-Length headers that disagree")]
    MultipleContentLength,
    /// ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION (-349).
    #[error("Content-Disposition headers that disagree")]
    MultipleContentDisposition,
    /// ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION (-350).
    #[error("Location headers that disagree")]
    MultipleLocation,
    /// ERR_RESPONSE_HEADERS_TOO_BIG (-325): no end of the head within 256 KiB.
    #[error("a response head over 256 KiB")]
    TooBig,
    /// ERR_RESPONSE_HEADERS_TRUNCATED (-357): the connection closed inside the head.
    #[error("the connection closed in the middle of the response head")]
    Truncated,
}

/// Reads a head (from its status line through the blank line) by Chromium's rules.
pub fn parse(raw: &[u8]) -> Result<Head, HeadError> {
    if raw.contains(&0) {
        return Err(HeadError::Nul);
    }
    let mut lines = raw.split(|&b| b == b'\n').map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let status_line = lines.next().unwrap_or_default();
    let status = read_status_line(status_line);
    let mut flaws = Vec::new();
    if !well_formed_status_line(status_line) {
        flaws.push(Flaw::StatusLine(lossy(status_line)));
    }
    let headers = read_header_lines(lines.take_while(|line| !line.is_empty()), &mut flaws);
    refuse_contradictions(&headers)?;
    for (_, value) in headers.iter().filter(|(name, _)| name.eq_ignore_ascii_case(b"content-length")) {
        if content_length(value).is_none() {
            flaws.push(Flaw::ContentLength(lossy(value)));
        }
    }
    let http10 = status_line.get(4..8) == Some(b"/1.0".as_slice());
    Ok(Head { status, headers, http10, flaws })
}

/// The status the phone reads: the digits after the version and its spaces;
/// none at all is 200.
fn read_status_line(line: &[u8]) -> u32 {
    let after_version = line.iter().position(|&b| b == b' ').map_or(&[][..], |space| &line[space..]);
    let rest = trim_start(after_version);
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return 200;
    }
    rest[..digits].iter().fold(0u32, |n, &d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')))
}

/// `HTTP/1.0` or `HTTP/1.1`, one space, three digits, then the end or a space and a reason.
fn well_formed_status_line(line: &[u8]) -> bool {
    let version = line.starts_with(b"HTTP/1.1 ") || line.starts_with(b"HTTP/1.0 ");
    let code = line.get(9..12).is_some_and(|code| code.iter().all(u8::is_ascii_digit));
    let rest = line.get(12..).unwrap_or_default();
    let reason = rest.is_empty() || rest[0] == b' ' && rest.iter().all(|&b| b == b'\t' || b >= b' ' && b != 0x7f);
    version && code && reason
}

/// The header lines as the phone keeps them, noting each flaw.
fn read_header_lines<'a>(lines: impl Iterator<Item = &'a [u8]>, flaws: &mut Vec<Flaw>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for line in lines {
        if matches!(line.first(), Some(b' ' | b'\t'))
            && let Some((name, value)) = headers.last_mut()
        {
            flaws.push(Flaw::Folded(lossy(name)));
            if !value.is_empty() {
                value.push(b' ');
            }
            value.extend_from_slice(trim(line));
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            flaws.push(Flaw::SkippedLine(lossy(line)));
            continue;
        };
        let (name, value) = (trim(&line[..colon]), trim(&line[colon + 1..]));
        if name.is_empty() {
            flaws.push(Flaw::SkippedLine(lossy(line)));
            continue;
        }
        let valid = name.len() == colon && name.iter().all(|&b| is_token(b)) && value.iter().all(|&b| is_value(b));
        if !valid {
            flaws.push(Flaw::Header(lossy(line)));
        }
        headers.push((name.to_vec(), value.to_vec()));
    }
    headers
}

/// Two copies of these headers with different values make the phone refuse the response.
fn refuse_contradictions(headers: &[(Vec<u8>, Vec<u8>)]) -> Result<(), HeadError> {
    let values = |wanted: &str| -> Vec<&[u8]> {
        headers.iter().filter(|(name, _)| name.eq_ignore_ascii_case(wanted.as_bytes())).map(|(_, v)| &v[..]).collect()
    };
    let lengths: Vec<&[u8]> =
        values("content-length").into_iter().flat_map(|v| v.split(|&b| b == b',')).map(trim).collect();
    if lengths.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(HeadError::MultipleContentLength);
    }
    if values("location").windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(HeadError::MultipleLocation);
    }
    if values("content-disposition").windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(HeadError::MultipleContentDisposition);
    }
    Ok(())
}

/// A Content-Length value as a number (a list of equal numbers is one).
pub fn content_length(value: &[u8]) -> Option<u64> {
    let first = value.split(|&b| b == b',').next().map(trim)?;
    if first.is_empty() || !first.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(first).ok()?.parse().ok()
}

/// A byte allowed in a header name (RFC 9110 `tchar`).
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A byte allowed in a header value: tab, visible ASCII, space, obs-text.
fn is_value(b: u8) -> bool {
    b == b'\t' || (b >= b' ' && b != 0x7f)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim(bytes: &[u8]) -> &[u8] {
    let bytes = trim_start(bytes);
    let end = bytes.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(0, |i| i + 1);
    &bytes[..end]
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_starts_within_four_bytes_or_there_is_none() {
        assert_eq!(locate(b"HTTP/1.1 200 OK", false), Start::At(0));
        assert_eq!(locate(b"\r\nHTTP/1.1 200", false), Start::At(2));
        assert_eq!(locate(b"XYZhttp/1.1 200", false), Start::At(3));
        assert_eq!(locate(b"XXXXXHTTP/1.1 200", false), Start::Http09);
        assert_eq!(locate(b"HTTX/1.1 200 OK", false), Start::Http09);
        assert_eq!(locate(b"HT", false), Start::NeedMore);
        assert_eq!(locate(b"HT", true), Start::Http09);
    }

    #[test]
    fn a_head_ends_at_a_blank_line_with_or_without_carriage_returns() {
        assert_eq!(find_end(b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody", 0), Some(25));
        assert_eq!(find_end(b"HTTP/1.1 200 OK\nA: b\n\nbody", 0), Some(22));
        assert_eq!(find_end(b"HTTP/1.1 200 OK\rA: b\r\r", 0), None);
        assert_eq!(find_end(b"HTTP/1.1 200 OK\r\nA: b\r\n", 0), None);
    }

    #[test]
    fn the_status_is_whatever_digits_follow_the_version() {
        // What Chromium 156 reported for each status line, tried here.
        for (line, status) in [
            ("HTTP/1.1 200 OK", 200),
            ("HTTP/1.1 2OO OK", 2),
            ("HTTP/1.1 abc Oops", 200),
            ("HTTP/1.1 999 Weird", 999),
            ("HTTP/1.1 2 X", 2),
            ("HTTP/1.1  202 X", 202),
            ("HTTP/1.1", 200),
            ("HTTP/1.1 000 X", 0),
            ("HTTP/1.1 099 X", 99),
            ("HTTP/1.1 1000 X", 1000),
            ("HTTP/1.1 20x X", 20),
            ("HTTP/1.1 -1 X", 200),
            ("http/1.1 201 OK", 201),
            ("HTTP/2 201 OK", 201),
        ] {
            let head = parse(format!("{line}\r\n\r\n").as_bytes()).expect(line);
            assert_eq!(head.status, status, "{line}");
        }
    }

    #[test]
    fn only_a_strict_status_line_is_well_formed() {
        for good in ["HTTP/1.1 200 OK", "HTTP/1.0 404 Not Found", "HTTP/1.1 200", "HTTP/1.1 200 "] {
            assert!(well_formed_status_line(good.as_bytes()), "{good}");
        }
        for bad in ["HTTP/1.1 2OO OK", "http/1.1 200 OK", "HTTP/2 200 OK", "HTTP/1.1  200 OK", "HTTP/1.1 200OK"] {
            assert!(!well_formed_status_line(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn odd_header_lines_are_kept_or_skipped_as_the_phone_does() {
        let raw = b"HTTP/1.1 201 OK\r\nGarbage line\r\nX-A : b\r\nX-F: b\r\n c\r\nX-C: a\x01b\r\nOk: yes\r\n\r\n";
        let head = parse(raw).unwrap();
        let names: Vec<&[u8]> = head.headers.iter().map(|(n, _)| &n[..]).collect();
        assert_eq!(names, [&b"X-A"[..], b"X-F", b"X-C", b"Ok"]);
        assert_eq!(head.headers[1].1, b"b c");
        assert_eq!(head.flaws.len(), 4, "{:?}", head.flaws);
        assert!(matches!(&head.flaws[0], Flaw::SkippedLine(line) if line == "Garbage line"));
    }

    #[test]
    fn a_well_formed_head_has_no_flaws() {
        let head = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: \xff\r\n\r\n").unwrap();
        assert_eq!(head.flaws, []);
        assert_eq!(head.status, 200);
    }

    #[test]
    fn the_phone_refuses_nul_bytes_and_contradicting_headers() {
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n"), Err(HeadError::Nul));
        assert_eq!(parse(b"HTTP/1.1 200 O\x00K\r\n\r\n"), Err(HeadError::Nul));
        let two_lengths = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n";
        assert_eq!(parse(two_lengths), Err(HeadError::MultipleContentLength));
        let two_locations = b"HTTP/1.1 302 Found\r\nLocation: /a\r\nLocation: /b\r\n\r\n";
        assert_eq!(parse(two_locations), Err(HeadError::MultipleLocation));
        let same = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\nLocation: /a\r\nLocation: /a\r\n\r\n";
        assert!(parse(same).is_ok());
    }

    #[test]
    fn a_content_length_that_is_not_a_number_is_a_flaw() {
        let head = parse(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n").unwrap();
        assert_eq!(head.flaws, [Flaw::ContentLength("abc".into())]);
        assert_eq!(content_length(b" 12 "), Some(12));
        assert_eq!(content_length(b"2, 2"), Some(2));
        assert_eq!(content_length(b"+2"), None);
    }
}
