//! The redirect policy: which 3xx responses are followed (same origin only:
//! same host and port, never down to `http:`), and which end the request with
//! a named reason.

use url::Url;

/// The longest Location followed; longer ones cannot be requested as a URL.
const MAX_LOCATION: usize = 8 * 1024;

/// Why a redirect was not followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `Location` names another host (a subdomain is another host).
    OtherHost(Url),
    /// `Location` keeps the host but changes the port: another origin, which
    /// the allow-list's exact-port rule covers only if it lists that port.
    OtherPort(Url),
    /// `Location` downgrades to `http:` (or another non-HTTPS scheme).
    Insecure(Url),
    /// `Location` leads back to a URL already visited.
    Loop(Url),
    /// More than `--max-redirects` redirects.
    TooMany(u32),
    /// `Location` is not a URL.
    BadLocation(String),
}

/// What to do after a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The response is final.
    Done,
    /// Request `url` with `method`; `keep_body` is false when the method became GET.
    Follow {
        url: Url,
        method: String,
        keep_body: bool,
    },
    Stop(Refusal),
}

/// Decides the next step after `status` at `current`; `visited` holds every URL
/// requested so far (including `current`).
pub fn next(current: &Url, status: u32, location: Option<&str>, visited: &[Url], max: u32, method: &str) -> Next {
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return Next::Done;
    }
    let Some(location) = location else {
        return Next::Done;
    };
    let Ok(mut url) = current.join(location.trim()) else {
        return Next::Stop(Refusal::BadLocation(location.to_owned()));
    };
    url.set_fragment(None);
    // The mini program never sends user:password@; neither is it ever shown.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let secure = |u: &Url| matches!(u.scheme(), "https" | "wss");
    let downgrade = secure(current) && !secure(&url);
    if downgrade || !matches!(url.scheme(), "https" | "http" | "wss" | "ws") {
        return Next::Stop(Refusal::Insecure(url));
    }
    if url.host_str() != current.host_str() {
        return Next::Stop(Refusal::OtherHost(url));
    }
    if url.port() != current.port() && secure(current) {
        return Next::Stop(Refusal::OtherPort(url));
    }
    if url.as_str().len() > MAX_LOCATION {
        return Next::Stop(Refusal::BadLocation(location.chars().take(80).collect::<String>() + "…"));
    }
    if visited.contains(&url) {
        return Next::Stop(Refusal::Loop(url));
    }
    let followed = u32::try_from(visited.len().saturating_sub(1)).unwrap_or(u32::MAX);
    if followed >= max {
        return Next::Stop(Refusal::TooMany(max));
    }
    let becomes_get = status == 303 && method != "HEAD" || matches!(status, 301 | 302) && method == "POST";
    let method = if becomes_get { "GET".to_owned() } else { method.to_owned() };
    Next::Follow { url, method, keep_body: !becomes_get }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn after(status: u32, location: &str) -> Next {
        let here = url("https://api.test/a");
        next(&here, status, Some(location), std::slice::from_ref(&here), 20, "GET")
    }

    #[test]
    fn follows_same_host_redirects() {
        let follow = |to: &str| Next::Follow { url: url(to), method: "GET".into(), keep_body: true };
        assert_eq!(after(302, "/b"), follow("https://api.test/b"));
        assert_eq!(after(301, "https://api.test:443/b#frag"), follow("https://api.test/b"));
        assert_eq!(after(308, "b?x=1"), follow("https://api.test/b?x=1"));
    }

    #[test]
    fn refuses_other_hosts_http_and_loops() {
        assert_eq!(after(302, "https://other.test/"), Next::Stop(Refusal::OtherHost(url("https://other.test/"))));
        assert_eq!(after(302, "https://x.api.test/"), Next::Stop(Refusal::OtherHost(url("https://x.api.test/"))));
        assert_eq!(
            after(301, "https://api.test:8443/b"),
            Next::Stop(Refusal::OtherPort(url("https://api.test:8443/b"))),
            "another port is another origin"
        );
        assert_eq!(after(307, "http://api.test/b"), Next::Stop(Refusal::Insecure(url("http://api.test/b"))));
        assert_eq!(after(302, "/a"), Next::Stop(Refusal::Loop(url("https://api.test/a"))));
        assert_eq!(after(302, "https://[bad"), Next::Stop(Refusal::BadLocation("https://[bad".into())));
    }

    #[test]
    fn websocket_urls_stay_secure_on_the_same_host() {
        let here = url("wss://api.test/ws");
        let next = next(&here, 302, Some("/ws2"), std::slice::from_ref(&here), 20, "GET");
        assert!(matches!(next, Next::Follow { ref url, .. } if url.as_str() == "wss://api.test/ws2"), "{next:?}");
        let down = super::next(&here, 302, Some("ws://api.test/ws"), std::slice::from_ref(&here), 20, "GET");
        assert!(matches!(down, Next::Stop(Refusal::Insecure(_))));
    }

    #[test]
    fn stops_after_max_redirects() {
        let visited: Vec<Url> = (0..3).map(|i| url(&format!("https://api.test/{i}"))).collect();
        let here = visited.last().unwrap();
        assert_eq!(next(here, 302, Some("/x"), &visited, 2, "GET"), Next::Stop(Refusal::TooMany(2)));
        assert!(matches!(next(here, 302, Some("/x"), &visited, 3, "GET"), Next::Follow { .. }));
    }

    #[test]
    fn non_redirects_and_missing_locations_are_final() {
        let here = url("https://api.test/");
        for (status, location) in [(200, Some("/x")), (304, Some("/x")), (302, None)] {
            assert_eq!(next(&here, status, location, &[], 20, "GET"), Next::Done);
        }
    }

    #[test]
    fn post_becomes_get_like_a_browser() {
        let here = url("https://api.test/a");
        let to = |status| next(&here, status, Some("/b"), std::slice::from_ref(&here), 20, "POST");
        assert!(matches!(to(302), Next::Follow { ref method, keep_body: false, .. } if method == "GET"));
        assert!(matches!(to(303), Next::Follow { ref method, keep_body: false, .. } if method == "GET"));
        assert!(matches!(to(307), Next::Follow { ref method, keep_body: true, .. } if method == "POST"));
    }
}
