//! Step 1, the phone's network: did DNS answer, and does any address accept
//! a TCP connection? Every address family and every address is reported.

use serde_json::json;

use super::wx::{NetError, Phone};
use super::{Check, CheckId, Context, millis, upstream};
use crate::lang::Lang;
use crate::probe::dns::{DnsLookup, DnsServer, Failure, Family};
use crate::probe::tcp::{TcpResult, TcpTrace};
use crate::probe::{ConnTrace, Phase};
use crate::routing::{Fixed, Route};
use crate::say;

pub(super) fn checks(cx: &Context<'_>) -> Vec<Check> {
    vec![dns_resolve(cx), tcp_connect(cx)]
}

fn dns_resolve(cx: &Context<'_>) -> Check {
    let id = CheckId::DnsResolve;
    let lang = cx.lang;
    let Some(conn) = &cx.trace.connection else {
        return Check::skip(id, upstream(cx).unwrap_or_default());
    };
    if let Some(proxy) = &conn.proxy {
        return super::proxy::dns_resolve(proxy, lang);
    }
    match (&conn.route, &conn.dns) {
        (_, Some(lookup)) => judge_lookup(lookup, cx.trace.ran_out == Some(Phase::Dns), cx),
        (Route::Fixed { addrs, why }, None) => {
            let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            let because = match why {
                Fixed::IpLiteral => {
                    say!(lang, "the host is an IP address; nothing to resolve", "主机是 IP 地址，无需解析")
                }
                Fixed::ConnectTo(rule) => {
                    say!(lang, "--connect-to {rule} names the address to use", "--connect-to {rule} 已指定要连接的地址")
                }
                Fixed::Resolve(rule) => {
                    say!(lang, "--resolve {rule} supplies the address", "--resolve {rule} 已提供地址")
                }
            };
            Check::skip(id, because).data("addresses", shown)
        }
        (Route::Dns { .. }, None) => Check::skip(id, say!(lang, "DNS was not asked", "未进行 DNS 查询")),
    }
}

fn judge_lookup(lookup: &DnsLookup, budget_ran_out: bool, cx: &Context<'_>) -> Check {
    let id = CheckId::DnsResolve;
    let lang = cx.lang;
    let addresses = lookup.addresses();
    let shown: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    let data = |check: Check| {
        check
            .data("server", server_name(&lookup.server, Lang::En))
            .data("addresses", shown.clone())
            .data("a", describe(&lookup.v4, Lang::En))
            .data("aaaa", describe(&lookup.v6, Lang::En))
            .data("cnames", lookup.cnames.clone())
            .data("cname_loop", lookup.cname_loop)
            .took(lookup.duration)
    };
    if addresses.is_empty() {
        let (summary, hint) = no_address(lookup, budget_ran_out, cx);
        return data(Check::fail(id, summary).hint(hint));
    }
    let via = match lookup.cnames.as_slice() {
        [] => String::new(),
        names => say!(lang, " via CNAME {}", "，经由 CNAME {}", names.join(" → ")),
    };
    let (host, addrs, ms) = (&lookup.host, shown.join(", "), millis(lookup.duration));
    let server = server_name(&lookup.server, lang);
    let summary = say!(lang, "{host} → {addrs}{via} ({server}, {ms} ms)", "{host} → {addrs}{via}（{server}，{ms} ms）");
    match broken_family(lookup) {
        Some((family, answer)) => {
            let answer = describe(answer, lang);
            let summary = say!(
                lang,
                "{summary}; but the {family} query failed: {answer}",
                "{summary}；但 {family} 记录查询失败：{answer}"
            );
            data(Check::warn(id, summary).hint(say!(
                lang,
                "fix the domain's {family} records or its DNS servers; a phone that asks for {family} first may stall or fail",
                "请修复该域名的 {family} 记录或其 DNS 服务器；优先查询 {family} 记录的手机可能会卡住或请求失败"
            )))
        }
        None => data(Check::pass(id, summary)),
    }
}

/// A family that errored (not merely "no such record") while the other answered;
/// NXDOMAIN counts, since it denies the whole name the other family resolved.
fn broken_family(lookup: &DnsLookup) -> Option<(&'static str, &Family)> {
    let errored = |f: &Family| {
        matches!(
            f,
            Family::NxDomain
                | Family::ServFail
                | Family::Refused
                | Family::Rcode(_)
                | Family::Timeout
                | Family::Error(_)
        )
    };
    if errored(&lookup.v4) {
        Some(("A", &lookup.v4))
    } else if errored(&lookup.v6) {
        Some(("AAAA", &lookup.v6))
    } else {
        None
    }
}

/// Why no address came back, and the fix: an error code first, then silence.
fn no_address(lookup: &DnsLookup, budget_ran_out: bool, cx: &Context<'_>) -> (String, String) {
    let lang = cx.lang;
    if let Some(denied) = denied(lookup, lang) {
        return denied;
    }
    let (host, server) = (&lookup.host, server_name(&lookup.server, lang));
    let families = [&lookup.v4, &lookup.v6];
    if budget_ran_out {
        let budget = cx.probe.timeout.as_millis();
        return (
            say!(
                lang,
                "no DNS answer for {host} before the {budget} ms timeout budget ran out ({server})",
                "在 {budget} ms 超时时间内未收到 {host} 的 DNS 应答（{server}）"
            ),
            say!(
                lang,
                "the DNS server is unreachable or slow; check the network and the resolver",
                "DNS 服务器无法访问或响应过慢；请检查网络和所用的 DNS 服务器"
            ),
        );
    }
    if families.contains(&&Family::Timeout) {
        let ms = millis(lookup.duration);
        return (
            say!(
                lang,
                "no DNS answer for {host} from {server} in {ms} ms",
                "{server} 在 {ms} ms 内未返回 {host} 的 DNS 应答"
            ),
            say!(
                lang,
                "the DNS server is unreachable or silent; check the network, the resolver, or the domain's name servers",
                "DNS 服务器无法访问或没有应答；请检查网络、所用的 DNS 服务器，或该域名的权威 DNS 服务器"
            ),
        );
    }
    if let Some(Family::Error(failure)) = families.into_iter().find(|f| matches!(f, Family::Error(_))) {
        let message = failure_text(failure, lang);
        let hint = match &lookup.server {
            DnsServer::System => say!(lang, "check this machine's DNS configuration", "请检查本机的 DNS 配置"),
            DnsServer::Given(server) => say!(
                lang,
                "the DNS server {server} answered with something reqdoctor cannot use: check that server",
                "DNS 服务器 {server} 返回了无法使用的应答：请检查该服务器"
            ),
        };
        return (say!(lang, "cannot resolve {host}: {message}", "无法解析 {host}：{message}"), hint);
    }
    if let Some(named) = cname_dead_end(lookup, lang) {
        return named;
    }
    let (a, aaaa) = (describe(&lookup.v4, lang), describe(&lookup.v6, lang));
    (
        say!(
            lang,
            "{host} has no A or AAAA record ({server} answered A: {a}, AAAA: {aaaa})",
            "{host} 没有 A 或 AAAA 记录（{server} 返回的 A 记录：{a}；AAAA 记录：{aaaa}）"
        ),
        say!(lang, "publish an A (or AAAA) record for the host", "请为该域名添加 A（或 AAAA）记录"),
    )
}

/// A CNAME chain that loops, or ends at a name without addresses.
fn cname_dead_end(lookup: &DnsLookup, lang: Lang) -> Option<(String, String)> {
    let last = lookup.cnames.last()?;
    let (host, chain) = (&lookup.host, lookup.cnames.join(" → "));
    if lookup.cname_loop {
        return Some((
            say!(
                lang,
                "{host} has no address: its CNAMEs loop ({host} → {chain})",
                "{host} 没有地址：其 CNAME 记录形成循环（{host} → {chain}）"
            ),
            say!(
                lang,
                "fix the CNAME records so the chain ends at a name with an A (or AAAA) record",
                "请修改 CNAME 记录，使解析链最终指向有 A（或 AAAA）记录的域名"
            ),
        ));
    }
    Some((
        say!(
            lang,
            "{host} has no A or AAAA record: its CNAME chain {host} → {chain} ends at {last}, which has none",
            "{host} 没有 A 或 AAAA 记录：其 CNAME 链 {host} → {chain} 指向的 {last} 没有地址记录"
        ),
        say!(
            lang,
            "publish an A (or AAAA) record for {last}, or point the CNAME at a name that has one (a CDN or cloud service that was removed?)",
            "请为 {last} 添加 A（或 AAAA）记录，或将 CNAME 指向有地址的域名（是否已停用的 CDN 或云服务？）"
        ),
    ))
}

/// NXDOMAIN, SERVFAIL or REFUSED for either family: the summary and the fix.
fn denied(lookup: &DnsLookup, lang: Lang) -> Option<(String, String)> {
    let (host, server) = (&lookup.host, server_name(&lookup.server, lang));
    let any = |code: Family| lookup.v4 == code || lookup.v6 == code;
    if any(Family::NxDomain) {
        return Some((
            say!(
                lang,
                "{host} does not exist (NXDOMAIN from {server})",
                "域名 {host} 不存在（{server} 返回 NXDOMAIN）"
            ),
            say!(
                lang,
                "check the host name's spelling, and that the domain is registered and its DNS records are published",
                "请检查域名拼写是否正确、域名是否已注册，以及解析记录是否已添加并生效"
            ),
        ));
    }
    if any(Family::ServFail) {
        return Some((
            say!(
                lang,
                "DNS for {host} failed: SERVFAIL from {server}",
                "{host} 的 DNS 解析失败：{server} 返回 SERVFAIL"
            ),
            say!(
                lang,
                "the domain's authoritative servers are failing or its DNSSEC is broken; check them with `dig +trace`",
                "该域名的权威 DNS 服务器出现故障，或 DNSSEC 配置有误；可用 `dig +trace` 排查"
            ),
        ));
    }
    if any(Family::Refused) {
        return Some((
            say!(lang, "{server} refused to resolve {host} (REFUSED)", "{server} 拒绝解析 {host}（REFUSED）"),
            say!(
                lang,
                "use a DNS server that resolves for this network, or check the domain's delegation",
                "请改用为当前网络提供解析服务的 DNS 服务器，或检查该域名的 NS 委派"
            ),
        ));
    }
    None
}

/// The DNS server, as the summaries name it; `Lang::En` is the form `data` carries.
fn server_name(server: &DnsServer, lang: Lang) -> String {
    match (server, lang) {
        (DnsServer::System, Lang::En) => "the system resolver".to_owned(),
        (DnsServer::System, Lang::Zh) => "系统 DNS".to_owned(),
        (DnsServer::Given(addr), _) => addr.to_string(),
    }
}

/// Why the resolver gave no answer at all, in words.
fn failure_text(failure: &Failure, lang: Lang) -> String {
    match failure {
        Failure::SystemConfig(why) => say!(
            lang,
            "cannot read the system DNS configuration (/etc/resolv.conf): {why}",
            "无法读取系统 DNS 配置（/etc/resolv.conf）：{why}"
        ),
        Failure::Setup(why) => say!(lang, "cannot set up the DNS resolver: {why}", "无法初始化 DNS 解析器：{why}"),
        Failure::Truncated => say!(
            lang,
            "the answer over UDP was truncated, and the retry over TCP got none",
            "UDP 应答被截断（truncated），改用 TCP 重试也没有得到应答"
        ),
        Failure::TcpClosed => say!(
            lang,
            "the DNS server closed the TCP connection without answering (the retry of a truncated UDP answer)",
            "DNS 服务器未应答就关闭了 TCP 连接（这是 UDP 应答被截断（truncated）后的重试）"
        ),
        Failure::Other(why) => why.clone(),
    }
}

/// One family's answer as people read it; `Lang::En` is the form `data` carries.
pub(super) fn describe(family: &Family, lang: Lang) -> String {
    match family {
        Family::Addrs(addrs) => addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        Family::NoData => say!(lang, "no record", "无记录"),
        Family::NxDomain => "NXDOMAIN".into(),
        Family::ServFail => "SERVFAIL".into(),
        Family::Refused => "REFUSED".into(),
        Family::Rcode(code) => code.clone(),
        Family::Timeout => say!(lang, "no answer", "无应答"),
        Family::Error(failure) => failure_text(failure, lang),
    }
}

fn tcp_connect(cx: &Context<'_>) -> Check {
    let id = CheckId::TcpConnect;
    let lang = cx.lang;
    if let Some(conn) = &cx.trace.connection
        && let Some(proxy) = &conn.proxy
    {
        return super::proxy::tcp_connect(conn, proxy, cx);
    }
    let Some(tcp) = cx.trace.connection.as_ref().and_then(|c: &ConnTrace| c.tcp.as_ref()) else {
        let because = upstream(cx).unwrap_or_else(|| say!(lang, "no address to connect to", "没有可连接的地址"));
        return Check::skip(id, because);
    };
    let attempts: Vec<_> = tcp
        .attempts
        .iter()
        .map(|a| json!({"address": a.addr.to_string(), "outcome": outcome_name(&a.result), "ms": millis(a.elapsed)}))
        .collect();
    let listing = attempts_listing(tcp, lang);
    let failed = tcp.attempts.iter().filter(|a| a.result != TcpResult::Connected).count();
    let total = tcp.attempts.len();
    let check = match tcp.chosen {
        Some(addr) if tcp.lost >= SLOW_CHOICE => slow_choice(tcp, addr, &listing, lang),
        Some(addr) if failed == 0 => {
            let ms = millis(tcp.connect_time.unwrap_or_default());
            Check::pass(
                id,
                say!(
                    lang,
                    "connected to {addr} in {ms} ms ({total} of {total} addresses accept)",
                    "已连接到 {addr}，耗时 {ms} ms（{total} 个地址全部可连接）"
                ),
            )
        }
        Some(_) => Check::warn(
            id,
            say!(
                lang,
                "{failed} of {total} addresses fail: {listing}",
                "{total} 个地址中有 {failed} 个连接失败：{listing}"
            ),
        )
        .hint(say!(
            lang,
            "a phone that tries a failing address first waits or fails: fix that server or remove its DNS record",
            "手机若先尝试了连不上的地址，就会一直等待或请求失败：请修复该服务器，或删除指向它的 DNS 记录"
        )),
        None => no_connection(tcp, &listing, cx),
    };
    let check = if tcp.no_ipv6_route { no_ipv6_route(check, lang) } else { check };
    check
        .data("attempts", attempts)
        .data("untried", tcp.untried)
        .data("phone_address", tcp.chosen.map(|a| a.to_string()))
        .data("lost_ms", millis(tcp.lost))
        .took(tcp.connect_time.unwrap_or_default())
}

/// A delay the phone's address choice costs that is worth a warning.
const SLOW_CHOICE: std::time::Duration = std::time::Duration::from_millis(200);

/// The phone connects, but only after waiting on an address that does not answer.
fn slow_choice(tcp: &TcpTrace, chosen: std::net::SocketAddr, listing: &str, lang: Lang) -> Check {
    let lost = millis(tcp.lost);
    let fallback = crate::probe::tcp::FALLBACK.as_millis();
    Check::warn(
        CheckId::TcpConnect,
        say!(
            lang,
            "the phone connects to {chosen} only {lost} ms after it could have: it tries IPv6 first and another address {fallback} ms later ({listing})",
            "手机要多等 {lost} ms 才连上 {chosen}：它先尝试 IPv6，{fallback} ms 后才尝试另一个地址（{listing}）"
        ),
    )
    .hint(say!(
        lang,
        "fix the address that does not answer (often a stale AAAA record or a server without IPv6), or remove its DNS record",
        "请修复没有响应的地址（常见原因是过期的 AAAA 记录，或服务器未启用 IPv6），或删除它的 DNS 记录"
    ))
}

/// Says, in the summary, that IPv6 addresses could not be tried from here.
fn no_ipv6_route(mut check: Check, lang: Lang) -> Check {
    check.summary.push_str(&say!(
        lang,
        "; this machine has no IPv6 route, so it cannot see what a phone on IPv6 sees",
        "；本机没有 IPv6 路由，因此无法看到使用 IPv6 的手机所看到的情况"
    ));
    check
}

fn no_connection(tcp: &TcpTrace, listing: &str, cx: &Context<'_>) -> Check {
    let lang = cx.lang;
    let first = tcp.attempts.first().map(|a| &a.result);
    let port = tcp.attempts.first().map_or(0, |a| a.addr.port());
    let (hint, error) = connection_hint(first, port, lang);
    let summary = if cx.trace.ran_out == Some(Phase::Connect) {
        say!(
            lang,
            "no address accepts a TCP connection before the timeout budget ran out: {listing}",
            "在超时时间内，没有任何地址接受 TCP 连接：{listing}"
        )
    } else {
        say!(lang, "no address accepts a TCP connection: {listing}", "没有任何地址接受 TCP 连接：{listing}")
    };
    Check::fail(CheckId::TcpConnect, summary).hint(hint).phone(Phone::Net(error))
}

/// The fix for the first address's failure, and the error the phone reports.
fn connection_hint(first: Option<&TcpResult>, port: u16, lang: Lang) -> (String, NetError) {
    match first {
        Some(TcpResult::Refused) => (
            say!(
                lang,
                "nothing listens on port {port} there: start the server, or open the port",
                "该地址的 {port} 端口没有服务在监听：请启动服务，或在防火墙中放行该端口"
            ),
            NetError::ConnectionRefused,
        ),
        Some(TcpResult::Unreachable) => (
            say!(
                lang,
                "the address is unreachable from this network: check routes and the DNS record",
                "当前网络无法访问该地址：请检查路由和 DNS 记录"
            ),
            NetError::AddressUnreachable,
        ),
        Some(TcpResult::Denied) => (
            say!(
                lang,
                "this exporter does not probe loopback, private or link-local addresses; set allow-private-targets = true in the module to allow them",
                "该导出器不探测回环、内网或链路本地地址；如需探测，请在模块中设置 allow-private-targets = true"
            ),
            NetError::ConnectionRefused,
        ),
        Some(TcpResult::Reset) => (
            say!(
                lang,
                "something resets connections to this port: check the firewall and the server",
                "到该端口的连接被重置：请检查防火墙和服务器"
            ),
            NetError::ConnectionReset,
        ),
        _ => (
            say!(
                lang,
                "the packets are dropped: check firewalls and security groups for inbound TCP {port}",
                "数据包被丢弃：请检查防火墙和安全组是否放行了 TCP {port} 端口的入站流量"
            ),
            NetError::ConnectionTimedOut,
        ),
    }
}

pub(super) fn outcome_name(result: &TcpResult) -> &'static str {
    match result {
        TcpResult::Connected => "connected",
        TcpResult::Refused => "refused",
        TcpResult::Unreachable => "unreachable",
        TcpResult::Reset => "reset",
        TcpResult::TimedOut => "timeout",
        TcpResult::NoAnswer => "no_answer",
        TcpResult::Denied => "denied",
        TcpResult::Error(_) => "error",
    }
}

/// Every address tried and how it went: `127.0.0.1:443 refused (0.2 ms); …`.
pub(super) fn attempts_listing(tcp: &TcpTrace, lang: Lang) -> String {
    tcp.attempts
        .iter()
        .map(|a| format!("{} {}", a.addr, outcome_text(&a.result, a.elapsed, lang)))
        .collect::<Vec<_>>()
        .join(say!(lang, "; ", "；").as_str())
}

pub(super) fn outcome_text(result: &TcpResult, elapsed: std::time::Duration, lang: Lang) -> String {
    let ms = millis(elapsed);
    match result {
        TcpResult::Connected => say!(lang, "connected in {ms} ms", "连接成功（{ms} ms）"),
        TcpResult::Refused => say!(lang, "refused", "连接被拒绝"),
        TcpResult::Unreachable => say!(lang, "unreachable", "不可达"),
        TcpResult::Reset => say!(lang, "reset", "连接被重置"),
        TcpResult::TimedOut => say!(lang, "no answer in {ms} ms", "{ms} ms 内无响应"),
        TcpResult::NoAnswer => say!(lang, "still no answer after {ms} ms", "{ms} ms 后仍无响应"),
        TcpResult::Denied => say!(lang, "not tried: an internal address", "未尝试：内部地址"),
        TcpResult::Error(message) => message.clone(),
    }
}
