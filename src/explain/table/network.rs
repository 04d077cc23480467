//! Answers for the network below TLS: DNS, TCP, the phone's own connection,
//! and the timeout.

use super::Entry;
use crate::checks::CheckId::*;

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
    fix: (
        "add A records for the host at its DNS provider (AAAA only where IPv6 works) and check that the domain's name servers answer",
        "在 DNS 服务商处为该域名添加 A 记录（只在 IPv6 可用时添加 AAAA 记录），并确认域名的权威 DNS 服务器正常应答",
    ),
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
    fix: (
        "start the HTTPS server on the URL's port (443) and allow it in the firewall or cloud security group",
        "在 URL 的端口（443）上启动 HTTPS 服务，并在防火墙或云安全组中放行",
    ),
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
    fix: (
        "allow inbound TCP 443 in the firewall or cloud security group, and remove DNS records of addresses that do not answer",
        "在防火墙或云安全组中放行 443 端口的入站 TCP 连接，并删除不应答地址的 DNS 记录",
    ),
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
    fix: (
        "publish only public addresses that answer; remove the AAAA record if the server has no working IPv6",
        "DNS 中只发布可达的公网地址；服务器没有可用的 IPv6 时删除 AAAA 记录",
    ),
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
    fix: (
        "find what resets the connection in the server's, proxy's or firewall's logs, and enable TLS 1.2/1.3 with modern cipher suites",
        "在服务器、代理或防火墙的日志中查明是谁重置了连接，并启用 TLS 1.2/1.3 和现代加密套件",
    ),
    flags: "",
    errno: Some(600_001),
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
    fix: (
        "on the phone: turn off airplane mode, allow WeChat mobile data or log in to the Wi-Fi, then retry",
        "在手机上关闭飞行模式、允许微信使用移动数据或完成 Wi-Fi 认证，然后重试",
    ),
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
    fix: (
        "run the command below: the first failing check names the cause and its fix",
        "运行下面的命令：第一个失败的检查项会指出原因和修复方法",
    ),
    flags: "",
    errno: Some(600_001),
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
    fix: (
        "make the server answer within the budget, or raise networkTimeout.request in app.json; remove addresses that do not answer from DNS",
        "让服务器在超时时间内响应，或调大 app.json 中的 networkTimeout.request；并从 DNS 中删除不应答的地址",
    ),
    flags: "--timeout-ms 60000",
    errno: Some(5),
};
