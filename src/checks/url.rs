//! Step 4 and step 0: the rules a URL and a request must follow before any
//! packet leaves the phone — scheme, host, port, ICP filing, length, method,
//! headers. No network needed.

use std::net::IpAddr;

use url::Host;

use super::wx::Wx;
use super::{Check, CheckId, Context};
use crate::request::{MAX_URL_BYTES, WX_METHODS};

pub(super) fn checks(cx: &Context<'_>) -> [Check; 7] {
    [scheme(cx), host(cx), port(cx), icp(cx), length(cx), method(cx), header(cx)]
}

fn scheme(cx: &Context<'_>) -> Check {
    let id = CheckId::UrlScheme;
    match cx.target.url.scheme() {
        "https" => Check::pass(id, "https"),
        "http" => Check::fail(id, "http: is refused; wx.request only requests https: URLs")
            .hint("serve the API over HTTPS and change the URL to https://")
            .wx(Some(Wx::not_in_domain_list())),
        other => Check::fail(id, format!("{other}: is not a scheme wx.request can request"))
            .hint("wx.request takes https:// URLs")
            .wx(Some(Wx::invalid_url())),
    }
}

fn host(cx: &Context<'_>) -> Check {
    let id = CheckId::UrlHost;
    let ip = match cx.target.url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(name)) if name == "localhost" || name.ends_with(".localhost") => {
            return Check::fail(
                id,
                format!("{name} is localhost, which the phone cannot reach and the allow-list cannot hold"),
            )
            .hint("use the server's public domain name")
            .wx(Some(Wx::not_in_domain_list()));
        }
        Some(Host::Domain(name)) => return Check::pass(id, format!("{name} is a domain name")),
        None => return Check::fail(id, "the URL has no host").wx(Some(Wx::invalid_url())),
    };
    if is_private_lan(ip) {
        return Check::warn(
            id,
            format!("{ip} is a private-LAN address: allowed only for LAN communication, not as a request domain"),
        )
        .hint("for anything but LAN devices, use a domain name with ICP filing");
    }
    Check::fail(id, format!("{ip} is an IP address; the allow-list only holds domain names"))
        .hint("give the server a domain name (with ICP filing) and request that")
        .wx(Some(Wx::not_in_domain_list()))
}

/// RFC 1918 IPv4 and unique-local IPv6 (fc00::/7): the mini program's "LAN communication".
fn is_private_lan(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

fn port(cx: &Context<'_>) -> Check {
    let id = CheckId::UrlPort;
    let Some(port) = cx.target.explicit_port else {
        return Check::pass(id, "the URL carries no port");
    };
    let entries = cx.options.allow_list.as_deref().unwrap_or_default();
    if let Some(entry) = entries.iter().find(|e| e.allows(cx.target)) {
        return Check::pass(id, format!("port {port} is allowed by the allow-list entry {}", entry.raw));
    }
    Check::fail(id, format!("the URL carries port {port}, and no allow-list entry carries that exact port"))
        .hint(format!(
            "drop :{port} from the URL (serve on 443), or configure the origin with :{port} in the allow-list"
        ))
        .wx(Some(Wx::not_in_domain_list()))
        .data("port", port)
}

fn icp(cx: &Context<'_>) -> Check {
    let host = cx.target.host();
    Check::info(
        CheckId::IcpFiling,
        format!("ICP filing of {host} cannot be verified from outside; look it up at https://beian.miit.gov.cn"),
    )
    .hint("the allow-list accepts only domains with ICP filing (备案); the admin console refuses others")
}

fn length(cx: &Context<'_>) -> Check {
    let id = CheckId::UrlLength;
    let text = cx.options.request.url_text(&cx.target.raw);
    let bytes = text.len();
    let with_data = if text != cx.target.raw.trim() { " with --data as its query" } else { "" };
    if bytes > MAX_URL_BYTES {
        return Check::fail(id, format!("the URL{with_data} is {bytes} bytes, over the {MAX_URL_BYTES}-byte limit"))
            .hint("send large parameters in a POST body instead of the query string")
            .wx(Some(Wx::invalid_url()))
            .data("bytes", bytes);
    }
    Check::pass(id, format!("{bytes} bytes{with_data} (limit {MAX_URL_BYTES})")).data("bytes", bytes)
}

fn method(cx: &Context<'_>) -> Check {
    let id = CheckId::RequestMethod;
    let method = &cx.options.request.method;
    if cx.options.request.method_is_valid() {
        return Check::pass(id, method.clone());
    }
    Check::fail(id, format!("'{method}' is not a method wx.request accepts ({})", WX_METHODS.join(" ")))
        .hint("use one of those, in uppercase; the request is not sent otherwise")
}

fn header(cx: &Context<'_>) -> Check {
    let id = CheckId::RequestHeader;
    let given = &cx.options.request.headers;
    if let Some(referer) = cx.options.request.header("referer") {
        return Check::warn(id, format!("a Referer header was given ({referer}), but the mini program cannot set it"))
            .hint("the phone always sends https://servicewechat.com/{appid}/{version}/page-frame.html; do not rely on your own");
    }
    Check::pass(id, format!("{} extra header{}", given.len(), if given.len() == 1 { "" } else { "s" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_lan_ranges() {
        for (ip, private) in [
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("192.168.1.1", true),
            ("8.8.8.8", false),
            ("127.0.0.1", false),
            ("fd00::1", true),
            ("2001:db8::1", false),
        ] {
            assert_eq!(is_private_lan(ip.parse().unwrap()), private, "{ip}");
        }
    }
}
