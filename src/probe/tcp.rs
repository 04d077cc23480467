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
            (index, result, started.elapsed())
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

    #[tokio::test]
    async fn no_addresses_means_no_stream() {
        let (trace, stream) = connect_all(&[], Instant::now() + Duration::from_millis(50)).await;
        assert!(stream.is_none() && trace.attempts.is_empty());
    }
}
