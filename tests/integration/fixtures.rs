//! Self-tests of the fixtures in `support`: each server is driven with an independent
//! client (tokio-rustls, hyper, hickory-resolver, `openssl s_client`) to prove it works,
//! and that each broken fixture fails in exactly the way the end-to-end tests rely on.
//! Also checks the committed certificates in `tests/fixtures/certs` against their README.

use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::{Command, Stdio};
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
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError, ClientConfig, RootCertStore};
use rustls::{ProtocolVersion, SupportedProtocolVersion};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};
use time::OffsetDateTime;
use time::macros::datetime;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::support::sockets::GARBAGE;
use crate::support::{self, CertKind, DnsAnswer, DnsRule, OpensslKind, pki};

/// Upper bound for any single fixture test step.
const STEP: Duration = Duration::from_secs(10);
/// What the "nothing happens" checks wait for.
const SHORT: Duration = Duration::from_millis(300);
/// Resolver timeout for queries that should be answered (generous for a loaded CI box).
const DNS_ANSWER_WAIT: Duration = Duration::from_secs(2);

// ---------- helpers ----------

/// Runs `future` on the fixture runtime, failing the test if it takes longer than STEP.
fn run<F: Future>(future: F) -> F::Output {
    support::runtime().block_on(async { timeout(STEP, future).await }).expect("fixture self-test step timed out")
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
    tls_connect_with(addr, sni, rustls::ALL_VERSIONS).await
}

/// Like [`tls_connect`], offering only `versions`.
async fn tls_connect_with(
    addr: SocketAddr,
    sni: &str,
    versions: &[&'static SupportedProtocolVersion],
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(sni.to_owned()).expect("valid SNI");
    TlsConnector::from(client_config(versions)).connect(name, tcp).await
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
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io)).await.expect("HTTP handshake");
    tokio::spawn(conn);
    let request =
        hyper::Request::get(path).header("host", "api.test").body(Empty::<Bytes>::new()).expect("build request");
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
    response.headers().get(name).unwrap_or_else(|| panic!("missing {name} header")).to_str().expect("ASCII header")
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
    assert_eq!(support::https_server(CertKind::Valid), support::https_server(CertKind::Valid));
    assert_ne!(support::https_server(CertKind::Valid), support::https_server(CertKind::Expired));
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
    expect(CertKind::Sha1Signed, |e| matches!(e, C::UnsupportedSignatureAlgorithmContext { .. }));
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
    assert_eq!(rustls_error(&err), rustls::Error::AlertReceived(AlertDescription::ProtocolVersion));
}

#[test]
fn unrecognized_name_server_refuses_the_host_name() {
    let err = run(tls_connect(support::unrecognized_name_server(), "api.test")).expect_err("alert");
    assert_eq!(rustls_error(&err), rustls::Error::AlertReceived(AlertDescription::UnrecognisedName));
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

// ---------- more certificate kinds ----------

/// The SAN extension of `cert`: whether it is critical, and its names as `DNS:x` / `IP:x`.
fn sans(cert: &X509Certificate<'_>) -> Option<(bool, Vec<String>)> {
    let san = cert.subject_alternative_name().expect("well-formed SAN")?;
    let name = |name: &GeneralName<'_>| match name {
        GeneralName::DNSName(dns) => format!("DNS:{dns}"),
        GeneralName::IPAddress(ip) => match <[u8; 4]>::try_from(*ip) {
            Ok(v4) => format!("IP:{}", Ipv4Addr::from(v4)),
            Err(_) => format!("IP:{ip:?}"),
        },
        other => format!("{other:?}"),
    };
    Some((san.critical, san.value.general_names.iter().map(name).collect()))
}

/// The named curve OID of an EC public key.
fn curve_oid(cert: &X509Certificate<'_>) -> String {
    let params = cert.public_key().algorithm.parameters.as_ref().expect("EC key parameters");
    params.as_oid().expect("named curve OID").to_id_string()
}

fn rsa_key_bits(cert: &X509Certificate<'_>) -> usize {
    let key = cert.public_key().parsed().expect("parse public key");
    assert!(matches!(key, PublicKey::RSA(_)), "not RSA: {key:?}");
    key.key_size()
}

#[test]
fn new_valid_cert_kinds_are_accepted() {
    for kind in
        [CertKind::NoSubjectCn, CertKind::EcdsaP384, CertKind::ReversedChain, CertKind::ExtraCerts, CertKind::WithRoot]
    {
        assert_eq!(handshake_error(kind), None, "{kind:?} must be accepted");
    }
}

#[test]
fn cn_only_and_expired_wrong_host_certs_are_rejected() {
    use CertificateError as C;
    let err = handshake_error(CertKind::CnOnlyNoSan);
    assert!(matches!(err, Some(rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }))), "{err:?}");
    // Of its two defects, rustls reports the expiry: it checks the path before the name.
    let err = handshake_error(CertKind::ExpiredWrongHost);
    assert!(matches!(err, Some(rustls::Error::InvalidCertificate(C::ExpiredContext { .. }))), "{err:?}");
}

#[test]
fn no_subject_cn_cert_has_an_empty_subject_and_a_critical_san() {
    let cert = pki().server_cert(CertKind::NoSubjectCn);
    let leaf = parse_cert(&cert.chain[0]);
    assert_eq!(leaf.subject().iter().count(), 0, "subject: {}", leaf.subject());
    assert_eq!(sans(&leaf), Some((true, vec!["DNS:api.test".to_owned()])));
}

#[test]
fn cn_only_cert_has_no_san_extension() {
    let cert = pki().server_cert(CertKind::CnOnlyNoSan);
    let leaf = parse_cert(&cert.chain[0]);
    assert_eq!(leaf.subject().to_string(), "CN=api.test");
    assert_eq!(sans(&leaf), None);
}

#[test]
fn ecdsa_p384_leaf_has_a_p384_key() {
    let cert = pki().server_cert(CertKind::EcdsaP384);
    let leaf = parse_cert(&cert.chain[0]);
    assert_eq!(leaf.public_key().algorithm.algorithm.to_id_string(), "1.2.840.10045.2.1");
    assert_eq!(curve_oid(&leaf), "1.3.132.0.34", "secp384r1");
}

#[test]
fn rsa_leaves_have_their_key_size_and_are_served() {
    for (kind, bits) in [(CertKind::Rsa2048, 2048), (CertKind::Rsa4096, 4096)] {
        let cert = pki().server_cert(kind);
        assert_eq!(rsa_key_bits(&parse_cert(&cert.chain[0])), bits, "{kind:?}");
        assert_eq!(handshake_error(kind), None, "{kind:?} must be accepted");
    }
}

#[test]
fn expired_wrong_host_cert_has_both_defects() {
    let cert = pki().server_cert(CertKind::ExpiredWrongHost);
    let leaf = parse_cert(&cert.chain[0]);
    assert_eq!(sans(&leaf), Some((false, vec!["DNS:other.test".to_owned()])));
    let ago = time::OffsetDateTime::now_utc().unix_timestamp() - leaf.validity().not_after.timestamp();
    assert!(ago.abs_diff(2 * 86_400) < 3_600, "expired {ago}s ago, not ~2 days");
}

#[test]
fn reversed_and_extra_chains_have_the_documented_order() {
    let subject = |der: &CertificateDer<'_>| parse_cert(der).subject().to_string();
    let reversed = pki().server_cert(CertKind::ReversedChain);
    let names: Vec<String> = reversed.chain.iter().map(subject).collect();
    assert_eq!(names.len(), 3);
    assert!(names[1].contains("reqdoctor test root") && names[2].contains("reqdoctor test intermediate"), "{names:?}");
    let extra = pki().server_cert(CertKind::ExtraCerts);
    assert_eq!(extra.chain.len(), 3);
    assert!(subject(&extra.chain[1]).contains("reqdoctor test intermediate"));
    let unrelated = parse_cert(&extra.chain[2]);
    assert_eq!(unrelated.subject(), unrelated.issuer(), "the extra cert is self-signed");
    assert!(unrelated.subject().to_string().contains("reqdoctor unrelated cert"));
    let whole = pki().server_cert(CertKind::WithRoot);
    let names: Vec<String> = whole.chain.iter().map(subject).collect();
    assert!(names.len() == 3 && names[2].contains("reqdoctor test root"), "{names:?}");
}

#[test]
fn pem_files_hold_the_same_chain_and_key_as_server_cert() {
    let pki = pki();
    let files = pki.pem_files(CertKind::ReversedChain);
    let cert = pki.server_cert(CertKind::ReversedChain);
    let leaf = CertificateDer::from_pem_file(&files.cert).expect("leaf PEM file");
    assert_eq!(leaf, cert.chain[0]);
    let chain_file = files.chain.as_ref().expect("a chain file");
    let rest: Vec<_> =
        CertificateDer::pem_file_iter(chain_file).expect("chain file").map(|c| c.expect("PEM")).collect();
    assert_eq!(rest, cert.chain[1..]);
    let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&files.key).expect("key PEM file");
    assert_eq!(key.secret_der(), cert.key.secret_der());
    assert_eq!(pki.pem_files(CertKind::SelfSigned).chain, None, "a lone leaf has no chain file");
    assert_eq!(pki.pem_files(CertKind::ReversedChain), files, "written once");
}

#[test]
fn tls13_only_server_refuses_a_tls12_client() {
    let addr = support::https_server_tls13_only(CertKind::Valid);
    assert_eq!(addr, support::https_server_tls13_only(CertKind::Valid), "shared per kind");
    let version = run(async { tls_connect(addr, "api.test").await.expect("TLS 1.3").get_ref().1.protocol_version() });
    assert_eq!(version, Some(ProtocolVersion::TLSv1_3));
    let err = run(tls_connect_with(addr, "api.test", &[&rustls::version::TLS12])).expect_err("TLS 1.2 only");
    assert_eq!(rustls_error(&err), rustls::Error::AlertReceived(AlertDescription::ProtocolVersion));
}

// ---------- openssl s_server ----------

/// `openssl s_client` against `addr` (SNI api.test, trusting the test root) with `args`,
/// sending `GET /`; its stdout and stderr together. At most 10 s.
fn s_client(addr: SocketAddr, args: &[&str]) -> String {
    let mut command = Command::new("timeout");
    command.args(["10", "openssl", "s_client", "-ign_eof", "-connect", &addr.to_string()]);
    command.args(["-servername", "api.test", "-CAfile"]).arg(pki().root_pem_path()).args(args);
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("run timeout openssl s_client");
    let mut stdin = child.stdin.take().expect("s_client stdin is piped");
    // s_client may already have given up; then the request is not needed.
    let _ = stdin.write_all(b"GET / HTTP/1.0\r\n\r\n");
    drop(stdin);
    let output = child.wait_with_output().expect("wait for s_client");
    assert_ne!(output.status.code(), Some(124), "s_client timed out");
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The rest of the first line of `output` starting with `prefix` (after spaces).
fn s_client_field<'a>(output: &'a str, prefix: &str) -> Option<&'a str> {
    output.lines().find_map(|line| line.trim_start().strip_prefix(prefix))
}

/// Asserts s_client negotiated `version`, got `verify` as the verify result, and the -www page.
fn assert_s_client(output: &str, version: &str, verify: &str) {
    assert_eq!(s_client_field(output, "Protocol  : "), Some(version), "{output}");
    assert_eq!(s_client_field(output, "Verify return code: "), Some(verify), "{output}");
    assert!(output.contains("HTTP/1.0 200 ok"), "no -www page: {output}");
}

/// Asserts s_client's handshake failed: no cipher was agreed.
fn assert_s_client_refused(output: &str) {
    assert!(output.contains("Cipher is (NONE)"), "the handshake succeeded: {output}");
}

/// A rustls (TLS 1.2 and 1.3) handshake with `kind`'s openssl server must fail.
fn rustls_error_from(kind: OpensslKind) -> rustls::Error {
    let err = run(tls_connect(support::openssl_server(kind), "api.test")).expect_err("rustls must fail");
    rustls_error(&err)
}

const LEGACY_CIPHERS: [&str; 2] = ["-cipher", "DEFAULT@SECLEVEL=0"];

#[test]
fn openssl_server_is_shared_per_kind() {
    let first = support::openssl_server(OpensslKind::Tls11Only);
    assert_eq!(first, support::openssl_server(OpensslKind::Tls11Only));
    assert_ne!(first, support::openssl_server(OpensslKind::Tls10Only));
    assert_eq!(first.ip(), localhost_v4());
}

#[test]
fn openssl_tls10_only_server_speaks_tls10_only() {
    let addr = support::openssl_server(OpensslKind::Tls10Only);
    assert_s_client(&s_client(addr, &[&["-tls1"][..], &LEGACY_CIPHERS].concat()), "TLSv1", "0 (ok)");
    let refused = s_client(addr, &[&["-tls1_1"][..], &LEGACY_CIPHERS].concat());
    assert_s_client_refused(&refused);
    let err = rustls_error_from(OpensslKind::Tls10Only);
    assert_eq!(err, rustls::Error::AlertReceived(AlertDescription::ProtocolVersion));
}

#[test]
fn openssl_tls11_only_server_speaks_tls11_only() {
    let addr = support::openssl_server(OpensslKind::Tls11Only);
    assert_s_client(&s_client(addr, &[&["-tls1_1"][..], &LEGACY_CIPHERS].concat()), "TLSv1.1", "0 (ok)");
    let refused = s_client(addr, &[&["-tls1_2"][..], &LEGACY_CIPHERS].concat());
    assert_s_client_refused(&refused);
    let err = rustls_error_from(OpensslKind::Tls11Only);
    assert_eq!(err, rustls::Error::AlertReceived(AlertDescription::ProtocolVersion));
}

#[test]
fn openssl_tls11_expired_server_has_both_defects() {
    let addr = support::openssl_server(OpensslKind::Tls11ExpiredCert);
    let output = s_client(addr, &[&["-tls1_1"][..], &LEGACY_CIPHERS].concat());
    assert_s_client(&output, "TLSv1.1", "10 (certificate has expired)");
    let err = rustls_error_from(OpensslKind::Tls11ExpiredCert);
    assert_eq!(err, rustls::Error::AlertReceived(AlertDescription::ProtocolVersion));
}

#[test]
fn openssl_rsa1024_server_serves_a_1024_bit_key_over_tls12_and_tls13() {
    let addr = support::openssl_server(OpensslKind::Rsa1024);
    let tls13 = s_client(addr, &LEGACY_CIPHERS);
    assert_s_client(&tls13, "TLSv1.3", "0 (ok)");
    assert!(tls13.contains("Server public key is 1024 bit"), "{tls13}");
    assert_s_client(&s_client(addr, &[&["-tls1_2"][..], &LEGACY_CIPHERS].concat()), "TLSv1.2", "0 (ok)");
    let refused = s_client(addr, &[&["-tls1_1"][..], &LEGACY_CIPHERS].concat());
    assert_s_client_refused(&refused);
    let strict = s_client(addr, &[]);
    assert!(strict.contains("EE certificate key too weak"), "default security level: {strict}");
    // ring verifies no RSA signature from a key under 2048 bits (here the CertificateVerify).
    let err = rustls_error_from(OpensslKind::Rsa1024);
    assert_eq!(err, rustls::Error::InvalidCertificate(CertificateError::BadSignature));
}

// ---------- close after ClientHello ----------

#[test]
fn close_after_hello_reads_one_record_then_sends_fin() {
    let addr = support::close_after_hello();
    let started = std::time::Instant::now();
    let received = run(async {
        let mut tcp = TcpStream::connect(addr).await.expect("connect");
        // A complete (tiny) handshake record: the server must not wait for more.
        tcp.write_all(&[0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00]).await.expect("write a record");
        let mut received = Vec::new();
        tcp.read_to_end(&mut received).await.expect("a clean EOF, not a reset");
        received
    });
    assert!(received.is_empty(), "the server wrote {received:?}");
    assert!(started.elapsed() < Duration::from_millis(1500), "took {:?}", started.elapsed());
}

#[test]
fn close_after_hello_fails_a_rustls_handshake_with_eof() {
    let err = run(tls_connect(support::close_after_hello(), "api.test")).expect_err("closed");
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err:?}");
}

// ---------- committed certificates (tests/fixtures/certs) ----------

/// The committed certificates, as `src/` unit tests include them.
const COMMITTED: [(&str, &[u8]); 9] = [
    ("root.pem", include_bytes!("../fixtures/certs/root.pem")),
    ("intermediate.pem", include_bytes!("../fixtures/certs/intermediate.pem")),
    ("leaf.pem", include_bytes!("../fixtures/certs/leaf.pem")),
    ("leaf-rsa1024.pem", include_bytes!("../fixtures/certs/leaf-rsa1024.pem")),
    ("leaf-sha1.pem", include_bytes!("../fixtures/certs/leaf-sha1.pem")),
    ("leaf-md5.pem", include_bytes!("../fixtures/certs/leaf-md5.pem")),
    ("leaf-p521.pem", include_bytes!("../fixtures/certs/leaf-p521.pem")),
    ("leaf-no-san.pem", include_bytes!("../fixtures/certs/leaf-no-san.pem")),
    ("leaf-ip-san.pem", include_bytes!("../fixtures/certs/leaf-ip-san.pem")),
];

fn committed(name: &str) -> CertificateDer<'static> {
    let (_, pem) = COMMITTED.iter().find(|(file, _)| *file == name).expect("a committed certificate");
    CertificateDer::from_pem_slice(pem).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// What README.md documents for one committed certificate.
struct Documented {
    subject: &'static str,
    issuer: &'static str,
    window: (OffsetDateTime, OffsetDateTime),
    /// "EC <curve OID>" or "RSA <bits>".
    key: &'static str,
    signature_oid: &'static str,
    sans: &'static [&'static str],
}

const ROOT: &str = "CN=Fixture Root CA";
const INTERMEDIATE: &str = "CN=Fixture Intermediate CA";
const CA_WINDOW: (OffsetDateTime, OffsetDateTime) = (datetime!(2020-01-01 0:00 UTC), datetime!(2040-01-01 0:00 UTC));
const LEAF_WINDOW: (OffsetDateTime, OffsetDateTime) =
    (datetime!(2026-01-01 0:00 UTC), datetime!(2026-12-31 23:59:59 UTC));
const P256: &str = "EC 1.2.840.10045.3.1.7";
const EXAMPLE_SANS: &[&str] = &["DNS:api.example.com", "DNS:*.example.com"];
const ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const RSA_SHA256: &str = "1.2.840.113549.1.1.11";

fn documented(name: &str) -> Documented {
    let leaf = |key, signature_oid| Documented {
        subject: "CN=api.example.com",
        issuer: INTERMEDIATE,
        window: LEAF_WINDOW,
        key,
        signature_oid,
        sans: EXAMPLE_SANS,
    };
    match name {
        "root.pem" => {
            Documented { subject: ROOT, issuer: ROOT, window: CA_WINDOW, sans: &[], ..leaf(P256, ECDSA_SHA256) }
        }
        "intermediate.pem" => Documented {
            subject: INTERMEDIATE,
            issuer: ROOT,
            window: CA_WINDOW,
            sans: &[],
            ..leaf("RSA 2048", ECDSA_SHA256)
        },
        "leaf.pem" => leaf(P256, RSA_SHA256),
        "leaf-rsa1024.pem" => leaf("RSA 1024", RSA_SHA256),
        "leaf-sha1.pem" => leaf(P256, "1.2.840.113549.1.1.5"),
        "leaf-md5.pem" => leaf("RSA 2048", "1.2.840.113549.1.1.4"),
        "leaf-p521.pem" => leaf("EC 1.3.132.0.35", RSA_SHA256),
        "leaf-no-san.pem" => Documented { sans: &[], ..leaf(P256, RSA_SHA256) },
        "leaf-ip-san.pem" => {
            Documented { subject: "CN=192.0.2.10", sans: &["IP:192.0.2.10"], ..leaf(P256, RSA_SHA256) }
        }
        other => panic!("undocumented certificate {other}"),
    }
}

fn key_description(cert: &X509Certificate<'_>) -> String {
    match cert.public_key().parsed().expect("parse public key") {
        PublicKey::EC(_) => format!("EC {}", curve_oid(cert)),
        PublicKey::RSA(rsa) => format!("RSA {}", rsa.key_size()),
        other => panic!("unexpected key {other:?}"),
    }
}

#[test]
fn committed_certs_have_the_documented_names_dates_and_algorithms() {
    for (name, _) in COMMITTED {
        let der = committed(name);
        let cert = parse_cert(&der);
        let doc = documented(name);
        assert_eq!(cert.subject().to_string(), doc.subject, "{name} subject");
        assert_eq!(cert.issuer().to_string(), doc.issuer, "{name} issuer");
        let validity = cert.validity();
        let window = (validity.not_before.timestamp(), validity.not_after.timestamp());
        assert_eq!(window, (doc.window.0.unix_timestamp(), doc.window.1.unix_timestamp()), "{name} window");
        assert_eq!(key_description(&cert), doc.key, "{name} key");
        assert_eq!(cert.signature_algorithm.algorithm.to_id_string(), doc.signature_oid, "{name} signature");
        let names = sans(&cert).map(|(_, names)| names).unwrap_or_default();
        assert_eq!(names, doc.sans, "{name} SANs");
    }
}

#[test]
fn committed_leaf_has_the_documented_extensions() {
    let der = committed("leaf.pem");
    let leaf = parse_cert(&der);
    assert!(leaf.extended_key_usage().expect("EKU").expect("an EKU").value.server_auth);
    let aia = leaf.iter_extensions().find_map(|ext| match ext.parsed_extension() {
        ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
        _ => None,
    });
    let ca_issuers = aia
        .expect("an AIA extension")
        .accessdescs
        .iter()
        .find(|d| d.access_method.to_id_string() == "1.3.6.1.5.5.7.48.2");
    let location = ca_issuers.map(|d| &d.access_location);
    assert!(matches!(location, Some(GeneralName::URI("http://ca.example.com/intermediate.crt"))), "{location:?}");
    let intermediate_der = committed("intermediate.pem");
    let intermediate = parse_cert(&intermediate_der);
    let constraints = intermediate.basic_constraints().expect("basicConstraints").expect("present").value;
    assert!(constraints.ca);
    assert_eq!(constraints.path_len_constraint, Some(0));
}

/// SHA-256 of `data`, by rustls' ring provider.
fn sha256(data: &[u8]) -> Vec<u8> {
    let rustls::SupportedCipherSuite::Tls13(suite) = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256
    else {
        unreachable!("a TLS 1.3 cipher suite")
    };
    suite.common.hash_provider.hash(data).as_ref().to_vec()
}

/// The value of `field` for `file` in README.md's facts section: the quoted value of the
/// line `- {field}: …` under the heading `### {file}`.
fn readme_fact(readme: &str, file: &str, field: &str) -> String {
    let section = readme.split("\n### ").find(|s| s.starts_with(&format!("{file}\n"))).expect("a README section");
    let line = section.lines().find_map(|l| l.strip_prefix(&format!("- {field}: `"))).expect("a README fact");
    line.trim_end_matches('`').to_owned()
}

#[test]
fn committed_certs_match_the_readme_fingerprints_and_serials() {
    let readme = include_str!("../fixtures/certs/README.md");
    for (name, _) in COMMITTED {
        let der = committed(name);
        let hex: Vec<String> = sha256(&der).iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(hex.join(":"), readme_fact(readme, name, "sha256 Fingerprint"), "{name} fingerprint");
        let serial = format!("{:X}", parse_cert(&der).serial);
        assert_eq!(serial, readme_fact(readme, name, "serial"), "{name} serial");
    }
}

/// webpki's verdict on a committed leaf (with the committed intermediate) at `now`.
fn verify_committed(leaf: &str, name: &str, now: OffsetDateTime) -> Result<(), rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots.add(committed("root.pem")).expect("add the committed root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider).build().expect("verifier");
    let name = ServerName::try_from(name.to_owned()).expect("server name");
    let now = UnixTime::since_unix_epoch(Duration::from_secs(now.unix_timestamp().try_into().expect("after 1970")));
    verifier.verify_server_cert(&committed(leaf), &[committed("intermediate.pem")], &name, &[], now).map(|_| ())
}

#[test]
fn committed_chain_verifies_only_inside_its_window() {
    use CertificateError as C;
    let inside = datetime!(2026-06-01 0:00 UTC);
    assert_eq!(verify_committed("leaf.pem", "api.example.com", inside), Ok(()));
    assert_eq!(verify_committed("leaf.pem", "x.example.com", LEAF_WINDOW.1), Ok(()), "not_after is inclusive");
    assert_eq!(verify_committed("leaf-ip-san.pem", "192.0.2.10", inside), Ok(()));
    let fails = |leaf, name, now, ok: fn(&C) -> bool| match verify_committed(leaf, name, now) {
        Err(rustls::Error::InvalidCertificate(e)) if ok(&e) => {}
        other => panic!("{leaf} at {now}: unexpected {other:?}"),
    };
    let before = LEAF_WINDOW.0 - time::Duration::seconds(1);
    fails("leaf.pem", "api.example.com", before, |e| matches!(e, C::NotValidYetContext { .. }));
    let after = LEAF_WINDOW.1 + time::Duration::seconds(1);
    fails("leaf.pem", "api.example.com", after, |e| matches!(e, C::ExpiredContext { .. }));
    fails("leaf-no-san.pem", "api.example.com", inside, |e| matches!(e, C::NotValidForNameContext { .. }));
    for weak in ["leaf-sha1.pem", "leaf-md5.pem"] {
        fails(weak, "api.example.com", inside, |e| matches!(e, C::UnsupportedSignatureAlgorithmContext { .. }));
    }
}

/// Set in the test process that [`the_pki_dir_is_removed_when_the_test_process_exits`] runs.
const PKI_CHILD: &str = "REQDOCTOR_TEST_PKI_CHILD";

/// Statics are never dropped, so the PKI's temp dir is deleted by a sweeper
/// process when the test process exits: a second test process makes its PKI,
/// prints where, and exits; the dir must then go.
#[test]
fn the_pki_dir_is_removed_when_the_test_process_exits() {
    let name = "fixtures::the_pki_dir_is_removed_when_the_test_process_exits";
    if std::env::var_os(PKI_CHILD).is_some() {
        let dir = pki().root_pem_path().parent().expect("the PKI dir").to_owned();
        assert!(dir.join("root.pem").exists());
        println!("pki dir: {}", dir.display());
        return;
    }
    let exe = std::env::current_exe().expect("this test binary");
    let child = Command::new(exe).args(["--exact", name, "--nocapture"]).env(PKI_CHILD, "1").output();
    let child = child.expect("run this test binary again");
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(child.status.success(), "{stdout}{}", String::from_utf8_lossy(&child.stderr));
    let dir = stdout.lines().find_map(|l| l.strip_prefix("pki dir: ")).expect("the child names its PKI dir");
    let dir = std::path::Path::new(dir);
    assert!(dir.starts_with(env!("CARGO_TARGET_TMPDIR")), "{}", dir.display());
    let started = std::time::Instant::now();
    while dir.exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "{} outlived its test process", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}
