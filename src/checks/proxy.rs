//! Step 1 through a proxy: `net.proxy` says that reqdoctor goes through one
//! (or that one is set but not used for this host), and the words step 1's
//! checks use when it does. The phone never uses the proxy, so a failure on
//! the way to it is reqdoctor's, not the phone's: it carries no `wx`.

use serde_json::json;

use super::network::{attempts_listing, describe, outcome_name};
use super::{Check, CheckId, Context, millis, upstream};
use crate::lang::Lang;
use crate::probe::ConnTrace;
use crate::probe::proxy::{Answer, MAX_HEAD, ProxyTrace};
use crate::proxy::{Choice, Proxy};
use crate::routing::{Fixed, Route};
use crate::say;

/// Where a setting came from, as a sentence names it: an option, a variable,
/// or a serve module's `proxy`/`noproxy` (which `data` names bare).
fn from(origin: &'static str, lang: Lang) -> String {
    match origin {
        "proxy" | "noproxy" => say!(lang, "the module's {origin}", "模块的 {origin} 设置"),
        _ => origin.to_owned(),
    }
}

/// `net.proxy`, present whenever a proxy is set.
pub(super) fn check(cx: &Context<'_>) -> Option<Check> {
    let proxies = &cx.probe.proxies;
    if !proxies.is_set() {
        return None;
    }
    let (host, lang) = (cx.target.host(), cx.lang);
    let traced = cx.trace.connection.as_ref().and_then(|c| c.proxy.as_ref());
    let check = match (proxies.choose(cx.target.uses_tls(), &host), traced) {
        (_, Some(trace)) => used(trace, cx),
        (Choice::Bypassed { proxy, entry }, None) => {
            let (shown, origin, list) = (proxy.shown(), from(proxy.origin, lang), from(proxies.no_proxy.origin, lang));
            Check::info(
                CheckId::NetProxy,
                say!(
                    lang,
                    "a proxy is set ({shown}, from {origin}) but not used for {host}: {list} lists {entry}; reqdoctor connects directly, as the phone does",
                    "已设置代理（{shown}，来自 {origin}），但 {host} 不经过它：{list} 中列有 {entry}；reqdoctor 与手机一样直接连接"
                ),
            )
            .data("no_proxy", entry)
            .data("origin", proxy.origin)
            .data("proxy", shown)
        }
        (Choice::Through(proxy), None) => not_used(proxy, cx),
        (Choice::Direct, None) => other_scheme(proxies.https.as_ref().or(proxies.http.as_ref())?, cx),
    };
    Some(check)
}

/// The proxy carried the connection.
fn used(trace: &ProxyTrace, cx: &Context<'_>) -> Check {
    let lang = cx.lang;
    let (shown, origin, destination) = (trace.proxy.shown(), from(trace.proxy.origin, lang), &trace.destination);
    let (dns, tcp, addresses) = (CheckId::DnsResolve, CheckId::TcpConnect, CheckId::DnsAddresses);
    let mut summary = say!(
        lang,
        "reqdoctor goes through the proxy {shown} (from {origin}) and asks it for {destination}; the phone does not: {dns}, {tcp} and {addresses} describe the way to the proxy, not the phone's network",
        "reqdoctor 通过代理 {shown}（来自 {origin}）连接 {destination}，手机则不经过代理：{dns}、{tcp} 和 {addresses} 反映的是到代理的路径，而不是手机的网络"
    );
    if let Some(rule) = &trace.via {
        summary.push_str(&say!(lang, " (--connect-to {rule})", "（--connect-to {rule}）"));
    }
    if let Route::Fixed { why: Fixed::Resolve(rule), .. } = cx.probe.routes.route(&cx.target.host(), cx.target.port()) {
        summary.push_str(&say!(
            lang,
            "; --resolve {rule} is not used: the proxy resolves the name",
            "；--resolve {rule} 未生效：由代理解析域名"
        ));
    }
    Check::info(CheckId::NetProxy, summary)
        .hint(say!(
            lang,
            "to see the phone's own path, run reqdoctor without the proxy (--proxy '') from a network like the phone's",
            "如需查看手机自己的网络路径，请在与手机相似的网络中不经代理运行 reqdoctor（--proxy ''）"
        ))
        .data("destination", destination.as_str())
        .data("origin", trace.proxy.origin)
        .data("proxy", shown)
        .data("via", trace.via.clone())
}

/// A proxy is set for the URL, but no connection was made (the scheme cannot be requested).
fn not_used(proxy: &Proxy, cx: &Context<'_>) -> Check {
    let (shown, origin) = (proxy.shown(), from(proxy.origin, cx.lang));
    let because = upstream(cx).unwrap_or_default();
    Check::info(
        CheckId::NetProxy,
        say!(
            cx.lang,
            "a proxy is set ({shown}, from {origin}), but no connection was made: {because}",
            "已设置代理（{shown}，来自 {origin}），但没有建立连接：{because}"
        ),
    )
    .data("origin", proxy.origin)
    .data("proxy", shown)
}

/// A proxy is set for the other kind of URL only (`https:` or `http:`), as curl's variables do.
fn other_scheme(proxy: &Proxy, cx: &Context<'_>) -> Check {
    let (shown, origin, scheme) = (proxy.shown(), from(proxy.origin, cx.lang), cx.target.url.scheme());
    Check::info(
        CheckId::NetProxy,
        say!(
            cx.lang,
            "a proxy is set ({shown}, from {origin}) for other URLs than {scheme}: ones; reqdoctor connects directly, as the phone does",
            "已设置代理（{shown}，来自 {origin}），但不用于 {scheme}: 协议的 URL；reqdoctor 与手机一样直接连接"
        ),
    )
    .data("origin", proxy.origin)
    .data("proxy", shown)
}

/// `dns.resolve` through a proxy: the proxy resolves the name, not reqdoctor.
pub(super) fn dns_resolve(trace: &ProxyTrace, lang: Lang) -> Check {
    let (address, destination, net_proxy) = (trace.proxy.address(), &trace.destination, CheckId::NetProxy);
    Check::skip(
        CheckId::DnsResolve,
        say!(
            lang,
            "the proxy {address} resolves the name of {destination}, not reqdoctor; the phone asks its own DNS ({net_proxy})",
            "由代理 {address} 解析 {destination} 的域名，而不是 reqdoctor；手机则使用自己的 DNS（{net_proxy}）"
        ),
    )
    .data("proxy", trace.proxy.shown())
}

/// `tcp.connect` through a proxy: the connection to the proxy and its tunnel.
pub(super) fn tcp_connect(conn: &ConnTrace, trace: &ProxyTrace, cx: &Context<'_>) -> Check {
    let lang = cx.lang;
    let tunnel = trace.tunnel.as_ref();
    let check = match failure(conn, trace, cx.probe.timeout.as_millis(), lang) {
        Some(summary) => Check::fail(CheckId::TcpConnect, summary).hint(fix(trace, lang)).phone(None),
        None => {
            let (proxy, destination) = (trace.proxy.address(), &trace.destination);
            let tcp = conn.tcp.as_ref().and_then(|t| t.connect_time).map(millis).unwrap_or_default();
            let (status, ms) = match tunnel {
                Some(t) => (status_of(&t.answer).unwrap_or_default(), millis(t.elapsed)),
                None => (0, 0.0),
            };
            Check::pass(
                CheckId::TcpConnect,
                say!(
                    lang,
                    "connected to the proxy {proxy} in {tcp} ms and tunnelled to {destination} (CONNECT answered {status} in {ms} ms)",
                    "已连接到代理 {proxy}（耗时 {tcp} ms），并经隧道连接到 {destination}（CONNECT 返回 {status}，耗时 {ms} ms）"
                ),
            )
        }
    };
    let attempts: Vec<_> = conn
        .tcp
        .iter()
        .flat_map(|t| &t.attempts)
        .map(|a| json!({"address": a.addr.to_string(), "outcome": outcome_name(&a.result), "ms": millis(a.elapsed)}))
        .collect();
    let tunnel_data = tunnel.map(|t| {
        json!({"destination": trace.destination, "outcome": answer_name(&t.answer), "status": status_of(&t.answer), "ms": millis(t.elapsed)})
    });
    check
        .data("attempts", attempts)
        .data("untried", conn.tcp.as_ref().map_or(0, |t| t.untried))
        .data("phone_address", None::<String>)
        .data("lost_ms", 0.0)
        .data("proxy", trace.proxy.shown())
        .data("tunnel", tunnel_data)
        .took(conn.connect_time().unwrap_or_default())
}

/// Why no tunnel came up, in one sentence (`budget` in ms); `None` when it is open.
pub(super) fn failure(conn: &ConnTrace, trace: &ProxyTrace, budget: u128, lang: Lang) -> Option<String> {
    let (proxy, destination) = (trace.proxy.address(), &trace.destination);
    let Some(tcp) = conn.tcp.as_ref() else {
        let why = match &conn.dns {
            Some(lookup) => {
                let (a, aaaa) = (describe(&lookup.v4, lang), describe(&lookup.v6, lang));
                say!(lang, "its name has no address (A: {a}, AAAA: {aaaa})", "其域名没有地址（A：{a}，AAAA：{aaaa}）")
            }
            None => say!(lang, "it has no address", "没有地址"),
        };
        return Some(say!(lang, "cannot reach the proxy {proxy}: {why}", "无法连接代理 {proxy}：{why}"));
    };
    if tcp.chosen.is_none() {
        let listing = attempts_listing(tcp, lang);
        return Some(say!(lang, "cannot connect to the proxy {proxy}: {listing}", "无法连接代理 {proxy}：{listing}"));
    }
    let answer = &trace.tunnel.as_ref()?.answer;
    Some(match answer {
        Answer::Established { .. } => return None,
        Answer::Refused { status, reason, .. } => say!(
            lang,
            "the proxy {proxy} refused to tunnel to {destination}: it answered CONNECT with {status} {reason}",
            "代理 {proxy} 拒绝建立到 {destination} 的隧道：CONNECT 返回 {status} {reason}"
        ),
        Answer::Closed => say!(
            lang,
            "the proxy {proxy} closed the connection without answering CONNECT {destination}",
            "代理 {proxy} 未应答 CONNECT {destination} 就关闭了连接"
        ),
        Answer::TimedOut => say!(
            lang,
            "the proxy {proxy} did not answer CONNECT {destination} before the {budget} ms timeout budget ran out",
            "在 {budget} ms 超时时间内，代理 {proxy} 没有应答 CONNECT {destination}"
        ),
        Answer::NotHttp => say!(
            lang,
            "the proxy {proxy} answered CONNECT {destination} with something that is not HTTP",
            "代理 {proxy} 对 CONNECT {destination} 的应答不是 HTTP"
        ),
        Answer::TooLarge => {
            let max = MAX_HEAD / 1024;
            say!(
                lang,
                "the proxy {proxy} answered CONNECT {destination} with a head over {max} KiB",
                "代理 {proxy} 对 CONNECT {destination} 的应答头超过 {max} KiB"
            )
        }
        Answer::Error(why) => say!(
            lang,
            "CONNECT {destination} through the proxy {proxy} failed: {why}",
            "经代理 {proxy} 发送 CONNECT {destination} 失败：{why}"
        ),
    })
}

/// The fix for a failed tunnel: always reqdoctor's path, never the phone's.
fn fix(trace: &ProxyTrace, lang: Lang) -> String {
    let (proxy, origin, destination) = (trace.proxy.address(), from(trace.proxy.origin, lang), &trace.destination);
    let answer = trace.tunnel.as_ref().map(|t| &t.answer);
    let what = match answer {
        Some(Answer::Refused { status: 407, authenticate, .. }) => match authenticate.as_deref() {
            Some(scheme) if !scheme.eq_ignore_ascii_case("basic") => say!(
                lang,
                "the proxy asks for {scheme} authentication, and reqdoctor sends only Basic credentials (from the proxy URL)",
                "代理要求 {scheme} 认证，而 reqdoctor 只能发送 Basic 认证信息（来自代理 URL）"
            ),
            _ if trace.proxy.has_credentials() => say!(
                lang,
                "the proxy refused the credentials in its URL ({origin}): check the user and password",
                "代理拒绝了其 URL（{origin}）中的认证信息：请检查用户名和密码"
            ),
            _ => say!(
                lang,
                "the proxy wants credentials: put them in its URL, http://USER:PASSWORD@{proxy} ({origin})",
                "代理需要认证：请把用户名和密码写进代理 URL，即 http://USER:PASSWORD@{proxy}（{origin}）"
            ),
        },
        Some(Answer::Refused { status: 500.., .. }) => say!(
            lang,
            "the proxy could not reach {destination} (it may fail to resolve the name, or the server did not accept); the phone connects on its own, so try without the proxy (--proxy '') from a network like the phone's",
            "代理无法连接 {destination}（可能无法解析该域名，或服务器没有接受连接）；手机是自己直接连接的，请在与手机相似的网络中不经代理再试（--proxy ''）"
        ),
        Some(Answer::Refused { .. }) => say!(
            lang,
            "the proxy's rules forbid a tunnel to {destination}: ask its administrator, or try without the proxy (--proxy '')",
            "代理的规则不允许建立到 {destination} 的隧道：请联系代理管理员，或不经代理再试（--proxy ''）"
        ),
        Some(_) => say!(
            lang,
            "check that {proxy} ({origin}) is an HTTP proxy that allows CONNECT, or try without the proxy (--proxy '')",
            "请确认 {proxy}（{origin}）是允许 CONNECT 的 HTTP 代理，或不经代理再试（--proxy ''）"
        ),
        None => say!(
            lang,
            "check the proxy's address ({origin}) and that it runs, or try without the proxy (--proxy '')",
            "请检查代理地址（{origin}）以及代理是否在运行，或不经代理再试（--proxy ''）"
        ),
    };
    say!(
        lang,
        "the phone does not use this proxy, so this is reqdoctor's way out, not the phone's: {what}",
        "手机不使用该代理，这是 reqdoctor 的出口问题，而不是手机的：{what}"
    )
}

/// `dns.addresses` through a proxy: the proxy picks the address.
pub(super) fn addresses(trace: &ProxyTrace, cx: &Context<'_>) -> Check {
    let (address, destination, net_proxy) = (trace.proxy.address(), &trace.destination, CheckId::NetProxy);
    let because = if trace.is_open() {
        say!(
            cx.lang,
            "the proxy {address} picks the address of {destination}; the others cannot be tried through it ({net_proxy})",
            "由代理 {address} 选择 {destination} 的地址，无法经代理逐一检查其他地址（{net_proxy}）"
        )
    } else {
        upstream(cx).unwrap_or_default()
    };
    Check::skip(CheckId::DnsAddresses, because)
}

/// The HTTP status of an answer, if it had one.
fn status_of(answer: &Answer) -> Option<u16> {
    match answer {
        Answer::Established { status } | Answer::Refused { status, .. } => Some(*status),
        _ => None,
    }
}

/// An answer's stable name in `data`.
fn answer_name(answer: &Answer) -> &'static str {
    match answer {
        Answer::Established { .. } => "established",
        Answer::Refused { .. } => "refused",
        Answer::Closed => "closed",
        Answer::TimedOut => "timeout",
        Answer::NotHttp => "not_http",
        Answer::TooLarge => "too_large",
        Answer::Error(_) => "error",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::probe::proxy::Tunnel;
    use crate::probe::tcp::{TcpAttempt, TcpResult, TcpTrace};

    const AT: &str = "127.0.0.1:3128";

    fn trace(url: &str, answer: Option<Answer>) -> ProxyTrace {
        let tunnel = answer.map(|answer| Tunnel { answer, elapsed: Duration::from_millis(2) });
        ProxyTrace {
            proxy: Proxy::parse(url, "HTTPS_PROXY").unwrap(),
            destination: "api.test:443".into(),
            via: None,
            tunnel,
        }
    }

    fn conn(result: TcpResult) -> ConnTrace {
        let addr = AT.parse().unwrap();
        let chosen = (result == TcpResult::Connected).then_some(addr);
        let tcp = TcpTrace {
            attempts: vec![TcpAttempt { addr, result, elapsed: Duration::from_millis(1000) }],
            chosen,
            connect_time: chosen.map(|_| Duration::from_millis(1)),
            ..TcpTrace::default()
        };
        ConnTrace {
            route: Route::Fixed { addrs: vec![addr], why: Fixed::IpLiteral },
            dns: None,
            tcp: Some(tcp),
            proxy: None,
            tls: None,
            refused_date: None,
            others: Vec::new(),
        }
    }

    fn refused(status: u16, authenticate: Option<&str>) -> Option<Answer> {
        Some(Answer::Refused { status, reason: "Nope".into(), authenticate: authenticate.map(Into::into) })
    }

    #[test]
    fn failures_name_the_proxy_and_what_it_did() {
        let plain = format!("http://{AT}");
        let cases = [
            (
                conn(TcpResult::Refused),
                trace(&plain, None),
                "cannot connect to the proxy 127.0.0.1:3128: 127.0.0.1:3128 refused",
            ),
            (
                conn(TcpResult::Connected),
                trace(&plain, refused(407, None)),
                "refused to tunnel to api.test:443: it answered CONNECT with 407 Nope",
            ),
            (
                conn(TcpResult::Connected),
                trace(&plain, Some(Answer::TimedOut)),
                "did not answer CONNECT api.test:443 before the 1000 ms timeout budget ran out",
            ),
            (
                conn(TcpResult::Connected),
                trace(&plain, Some(Answer::Closed)),
                "closed the connection without answering",
            ),
        ];
        for (conn, trace, needle) in cases {
            let summary = failure(&conn, &trace, 1000, Lang::En).expect("a failure");
            assert!(summary.contains(needle), "{summary}");
        }
        let open = trace(&plain, Some(Answer::Established { status: 200 }));
        assert_eq!(failure(&conn(TcpResult::Connected), &open, 1000, Lang::En), None);
        let zh = failure(&conn(TcpResult::Connected), &trace(&plain, refused(502, None)), 1000, Lang::Zh).unwrap();
        assert_eq!(zh, "代理 127.0.0.1:3128 拒绝建立到 api.test:443 的隧道：CONNECT 返回 502 Nope");
    }

    #[test]
    fn the_fix_says_it_is_not_the_phones_and_what_to_do() {
        let (plain, with) = (format!("http://{AT}"), format!("http://u:secret@{AT}"));
        for (trace, needle) in [
            (
                trace(&plain, refused(407, Some("Basic"))),
                "put them in its URL, http://USER:PASSWORD@127.0.0.1:3128 (HTTPS_PROXY)",
            ),
            (trace(&with, refused(407, Some("Basic"))), "refused the credentials in its URL (HTTPS_PROXY)"),
            (trace(&with, refused(407, Some("Negotiate"))), "asks for Negotiate authentication"),
            (trace(&plain, refused(403, None)), "rules forbid a tunnel to api.test:443"),
            (trace(&plain, refused(502, None)), "could not reach api.test:443"),
            (trace(&plain, Some(Answer::NotHttp)), "is an HTTP proxy that allows CONNECT"),
            (trace(&plain, None), "check the proxy's address (HTTPS_PROXY)"),
        ] {
            let hint = fix(&trace, Lang::En);
            assert!(hint.starts_with("the phone does not use this proxy") && hint.contains(needle), "{hint}");
            assert!(!hint.contains("secret"), "{hint}");
        }
    }

    #[test]
    fn dns_is_the_proxys() {
        let check = dns_resolve(&trace(&format!("http://u:secret@{AT}"), None), Lang::En);
        assert_eq!(check.status, crate::checks::Status::Skip);
        assert!(
            check.summary.starts_with("the proxy 127.0.0.1:3128 resolves the name of api.test:443"),
            "{}",
            check.summary
        );
        assert_eq!(check.data["proxy"], "http://***@127.0.0.1:3128");
    }
}
