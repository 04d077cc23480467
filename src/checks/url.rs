//! Step 4 and step 0: the rules a URL and a request must follow before any
//! packet leaves the phone — scheme, host, port, ICP filing, length, method,
//! headers. No network needed.

use std::net::IpAddr;

use url::Host;

use super::wx::Phone;
use super::{Check, CheckId, Context};
use crate::lang::Lang;
use crate::request::{MAX_URL_BYTES, WX_METHODS};
use crate::say;

pub(super) fn checks(cx: &Context<'_>) -> Vec<Check> {
    vec![scheme(cx), host(cx), port(cx), icp(cx), length(cx), method(cx), header(cx)]
}

fn scheme(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::UrlScheme, cx.lang);
    let api = cx.probe.request.api;
    let (want, name) = (api.scheme(), api.name());
    match cx.target.url.scheme() {
        scheme if scheme == want => Check::pass(id, scheme.to_owned()),
        "http" | "https" | "ws" | "wss" => Check::fail(
            id,
            say!(
                lang,
                "{}: is refused; wx.{name} only requests {want}: URLs",
                "{}: 会被拒绝：wx.{name} 只能请求 {want}: 地址",
                cx.target.url.scheme()
            ),
        )
        .hint(say!(
            lang,
            "serve it over TLS and change the URL to {want}://",
            "为服务开启 TLS，并把 URL 改成 {want}://"
        )),
        other => Check::fail(
            id,
            say!(lang, "{other}: is not a scheme wx.{name} can request", "wx.{name} 不能请求 {other}: 协议的地址"),
        )
        .hint(say!(lang, "wx.{name} takes {want}:// URLs", "wx.{name} 只接受 {want}:// 开头的地址"))
        .phone(Phone::InvalidUrl),
    }
}

fn host(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::UrlHost, cx.lang);
    let ip = match cx.target.url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(Host::Domain(name)) if name == "localhost" || name.ends_with(".localhost") => {
            return Check::fail(
                id,
                say!(
                    lang,
                    "{name} is localhost, which the phone cannot reach and the allow-list cannot hold",
                    "{name} 指向本机（localhost）：手机访问不到，合法域名里也无法配置"
                ),
            )
            .hint(say!(lang, "use the server's public domain name", "请改用服务器的公网域名"));
        }
        Some(Host::Domain(name)) if cx.target.has_credentials() => {
            return Check::warn(
                id,
                say!(
                    lang,
                    "{name} is a domain name, but the URL carries credentials (user:password@), masked in this report",
                    "{name} 是域名，但 URL 里带有账号密码（user:password@），本报告中已隐去"
                ),
            )
            .hint(say!(
                lang,
                "the mini program does not send URL credentials: remove them, and send tokens in a header",
                "小程序不会发送 URL 中的账号密码：请去掉它们，改用请求头传递令牌"
            ));
        }
        Some(Host::Domain(name)) => return Check::pass(id, say!(lang, "{name} is a domain name", "{name} 是域名")),
        None => {
            return Check::fail(id, say!(lang, "the URL has no host", "URL 中没有主机名"))
                .hint(say!(lang, "write the URL as https://host/path", "请把 URL 写成 https://域名/路径 的形式"))
                .phone(Phone::InvalidUrl);
        }
    };
    if is_private_lan(ip) {
        return Check::warn(
            id,
            say!(
                lang,
                "{ip} is a private-LAN address: allowed only for LAN communication, not as a request domain",
                "{ip} 是局域网地址：只能用于局域网通信，不能作为请求域名"
            ),
        )
        .hint(say!(
            lang,
            "for anything but LAN devices, use a domain name with ICP filing",
            "除了访问局域网设备，请使用已备案的域名"
        ));
    }
    Check::fail(
        id,
        say!(
            lang,
            "{ip} is an IP address; the allow-list only holds domain names",
            "{ip} 是 IP 地址；合法域名只能配置域名"
        ),
    )
    .hint(say!(
        lang,
        "give the server a domain name (with ICP filing) and request that",
        "为服务器配置一个（已备案的）域名，并改用域名请求"
    ))
}

/// RFC 1918 IPv4 and unique-local IPv6 (fc00::/7): the mini program's "LAN communication".
pub(super) fn is_private_lan(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_private(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

fn port(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::UrlPort, cx.lang);
    let Some(port) = cx.target.explicit_port else {
        return Check::pass(id, say!(lang, "the URL carries no port", "URL 没有带端口"));
    };
    let entries = cx.rules.allow_list.as_deref().unwrap_or_default();
    if let Some(entry) = entries.iter().find(|e| e.allows(cx.target)) {
        let raw = &entry.raw;
        return Check::pass(
            id,
            say!(
                lang,
                "port {port} is allowed by the allow-list entry {raw}",
                "端口 {port} 与合法域名配置项 {raw} 一致"
            ),
        );
    }
    Check::fail(
        id,
        say!(
            lang,
            "the URL carries port {port}, and no allow-list entry carries that exact port",
            "URL 带有端口 {port}，但没有哪个合法域名配置项带有完全相同的端口"
        ),
    )
    .hint(say!(
        lang,
        "drop :{port} from the URL (serve on 443), or configure the origin with :{port} in the allow-list",
        "去掉 URL 里的 :{port}（改用 443 端口提供服务），或在合法域名中配置带 :{port} 的地址"
    ))
    .data("port", port)
}

fn icp(cx: &Context<'_>) -> Check {
    let (host, lang) = (cx.target.host(), cx.lang);
    Check::info(
        CheckId::IcpFiling,
        say!(
            lang,
            "ICP filing of {host} cannot be verified from outside; look it up at https://beian.miit.gov.cn",
            "无法从外部确认 {host} 是否已 ICP 备案；请到 https://beian.miit.gov.cn 查询"
        ),
    )
    .hint(say!(
        lang,
        "the allow-list accepts only domains with ICP filing (备案); the admin console refuses others",
        "合法域名只能配置已备案的域名，未备案的域名在后台无法添加"
    ))
}

fn length(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::UrlLength, cx.lang);
    let text = cx.probe.request.url_text(&cx.target.raw);
    let bytes = text.len();
    let appended = text != cx.target.raw.trim();
    let with_data = match (appended, lang) {
        (false, _) => "",
        (true, Lang::En) => " with --data as its query",
        (true, Lang::Zh) => "（含 --data 转成的查询参数）",
    };
    if bytes > MAX_URL_BYTES {
        return Check::fail(
            id,
            say!(
                lang,
                "the URL{with_data} is {bytes} bytes, over the {MAX_URL_BYTES}-byte limit",
                "URL{with_data}长 {bytes} 字节，超过了 {MAX_URL_BYTES} 字节的上限"
            ),
        )
        .hint(say!(
            lang,
            "send large parameters in a POST body instead of the query string",
            "把较大的参数放到 POST 请求体里，而不是查询字符串中"
        ))
        .data("bytes", bytes);
    }
    Check::pass(
        id,
        say!(
            lang,
            "{bytes} bytes{with_data} (limit {MAX_URL_BYTES})",
            "{bytes} 字节{with_data}（上限 {MAX_URL_BYTES}）"
        ),
    )
    .data("bytes", bytes)
}

fn method(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::RequestMethod, cx.lang);
    let request = &cx.probe.request;
    let method = request.method();
    if request.method_is_valid() {
        return Check::pass(id, method.to_owned());
    }
    let methods = WX_METHODS.join(" ");
    Check::fail(
        id,
        say!(
            lang,
            "'{method}' is not a method wx.request accepts ({methods})",
            "wx.request 不支持请求方法 '{method}'（只支持 {methods}）"
        ),
    )
    .hint(say!(
        lang,
        "use one of those, in uppercase; the request is not sent otherwise",
        "请使用其中之一，并且必须大写；否则请求不会发出"
    ))
}

fn header(cx: &Context<'_>) -> Check {
    let (id, lang) = (CheckId::RequestHeader, cx.lang);
    let given = cx.probe.request.headers.len();
    if let Some(referer) = cx.probe.request.header("referer") {
        return Check::warn(
            id,
            say!(lang, "a Referer header was given ({referer}), but the mini program cannot set it", "指定了 Referer 请求头（{referer}），但小程序无法设置它"),
        )
        .hint(say!(
            lang,
            "the phone always sends https://servicewechat.com/{{appid}}/{{version}}/page-frame.html; do not rely on your own",
            "手机总是发送 https://servicewechat.com/{{appid}}/{{version}}/page-frame.html，不要依赖自定义的 Referer"
        ));
    }
    let s = if given == 1 { "" } else { "s" };
    Check::pass(id, say!(lang, "{given} extra header{s}", "{given} 个自定义请求头"))
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
