//! Recognises what users paste: errMsg strings as phones show them (Android's
//! Cronet form, iOS's NSURLError texts in Chinese or English), errno values,
//! `net::ERR_*` names and bare codes.

use super::table::{self, Entry};
use crate::checks::wx::NetError;

/// What was found in the input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recognized {
    pub errno: Option<u32>,
    /// A Chromium net error: code and `ERR_*` name.
    pub net: Option<(i32, &'static str)>,
    /// An iOS NSURLError code.
    pub ios: Option<i32>,
    /// The words that decided the answer when no code did, e.g. `hand shake`.
    pub phrase: Option<&'static str>,
}

impl Recognized {
    /// `errno 600001 · net::ERR_CERT_DATE_INVALID (-201)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(errno) = self.errno {
            parts.push(format!("errno {errno}"));
        }
        if let Some((code, name)) = self.net {
            parts.push(format!("net::{name} ({code})"));
        }
        if let Some(code) = self.ios {
            parts.push(format!("NSURLError {code}"));
        }
        if let Some(phrase) = self.phrase {
            parts.push(format!("\"{phrase}\""));
        }
        parts.join(" · ")
    }
}

/// Chromium net errors a phone can show that no check reports (so they are
/// not [`NetError`]s): generic failures, the phone's own network, and older
/// Chromium's codes.
pub const PHONE_ONLY: &[(i32, &str)] = &[
    (-2, "ERR_FAILED"),
    (-7, "ERR_TIMED_OUT"),
    (-21, "ERR_NETWORK_CHANGED"),
    (-103, "ERR_CONNECTION_ABORTED"),
    (-104, "ERR_CONNECTION_FAILED"),
    (-106, "ERR_INTERNET_DISCONNECTED"),
    (-110, "ERR_SSL_CLIENT_AUTH_CERT_NEEDED"),
    (-137, "ERR_NAME_RESOLUTION_FAILED"),
    (-208, "ERR_CERT_WEAK_SIGNATURE_ALGORITHM"),
    (-310, "ERR_TOO_MANY_REDIRECTS"),
];

/// Every Chromium net error `explain` knows: those the checks report, then the phone-only ones.
pub fn known_net_errors() -> impl Iterator<Item = (i32, &'static str)> {
    NetError::ALL.iter().map(|e| (e.code(), e.name())).chain(PHONE_ONLY.iter().copied())
}

/// iOS messages (Chinese and English) and their NSURLError codes.
pub(super) const IOS_MESSAGES: [(&str, i32); 16] = [
    ("请求超时", -1001),
    ("the request timed out", -1001),
    ("未能找到使用指定主机名的服务器", -1003),
    ("a server with the specified hostname could not be found", -1003),
    ("未能连接到服务器", -1004),
    ("could not connect to the server", -1004),
    ("网络连接已中断", -1005),
    ("the network connection was lost", -1005),
    ("似乎已断开与互联网的连接", -1009),
    ("the internet connection appears to be offline", -1009),
    ("发生了ssl错误", -1200),
    ("an ssl error has occurred", -1200),
    ("此服务器的证书无效", -1202),
    ("the certificate for this server is invalid", -1202),
    ("重定向次数过多", -1007),
    ("too many http redirects", -1007),
];

/// Finds what `input` names, and the entry that explains it.
pub fn recognize(input: &str) -> Option<(Recognized, &'static Entry)> {
    let text = input.trim().to_lowercase();
    if text.is_empty() {
        return None;
    }
    let mut found = Recognized { errno: errno_in(&text), ..Recognized::default() };
    let entry = if let Some((code, name)) = net_error_in(&text) {
        found.net = Some((code, name));
        // Android reports every Cronet net error with errno 600001.
        found.errno = found.errno.or(Some(600_001));
        net_entry(code)?
    } else if let Some(code) = ios_code_in(&text) {
        found.ios = Some(code);
        ios_entry(code)?
    } else if let Some((phrase, entry)) = phrase_entry(&text) {
        found.phrase = Some(phrase);
        found.errno = found.errno.or(entry.errno);
        entry
    } else {
        let entry = found.errno.and_then(errno_entry)?;
        found.errno = found.errno.or(entry.errno);
        entry
    };
    Some((found, entry))
}

/// Words that name an error, in the order they are tried, and the answer each gives.
pub(super) const PHRASES: &[(&str, &Entry)] = &[
    ("not in domain list", &table::NOT_IN_DOMAIN_LIST),
    ("hand shake", &table::SSL_HANDSHAKE),
    ("handshake", &table::SSL_HANDSHAKE),
    ("ssl", &table::SSL_HANDSHAKE),
    ("invalid url", &table::INVALID_URL),
    ("url not valid", &table::INVALID_URL),
    ("redirect", &table::TOO_MANY_REDIRECTS),
    ("timeout", &table::TIMEOUT),
    ("timed out", &table::TIMEOUT),
    ("超时", &table::TIMEOUT),
];

/// The first phrase found in `text`, and its answer.
fn phrase_entry(text: &str) -> Option<(&'static str, &'static Entry)> {
    PHRASES.iter().find(|(phrase, _)| text.contains(phrase)).copied()
}

/// The answer to an errno alone.
pub(super) fn errno_entry(errno: u32) -> Option<&'static Entry> {
    Some(match errno {
        5 => &table::TIMEOUT,
        600_002 => &table::NOT_IN_DOMAIN_LIST,
        600_008 => &table::TOO_MANY_REDIRECTS,
        600_009 => &table::INVALID_URL,
        600_000 | 600_001 | 600_003 => &table::NETWORK_ERROR,
        _ => return None,
    })
}

/// An errno: a 6000xx number anywhere, `errno: N`, or the input being just a number.
fn errno_in(text: &str) -> Option<u32> {
    let numbers = numbers_in(text);
    if let Some(n) = numbers.iter().find(|n| (600_000..601_000).contains(*n)) {
        return u32::try_from(*n).ok();
    }
    let after_label = text.split("errno").nth(1).and_then(|rest| numbers_in(rest).first().copied());
    let alone = (numbers.len() == 1 && text.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()))
        .then(|| numbers[0])
        .filter(|n| *n > 0);
    after_label.or(alone).and_then(|n| u32::try_from(n).ok())
}

/// A Chromium net error from `net::ERR_*`, `errcode:-N`, `cronet_error_code:-N` or a bare `-N`.
fn net_error_in(text: &str) -> Option<(i32, &'static str)> {
    if let Some(at) = text.find("err_") {
        let name: String = text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if let Some(known) = net_by_name(&name.to_ascii_uppercase()) {
            return Some(known);
        }
    }
    for label in ["cronet_error_code:", "errcode:", "error_code:"] {
        if let Some(rest) = text.split(label).nth(1)
            && let Some(code) = numbers_in(rest.trim_start()).first()
            && let Some(known) = net_by_code(i32::try_from(*code).ok()?)
        {
            return Some(known);
        }
    }
    let bare = numbers_in(text);
    match bare.as_slice() {
        [code] if (-399..0).contains(code) => net_by_code(i32::try_from(*code).ok()?),
        _ => None,
    }
}

fn ios_code_in(text: &str) -> Option<i32> {
    if let Some((_, code)) = IOS_MESSAGES.iter().find(|(message, _)| text.contains(message)) {
        return Some(*code);
    }
    numbers_in(text).into_iter().find(|n| (-1299..=-1000).contains(n)).and_then(|n| i32::try_from(n).ok())
}

/// The answer to a Chromium net error.
pub(super) fn net_entry(code: i32) -> Option<&'static Entry> {
    Some(match code {
        -100 => &table::CONNECTION_CLOSED,
        -101 | -103 => &table::CONNECTION_RESET,
        -102 | -104 => &table::CONNECTION_REFUSED,
        -105 | -137 => &table::NAME_NOT_RESOLVED,
        -106 => &table::OFFLINE,
        -7 => &table::TIMEOUT,
        -107 => &table::SSL_PROTOCOL_ERROR,
        -109 => &table::ADDRESS_UNREACHABLE,
        -113 => &table::VERSION_OR_CIPHER,
        -110 | -117 => &table::CLIENT_AUTH,
        -118 => &table::CONNECTION_TIMED_OUT,
        -159 => &table::SNI_REFUSED,
        -181 => &table::KEY_USAGE,
        -200 => &table::CERT_NAME,
        -201 => &table::CERT_DATE,
        -202 => &table::CERT_AUTHORITY,
        -207 => &table::CERT_INVALID,
        -208 => &table::CERT_WEAK_SIGNATURE,
        -211 => &table::CERT_WEAK_KEY,
        -213 => &table::VALIDITY_TOO_LONG,
        -310 => &table::TOO_MANY_REDIRECTS,
        -324 => &table::EMPTY_RESPONSE,
        -325 => &table::HEADERS_TOO_BIG,
        -337 | -351 => &table::HTTP2,
        -346 | -349 | -350 | -357 | -370 => &table::INVALID_RESPONSE,
        -321 | -354 | -355 => &table::BODY_BROKEN,
        -356 => &table::QUIC_PROTOCOL,
        -358 => &table::QUIC_HANDSHAKE,
        -2 | -21 => &table::NETWORK_ERROR,
        _ => return None,
    })
}

fn ios_entry(code: i32) -> Option<&'static Entry> {
    Some(match code {
        -1001 => &table::TIMEOUT,
        -1000 | -1002 => &table::INVALID_URL,
        -1003 => &table::NAME_NOT_RESOLVED,
        -1004 => &table::CONNECTION_REFUSED,
        -1005 => &table::CONNECTION_RESET,
        -1007 => &table::TOO_MANY_REDIRECTS,
        -1009 => &table::OFFLINE,
        -1201 | -1204 => &table::CERT_DATE,
        -1202 | -1203 => &table::CERT_AUTHORITY,
        -1200 | -1205 | -1206 => &table::SSL_HANDSHAKE,
        _ => return None,
    })
}

fn net_by_name(name: &str) -> Option<(i32, &'static str)> {
    known_net_errors().find(|(_, known)| *known == name)
}

fn net_by_code(code: i32) -> Option<(i32, &'static str)> {
    known_net_errors().find(|(known, _)| *known == code)
}

/// Every integer in `text`, with its sign.
fn numbers_in(text: &str) -> Vec<i64> {
    let mut numbers = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            let negative = start > 0 && chars[start - 1] == '-';
            if let Ok(n) = digits.parse::<i64>() {
                numbers.push(if negative { -n } else { n });
            }
        } else {
            i += 1;
        }
    }
    numbers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(input: &str) -> Option<&'static str> {
        recognize(input).map(|(_, entry)| entry.key)
    }

    #[test]
    fn recognises_what_phones_show() {
        let cases = [
            (
                "request:fail errcode:-202 cronet_error_code:-202 error_msg:net::ERR_CERT_AUTHORITY_INVALID",
                "net.cert_authority_invalid",
            ),
            ("errcode:-105 cronet_error_code:-105 error_msg:net::ERR_NAME_NOT_RESOLVED", "net.name_not_resolved"),
            ("net::ERR_CONNECTION_REFUSED", "net.connection_refused"),
            ("ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "net.ssl_version_or_cipher_mismatch"),
            ("-201", "net.cert_date_invalid"),
            ("request:fail url not in domain list", "wx.url_not_in_domain_list"),
            ("url not in domain list", "wx.url_not_in_domain_list"),
            ("600002", "wx.url_not_in_domain_list"),
            ("{errno: 600008, errMsg: ...}", "redirect.too_many"),
            ("600009", "wx.invalid_url"),
            ("request:fail timeout", "wx.timeout"),
            ("5", "wx.timeout"),
            ("request:fail ssl hand shake error", "wx.ssl_handshake_error"),
            ("request:fail 请求超时。", "wx.timeout"),
            ("request:fail 未能找到使用指定主机名的服务器。", "net.name_not_resolved"),
            ("request:fail 似乎已断开与互联网的连接。", "phone.offline"),
            ("request:fail 发生了SSL错误，无法建立与该服务器的安全连接。", "wx.ssl_handshake_error"),
            ("Error Domain=NSURLErrorDomain Code=-1202", "net.cert_authority_invalid"),
            ("request:fail -2:net::ERR_FAILED", "wx.network_error"),
        ];
        for (input, expected) in cases {
            assert_eq!(key(input), Some(expected), "{input}");
        }
    }

    #[test]
    fn records_what_it_found() {
        let (found, _) = recognize("{errno: 600001, errMsg: 'request:fail errcode:-201 ...'}").unwrap();
        let date =
            Recognized { errno: Some(600_001), net: Some((-201, "ERR_CERT_DATE_INVALID")), ..Recognized::default() };
        assert_eq!(found, date);
        assert_eq!(found.describe(), "errno 600001 · net::ERR_CERT_DATE_INVALID (-201)");
        let (found, _) = recognize("request:fail url not in domain list").unwrap();
        assert_eq!(found.errno, Some(600_002), "a known phrase names its errno");
        assert_eq!(found.describe(), "errno 600002 · \"not in domain list\"");
        let (found, _) = recognize("request:fail ssl hand shake error").unwrap();
        assert_eq!(found.describe(), "\"hand shake\"", "a phrase without an errno is still named");
    }

    #[test]
    fn unknown_things_are_not_guessed() {
        for input in ["", "hello", "42", "600123", "net::ERR_SOMETHING_NEW", "-999"] {
            assert_eq!(key(input), None, "{input}");
        }
    }

    #[test]
    fn every_known_code_is_explained_once() {
        let mut codes: Vec<i32> = known_net_errors().map(|(code, _)| code).collect();
        for code in &codes {
            assert!(net_entry(*code).is_some(), "{code}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), known_net_errors().count(), "a code is both reported and phone-only");
    }
}
