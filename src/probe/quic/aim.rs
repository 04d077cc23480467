//! Where the HTTP/3 attempt goes, as the phone picks it: the `Alt-Svc` h3
//! alternative of the TCP response (its port, on the addresses the TCP path
//! already resolved; another host through `--resolve`/`--connect-to` or
//! DNS), else with `--http3` the URL's own port on the address the TCP path
//! chose. Routing rules apply as on the TCP path; no DNS is asked twice for
//! the URL's host.

use std::net::{IpAddr, SocketAddr};

use tokio::time::{Instant, timeout_at};

use super::{Aim, Http3, Http3Mode};
use crate::probe::dns;
use crate::probe::{ConnTrace, Settings, Trace, tcp};
use crate::routing::Route;

/// An h3 alternative advertised in `Alt-Svc`: its host (`None`: the URL's own) and UDP port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advertised {
    pub host: Option<String>,
    pub port: u16,
}

/// The h3 alternative the phone takes for the URL's origin: from the latest
/// response of that origin that carried `Alt-Svc` (the phone keeps what a
/// response advertised until another replaces it).
pub fn for_origin(target: &crate::target::Target, trace: &Trace) -> Option<Advertised> {
    let origin = target.url.origin();
    let hops = trace.http.as_ref().map(|h| h.hops.as_slice()).unwrap_or_default();
    let lines = hops
        .iter()
        .rev()
        .filter(|hop| hop.url.origin() == origin)
        .filter_map(|hop| hop.response.as_ref().map(|r| &r.alt_svc))
        .find(|lines| !lines.is_empty())?;
    advertised(lines, target.port())
}

/// The first h3 alternative of a response's `Alt-Svc` lines that the phone
/// takes, for an origin on `origin_port`: a header it ignores, `clear`, or an
/// alternative that leaves a port below 1024 for one at 1024 or above (which
/// Chromium ignores, as `http.altsvc` says) advertises nothing.
pub fn advertised(lines: &[String], origin_port: u16) -> Option<Advertised> {
    if lines.is_empty() {
        return None;
    }
    let parsed = crate::altsvc::parse_lines(lines.iter().map(String::as_str)).ok()?;
    let restricted = |port: u16| origin_port < UNRESTRICTED_PORT && port >= UNRESTRICTED_PORT;
    let h3 = parsed.services.into_iter().find(|s| s.is_h3() && !restricted(s.port))?;
    let host = h3.host.map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned());
    Some(Advertised { host, port: h3.port })
}

/// Chromium follows an alternative from a port below this only to another port below it.
const UNRESTRICTED_PORT: u16 = 1024;

/// Where to send QUIC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub addr: SocketAddr,
    pub aim: Aim,
    /// The alternative's host, when not the URL's.
    pub alt_host: Option<String>,
}

/// The URL's host and port, and how the TCP path went.
pub struct Origin<'a> {
    pub host: &'a str,
    pub port: u16,
    pub conn: &'a ConnTrace,
}

/// Picks the address for the attempt, or says why there is none.
pub async fn aim(
    origin: &Origin<'_>,
    advertised: Option<Advertised>,
    mode: Http3Mode,
    settings: &Settings,
    deadline: Instant,
) -> Result<Target, Http3> {
    if origin.conn.proxy.is_some() {
        return Err(Http3::ThroughProxy);
    }
    let (alt_host, port, aim) = match advertised {
        Some(alt) => (alt.host.filter(|h| !h.eq_ignore_ascii_case(origin.host)), alt.port, Aim::AltSvc),
        None if mode == Http3Mode::Forced => (None, origin.port, Aim::Url),
        None => return Err(Http3::NotAdvertised),
    };
    let candidates = match (&alt_host, aim) {
        (None, Aim::Url) => same_port(origin.conn),
        (None, Aim::AltSvc) => {
            let route = settings.routes.route(origin.host, port);
            routed(route, origin.host, origin.conn, settings, deadline).await
        }
        (Some(host), _) => {
            let route = settings.routes.route(host, port);
            routed(route, origin.host, origin.conn, settings, deadline).await
        }
    };
    let allowed = candidates.into_iter().find(|a| !(settings.deny_internal && tcp::is_internal(a.ip())));
    allowed.map(|addr| Target { addr, aim, alt_host }).ok_or(Http3::NoAddress)
}

/// The URL's own port: the address the TCP path chose, else every one it knew.
fn same_port(conn: &ConnTrace) -> Vec<SocketAddr> {
    let tcp = conn.tcp.as_ref();
    let chosen = tcp.and_then(|t| t.chosen);
    let tried = tcp.into_iter().flat_map(|t| t.attempts.iter().map(|a| a.addr));
    let mut addrs: Vec<SocketAddr> = chosen.into_iter().chain(tried).collect();
    if addrs.is_empty() {
        addrs = match &conn.route {
            Route::Fixed { addrs, .. } => addrs.clone(),
            Route::Dns { port, .. } => known_ips(conn).into_iter().map(|ip| SocketAddr::new(ip, *port)).collect(),
        };
    }
    addrs
}

/// Addresses for `route`: fixed by a rule, the TCP path's own for the URL's
/// host (DNS is not asked again), or a lookup for another host.
async fn routed(
    route: Route,
    origin_host: &str,
    conn: &ConnTrace,
    settings: &Settings,
    deadline: Instant,
) -> Vec<SocketAddr> {
    match route {
        Route::Fixed { addrs, .. } => addrs,
        Route::Dns { host, port, .. } if host.eq_ignore_ascii_case(origin_host) => {
            known_ips(conn).into_iter().map(|ip| SocketAddr::new(ip, port)).collect()
        }
        Route::Dns { host, port, .. } => match timeout_at(deadline, dns::lookup(&host, &settings.resolver)).await {
            Ok(lookup) => lookup.addresses().into_iter().map(|ip| SocketAddr::new(ip, port)).collect(),
            Err(_elapsed) => Vec::new(),
        },
    }
}

/// The URL host's addresses as the TCP path knew them, the phone's pick first.
fn known_ips(conn: &ConnTrace) -> Vec<IpAddr> {
    let tcp = conn.tcp.as_ref();
    let chosen = tcp.and_then(|t| t.chosen).map(|a| a.ip());
    let tried = tcp.into_iter().flat_map(|t| t.attempts.iter().map(|a| a.addr.ip()));
    let fixed = match &conn.route {
        Route::Fixed { addrs, .. } => addrs.iter().map(|a| a.ip()).collect(),
        Route::Dns { .. } => Vec::new(),
    };
    let resolved = conn.dns.as_ref().map(|d| d.addresses()).unwrap_or_default();
    let mut ips: Vec<IpAddr> = Vec::new();
    for ip in chosen.into_iter().chain(tried).chain(fixed).chain(resolved) {
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    ips
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dns::{DnsServer, Resolver};
    use crate::probe::tcp::{TcpAttempt, TcpResult, TcpTrace};
    use crate::routing::{ConnectTo, Fixed, Routes};

    fn settings(routes: Routes) -> Settings {
        Settings {
            roots: crate::trust::Roots::mozilla(),
            routes,
            proxies: crate::proxy::Proxies::default(),
            resolver: Resolver::new(DnsServer::System),
            timeout: std::time::Duration::from_secs(5),
            max_redirects: 20,
            deny_internal: false,
            http2: false,
            http3: Http3Mode::Forced,
            standby: Default::default(),
            request: crate::request::RequestSpec {
                method: "GET".into(),
                headers: Vec::new(),
                data: None,
                referer: String::new(),
                expect_json: true,
                api: crate::miniprogram::Api::Request,
                redirect: crate::request::RedirectMode::Follow,
            },
        }
    }

    fn connected(route: Route, chosen: SocketAddr) -> ConnTrace {
        let attempt = TcpAttempt { addr: chosen, result: TcpResult::Connected, elapsed: Default::default() };
        let mut conn = ConnTrace::new(route);
        conn.tcp = Some(TcpTrace { attempts: vec![attempt], chosen: Some(chosen), ..TcpTrace::default() });
        conn
    }

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    #[test]
    fn only_an_h3_entry_the_phone_reads_is_advertised() {
        let lines = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(advertised(&lines(&["h3=\":444\"; ma=60"]), 443), Some(Advertised { host: None, port: 444 }));
        let other = advertised(&lines(&["quic=\":443\"", "h3=\"[::1]:8443\""]), 8443);
        assert_eq!(other, Some(Advertised { host: Some("::1".into()), port: 8443 }));
        assert_eq!(advertised(&lines(&["h3=\":8443\""]), 443), None, "a restricted port");
        let next = advertised(&lines(&["h3=\":8443\", h3=\":443\""]), 443);
        assert_eq!(next, Some(Advertised { host: None, port: 443 }), "the first the phone takes");
        assert_eq!(advertised(&lines(&["quic=\":443\"; v=\"43\""]), 443), None, "gQUIC only");
        assert_eq!(advertised(&lines(&["h3=\":443\"; ma=0"]), 443), None, "ignored by the phone");
        assert_eq!(advertised(&lines(&["clear"]), 443), None);
        assert_eq!(advertised(&[], 443), None);
    }

    #[test]
    fn an_advertised_port_goes_to_the_address_tcp_chose() {
        let chosen: SocketAddr = "127.0.0.1:8443".parse().unwrap();
        let route = Route::Fixed { addrs: vec![chosen], why: Fixed::ConnectTo("api.test:443:127.0.0.1:8443".into()) };
        let rule = ConnectTo::parse("api.test:443:127.0.0.1:8443").unwrap();
        let settings = settings(Routes { connect_to: vec![rule], resolve: Vec::new() });
        let conn = connected(route, chosen);
        let origin = Origin { host: "api.test", port: 443, conn: &conn };
        let deadline = Instant::now() + std::time::Duration::from_secs(1);
        let alt = Advertised { host: None, port: 444 };
        let target = run(aim(&origin, Some(alt), Http3Mode::Advertised, &settings, deadline)).unwrap();
        assert_eq!(target.addr, "127.0.0.1:444".parse().unwrap());
        assert_eq!(target.aim, Aim::AltSvc);
        let url = run(aim(&origin, None, Http3Mode::Forced, &settings, deadline)).unwrap();
        assert_eq!((url.addr, url.aim), (chosen, Aim::Url));
        let none = run(aim(&origin, None, Http3Mode::Advertised, &settings, deadline));
        assert!(matches!(none, Err(Http3::NotAdvertised)));
    }
}
