//! What each error a phone shows means: the triage step, the checks that
//! confirm it, and the likely causes in the order to suspect them. The data
//! behind `reqdoctor explain`; docs/wx-errors.md lists the same mapping.

use crate::checks::CheckId;

/// One kind of failure a developer can paste.
pub struct Entry {
    /// A stable key for scripts, e.g. `net.cert_authority_invalid`.
    pub key: &'static str,
    pub step: u8,
    /// The checks that confirm or rule it out, most telling first.
    pub checks: &'static [CheckId],
    /// What the error means, in English and Chinese.
    pub meaning: (&'static str, &'static str),
    /// Likely causes in order: the check that names each, and the cause in both languages.
    pub causes: &'static [(CheckId, &'static str, &'static str)],
    /// Extra options worth adding to the confirming `reqdoctor check`.
    pub flags: &'static str,
    /// The errno the phone reports with it, when there is one.
    pub errno: Option<u32>,
}

use CheckId::*;

pub const NAME_NOT_RESOLVED: Entry = Entry {
    key: "net.name_not_resolved",
    step: 1,
    checks: &[DnsResolve],
    meaning: ("the phone could not resolve the host name", "手机无法解析该域名"),
    causes: &[
        (
            DnsResolve,
            "the host name is misspelt, not registered, or has no A/AAAA record",
            "域名拼写有误、未注册，或没有 A/AAAA 记录",
        ),
        (
            DnsResolve,
            "the domain's DNS servers fail (SERVFAIL) or do not answer",
            "域名的权威 DNS 服务器故障（SERVFAIL）或不应答",
        ),
        (
            DnsResolve,
            "the phone's network has no working DNS (captive Wi-Fi, VPN, no signal)",
            "手机所在网络的 DNS 不可用（需要认证的 Wi-Fi、VPN、信号差）",
        ),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CONNECTION_REFUSED: Entry = Entry {
    key: "net.connection_refused",
    step: 1,
    checks: &[TcpConnect],
    meaning: ("the server's address refused the TCP connection", "服务器地址拒绝了 TCP 连接"),
    causes: &[
        (
            TcpConnect,
            "nothing listens on port 443 (the HTTPS server is down or on another port)",
            "443 端口没有服务在监听（HTTPS 服务未启动或不在这个端口）",
        ),
        (TcpConnect, "a firewall rejects the connection", "防火墙拒绝了连接"),
        (DnsResolve, "the DNS record points at the wrong server", "DNS 记录指向了错误的服务器"),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CONNECTION_TIMED_OUT: Entry = Entry {
    key: "net.connection_timed_out",
    step: 1,
    checks: &[TcpConnect, TimeoutBudget],
    meaning: ("no answer to the TCP connection attempt", "TCP 连接没有得到响应"),
    causes: &[
        (
            TcpConnect,
            "a firewall or cloud security group drops inbound TCP 443",
            "防火墙或云安全组丢弃了 443 端口的入站连接",
        ),
        (TcpConnect, "one of the domain's addresses (often IPv6) is dead", "域名的某个地址（常见是 IPv6）不可达"),
        (TcpConnect, "the server is overloaded or down", "服务器过载或已宕机"),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const ADDRESS_UNREACHABLE: Entry = Entry {
    key: "net.address_unreachable",
    step: 1,
    checks: &[TcpConnect, DnsResolve],
    meaning: ("the phone has no route to the server's address", "手机没有到服务器地址的路由"),
    causes: &[
        (
            DnsResolve,
            "an AAAA (IPv6) record on a network without IPv6, or a private address in DNS",
            "在没有 IPv6 的网络里解析到了 AAAA 记录，或 DNS 里写了内网地址",
        ),
        (TcpConnect, "the address is not routed from the phone's network", "该地址在手机所在网络中不可路由"),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CONNECTION_RESET: Entry = Entry {
    key: "net.connection_reset",
    step: 3,
    checks: &[TlsHandshake, TcpConnect],
    meaning: ("the connection was reset", "连接被重置"),
    causes: &[
        (
            TlsHandshake,
            "a firewall, proxy or security device resets HTTPS to this host",
            "防火墙、代理或安全设备重置了到该主机的 HTTPS 连接",
        ),
        (TlsVersion, "an old server that resets TLS 1.2/1.3 clients", "老旧服务器对 TLS 1.2/1.3 客户端直接重置连接"),
        (TcpConnect, "the server process crashes or restarts under load", "服务进程在负载下崩溃或重启"),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CONNECTION_CLOSED: Entry = Entry {
    key: "net.connection_closed",
    step: 3,
    checks: &[TlsHandshake, TlsVersion],
    meaning: ("the server closed the connection without an answer", "服务器没有应答就关闭了连接"),
    causes: &[
        (
            TlsHandshake,
            "no certificate is configured for this host name (SNI), so the server hangs up",
            "服务器没有为这个域名（SNI）配置证书，于是直接断开",
        ),
        (TlsVersion, "the server only speaks TLS 1.0/1.1", "服务器只支持 TLS 1.0/1.1"),
        (TlsHandshake, "the port does not serve HTTPS", "该端口提供的不是 HTTPS 服务"),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const SSL_PROTOCOL_ERROR: Entry = Entry {
    key: "net.ssl_protocol_error",
    step: 3,
    checks: &[TlsHandshake, TlsVersion],
    meaning: ("the TLS handshake failed", "TLS 握手失败"),
    causes: &[
        (TlsHandshake, "port 443 answers in plain HTTP or another protocol", "443 端口返回的是明文 HTTP 或其他协议"),
        (TlsVersion, "the server only offers TLS 1.0/1.1", "服务器只提供 TLS 1.0/1.1"),
        (
            TlsHandshake,
            "a broken TLS configuration or proxy in front of the server",
            "TLS 配置有误，或服务器前面的代理有问题",
        ),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const VERSION_OR_CIPHER: Entry = Entry {
    key: "net.ssl_version_or_cipher_mismatch",
    step: 3,
    checks: &[TlsVersion, TlsHandshake, CertKey],
    meaning: (
        "the phone and the server share no TLS version or cipher suite",
        "手机和服务器没有共同支持的 TLS 版本或加密套件",
    ),
    causes: &[
        (
            TlsVersion,
            "the server supports only TLS 1.0/1.1; phones require TLS 1.2 or newer",
            "服务器只支持 TLS 1.0/1.1，而手机要求 TLS 1.2 及以上",
        ),
        (
            TlsHandshake,
            "only legacy cipher suites are enabled (no ECDHE with AES-GCM or ChaCha20)",
            "只启用了老旧加密套件（没有 ECDHE + AES-GCM 或 ChaCha20）",
        ),
        (
            CertKey,
            "the certificate's key is one the phone cannot use (e.g. Ed25519, P-521)",
            "证书的密钥类型手机不支持（如 Ed25519、P-521）",
        ),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CERT_NAME: Entry = Entry {
    key: "net.cert_common_name_invalid",
    step: 3,
    checks: &[CertHostname],
    meaning: ("the certificate is not for this host name", "证书与请求的域名不匹配"),
    causes: &[
        (
            CertHostname,
            "the host is missing from the certificate's subjectAltName (the CN is ignored)",
            "证书的 subjectAltName 里没有这个域名（CN 不起作用）",
        ),
        (
            CertHostname,
            "a wildcard one level too shallow (*.example.com does not cover a.b.example.com)",
            "通配符层级不够（*.example.com 不覆盖 a.b.example.com）",
        ),
        (
            TlsHandshake,
            "the server sends its default certificate because SNI does not match its config",
            "SNI 没匹配到配置，服务器返回了默认证书",
        ),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CERT_DATE: Entry = Entry {
    key: "net.cert_date_invalid",
    step: 3,
    checks: &[CertExpiry, ClockSkew],
    meaning: ("a certificate is expired or not yet valid", "证书已过期或尚未生效"),
    causes: &[
        (
            CertExpiry,
            "the server's certificate expired and was not renewed (or the server was not reloaded)",
            "服务器证书已过期且未续期（或续期后没有重载服务）",
        ),
        (CertExpiry, "an intermediate certificate in the chain expired", "证书链中的中间证书已过期"),
        (
            CertExpiry,
            "the phone's clock is wrong (reqdoctor judges dates by this machine's clock; check the phone's date settings)",
            "手机时间不准（reqdoctor 按本机时钟判断日期；请检查手机的日期设置）",
        ),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CERT_AUTHORITY: Entry = Entry {
    key: "net.cert_authority_invalid",
    step: 3,
    checks: &[CertChain, CertTrusted],
    meaning: ("the phone does not trust the certificate's issuer", "手机不信任证书的签发机构"),
    causes: &[
        (CertChain, "the server does not send its intermediate certificate", "服务器没有发送中间证书"),
        (CertTrusted, "a self-signed or private-CA certificate", "使用了自签名证书或私有 CA 签发的证书"),
        (
            CertTrusted,
            "a CA that phones do not trust, or a certificate not for TLS servers",
            "签发机构不受手机信任，或证书不是用于 TLS 服务器的",
        ),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const CERT_WEAK_SIGNATURE: Entry = Entry {
    key: "net.cert_weak_signature_algorithm",
    step: 3,
    checks: &[CertSignature],
    meaning: ("a certificate is signed with a broken hash (SHA-1, MD5)", "证书使用了不安全的签名哈希（SHA-1、MD5）"),
    causes: &[(
        CertSignature,
        "an old certificate or intermediate signed with SHA-1",
        "老证书或中间证书使用 SHA-1 签名",
    )],
    flags: "",
    errno: Some(600_001),
};

pub const CERT_WEAK_KEY: Entry = Entry {
    key: "net.cert_weak_key",
    step: 3,
    checks: &[CertKey],
    meaning: ("the certificate's key is too weak", "证书密钥强度不足"),
    causes: &[(CertKey, "an RSA key under 2048 bits", "RSA 密钥短于 2048 位")],
    flags: "",
    errno: Some(600_001),
};

pub const CERT_INVALID: Entry = Entry {
    key: "net.cert_invalid",
    step: 3,
    checks: &[CertTrusted, CertSignature],
    meaning: ("the phone's certificate verifier rejects the chain", "手机的证书校验器拒绝了该证书链"),
    causes: &[
        (
            CertSignature,
            "a certificate on the path is signed with SHA-1 or MD5",
            "证书路径上有证书使用 SHA-1 或 MD5 签名",
        ),
        (
            CertTrusted,
            "a rule of the path is broken: pathLenConstraint, name constraints, an intermediate that is not a CA, extendedKeyUsage without serverAuth, an unknown critical extension",
            "证书路径违反了规则：pathLenConstraint、名称约束、中间证书不是 CA、extendedKeyUsage 缺少 serverAuth、未知的关键扩展",
        ),
        (CertTrusted, "the phone cannot parse the server's certificate", "手机无法解析服务器证书"),
    ],
    flags: "",
    errno: Some(600_001),
};

pub const VALIDITY_TOO_LONG: Entry = Entry {
    key: "net.cert_validity_too_long",
    step: 3,
    checks: &[CertExpiry],
    meaning: ("the certificate is valid for longer than phones allow", "证书有效期超过了手机允许的上限"),
    causes: &[(
        CertExpiry,
        "a certificate from a public CA issued since 2020-09-01 valid for more than 398 days",
        "2020-09-01 之后由公共 CA 签发、有效期超过 398 天的证书",
    )],
    flags: "",
    errno: Some(600_001),
};

pub const CLIENT_AUTH: Entry = Entry {
    key: "net.bad_ssl_client_auth_cert",
    step: 3,
    checks: &[TlsClientCert],
    meaning: (
        "the server demands a client certificate, which a mini program cannot present",
        "服务器要求客户端证书，而小程序无法提供",
    ),
    causes: &[(
        TlsClientCert,
        "mutual TLS on the API host (nginx ssl_verify_client on, a gateway requiring client certificates)",
        "接口域名开启了双向 TLS 认证（nginx ssl_verify_client on，或网关要求客户端证书）",
    )],
    flags: "",
    errno: Some(600_001),
};

pub const KEY_USAGE: Entry = Entry {
    key: "net.ssl_key_usage_incompatible",
    step: 3,
    checks: &[CertKey],
    meaning: (
        "the certificate's keyUsage does not allow what the TLS handshake does with it",
        "证书的 keyUsage 不允许 TLS 握手所需的用途",
    ),
    causes: &[(
        CertKey,
        "keyUsage without digitalSignature, e.g. a CA certificate installed as the server certificate",
        "keyUsage 缺少 digitalSignature，例如把 CA 证书当作服务器证书部署",
    )],
    flags: "",
    errno: Some(600_001),
};

pub const EMPTY_RESPONSE: Entry = Entry {
    key: "net.empty_response",
    step: 0,
    checks: &[HttpResponse],
    meaning: ("the server closed the connection without an HTTP response", "服务器没有返回任何 HTTP 响应就关闭了连接"),
    causes: &[
        (HttpResponse, "the application crashed or timed out behind a proxy", "应用在代理后面崩溃或超时"),
        (HttpResponse, "a proxy or WAF drops this request", "代理或 WAF 丢弃了这个请求"),
    ],
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
    flags: "--enable-http2",
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
    flags: "",
    errno: Some(600_009),
};

pub const TIMEOUT: Entry = Entry {
    key: "wx.timeout",
    step: 5,
    checks: &[TimeoutBudget, DnsResolve, TcpConnect, TlsHandshake],
    meaning: (
        "the request did not finish within networkTimeout.request",
        "请求没有在 networkTimeout.request 规定的时间内完成",
    ),
    causes: &[
        (
            TimeoutBudget,
            "the server answers slower than the timeout in app.json (60000 ms by default)",
            "服务器响应慢于 app.json 中的超时时间（默认 60000 毫秒）",
        ),
        (
            TcpConnect,
            "a dead address (often IPv6) or a firewall that drops packets",
            "某个地址不可达（常见是 IPv6）或防火墙丢包",
        ),
        (TlsHandshake, "the server accepts TCP but never completes TLS", "服务器接受了 TCP 连接但 TLS 握手一直不完成"),
        (DnsResolve, "slow or silent DNS", "DNS 解析慢或不应答"),
    ],
    flags: "--timeout-ms 60000",
    errno: Some(5),
};

pub const SSL_HANDSHAKE: Entry = Entry {
    key: "wx.ssl_handshake_error",
    step: 3,
    checks: &[TlsHandshake, TlsVersion, CertChain, CertTrusted, CertExpiry, CertHostname],
    meaning: ("the HTTPS handshake failed (the phone does not say why)", "HTTPS 握手失败（手机没有给出具体原因）"),
    causes: &[
        (CertChain, "the intermediate certificate is not sent", "没有发送中间证书"),
        (TlsVersion, "the server only speaks TLS 1.0/1.1", "服务器只支持 TLS 1.0/1.1"),
        (CertExpiry, "an expired certificate", "证书已过期"),
        (CertHostname, "a certificate for another host name", "证书与域名不匹配"),
    ],
    flags: "",
    errno: None,
};

pub const OFFLINE: Entry = Entry {
    key: "phone.offline",
    step: 1,
    checks: &[DnsResolve, TcpConnect],
    meaning: ("the phone itself has no working network connection", "手机本身没有可用的网络连接"),
    causes: &[
        (
            DnsResolve,
            "no signal, airplane mode, or WeChat denied mobile data in the phone's settings",
            "没有信号、开了飞行模式，或在系统设置里禁止了微信使用移动数据",
        ),
        (TcpConnect, "a Wi-Fi that needs a login page first", "连接的 Wi-Fi 需要先在网页上认证"),
    ],
    flags: "",
    errno: None,
};

pub const NETWORK_ERROR: Entry = Entry {
    key: "wx.network_error",
    step: 1,
    checks: &[DnsResolve, TcpConnect, TlsHandshake],
    meaning: ("a network-level failure below HTTP", "HTTP 之下的网络层失败"),
    causes: &[
        (DnsResolve, "the host does not resolve", "域名无法解析"),
        (TcpConnect, "the server does not accept connections", "服务器不接受连接"),
        (TlsHandshake, "the HTTPS handshake fails", "HTTPS 握手失败"),
    ],
    flags: "",
    errno: Some(600_001),
};
