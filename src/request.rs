//! How `wx.request` turns its options into an HTTP request: which methods it
//! accepts, how `data` becomes a query string or a body, and which headers go
//! out. Both the probe (to send it) and the checks (to judge it) use this.

use url::Url;

use crate::miniprogram::{Api, USER_AGENT, WEBSOCKET_KEY};

/// The method of a request when none is given.
pub const DEFAULT_METHOD: &str = "GET";

/// `wx.request`'s `redirect` option (base library 3.2.2+).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RedirectMode {
    // Plain comments, not doc comments: clap would list them in --help.
    // Follow 3xx responses (the default).
    #[default]
    Follow,
    // Hand a 3xx response to the page as the result, with its Location.
    Manual,
}

/// The request as the mini program would send it.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    /// Exactly as given; request.method judges it.
    pub method: String,
    /// Extra headers in the order given (names as typed).
    pub headers: Vec<(String, String)>,
    pub data: Option<String>,
    /// The Referer the mini program sends (it cannot be changed).
    pub referer: String,
    /// `dataType: "json"`: the page expects a JSON body.
    pub expect_json: bool,
    /// Which wx API sends it; its rules, timeout and allow-list apply.
    pub api: Api,
    /// Whether redirects are followed or handed to the page.
    pub redirect: RedirectMode,
}

/// The methods `wx.request` accepts, uppercase only.
pub const WX_METHODS: [&str; 8] = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"];

/// The longest URL `wx.request` sends, in bytes.
pub const MAX_URL_BYTES: usize = 1024;

/// The multipart boundary of uploadFile probes.
const BOUNDARY: &str = "reqdoctor-upload-boundary";

impl RequestSpec {
    /// The method that goes out: the user's for wx.request; uploadFile posts,
    /// downloadFile and connectSocket get.
    pub fn method(&self) -> &str {
        match self.api {
            Api::Request => &self.method,
            Api::UploadFile => "POST",
            Api::DownloadFile | Api::ConnectSocket => "GET",
        }
    }

    /// Whether the request may be sent again (to another address) without
    /// side effects: GET, HEAD or OPTIONS, and not a WebSocket.
    pub fn is_safe_to_repeat(&self) -> bool {
        self.api != Api::ConnectSocket && matches!(self.method(), "GET" | "HEAD" | "OPTIONS")
    }

    pub fn method_is_valid(&self) -> bool {
        self.api != Api::Request || WX_METHODS.contains(&self.method.as_str())
    }

    /// The value of a header the user set, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("application/json")
    }

    /// `data` goes into the query string: wx.request GET only.
    fn data_in_query(&self) -> Option<&str> {
        self.data.as_deref().filter(|_| self.api == Api::Request && self.method == "GET")
    }

    /// The URL actually requested: without credentials (the mini program never
    /// sends `user:password@`), and for GET with `data` appended as a query string.
    pub fn effective_url(&self, url: &Url) -> Url {
        let mut url = url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        let url = &url;
        let Some(data) = self.data_in_query() else {
            return url.clone();
        };
        let query = as_query_string(data).unwrap_or_else(|| data.to_owned());
        if query.is_empty() {
            return url.clone();
        }
        let mut effective = url.clone();
        let joined = match url.query() {
            Some(existing) if !existing.is_empty() => format!("{existing}&{query}"),
            _ => query,
        };
        effective.set_query(Some(&joined));
        effective
    }

    /// The URL text the mini program measures against the length limit: the
    /// URL as written, plus `data`'s query string for GET.
    pub fn url_text(&self, written: &str) -> String {
        let written = written.trim();
        let Some(data) = self.data_in_query() else {
            return written.to_owned();
        };
        let query = as_query_string(data).unwrap_or_else(|| data.to_owned());
        let separator = match written.rfind('?') {
            _ if query.is_empty() => "",
            Some(at) if at + 1 == written.len() => "",
            Some(_) => "&",
            None => "?",
        };
        format!("{written}{separator}{query}")
    }

    /// The request body: none for GET; `data` as JSON, or form-encoded when the
    /// content-type says so and `data` is a JSON object.
    pub fn body(&self) -> Vec<u8> {
        match self.api {
            Api::UploadFile => return multipart(self.data.as_deref()),
            Api::DownloadFile | Api::ConnectSocket => return Vec::new(),
            Api::Request => {}
        }
        let Some(data) = self.data.as_deref().filter(|_| self.method != "GET") else {
            return Vec::new();
        };
        if self.content_type().starts_with("application/x-www-form-urlencoded")
            && let Some(form) = as_query_string(data)
        {
            return form.into_bytes();
        }
        data.as_bytes().to_vec()
    }

    /// Headers in sending order: what the WeChat client always sends, the
    /// defaults the user may replace, then the user's own — except a Referer,
    /// which the mini program cannot set (request.header warns about it).
    pub fn headers_to_send(&self) -> Vec<(String, String)> {
        let mut headers: Vec<(String, String)> = vec![("referer".into(), self.referer.clone())];
        let content_type = match self.api {
            Api::Request => Some("application/json".to_owned()),
            Api::UploadFile => Some(format!("multipart/form-data; boundary={BOUNDARY}")),
            Api::DownloadFile | Api::ConnectSocket => None,
        };
        if let Some(content_type) = content_type.filter(|_| self.header("content-type").is_none()) {
            headers.push(("content-type".into(), content_type));
        }
        if self.api == Api::ConnectSocket {
            headers.extend(
                [("upgrade", "websocket"), ("connection", "Upgrade"), ("sec-websocket-version", "13")]
                    .map(|(k, v)| (k.to_owned(), v.to_owned())),
            );
            headers.push(("sec-websocket-key".into(), WEBSOCKET_KEY.into()));
        }
        if self.header("user-agent").is_none() {
            headers.push(("user-agent".into(), USER_AGENT.into()));
        }
        if self.header("accept").is_none() {
            headers.push(("accept".into(), "*/*".into()));
        }
        let own = self.headers.iter().filter(|(name, _)| !name.eq_ignore_ascii_case("referer"));
        headers.extend(own.cloned());
        headers
    }
}

/// The body wx.uploadFile sends: `data` (a JSON object) as form fields, then a
/// small file part named `file`.
fn multipart(data: Option<&str>) -> Vec<u8> {
    let mut body = String::new();
    let fields = data.and_then(|d| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(d).ok());
    for (name, value) in fields.into_iter().flatten() {
        let value = match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        body.push_str(&format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"reqdoctor.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nreqdoctor upload probe\r\n--{BOUNDARY}--\r\n"
    ));
    body.into_bytes()
}

/// `{"a":1,"b":"x y"}` → `a=1&b=x%20y`, as `encodeURIComponent` would write it;
/// `None` when `data` is not a JSON object.
fn as_query_string(data: &str) -> Option<String> {
    let serde_json::Value::Object(map) = serde_json::from_str(data).ok()? else {
        return None;
    };
    let pairs: Vec<String> = map
        .iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{}={}", encode_uri_component(key), encode_uri_component(&text))
        })
        .collect();
    Some(pairs.join("&"))
}

/// JavaScript's `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is escaped.
fn encode_uri_component(text: &str) -> String {
    const KEEP: &[u8] = b"-_.!~*'()";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || KEEP.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(method: &str, data: Option<&str>, headers: &[(&str, &str)]) -> RequestSpec {
        RequestSpec {
            method: method.into(),
            headers: headers.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect(),
            data: data.map(Into::into),
            referer: "https://servicewechat.com/wx1/0/page-frame.html".into(),
            expect_json: true,
            api: Api::Request,
            redirect: RedirectMode::Follow,
        }
    }

    #[test]
    fn get_data_becomes_the_query_string() {
        let url = Url::parse("https://api.test/list?page=2").unwrap();
        let get = spec("GET", Some(r#"{"q":"a b","n":1,"ok":true}"#), &[]);
        assert_eq!(get.effective_url(&url).as_str(), "https://api.test/list?page=2&q=a%20b&n=1&ok=true");
        assert!(get.body().is_empty());
        let raw = spec("GET", Some("x=1"), &[]);
        assert_eq!(raw.effective_url(&Url::parse("https://api.test/").unwrap()).as_str(), "https://api.test/?x=1");
    }

    #[test]
    fn url_text_is_measured_as_written() {
        let get = spec("GET", Some(r#"{"q":"测"}"#), &[]);
        assert_eq!(get.url_text("https://api.test/路径"), "https://api.test/路径?q=%E6%B5%8B");
        assert_eq!(get.url_text("https://api.test/x?a=1"), "https://api.test/x?a=1&q=%E6%B5%8B");
        assert_eq!(get.url_text("https://api.test/x?"), "https://api.test/x?q=%E6%B5%8B");
        assert_eq!(spec("POST", Some("{}"), &[]).url_text(" https://api.test/ "), "https://api.test/");
    }

    #[test]
    fn post_data_is_the_body() {
        let json = spec("POST", Some(r#"{"id":1}"#), &[]);
        assert_eq!(json.body(), br#"{"id":1}"#);
        let form =
            spec("POST", Some(r#"{"id":1,"name":"张"}"#), &[("Content-Type", "application/x-www-form-urlencoded")]);
        assert_eq!(String::from_utf8(form.body()).unwrap(), "id=1&name=%E5%BC%A0");
        let url = Url::parse("https://api.test/x").unwrap();
        assert_eq!(json.effective_url(&url), url);
    }

    #[test]
    fn defaults_give_way_to_user_headers() {
        let sent = spec("GET", None, &[("Content-Type", "text/plain")]).headers_to_send();
        assert!(!sent.iter().any(|(k, v)| k == "content-type" && v == "application/json"));
        assert!(sent.contains(&("Content-Type".into(), "text/plain".into())));
        let sent = spec("GET", None, &[]).headers_to_send();
        assert!(sent.contains(&("content-type".into(), "application/json".into())));
        assert_eq!(sent[0], ("referer".into(), "https://servicewechat.com/wx1/0/page-frame.html".into()));
        let sent = spec("GET", None, &[("Referer", "https://evil.test/")]).headers_to_send();
        assert_eq!(sent.iter().filter(|(k, _)| k.eq_ignore_ascii_case("referer")).count(), 1, "the user's is dropped");
    }

    #[test]
    fn each_api_sends_its_own_request() {
        let mut upload = spec("GET", Some(r#"{"user":"7"}"#), &[]);
        upload.api = Api::UploadFile;
        assert_eq!(upload.method(), "POST");
        let body = String::from_utf8(upload.body()).unwrap();
        assert!(body.contains("name=\"user\"\r\n\r\n7\r\n") && body.contains("filename=\"reqdoctor.txt\""), "{body}");
        assert!(
            upload.headers_to_send().iter().any(|(k, v)| k == "content-type" && v.starts_with("multipart/form-data"))
        );
        let url = Url::parse("https://api.test/up").unwrap();
        assert_eq!(upload.effective_url(&url), url, "upload data is form fields, not the query");
        let mut socket = spec("POST", None, &[]);
        socket.api = Api::ConnectSocket;
        assert_eq!(socket.method(), "GET");
        let sent = socket.headers_to_send();
        assert!(sent.contains(&("upgrade".into(), "websocket".into())));
        assert!(!sent.iter().any(|(k, _)| k == "content-type"));
    }

    #[test]
    fn only_uppercase_wx_methods_are_valid() {
        assert!(spec("POST", None, &[]).method_is_valid());
        for bad in ["post", "PATCH", "", "GET "] {
            assert!(!spec(bad, None, &[]).method_is_valid(), "{bad:?}");
        }
    }

    #[test]
    fn encodes_like_javascript() {
        assert_eq!(encode_uri_component("a b&c=d/é!*'()~"), "a%20b%26c%3Dd%2F%C3%A9!*'()~");
    }
}
