//! What the mini program itself brings to a request: which wx API makes it
//! (and so which timeout, allow-list and scheme apply), and the headers the
//! WeChat client always sends.

use clap::ValueEnum;

/// The wx API whose rules apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum, serde::Deserialize)]
pub enum Api {
    #[default]
    #[value(name = "request")]
    #[serde(rename = "request")]
    Request,
    #[value(name = "uploadFile")]
    #[serde(rename = "uploadFile")]
    UploadFile,
    #[value(name = "downloadFile")]
    #[serde(rename = "downloadFile")]
    DownloadFile,
    #[value(name = "connectSocket")]
    #[serde(rename = "connectSocket")]
    ConnectSocket,
}

impl Api {
    /// The API's name, as in `wx.request`.
    pub fn name(self) -> &'static str {
        match self {
            Api::Request => "request",
            Api::UploadFile => "uploadFile",
            Api::DownloadFile => "downloadFile",
            Api::ConnectSocket => "connectSocket",
        }
    }

    /// The allow-list's name in the admin API (and in `--domains-file` JSON).
    pub fn domain_list(self) -> &'static str {
        match self {
            Api::Request => "requestdomain",
            Api::UploadFile => "uploaddomain",
            Api::DownloadFile => "downloaddomain",
            Api::ConnectSocket => "wsrequestdomain",
        }
    }

    /// The allow-list's name in the admin console.
    pub fn console_list(self) -> &'static str {
        match self {
            Api::Request => "request合法域名",
            Api::UploadFile => "uploadFile合法域名",
            Api::DownloadFile => "downloadFile合法域名",
            Api::ConnectSocket => "socket合法域名",
        }
    }

    /// The only scheme the API accepts.
    pub fn scheme(self) -> &'static str {
        if self == Api::ConnectSocket { "wss" } else { "https" }
    }
}

/// The mini program's default for every `networkTimeout` field, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;

/// The client version segment of the Referer: `devtools`, `0` (develop and
/// trial builds) or the released version number.
pub const DEFAULT_APP_VERSION: &str = "0";

/// The appid the developer tools use without a project.
pub const TOURIST_APPID: &str = "touristappid";

/// A User-Agent like the WeChat Android client's.
pub const USER_AGENT: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 \
(KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.103 Mobile Safari/537.36 XWEB/1300289 MMWEBSDK/20240802 \
MMWEBID/4821 MicroMessenger/8.0.50.2701(0x28003253) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 \
MiniProgramEnv/android";

/// The Referer every mini-program request carries; it cannot be changed.
pub fn referer(appid: &str, version: &str) -> String {
    format!("https://servicewechat.com/{appid}/{version}/page-frame.html")
}

/// The Sec-WebSocket-Key of connectSocket probes (16 bytes, base64). Its
/// randomness guards against caching proxies, not attackers; a fixed key is fine.
pub const WEBSOCKET_KEY: &str = "cmVxZG9jdG9yLXdzcHJvYg==";

/// The Sec-WebSocket-Accept a server must answer `key` with (RFC 6455 §4.2.2).
pub fn websocket_accept(key: &str) -> String {
    const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, format!("{key}{GUID}").as_bytes());
    base64(digest.as_ref())
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_accept_follows_rfc_6455() {
        assert_eq!(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(base64(b"reqdoctor-wsprob"), WEBSOCKET_KEY);
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }

    #[test]
    fn referer_names_the_app_and_version() {
        assert_eq!(referer("wx1234", "0"), "https://servicewechat.com/wx1234/0/page-frame.html");
    }

    #[test]
    fn each_api_has_its_list_and_scheme() {
        assert_eq!(Api::ConnectSocket.domain_list(), "wsrequestdomain");
        assert_eq!(Api::ConnectSocket.scheme(), "wss");
        assert_eq!(Api::UploadFile.scheme(), "https");
        assert_eq!(Api::from_str("downloadFile", false), Ok(Api::DownloadFile));
    }
}
