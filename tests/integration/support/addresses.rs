//! A host with several addresses on one port: fixture servers bound to the
//! same port on 127.0.0.2, 127.0.0.3 and [::1] (all loopback), each serving
//! its own certificate, plain HTTP, or nothing — a port that never answers a
//! SYN (its listen backlog full), as a dead address does.

use std::net::{IpAddr, SocketAddr, TcpListener as StdTcpListener, TcpStream as StdTcpStream};
use std::sync::Mutex;

use super::https::{https_server_answering_at, https_server_at};
use super::pki::CertKind;
use super::runtime;

/// What one address of the host does.
#[derive(Clone, Copy, Debug)]
pub enum AtAddress {
    /// HTTPS with this certificate.
    Https(CertKind),
    /// HTTPS with a valid certificate, answering every request with this status.
    Answering(u16),
    /// Plain HTTP: accepts TCP, then fails a TLS handshake.
    PlainHttp,
    /// Never answers a connection attempt.
    Silent,
}

/// Starts one server per `(ip, what)` on a port free on all of them; returns the port.
pub fn same_port(servers: &[(IpAddr, AtAddress)]) -> u16 {
    for _ in 0..50 {
        let probe = StdTcpListener::bind((servers[0].0, 0)).expect("bind a first address");
        let port = probe.local_addr().expect("an address").port();
        drop(probe);
        if servers.iter().all(|(ip, what)| start((*ip, port).into(), *what)) {
            return port;
        }
    }
    panic!("no port free on every one of {servers:?}");
}

fn start(addr: SocketAddr, what: AtAddress) -> bool {
    match what {
        AtAddress::Https(kind) => https_server_at(addr, Some(kind)),
        AtAddress::Answering(code) => {
            https_server_answering_at(addr, hyper::StatusCode::from_u16(code).expect("a status code"))
        }
        AtAddress::PlainHttp => https_server_at(addr, None),
        AtAddress::Silent => silent_at(addr),
    }
}

/// A listener with a backlog of 0 whose one queued connection is never
/// accepted: the kernel then drops every further SYN, so connects hang.
fn silent_at(addr: SocketAddr) -> bool {
    static KEPT: Mutex<Vec<(tokio::net::TcpListener, StdTcpStream)>> = Mutex::new(Vec::new());
    let _guard = runtime().enter();
    let socket = if addr.is_ipv6() { tokio::net::TcpSocket::new_v6() } else { tokio::net::TcpSocket::new_v4() };
    let Ok(listener) = socket.and_then(|s| s.bind(addr).map(|()| s)).and_then(|s| s.listen(0)) else {
        return false;
    };
    let filler = StdTcpStream::connect(addr).expect("the one queued connection");
    KEPT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((listener, filler));
    true
}
