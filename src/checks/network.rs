//! Step 1, the phone's network: did DNS answer, and does any address accept
//! a TCP connection? Every address family and every address is reported.

use serde_json::json;

use super::wx::{NetError, Wx};
use super::{Check, CheckId, Context, millis, upstream};
use crate::probe::dns::{DnsLookup, Family};
use crate::probe::tcp::{TcpResult, TcpTrace};
use crate::probe::{ConnTrace, Phase};
use crate::routing::{Fixed, Route};

pub(super) fn checks(cx: &Context<'_>) -> [Check; 2] {
    [dns_resolve(cx), tcp_connect(cx)]
}

fn dns_resolve(cx: &Context<'_>) -> Check {
    let id = CheckId::DnsResolve;
    let Some(conn) = &cx.trace.connection else {
        return Check::skip(id, upstream(cx).unwrap_or_default());
    };
    match (&conn.route, &conn.dns) {
        (_, Some(lookup)) => judge_lookup(lookup, cx.trace.ran_out == Some(Phase::Dns), cx),
        (Route::Fixed { addrs, why }, None) => {
            let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            let because = match why {
                Fixed::IpLiteral => "the host is an IP address; nothing to resolve".to_owned(),
                Fixed::ConnectTo(rule) => format!("--connect-to {rule} names the address to use"),
                Fixed::Resolve(rule) => format!("--resolve {rule} supplies the address"),
            };
            Check::skip(id, because).data("addresses", shown)
        }
        (Route::Dns { .. }, None) => Check::skip(id, "DNS was not asked"),
    }
}

fn judge_lookup(lookup: &DnsLookup, budget_ran_out: bool, cx: &Context<'_>) -> Check {
    let id = CheckId::DnsResolve;
    let addresses = lookup.addresses();
    let shown: Vec<String> = addresses.iter().map(ToString::to_string).collect();
    let data = |check: Check| {
        check
            .data("server", lookup.server.to_string())
            .data("addresses", shown.clone())
            .data("a", describe(&lookup.v4))
            .data("aaaa", describe(&lookup.v6))
            .data("cnames", lookup.cnames.clone())
            .took(lookup.duration)
    };
    if addresses.is_empty() {
        let (summary, hint) = no_address(lookup, budget_ran_out, cx);
        return data(Check::fail(id, summary).hint(hint).wx(Some(Wx::net(NetError::NameNotResolved))));
    }
    let via = match lookup.cnames.as_slice() {
        [] => String::new(),
        names => format!(" via CNAME {}", names.join(" → ")),
    };
    let summary =
        format!("{} → {}{via} ({}, {} ms)", lookup.host, shown.join(", "), lookup.server, millis(lookup.duration));
    match broken_family(lookup) {
        Some((family, answer)) => data(
            Check::warn(id, format!("{summary}; but the {family} query failed: {}", describe(answer)))
                .hint(format!("fix the domain's {family} records or its DNS servers; a phone that asks for {family} first may stall or fail")),
        ),
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

fn no_address(lookup: &DnsLookup, budget_ran_out: bool, cx: &Context<'_>) -> (String, String) {
    let host = &lookup.host;
    let server = &lookup.server;
    let families = [&lookup.v4, &lookup.v6];
    let any = |wanted: fn(&Family) -> bool| families.iter().any(|f| wanted(f));
    if any(|f| *f == Family::NxDomain) {
        return (
            format!("{host} does not exist (NXDOMAIN from {server})"),
            "check the host name's spelling, and that the domain is registered and its DNS records are published"
                .into(),
        );
    }
    if any(|f| *f == Family::ServFail) {
        return (
            format!("DNS for {host} failed: SERVFAIL from {server}"),
            "the domain's authoritative servers are failing or its DNSSEC is broken; check them with `dig +trace`"
                .into(),
        );
    }
    if any(|f| *f == Family::Refused) {
        return (
            format!("{server} refused to resolve {host} (REFUSED)"),
            "use a DNS server that resolves for this network, or check the domain's delegation".into(),
        );
    }
    if budget_ran_out {
        return (
            format!(
                "no DNS answer for {host} before the {} ms timeout budget ran out ({server})",
                cx.options.timeout.as_millis()
            ),
            "the DNS server is unreachable or slow; check the network and the resolver".into(),
        );
    }
    if any(|f| *f == Family::Timeout) {
        return (
            format!("no DNS answer for {host} from {server} in {} ms", millis(lookup.duration)),
            "the DNS server is unreachable or silent; check the network, the resolver, or the domain's name servers"
                .into(),
        );
    }
    if let Some(Family::Error(message)) = families.into_iter().find(|f| matches!(f, Family::Error(_))) {
        return (format!("cannot resolve {host}: {message}"), "check this machine's DNS configuration".into());
    }
    (
        format!(
            "{host} has no A or AAAA record ({server} answered A: {}, AAAA: {})",
            describe(&lookup.v4),
            describe(&lookup.v6)
        ),
        "publish an A (or AAAA) record for the host".into(),
    )
}

fn describe(family: &Family) -> String {
    match family {
        Family::Addrs(addrs) => addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        Family::NoData => "no record".into(),
        Family::NxDomain => "NXDOMAIN".into(),
        Family::ServFail => "SERVFAIL".into(),
        Family::Refused => "REFUSED".into(),
        Family::Rcode(code) => code.clone(),
        Family::Timeout => "no answer".into(),
        Family::Error(message) => message.clone(),
    }
}

fn tcp_connect(cx: &Context<'_>) -> Check {
    let id = CheckId::TcpConnect;
    let Some(tcp) = cx.trace.connection.as_ref().and_then(|c: &ConnTrace| c.tcp.as_ref()) else {
        return Check::skip(id, upstream(cx).unwrap_or_else(|| "no address to connect to".into()));
    };
    let attempts: Vec<_> = tcp
        .attempts
        .iter()
        .map(|a| json!({"address": a.addr.to_string(), "outcome": outcome_name(&a.result), "ms": millis(a.elapsed)}))
        .collect();
    let listing =
        tcp.attempts.iter().map(|a| format!("{} {}", a.addr, outcome_text(&a.result, a.elapsed))).collect::<Vec<_>>();
    let failed = tcp.attempts.iter().filter(|a| a.result != TcpResult::Connected).count();
    let total = tcp.attempts.len();
    let check = match tcp.chosen {
        Some(addr) if failed == 0 => Check::pass(
            id,
            format!(
                "connected to {addr} in {} ms ({total} of {total} addresses accept)",
                millis(tcp.connect_time.unwrap_or_default())
            ),
        ),
        Some(_) => Check::warn(id, format!("{failed} of {total} addresses fail: {}", listing.join("; "))).hint(
            "a phone that tries a failing address first waits or fails: fix that server or remove its DNS record",
        ),
        None => no_connection(tcp, &listing, cx),
    };
    check.data("attempts", attempts).data("untried", tcp.untried).took(tcp.connect_time.unwrap_or_default())
}

fn no_connection(tcp: &TcpTrace, listing: &[String], cx: &Context<'_>) -> Check {
    let id = CheckId::TcpConnect;
    let first = tcp.attempts.first().map(|a| &a.result);
    let port = tcp.attempts.first().map_or(0, |a| a.addr.port());
    let (hint, error) = match first {
        Some(TcpResult::Refused) => (
            format!("nothing listens on port {port} there: start the server, or open the port"),
            NetError::ConnectionRefused,
        ),
        Some(TcpResult::Unreachable) => (
            "the address is unreachable from this network: check routes and the DNS record".to_owned(),
            NetError::AddressUnreachable,
        ),
        Some(TcpResult::Reset) => (
            "something resets connections to this port: check the firewall and the server".to_owned(),
            NetError::ConnectionReset,
        ),
        _ => (
            format!("the packets are dropped: check firewalls and security groups for inbound TCP {port}"),
            NetError::ConnectionTimedOut,
        ),
    };
    let budget = if cx.trace.ran_out == Some(Phase::Connect) { " before the timeout budget ran out" } else { "" };
    Check::fail(id, format!("no address accepts a TCP connection{budget}: {}", listing.join("; ")))
        .hint(hint)
        .wx(Some(Wx::net(error)))
}

fn outcome_name(result: &TcpResult) -> &'static str {
    match result {
        TcpResult::Connected => "connected",
        TcpResult::Refused => "refused",
        TcpResult::Unreachable => "unreachable",
        TcpResult::Reset => "reset",
        TcpResult::TimedOut => "timeout",
        TcpResult::NoAnswer => "no_answer",
        TcpResult::Error(_) => "error",
    }
}

fn outcome_text(result: &TcpResult, elapsed: std::time::Duration) -> String {
    match result {
        TcpResult::Connected => format!("connected in {} ms", millis(elapsed)),
        TcpResult::Refused => "refused".into(),
        TcpResult::Unreachable => "unreachable".into(),
        TcpResult::Reset => "reset".into(),
        TcpResult::TimedOut => format!("no answer in {} ms", millis(elapsed)),
        TcpResult::NoAnswer => format!("still no answer after {} ms", millis(elapsed)),
        TcpResult::Error(message) => message.clone(),
    }
}
