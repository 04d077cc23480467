//! The QUIC handshake as Cronet makes it: IETF QUIC version 1, TLS 1.3 with
//! ALPN `h3`, SNI the URL's host, and the TCP path's certificate handling (the
//! run's roots, a verifier that records the chain for the phone's rules to
//! judge). quinn runs the handshake in a task of its own, so the verifier
//! records into a slot of this attempt rather than a task-local one.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use quinn::crypto::rustls::{HandshakeData, QuicClientConfig};
use quinn::{ConnectionError, Endpoint, IdleTimeout, TransportConfig};
use rustls::client::Resumption;
use rustls_pki_types::CertificateDer;
use tokio::time::{Instant, timeout_at};

use super::{QuicFailure, QuicSession};
use crate::probe::client_auth::NoCertificate;
use crate::probe::tls::{Slot, phone_provider, recording_verifier};
use crate::trust::Roots;

/// The QUIC version the phone offers: RFC 9000's version 1.
pub const QUIC_V1: u32 = 1;

/// The ALPN token of HTTP/3 over QUIC v1 (RFC 9114).
const ALPN_H3: &[u8] = b"h3";

/// A finished handshake: the session, the connection, and the endpoint that
/// must outlive it.
pub struct Opened {
    pub session: QuicSession,
    pub connection: quinn::Connection,
    pub endpoint: Endpoint,
}

/// What one handshake attempt left: its outcome, and the chain the server
/// presented (empty when it sent none).
pub struct Handshake {
    pub result: Result<Opened, QuicFailure>,
    pub presented: Vec<CertificateDer<'static>>,
}

/// A UDP endpoint bound before the attempt needs one: IPv6 and dual-stack
/// (quinn clears `IPV6_V6ONLY`), so it reaches IPv4 addresses too, or IPv4
/// alone on a machine without IPv6. An attempt takes it when it can reach
/// the address, or binds one of the address's family then.
#[derive(Default)]
pub struct Bound(Option<Endpoint>);

impl Bound {
    /// Binds the endpoint; inside a runtime. (Each socket quinn binds turns
    /// UDP GRO on, and the first on a machine patches the kernel's code:
    /// that is done here, before the attempt, not during it.)
    pub fn ahead() -> Bound {
        Bound(Endpoint::client(any_local(true)).or_else(|_| Endpoint::client(any_local(false))).ok())
    }

    /// The endpoint to reach `addr` from: the one bound ahead, else a new one.
    fn take_for(self, addr: SocketAddr) -> std::io::Result<Endpoint> {
        let reaches = |ahead: &Endpoint| ahead.local_addr().is_ok_and(|local| local.is_ipv6() || addr.is_ipv4());
        match self.0.filter(reaches) {
            Some(ahead) => Ok(ahead),
            None => Endpoint::client(any_local(addr.is_ipv6())),
        }
    }
}

/// Any local address and port of one family.
fn any_local(ipv6: bool) -> SocketAddr {
    if ipv6 { (Ipv6Addr::UNSPECIFIED, 0).into() } else { (Ipv4Addr::UNSPECIFIED, 0).into() }
}

/// Makes the QUIC handshake with `addr` for `host` until `limit`, from an
/// endpoint of `bound`.
pub async fn connect(addr: SocketAddr, host: &str, roots: &Roots, bound: Bound, limit: Instant) -> Handshake {
    let slot: Slot = Arc::new(Mutex::new(None));
    let endpoint = bound.take_for(addr).map_err(|e| QuicFailure::Local(e.to_string()));
    let result = match endpoint {
        Ok(endpoint) => open(endpoint, addr, host, roots, slot.clone(), limit).await,
        Err(failure) => Err(failure),
    };
    let presented = slot.lock().expect("not poisoned").take().map(|seen| seen.chain).unwrap_or_default();
    Handshake { result, presented }
}

async fn open(
    endpoint: Endpoint,
    addr: SocketAddr,
    host: &str,
    roots: &Roots,
    slot: Slot,
    limit: Instant,
) -> Result<Opened, QuicFailure> {
    let config = client_config(roots, slot, limit.saturating_duration_since(Instant::now()))?;
    let connecting = endpoint.connect_with(config, addr, host).map_err(|e| QuicFailure::Local(e.to_string()))?;
    let connection = match timeout_at(limit, connecting).await {
        Err(_elapsed) => return Err(QuicFailure::TimedOut),
        Ok(Err(error)) => return Err(classify(error)),
        Ok(Ok(connection)) => connection,
    };
    let alpn = connection
        .handshake_data()
        .and_then(|data| data.downcast::<HandshakeData>().ok())
        .and_then(|data| data.protocol)
        .map(|p| String::from_utf8_lossy(&p).into_owned());
    let session = QuicSession { version: QUIC_V1, alpn, rtt: connection.rtt() };
    Ok(Opened { session, connection, endpoint })
}

/// One attempt's client: TLS 1.3 only (QUIC has nothing else), ALPN h3, no
/// resumption or early data (every handshake shows the chain), QUIC v1 only,
/// and an idle timeout no longer than the attempt's share of the budget.
fn client_config(roots: &Roots, slot: Slot, share: Duration) -> Result<quinn::ClientConfig, QuicFailure> {
    let mut tls = rustls::ClientConfig::builder_with_provider(Arc::new(phone_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("ring supports TLS 1.3")
        .dangerous()
        .with_custom_certificate_verifier(recording_verifier(roots, slot))
        .with_client_cert_resolver(Arc::new(NoCertificate));
    tls.alpn_protocols = vec![ALPN_H3.to_vec()];
    tls.resumption = Resumption::disabled();
    tls.enable_early_data = false;
    let crypto = QuicClientConfig::try_from(tls).map_err(|e| QuicFailure::Local(e.to_string()))?;
    let mut config = quinn::ClientConfig::new(Arc::new(crypto));
    config.version(QUIC_V1);
    let mut transport = TransportConfig::default();
    let idle = share.max(Duration::from_millis(1));
    transport.max_idle_timeout(IdleTimeout::try_from(idle).ok());
    config.transport_config(Arc::new(transport));
    Ok(config)
}

/// Names why a QUIC connection ended, by quinn's kinds (never its words).
pub fn classify(error: ConnectionError) -> QuicFailure {
    match error {
        ConnectionError::VersionMismatch => QuicFailure::VersionMismatch,
        ConnectionError::TransportError(e) => QuicFailure::Broken { code: u64::from(e.code), reason: e.reason },
        ConnectionError::ConnectionClosed(close) => QuicFailure::ClosedByServer {
            code: u64::from(close.error_code),
            reason: String::from_utf8_lossy(&close.reason).into_owned(),
        },
        ConnectionError::ApplicationClosed(close) => QuicFailure::ApplicationClosed {
            code: close.error_code.into_inner(),
            reason: String::from_utf8_lossy(&close.reason).into_owned(),
        },
        ConnectionError::Reset => QuicFailure::Reset,
        ConnectionError::TimedOut => QuicFailure::TimedOut,
        ConnectionError::LocallyClosed | ConnectionError::CidsExhausted => QuicFailure::Local(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_alert_in_a_close_frame_is_named() {
        let refused = QuicFailure::ClosedByServer { code: 0x100 + 120, reason: String::new() };
        assert_eq!(refused.tls_alert(), Some(120));
        let plain = QuicFailure::ClosedByServer { code: 0x0a, reason: String::new() };
        assert_eq!(plain.tls_alert(), None);
        assert_eq!(classify(ConnectionError::VersionMismatch), QuicFailure::VersionMismatch);
        assert_eq!(classify(ConnectionError::TimedOut), QuicFailure::TimedOut);
    }

    #[test]
    fn the_client_offers_h3_over_quic_v1_only() {
        let slot: Slot = Arc::new(Mutex::new(None));
        let config = client_config(&Roots::mozilla(), slot, Duration::from_secs(1));
        assert!(config.is_ok());
    }

    #[tokio::test]
    async fn an_endpoint_bound_ahead_is_taken_only_for_an_address_it_reaches() {
        let v4: SocketAddr = "127.0.0.1:443".parse().unwrap();
        let v6: SocketAddr = "[::1]:443".parse().unwrap();
        let ipv4_alone = Endpoint::client(any_local(false)).unwrap();
        let port = ipv4_alone.local_addr().unwrap().port();
        let taken = Bound(Some(ipv4_alone)).take_for(v4).unwrap();
        assert_eq!(taken.local_addr().unwrap().port(), port, "the IPv4 endpoint bound ahead reaches IPv4");
        // The test machines have IPv6 (the loopback tests use [::1]).
        let dual = Endpoint::client(any_local(true)).expect("an IPv6 socket");
        let port = dual.local_addr().unwrap().port();
        assert_eq!(Bound(Some(dual)).take_for(v4).unwrap().local_addr().unwrap().port(), port, "dual-stack");
        let ipv4_alone = Endpoint::client(any_local(false)).unwrap();
        let other = Bound(Some(ipv4_alone)).take_for(v6).unwrap();
        assert!(other.local_addr().unwrap().is_ipv6(), "an IPv6 address gets an endpoint of its own");
    }
}
