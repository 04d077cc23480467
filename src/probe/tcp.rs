//! Opens a TCP connection to every address at once and reports each outcome;
//! the fastest success carries the request, as a phone's racing connect would.

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
    pub chosen: Option<SocketAddr>,
    /// How long the chosen connection took to open.
    pub connect_time: Option<Duration>,
    /// Addresses beyond [`MAX_ADDRESSES`] that were not tried.
    pub untried: usize,
}

/// Connects to all `addrs` concurrently until `deadline`; returns the fastest stream.
pub async fn connect_all(addrs: &[SocketAddr], deadline: Instant) -> (TcpTrace, Option<TcpStream>) {
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
    let mut winner: Option<(usize, TcpStream)> = None;
    let mut cutoff = deadline;
    loop {
        tokio::select! {
            joined = tasks.join_next() => {
                let Some(Ok((index, result, elapsed))) = joined else { break };
                match result {
                    Ok(stream) if winner.is_none() => {
                        winner = Some((index, stream));
                        cutoff = cutoff.min(Instant::now() + GRACE);
                        outcomes[index] = Some((TcpResult::Connected, elapsed));
                    }
                    Ok(_) => outcomes[index] = Some((TcpResult::Connected, elapsed)),
                    Err(error) => outcomes[index] = Some((classify(&error), elapsed)),
                }
            }
            () = sleep_until(cutoff) => break,
        }
    }
    let late = if winner.is_some() { TcpResult::NoAnswer } else { TcpResult::TimedOut };
    let attempts = tried
        .iter()
        .zip(outcomes)
        .map(|(addr, outcome)| {
            let (result, elapsed) = outcome.unwrap_or((late.clone(), started.elapsed()));
            TcpAttempt { addr: *addr, result, elapsed }
        })
        .collect::<Vec<_>>();
    let chosen = winner.as_ref().map(|(index, _)| tried[*index]);
    let connect_time = winner.as_ref().map(|(index, _)| attempts[*index].elapsed);
    let trace = TcpTrace { attempts, chosen, connect_time, untried: addrs.len() - tried.len() };
    (trace, winner.map(|(_, stream)| stream))
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
        let (trace, stream) = connect_all(&[closed, open], deadline).await;
        assert!(stream.is_some());
        assert_eq!(trace.chosen, Some(open));
        assert_eq!(trace.attempts[0].result, TcpResult::Refused);
        assert_eq!(trace.attempts[1].result, TcpResult::Connected);
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
        let (trace, stream) = connect_all(&[], Instant::now() + Duration::from_millis(50)).await;
        assert!(stream.is_none() && trace.attempts.is_empty());
    }
}
