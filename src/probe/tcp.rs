//! Opens a TCP connection to every address at once and reports each outcome,
//! then works out from those outcomes which address the phone would have used
//! (Happy Eyeballs as Chromium does it, see [`phone_choice`]): that one
//! carries the request; the other connections are kept for the per-address checks.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};

/// How long the other addresses may still answer once one has connected.
const GRACE: Duration = Duration::from_secs(1);
/// At most this many addresses are tried.
pub const MAX_ADDRESSES: usize = 16;

/// What happened at one address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpResult {
    Connected,
    Refused,
    Unreachable,
    Reset,
    /// Nothing answered before the request's budget ran out.
    TimedOut,
    /// Still silent a while after another address had connected.
    NoAnswer,
    /// Not tried: the exporter's policy forbids private, loopback and link-local addresses.
    Denied,
    Error(String),
}

/// One connection attempt.
#[derive(Clone, Debug)]
pub struct TcpAttempt {
    pub addr: SocketAddr,
    pub result: TcpResult,
    pub elapsed: Duration,
}

/// Every attempt, and the address the request will use.
#[derive(Clone, Debug, Default)]
pub struct TcpTrace {
    pub attempts: Vec<TcpAttempt>,
    /// The address the phone would use (see [`phone_choice`]).
    pub chosen: Option<SocketAddr>,
    /// How long the chosen connection took to open.
    pub connect_time: Option<Duration>,
    /// How much later the phone would have its connection than the fastest
    /// address answered: the cost of trying a dead address first.
    pub lost: Duration,
    /// Addresses beyond [`MAX_ADDRESSES`] that were not tried.
    pub untried: usize,
    /// Some address is IPv6 and this machine has no route to IPv6 addresses.
    pub no_ipv6_route: bool,
}

/// Whether this machine has a route to global IPv6 addresses: a UDP socket's
/// `connect` (which sends nothing) fails with "network unreachable" without one.
fn has_ipv6_route() -> bool {
    let socket = std::net::UdpSocket::bind((std::net::Ipv6Addr::UNSPECIFIED, 0));
    socket.and_then(|s| s.connect("[2001:db8::1]:443")).is_ok()
}

/// How long Chromium waits before its second connection attempt (IPv4 first): 300 ms.
pub const FALLBACK: Duration = Duration::from_millis(300);

/// The address the phone would connect to, and when, from every address's
/// outcome measured at once. Modelled on Chromium's TcpConnectJob: one
/// attempt tries the addresses one at a time, IPv6 first; a second, IPv4
/// first, starts [`FALLBACK`] later (or as soon as the first has run out of
/// addresses); no address is tried twice; the first connection wins. An
/// address that never answers holds its attempt for good.
pub fn phone_choice(attempts: &[TcpAttempt]) -> Option<(SocketAddr, Duration)> {
    let v6_first: Vec<&TcpAttempt> =
        attempts.iter().filter(|a| a.addr.is_ipv6()).chain(attempts.iter().filter(|a| a.addr.is_ipv4())).collect();
    let v4_first: Vec<&TcpAttempt> =
        attempts.iter().filter(|a| a.addr.is_ipv4()).chain(attempts.iter().filter(|a| a.addr.is_ipv6())).collect();
    let mut taken: Vec<SocketAddr> = Vec::new();
    // Each attempt: when it is next free (None once it has connected, stalled or run out).
    let mut free: [Option<Duration>; 2] = [Some(Duration::ZERO), Some(FALLBACK)];
    let mut best: Option<(SocketAddr, Duration)> = None;
    while let Some(which) = (0..2).filter(|i| free[*i].is_some()).min_by_key(|i| free[*i]) {
        let now = free[which].unwrap_or_default();
        let order = if which == 0 { &v6_first } else { &v4_first };
        let Some(next) = order.iter().find(|a| !taken.contains(&a.addr)) else {
            free[which] = None;
            // The first attempt ran out of addresses: the second need not wait.
            if which == 0 {
                free[1] = free[1].map(|t| t.min(now));
            }
            continue;
        };
        taken.push(next.addr);
        free[which] = match next.result {
            TcpResult::Connected => {
                let at = now + next.elapsed;
                best = best.filter(|(_, t)| *t <= at).or(Some((next.addr, at)));
                None
            }
            TcpResult::TimedOut | TcpResult::NoAnswer => None,
            _ => Some(now + next.elapsed),
        };
    }
    best
}

/// Connects to all `addrs` concurrently until `deadline`; returns the trace,
/// the stream of the address the phone would use, and the other open streams.
pub async fn connect_all(
    addrs: &[SocketAddr],
    deadline: Instant,
) -> (TcpTrace, Option<TcpStream>, Vec<(SocketAddr, TcpStream)>) {
    let started = Instant::now();
    let tried = &addrs[..addrs.len().min(MAX_ADDRESSES)];
    let mut tasks = JoinSet::new();
    for (index, addr) in tried.iter().copied().enumerate() {
        tasks.spawn(async move {
            let result = TcpStream::connect(addr).await;
            let elapsed = started.elapsed();
            // Without it, Nagle's algorithm holds the request's second write
            // until the server's delayed ACK: ~40 ms added to every first byte.
            let result = result.and_then(|stream| stream.set_nodelay(true).map(|()| stream));
            (index, result, elapsed)
        });
    }
    let mut outcomes: Vec<Option<(TcpResult, Duration)>> = vec![None; tried.len()];
    let mut streams: Vec<(SocketAddr, TcpStream)> = Vec::new();
    let mut cutoff = deadline;
    loop {
        tokio::select! {
            // The connections first: once the last one is in, the timer is never
            // armed (an earlier timer wakes the runtime's I/O driver to re-arm it).
            biased;
            joined = tasks.join_next() => {
                let Some(Ok((index, result, elapsed))) = joined else { break };
                match result {
                    Ok(stream) => {
                        cutoff = cutoff.min(Instant::now() + GRACE);
                        outcomes[index] = Some((TcpResult::Connected, elapsed));
                        streams.push((tried[index], stream));
                    }
                    Err(error) => outcomes[index] = Some((classify(&error), elapsed)),
                }
            }
            () = sleep_until(cutoff) => break,
        }
    }
    let late = if streams.is_empty() { TcpResult::TimedOut } else { TcpResult::NoAnswer };
    let attempts = tried
        .iter()
        .zip(outcomes)
        .map(|(addr, outcome)| {
            let (result, elapsed) = outcome.unwrap_or((late.clone(), started.elapsed()));
            TcpAttempt { addr: *addr, result, elapsed }
        })
        .collect::<Vec<_>>();
    let fastest = attempts.iter().filter(|a| a.result == TcpResult::Connected).min_by_key(|a| a.elapsed);
    // When every address the phone would try first stays silent, it is stuck on them for as
    // long as its own connect timeout (which this model does not know): take the fastest.
    let choice = phone_choice(&attempts).or(fastest.map(|a| (a.addr, a.elapsed)));
    let fastest = fastest.map(|a| a.elapsed);
    let no_ipv6_route = attempts.iter().any(|a| a.addr.is_ipv6() && !a.addr.ip().is_loopback()) && !has_ipv6_route();
    let chosen = choice.map(|(addr, _)| addr);
    let trace = TcpTrace {
        connect_time: chosen.and_then(|addr| attempts.iter().find(|a| a.addr == addr)).map(|a| a.elapsed),
        lost: choice.zip(fastest).map_or(Duration::ZERO, |((_, at), fastest)| at.saturating_sub(fastest)),
        attempts,
        chosen,
        untried: addrs.len() - tried.len(),
        no_ipv6_route,
    };
    let stream = chosen.and_then(|addr| streams.iter().position(|(a, _)| *a == addr)).map(|i| streams.remove(i).1);
    (trace, stream, streams)
}

/// Loopback, private (RFC 1918, unique-local), link-local, unspecified,
/// multicast or CGNAT: addresses an exporter on the network must not probe.
pub fn is_internal(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        std::net::IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(std::net::IpAddr::V4(v4)))
        }
    }
}

/// Names a connect error the way a network engineer would.
pub fn classify(error: &io::Error) -> TcpResult {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => TcpResult::Refused,
        io::ErrorKind::ConnectionReset => TcpResult::Reset,
        io::ErrorKind::TimedOut => TcpResult::TimedOut,
        io::ErrorKind::NetworkUnreachable | io::ErrorKind::HostUnreachable | io::ErrorKind::AddrNotAvailable => {
            TcpResult::Unreachable
        }
        _ => TcpResult::Error(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reports_every_address_and_picks_a_working_one() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        let (trace, stream, others) = connect_all(&[closed, open], deadline).await;
        assert!(stream.is_some() && others.is_empty());
        assert_eq!(trace.chosen, Some(open));
        assert_eq!(trace.attempts[0].result, TcpResult::Refused);
        assert_eq!(trace.attempts[1].result, TcpResult::Connected);
    }

    fn attempt(addr: &str, result: TcpResult, ms: u64) -> TcpAttempt {
        TcpAttempt { addr: addr.parse().unwrap(), result, elapsed: Duration::from_millis(ms) }
    }

    #[test]
    fn the_phone_prefers_ipv6_and_falls_back_after_300_ms() {
        let ms = Duration::from_millis;
        let both =
            [attempt("192.0.2.1:443", TcpResult::Connected, 5), attempt("[2001:db8::1]:443", TcpResult::Connected, 40)];
        assert_eq!(
            phone_choice(&both),
            Some(("[2001:db8::1]:443".parse().unwrap(), ms(40))),
            "IPv6 first, even when slower"
        );
        let dead_v6 = [
            attempt("192.0.2.1:443", TcpResult::Connected, 5),
            attempt("[2001:db8::1]:443", TcpResult::NoAnswer, 1000),
        ];
        assert_eq!(
            phone_choice(&dead_v6),
            Some(("192.0.2.1:443".parse().unwrap(), ms(305))),
            "a dead AAAA costs 300 ms"
        );
        let refused_v6 =
            [attempt("192.0.2.1:443", TcpResult::Connected, 5), attempt("[2001:db8::1]:443", TcpResult::Refused, 2)];
        assert_eq!(
            phone_choice(&refused_v6),
            Some(("192.0.2.1:443".parse().unwrap(), ms(7))),
            "no wait after a refusal"
        );
        let silent_first =
            [attempt("192.0.2.1:443", TcpResult::NoAnswer, 1000), attempt("192.0.2.2:443", TcpResult::Connected, 3)];
        assert_eq!(
            phone_choice(&silent_first),
            Some(("192.0.2.2:443".parse().unwrap(), ms(303))),
            "the second attempt takes the next address"
        );
        let none = [attempt("192.0.2.1:443", TcpResult::Refused, 1)];
        assert_eq!(phone_choice(&none), None);
    }

    #[test]
    fn internal_addresses() {
        for (ip, internal) in [
            ("127.0.0.1", true),
            ("10.0.0.1", true),
            ("169.254.1.1", true),
            ("100.64.0.1", true),
            ("0.0.0.0", true),
            ("8.8.8.8", false),
            ("::1", true),
            ("fe80::1", true),
            ("fd00::1", true),
            ("::ffff:127.0.0.1", true),
            ("2606:4700::1111", false),
        ] {
            assert_eq!(is_internal(ip.parse().unwrap()), internal, "{ip}");
        }
    }

    #[tokio::test]
    async fn no_addresses_means_no_stream() {
        let (trace, stream, _) = connect_all(&[], Instant::now() + Duration::from_millis(50)).await;
        assert!(stream.is_none() && trace.attempts.is_empty());
    }
}
