//! Self-tests of the fixtures in `support`: each server is driven with an independent
//! client (tokio-rustls, hyper, hickory-resolver) to prove it works, and that each
//! broken fixture fails in exactly the way the end-to-end tests rely on.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use http_body_util::{BodyExt, Empty};
use hyper::Response;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};
use rustls::{ProtocolVersion, SupportedProtocolVersion};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::support::sockets::GARBAGE;
use crate::support::{self, CertKind, DnsAnswer, DnsRule, pki};

/// Upper bound for any single fixture test step.
const STEP: Duration = Duration::from_secs(10);
/// What the "nothing happens" checks wait for.
const SHORT: Duration = Duration::from_millis(300);
/// Resolver timeout for queries that should be answered (generous for a loaded CI box).
const DNS_ANSWER_WAIT: Duration = Duration::from_secs(2);

// ---------- helpers ----------

/// Runs `future` on the fixture runtime, failing the test if it takes longer than STEP.
fn run<F: Future>(future: F) -> F::Output {
    support::runtime()
        .block_on(async { timeout(STEP, future).await })
        .expect("fixture self-test step timed out")
}

fn client_config(versions: &[&'static SupportedProtocolVersion]) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    let root = CertificateDer::from_pem_slice(pki().root_pem().as_bytes()).expect("root PEM");
    roots.add(root).expect("add test root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// TLS-connects to `addr` with SNI `sni`, trusting only the test root.
async fn tls_connect(addr: SocketAddr, sni: &str) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(sni.to_owned()).expect("valid SNI");
    TlsConnector::from(client_config(rustls::ALL_VERSIONS))
        .connect(name, tcp)
        .await
}

/// The rustls error inside a failed handshake's io::Error.
fn rustls_error(err: &std::io::Error) -> rustls::Error {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned()
        .unwrap_or_else(|| panic!("not a rustls error: {err:?}"))
}

/// The handshake outcome against `https_server(kind)` with SNI api.test.
fn handshake_error(kind: CertKind) -> Option<rustls::Error> {
    let addr = support::https_server(kind);
    run(tls_connect(addr, "api.test")).err().map(|e| rustls_error(&e))
}

/// One HTTP/1.1 GET over `io`; returns the response with its body collected.
async fn get<S>(io: S, path: &str) -> Response<Bytes>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("HTTP handshake");
    tokio::spawn(conn);
    let request = hyper::Request::get(path)
        .header("host", "api.test")
        .body(Empty::<Bytes>::new())
        .expect("build request");
    let response = sender.send_request(request).await.expect("send request");
    let (parts, body) = response.into_parts();
    let body = body.collect().await.expect("read body").to_bytes();
    Response::from_parts(parts, body)
}

/// GET `path` over TLS from `https_server(Valid)`.
fn https_get(path: &str) -> Response<Bytes> {
    let addr = support::https_server(CertKind::Valid);
    run(async {
        let tls = tls_connect(addr, "api.test").await.expect("TLS handshake");
        get(tls, path).await
    })
}

fn header<'a>(response: &'a Response<Bytes>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing {name} header"))
        .to_str()
        .expect("ASCII header")
}

fn resolver(dns: SocketAddr, connection: ConnectionConfig, wait: Duration) -> TokioResolver {
    let mut connection = connection;
    connection.port = dns.port();
    let server = NameServerConfig::new(dns.ip(), true, vec![connection]);
    let config = ResolverConfig::from_name_servers(vec![server]);
    let mut options = ResolverOpts::default();
    options.timeout = wait;
    options.attempts = 1;
    options.cache_size = 0;
    Resolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .expect("build resolver")
}

/// One UDP query, waiting at most `wait` for the answer (a single attempt).
fn lookup_within(wait: Duration, dns: SocketAddr, name: &str, rtype: RecordType) -> Result<Vec<IpAddr>, NetError> {
    let resolver = resolver(dns, ConnectionConfig::udp(), wait);
    let lookup = run(resolver.lookup(name, rtype))?;
    Ok(ips(lookup.answers()))
}

fn lookup(dns: SocketAddr, name: &str, rtype: RecordType) -> Result<Vec<IpAddr>, NetError> {
    lookup_within(DNS_ANSWER_WAIT, dns, name, rtype)
}

fn ips(records: &[hickory_resolver::proto::rr::Record]) -> Vec<IpAddr> {
    let ip = |record: &hickory_resolver::proto::rr::Record| match &record.data {
        RData::A(a) => Some(IpAddr::V4(a.0)),
        RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
        _ => None,
    };
    records.iter().filter_map(ip).collect()
}

fn parse_cert(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).expect("parse certificate").1
}

fn localhost_v4() -> IpAddr {
    IpAddr::V4(Ipv4Addr::LOCALHOST)
}

// ---------- HTTPS server ----------

#[test]
fn valid_server_serves_ok_over_tls_with_alpn_http11() {
    let addr = support::https_server(CertKind::Valid);
    let (alpn, response) = run(async {
        let tls = tls_connect(addr, "api.test").await.expect("TLS handshake");
        let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        (alpn, get(tls, "/ok").await)
    });
    assert_eq!(alpn.as_deref(), Some(&b"http/1.1"[..]));
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(response.body().as_ref(), br#"{"ok":true}"#);
    let date = httpdate::parse_http_date(header(&response, "date")).expect("Date header");
    let skew = SystemTime::now().duration_since(date).unwrap_or_default();
    assert!(skew < Duration::from_secs(5), "Date header is off by {skew:?}");
}

#[test]
fn shared_https_server_is_reused_per_kind() {
    assert_eq!(
        support::https_server(CertKind::Valid),
        support::https_server(CertKind::Valid)
    );
    assert_ne!(
        support::https_server(CertKind::Valid),
        support::https_server(CertKind::Expired)
    );
}

#[test]
fn valid_cert_covers_wildcard_name() {
    let addr = support::https_server(CertKind::Valid);
    run(tls_connect(addr, "x.wild.test")).expect("*.wild.test is covered");
}

#[test]
fn expired_cert_is_rejected_as_expired_two_days_ago() {
    let err = handshake_error(CertKind::Expired).expect("expired cert must be rejected");
    let rustls::Error::InvalidCertificate(CertificateError::ExpiredContext { time, not_after }) = err else {
        panic!("expected ExpiredContext, got {err:?}");
    };
    let ago = time.as_secs() - not_after.as_secs();
    let two_days = 2 * 86_400;
    assert!(ago.abs_diff(two_days) < 3_600, "expired {ago}s ago, not ~2 days");
}

#[test]
fn every_cert_kind_fails_the_expected_way() {
    use CertificateError as C;
    for kind in [CertKind::Valid, CertKind::ExpiringSoon, CertKind::Ed25519Leaf] {
        assert_eq!(handshake_error(kind), None, "{kind:?} must be accepted");
    }
    let expect = |kind: CertKind, ok: fn(&CertificateError) -> bool| match handshake_error(kind) {
        Some(rustls::Error::InvalidCertificate(e)) if ok(&e) => {}
        other => panic!("{kind:?}: unexpected outcome {other:?}"),
    };
    expect(CertKind::NotYetValid, |e| matches!(e, C::NotValidYetContext { .. }));
    expect(CertKind::WrongHost, |e| matches!(e, C::NotValidForNameContext { .. }));
    expect(CertKind::SelfSigned, |e| matches!(e, C::UnknownIssuer));
    expect(CertKind::UnknownRoot, |e| matches!(e, C::UnknownIssuer));
    expect(CertKind::MissingIntermediate, |e| matches!(e, C::UnknownIssuer));
    expect(CertKind::ExpiredIntermediate, |e| matches!(e, C::ExpiredContext { .. }));
    expect(CertKind::Sha1Signed, |e| {
        matches!(e, C::UnsupportedSignatureAlgorithmContext { .. })
    });
}

#[test]
fn server_cert_chains_have_the_documented_shape() {
    let pki = pki();
    let len = |kind| pki.server_cert(kind).chain.len();
    assert_eq!(len(CertKind::Valid), 2);
    assert_eq!(len(CertKind::SelfSigned), 1);
    assert_eq!(len(CertKind::MissingIntermediate), 1);
    assert_eq!(len(CertKind::ExpiredIntermediate), 2);
    let unknown = pki.server_cert(CertKind::UnknownRoot);
    let issuer = parse_cert(&unknown.chain[1]).issuer().to_string();
    assert!(issuer.contains("reqdoctor unknown root"), "{issuer}");
    let wrong = pki.server_cert(CertKind::WrongHost);
    let subject = parse_cert(&wrong.chain[0]).subject().to_string();
    assert!(subject.contains("api.test"), "WrongHost CN: {subject}");
    let root_file = std::fs::read_to_string(pki.root_pem_path()).expect("read root.pem");
    assert_eq!(root_file, pki.root_pem());
}

#[test]
fn redirect_route_returns_the_decoded_location() {
    let response = https_get("/redirect/302?to=https%3A%2F%2Fother.test%2Fok");
    assert_eq!(response.status(), 302);
    assert_eq!(header(&response, "location"), "https://other.test/ok");
}

#[test]
fn hops_loop_status_and_404_routes() {
    let hop = https_get("/hops/2");
    assert_eq!((hop.status().as_u16(), header(&hop, "location")), (302, "/hops/1"));
    assert_eq!(https_get("/hops/0").status(), 200);
    let looped = https_get("/loop");
    assert_eq!((looped.status().as_u16(), header(&looped, "location")), (302, "/loop"));
    assert_eq!(https_get("/status/503").status(), 503);
    assert_eq!(https_get("/no/such/route").status(), 404);
}

#[test]
fn date_route_skews_the_date_header() {
    let response = https_get("/date/-600");
    assert_eq!(response.status(), 200);
    let date = httpdate::parse_http_date(header(&response, "date")).expect("Date header");
    let behind = SystemTime::now().duration_since(date).expect("date in the past");
    let diff = behind.as_secs().abs_diff(600);
    assert!(diff <= 5, "Date is {behind:?} behind, expected ~600 s");
}

#[test]
fn slow_route_waits() {
    let started = std::time::Instant::now();
    assert_eq!(https_get("/slow/200").status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[test]
fn plain_http_server_echoes_the_request() {
    let addr = support::http_server();
    let response = run(async {
        let tcp = TcpStream::connect(addr).await.expect("connect plain HTTP");
        get(tcp, "/echo?x=1").await
    });
    assert_eq!(response.status(), 200);
    let echo: serde_json::Value = serde_json::from_slice(response.body()).expect("echo JSON");
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["path"], "/echo");
    assert_eq!(echo["query"], "x=1");
    assert_eq!(echo["headers"]["host"], "api.test");
    assert_eq!(echo["body"], "");
}

#[test]
fn tls12_only_server_negotiates_tls12() {
    let cert = pki().server_cert(CertKind::Valid);
    let addr = support::https_server_with(cert, &[&rustls::version::TLS12]);
    let version = run(async {
        let tls = tls_connect(addr, "api.test").await.expect("TLS 1.2 handshake");
        tls.get_ref().1.protocol_version()
    });
    assert_eq!(version, Some(ProtocolVersion::TLSv1_2));
}

// ---------- certificates made with openssl ----------

#[test]
fn sha1_leaf_is_signed_with_ecdsa_sha1() {
    let cert = pki().server_cert(CertKind::Sha1Signed);
    let leaf = parse_cert(&cert.chain[0]);
    assert_eq!(leaf.signature_algorithm.algorithm.to_id_string(), "1.2.840.10045.4.1");
    let issuer = leaf.issuer().to_string();
    assert!(issuer.contains("reqdoctor test intermediate"), "{issuer}");
}

#[test]
fn ed25519_leaf_has_an_ed25519_key() {
    let cert = pki().server_cert(CertKind::Ed25519Leaf);
    let leaf = parse_cert(&cert.chain[0]);
    assert_eq!(leaf.public_key().algorithm.algorithm.to_id_string(), "1.3.101.112");
}

#[test]
fn rsa1024_leaf_has_a_1024_bit_key() {
    let pem = pki().rsa1024_leaf_pem();
    let der = CertificateDer::from_pem_slice(pem.as_bytes()).expect("RSA-1024 leaf PEM");
    let leaf = parse_cert(&der);
    let key = leaf.public_key().parsed().expect("parse public key");
    assert!(matches!(key, PublicKey::RSA(_)), "not RSA: {key:?}");
    assert_eq!(key.key_size(), 1024);
}

// ---------- DNS ----------

#[test]
fn dns_answers_a_and_aaaa_for_api_test() {
    let dns = support::shared_dns();
    let a = lookup(dns, "api.test.", RecordType::A).expect("A api.test");
    assert_eq!(a, vec![localhost_v4()]);
    let aaaa = lookup(dns, "api.test.", RecordType::AAAA).expect("AAAA api.test");
    assert_eq!(aaaa, vec![IpAddr::V6(Ipv6Addr::LOCALHOST)]);
}

#[test]
fn dns_nxdomain_nodata_and_unknown_names() {
    let dns = support::shared_dns();
    let nx = lookup(dns, "nx.test.", RecordType::A).expect_err("nx.test");
    assert!(nx.is_nx_domain(), "nx.test: {nx:?}");
    let unknown = lookup(dns, "not-in-rules.test.", RecordType::A).expect_err("unknown");
    assert!(unknown.is_nx_domain(), "unknown name: {unknown:?}");
    let nodata = lookup(dns, "v4only.test.", RecordType::AAAA).expect_err("v4only AAAA");
    assert!(nodata.is_no_records_found() && !nodata.is_nx_domain(), "{nodata:?}");
}

#[test]
fn dns_servfail_and_refused() {
    let dns = support::shared_dns();
    let code = |name| match lookup(dns, name, RecordType::A) {
        Err(NetError::Dns(DnsError::ResponseCode(code))) => code,
        other => panic!("{name}: expected a response code error, got {other:?}"),
    };
    assert_eq!(code("servfail.test."), ResponseCode::ServFail);
    assert_eq!(code("refused.test."), ResponseCode::Refused);
}

#[test]
fn dns_silent_times_out() {
    let dns = support::shared_dns();
    let err = lookup_within(SHORT, dns, "silent.test.", RecordType::A).expect_err("silent");
    assert!(matches!(err, NetError::Timeout), "expected a timeout, got {err:?}");
}

#[test]
fn custom_dns_server_over_tcp_matches_names_case_insensitively() {
    let rule = DnsRule {
        name: "Mixed.Case.test.",
        a: DnsAnswer::Addrs(vec![localhost_v4(), IpAddr::V6(Ipv6Addr::LOCALHOST)]),
        aaaa: DnsAnswer::NoData,
    };
    let dns = support::dns_server(vec![rule]);
    let resolver = resolver(dns, ConnectionConfig::tcp(), DNS_ANSWER_WAIT);
    let lookup = run(resolver.lookup("mixed.CASE.test.", RecordType::A)).expect("A over TCP");
    assert_eq!(ips(lookup.answers()), vec![localhost_v4()]);
}

// ---------- misbehaving TCP peers ----------

#[test]
fn tarpit_accepts_but_never_writes() {
    let addr = support::tarpit();
    run(async {
        let mut tcp = TcpStream::connect(addr).await.expect("tarpit accepts");
        tcp.write_all(b"hello").await.expect("write to tarpit");
        let mut buf = [0u8; 16];
        let read = timeout(SHORT, tcp.read(&mut buf)).await;
        assert!(read.is_err(), "tarpit answered: {read:?}");
    });
}

#[test]
fn refused_port_refuses() {
    let addr = support::refused_port();
    let err = run(TcpStream::connect(addr)).expect_err("nothing listens");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[test]
fn tls_alert_server_fails_handshake_with_protocol_version() {
    let err = run(tls_connect(support::tls_alert_server(), "api.test")).expect_err("alert");
    assert_eq!(
        rustls_error(&err),
        rustls::Error::AlertReceived(AlertDescription::ProtocolVersion)
    );
}

#[test]
fn reset_server_resets_the_handshake() {
    let err = run(tls_connect(support::reset_server(), "api.test")).expect_err("reset");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err:?}");
}

#[test]
fn garbage_server_sends_64_non_http_bytes() {
    let received = run(async {
        let mut tcp = TcpStream::connect(support::garbage_server()).await.expect("connect");
        tcp.write_all(b"\x16\x03\x01\x00\x01\x01").await.expect("write");
        let mut received = Vec::new();
        tcp.read_to_end(&mut received).await.expect("read until close");
        received
    });
    assert_eq!(received.as_slice(), GARBAGE.as_slice());
    assert!(!received.starts_with(b"HTTP/"));
    let err = run(tls_connect(support::garbage_server(), "api.test")).expect_err("garbage");
    let err = rustls_error(&err);
    assert!(matches!(err, rustls::Error::InvalidMessage(_)), "{err:?}");
}
