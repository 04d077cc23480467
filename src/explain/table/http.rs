//! Answers for the request itself: the response, HTTP/2, redirects, and the
//! mini program's own rules (the allow-list, the URL).

use super::Entry;
use crate::checks::CheckId::*;

pub const EMPTY_RESPONSE: Entry = Entry {
    key: "net.empty_response",
    step: 0,
    checks: &[HttpResponse],
    meaning: ("the server closed the connection without an HTTP response", "服务器没有返回任何 HTTP 响应就关闭了连接"),
    causes: &[
        (HttpResponse, "the application crashed or timed out behind a proxy", "应用在代理后面崩溃或超时"),
        (HttpResponse, "a proxy or WAF drops this request", "代理或 WAF 丢弃了这个请求"),
    ],
    fix: (
        "find in the proxy's and the application's logs why this request gets no answer",
        "在代理和应用的日志中查明这个请求为何没有得到响应",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const HEADERS_TOO_BIG: Entry = Entry {
    key: "net.response_headers_too_big",
    step: 0,
    checks: &[HttpResponse],
    meaning: (
        "the response head is larger than the phone accepts (256 KiB)",
        "响应头超过了手机能接受的大小（256 KiB）",
    ),
    causes: &[
        (
            HttpResponse,
            "large or many Set-Cookie headers (e.g. session data kept in cookies)",
            "Set-Cookie 头过大或过多（如把会话数据放在 Cookie 里）",
        ),
        (HttpResponse, "a proxy or application that repeats headers", "代理或应用重复添加响应头"),
    ],
    fix: (
        "keep the response head well under 256 KiB: move large data out of headers and cookies",
        "把响应头控制在 256 KiB 以内：不要把大量数据放在响应头和 Cookie 里",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const INVALID_RESPONSE: Entry = Entry {
    key: "net.invalid_http_response",
    step: 0,
    checks: &[HttpResponse],
    meaning: ("the response head is one the phone refuses", "响应头有手机无法接受的错误"),
    causes: &[
        (
            HttpResponse,
            "two Content-Length, Location or Content-Disposition headers that disagree (often a proxy adds a second)",
            "两个互相矛盾的 Content-Length、Location 或 Content-Disposition 头（常见原因是代理又加了一个）",
        ),
        (
            HttpResponse,
            "a NUL byte in the head, or a connection closed in the middle of it",
            "响应头中含有 NUL 字节，或响应头未发完连接就关闭了",
        ),
    ],
    fix: (
        "send Content-Length, Location and Content-Disposition once each (check what the proxy adds) in a well-formed head",
        "Content-Length、Location、Content-Disposition 各只发送一次（检查代理是否重复添加），并保证响应头格式正确",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const BODY_BROKEN: Entry = Entry {
    key: "net.response_body_incomplete",
    step: 0,
    checks: &[HttpResponse],
    meaning: ("the response body broke off, or its chunks were malformed", "响应体中途中断，或分块格式有误"),
    causes: &[
        (
            HttpResponse,
            "the server or a proxy stopped sending in the middle of the body: a crash or timeout behind it",
            "服务器或代理在发送响应体的中途停止：其后的应用崩溃或超时",
        ),
        (HttpResponse, "a Content-Length that does not match the body", "Content-Length 与响应体长度不符"),
    ],
    fix: (
        "send the whole body, with a Content-Length that matches it or complete chunks; check the proxy's and the application's timeouts",
        "完整发送响应体：Content-Length 与实际长度一致，或分块完整；并检查代理和应用的超时设置",
    ),
    flags: "",
    errno: Some(600_001),
};

pub const HTTP2: Entry = Entry {
    key: "net.http2_protocol_error",
    step: 0,
    checks: &[HttpResponse, TlsHandshake],
    meaning: (
        "the server ended the request's HTTP/2 stream or connection with an error",
        "服务器以错误结束了请求所在的 HTTP/2 流或连接",
    ),
    causes: &[
        (
            HttpResponse,
            "the server or a proxy in front of it resets the stream (RST_STREAM) or closes the connection (GOAWAY) for this request",
            "服务器或其前置代理对这个请求重置了流（RST_STREAM）或关闭了连接（GOAWAY）",
        ),
        (
            HttpResponse,
            "a broken HTTP/2 setup: headers HTTP/2 forbids (Connection, Transfer-Encoding), or a backend that speaks only HTTP/1.1 behind an h2 proxy",
            "HTTP/2 配置有误：返回了 HTTP/2 不允许的响应头（Connection、Transfer-Encoding），或前置代理后的后端只支持 HTTP/1.1",
        ),
    ],
    fix: (
        "fix the HTTP/2 setup (no Connection or Transfer-Encoding headers, a backend that speaks what the proxy sends it), or leave enableHttp2 off in wx.request",
        "修正 HTTP/2 配置（不返回 Connection、Transfer-Encoding 头，后端支持代理转发所用的协议），或在 wx.request 中不开启 enableHttp2",
    ),
    flags: "--enable-http2",
    errno: Some(600_001),
};

/// What to change when HTTP/3 fails: the same for its two errors.
const QUIC_FIX: (&str, &str) = (
    "stop advertising h3 in Alt-Svc until HTTP/3 works, or make it work: UDP 443 open end to end, a load balancer that forwards QUIC, the same certificate as over TCP",
    "在 HTTP/3 可用之前不要在 Alt-Svc 中声明 h3，或修好它：端到端放行 UDP 443、使用能转发 QUIC 的负载均衡、与 TCP 上相同的证书",
);

pub const QUIC_PROTOCOL: Entry = Entry {
    key: "net.quic_protocol_error",
    step: 0,
    checks: &[HttpQuic, HttpResponse],
    meaning: (
        "the request's HTTP/3 (QUIC) connection failed with a protocol error",
        "请求所用的 HTTP/3（QUIC）连接因协议错误而失败",
    ),
    causes: &[
        (
            HttpQuic,
            "the server advertises HTTP/3 (an Alt-Svc header with h3) but its QUIC service breaks after the handshake: a load balancer that does not forward QUIC all the way, or a firewall that drops UDP 443 mid-connection",
            "服务器声明支持 HTTP/3（Alt-Svc 头含 h3），但其 QUIC 服务在握手之后出错：前置的负载均衡未完整转发 QUIC，或防火墙在连接中途丢弃 UDP 443 的数据包",
        ),
        (
            HttpQuic,
            "an HTTP/3 server or proxy with a QUIC bug: it resets the request stream or closes the connection with an error",
            "HTTP/3 服务器或代理的 QUIC 实现有缺陷：重置请求流，或以错误关闭连接",
        ),
    ],
    fix: QUIC_FIX,
    flags: "--http3",
    errno: Some(600_001),
};

pub const QUIC_HANDSHAKE: Entry = Entry {
    key: "net.quic_handshake_failed",
    step: 0,
    checks: &[HttpQuic, TlsHandshake],
    meaning: (
        "the phone could not complete an HTTP/3 (QUIC) handshake with the server",
        "手机无法与服务器完成 HTTP/3（QUIC）握手",
    ),
    causes: &[
        (
            HttpQuic,
            "the server advertises HTTP/3 (an Alt-Svc header with h3) but UDP 443 is blocked by a firewall or cloud security group",
            "服务器声明支持 HTTP/3（Alt-Svc 头含 h3），但 UDP 443 被防火墙或云安全组拦截",
        ),
        (
            HttpQuic,
            "the QUIC listener refuses the phone: no h3 in its ALPN, or only a QUIC version the phone does not offer (a draft, not version 1)",
            "QUIC 监听拒绝了手机：其 ALPN 中没有 h3，或只支持手机不提供的 QUIC 版本（草案版本而非版本 1）",
        ),
        (
            HttpQuic,
            "the QUIC listener's TLS setup differs from the TCP one: another certificate, or a chain the phone refuses",
            "QUIC 监听的 TLS 配置与 TCP 不同：证书不同，或证书链不被手机接受",
        ),
    ],
    fix: QUIC_FIX,
    flags: "--http3",
    errno: Some(600_001),
};

pub const TOO_MANY_REDIRECTS: Entry = Entry {
    key: "redirect.too_many",
    step: 6,
    checks: &[HttpRedirect],
    meaning: ("the request was redirected too many times", "请求被重定向的次数过多"),
    causes: &[
        (
            HttpRedirect,
            "a redirect loop (two rules sending the request back and forth)",
            "重定向循环（两条规则来回跳转）",
        ),
        (HttpRedirect, "a long chain of redirects", "重定向链过长"),
    ],
    fix: (
        "make the final URL answer without a redirect: remove the loop (watch http→https and trailing-slash rules)",
        "让最终地址直接返回结果：消除重定向循环（注意 http→https 和末尾斜杠的规则）",
    ),
    flags: "",
    errno: Some(600_008),
};

pub const NOT_IN_DOMAIN_LIST: Entry = Entry {
    key: "wx.url_not_in_domain_list",
    step: 2,
    checks: &[DomainAllowlist, UrlPort, UrlScheme, UrlHost, HttpRedirect],
    meaning: (
        "release builds refuse an origin that is not on the request allow-list",
        "正式版会拒绝不在 request 合法域名中的地址",
    ),
    causes: &[
        (
            DomainAllowlist,
            "the origin is not configured in 服务器域名 → request合法域名 (or a parent domain is configured instead)",
            "没有在「服务器域名 → request合法域名」中配置该地址（或只配置了上级域名）",
        ),
        (
            UrlPort,
            "the URL carries a port the configured entry does not have (or the other way round)",
            "URL 带的端口与配置项不一致（或相反）",
        ),
        (
            UrlScheme,
            "the URL is http: or uses an IP address / localhost, which cannot be configured",
            "URL 使用了 http:、IP 地址或 localhost，这些都无法配置",
        ),
        (HttpRedirect, "a redirect to another domain", "请求被重定向到了其他域名"),
        (
            DomainAllowlist,
            "the list was changed recently: the phone still has the old list (reopen the mini program)",
            "刚修改过合法域名，手机上仍是旧列表（重新打开小程序）",
        ),
    ],
    fix: (
        "add the exact origin (https://host, with the port if the URL has one) under 开发管理 → 开发设置 → 服务器域名 → request合法域名, then reopen the mini program",
        "在「开发管理 → 开发设置 → 服务器域名 → request合法域名」中添加完全一致的地址（https://域名，URL 带端口时也要带上），然后重新打开小程序",
    ),
    flags: "--allow-domain https://YOUR-DOMAIN",
    errno: Some(600_002),
};

pub const INVALID_URL: Entry = Entry {
    key: "wx.invalid_url",
    step: 4,
    checks: &[UrlScheme, UrlHost, UrlLength],
    meaning: ("the URL cannot be requested as written", "URL 的写法无法发起请求"),
    causes: &[
        (UrlScheme, "a missing or wrong scheme (not https://)", "缺少协议或协议不对（不是 https://）"),
        (UrlLength, "the URL (with data as its query) is over 1024 bytes", "URL（含 GET 参数）超过 1024 字节"),
        (UrlHost, "an empty or malformed host", "主机名为空或格式错误"),
    ],
    fix: (
        "request an https:// URL with a valid host name, at most 1024 bytes with its query",
        "请求以 https:// 开头、主机名合法、含参数不超过 1024 字节的 URL",
    ),
    flags: "",
    errno: Some(600_009),
};
