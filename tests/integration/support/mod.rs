//! Test fixtures: real servers on 127.0.0.1 (HTTPS, plain HTTP, HTTP/3 over QUIC, DNS, misbehaving TCP
//! peers, legacy TLS servers run by the openssl CLI, an HTTP CONNECT proxy) and a test PKI, so the end-to-end
//! tests exercise real sockets without ever touching the internet.
//!
//! Certificates with fixed dates for unit tests are committed in `tests/fixtures/certs/`
//! instead (see its README).
//!
//! Every in-process server runs on one process-wide background tokio runtime (the openssl
//! ones are child processes), and every start function is synchronous: it returns the
//! bound address as soon as the listener exists, so plain `#[test]` functions can use
//! the fixtures.
//!
//! Nothing outlives the test process. Each openssl server is tied to it by a pipe (see
//! `openssl.rs`), and so is the PKI's temp dir under `target/tmp` (a sweeper deletes it,
//! see `pki.rs`); everything else a test writes is a `tempfile` it owns, and every
//! other child process is killed when the value that owns it drops. To check by hand
//! after a full `cargo test`: `ls target/tmp` lists nothing, `/tmp` holds nothing new,
//! and `pgrep -af 'openssl|prometheus|nginx'` finds no process the tests started.
#![allow(dead_code, unused_imports)]

pub mod addresses;
pub mod dns;
pub mod h2;
pub mod h3;
pub mod hostile;
pub mod https;
pub mod openssl;
pub mod pki;
pub mod proxy;
pub mod sockets;

use std::net::{SocketAddr, TcpListener};
use std::sync::OnceLock;

use tokio::runtime::Runtime;

pub use addresses::{AtAddress, same_port};
pub use dns::{DnsAnswer, DnsRule, dns_server, shared_dns};
pub use h2::{H2Kind, h2_server};
pub use h3::{
    H3Kind, REQUEST_WINDOW, h3_beside_https, h3_beside_https_advertising, h3_server, https_with_alt_svc, silent_udp,
};
pub use hostile::{
    AfterRecords, RawServer, Reply, RequestHead, TcpFallback, garbage_dns, ok_response, partial_handshake, raw_https,
    raw_https_with, redirect_server, response, truncating_dns,
};
pub use https::{
    Recorded, http_server, https_server, https_server_asking_client_cert, https_server_tls13_only, https_server_with,
    recorded,
};
pub use openssl::{OpensslKind, openssl_server, openssl_server_with};
pub use pki::{Case, CertKind, PemFiles, Pki, ServerCert, pki};
pub use proxy::{ProxyOptions, Seen, TestProxy, basic, connect_proxy};
pub use sockets::{
    close_after_hello, garbage_server, refused_port, reset_server, tarpit, tlcp_only_server, tls_alert_server,
    unrecognized_name_server,
};

/// The background runtime every fixture server runs on (2 worker threads, created once).
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fixture-server")
            .enable_all()
            .build()
            .expect("build the fixture tokio runtime")
    })
}

/// Binds a TCP listener on 127.0.0.1 with an OS-chosen port and hands it to the
/// fixture runtime. Callable from any thread, inside or outside another runtime.
pub(crate) fn bind_loopback() -> (tokio::net::TcpListener, SocketAddr) {
    let std_listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    to_tokio_listener(std_listener)
}

/// Converts a bound std listener into a tokio one registered with the fixture runtime.
pub(crate) fn to_tokio_listener(std_listener: TcpListener) -> (tokio::net::TcpListener, SocketAddr) {
    let addr = std_listener.local_addr().expect("listener local address");
    std_listener.set_nonblocking(true).expect("set listener non-blocking");
    let _guard = runtime().enter();
    let listener = tokio::net::TcpListener::from_std(std_listener).expect("register listener with tokio");
    (listener, addr)
}
