//! A real DNS server on a loopback port (UDP, and TCP on the same port) built on
//! hickory-server, answering from a fixed rule table so tests can produce every
//! resolution outcome the CLI must tell apart: addresses, NXDOMAIN, SERVFAIL, REFUSED,
//! no data, and no answer at all.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::sync::LazyLock;
use std::time::Duration;

use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Edns, Header, HeaderCounts, LowerQuery, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{A, AAAA, CNAME};
use hickory_server::proto::rr::{Name, RData, Record, RecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;

use super::{runtime, to_tokio_listener};

/// TTL of every answer record.
const TTL: u32 = 60;
/// How long an idle DNS-over-TCP connection is kept.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server answers for one record type of one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsAnswer {
    /// NOERROR with the addresses of the queried family (none of it → no answer records).
    Addrs(Vec<IpAddr>),
    /// NXDOMAIN.
    NxDomain,
    /// SERVFAIL.
    ServFail,
    /// REFUSED.
    Refused,
    /// Never answers (the client times out).
    Silent,
    /// NOERROR with no answer records.
    NoData,
    /// NOERROR with one answer record: a CNAME to this name (and nothing about that name,
    /// so the resolver must ask for it in turn).
    Cname(&'static str),
}

/// How the server answers A and AAAA queries for `name` (case-insensitive, trailing dot
/// optional). Other query types get `a`'s response code with no records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsRule {
    /// The owner name, e.g. `api.test`.
    pub name: &'static str,
    /// The answer to A queries (and, record-less, to other non-AAAA types).
    pub a: DnsAnswer,
    /// The answer to AAAA queries.
    pub aaaa: DnsAnswer,
}

/// Starts a DNS server answering from `rules` (unknown names → NXDOMAIN) on a fresh
/// 127.0.0.1 port, UDP and TCP.
pub fn dns_server(rules: Vec<DnsRule>) -> SocketAddr {
    let (udp, tcp) = bind_udp_and_tcp();
    let addr = udp.local_addr().expect("dns socket address");
    udp.set_nonblocking(true).expect("set dns socket non-blocking");
    let (tcp, _) = to_tokio_listener(tcp);
    let _guard = runtime().enter();
    let udp = tokio::net::UdpSocket::from_std(udp).expect("register dns socket with tokio");
    let mut server = Server::new(RuleHandler { rules });
    server.register_socket(udp);
    server.register_listener(tcp, TCP_TIMEOUT, 64);
    runtime().spawn(async move {
        let _ = server.block_until_done().await;
    });
    addr
}

/// The shared DNS server with the standard `.test` names (see the table in the body).
pub fn shared_dns() -> SocketAddr {
    static SERVER: LazyLock<SocketAddr> = LazyLock::new(|| dns_server(shared_rules()));
    *SERVER
}

fn shared_rules() -> Vec<DnsRule> {
    use DnsAnswer::*;
    let v4 = || Addrs(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    let v6 = || Addrs(vec![IpAddr::V6(Ipv6Addr::LOCALHOST)]);
    let rule = |name, a, aaaa| DnsRule { name, a, aaaa };
    vec![
        rule("api.test", v4(), v6()),
        rule("v4only.test", v4(), NoData),
        rule("nx.test", NxDomain, NxDomain),
        rule("servfail.test", ServFail, ServFail),
        rule("refused.test", Refused, Refused),
        rule("silent.test", Silent, Silent),
        rule("nodata.test", NoData, NoData),
        rule("halfbroken.test", v4(), ServFail),
        rule("deadv6.test", v4(), v6()),
    ]
}

/// A UDP socket and a TCP listener on the same 127.0.0.1 port (bounded retries).
pub(super) fn bind_udp_and_tcp() -> (UdpSocket, TcpListener) {
    for _ in 0..32 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind dns udp socket");
        let addr = udp.local_addr().expect("dns socket address");
        if let Ok(tcp) = TcpListener::bind(addr) {
            return (udp, tcp);
        }
    }
    panic!("no 127.0.0.1 port free for both UDP and TCP after 32 tries");
}

/// What to send back for one query.
enum Outcome {
    Silent,
    Reply(ResponseCode, Vec<Record>),
}

struct RuleHandler {
    rules: Vec<DnsRule>,
}

impl RuleHandler {
    fn outcome(&self, query: &LowerQuery) -> Outcome {
        let name = normalize(&query.name().to_string());
        let Some(rule) = self.rules.iter().find(|r| normalize(r.name) == name) else {
            return Outcome::Reply(ResponseCode::NXDomain, Vec::new());
        };
        let qtype = query.query_type();
        let answer = if qtype == RecordType::AAAA { &rule.aaaa } else { &rule.a };
        match answer {
            DnsAnswer::Silent => Outcome::Silent,
            DnsAnswer::NxDomain => Outcome::Reply(ResponseCode::NXDomain, Vec::new()),
            DnsAnswer::ServFail => Outcome::Reply(ResponseCode::ServFail, Vec::new()),
            DnsAnswer::Refused => Outcome::Reply(ResponseCode::Refused, Vec::new()),
            DnsAnswer::NoData => Outcome::Reply(ResponseCode::NoError, Vec::new()),
            DnsAnswer::Addrs(ips) => Outcome::Reply(ResponseCode::NoError, records(query, ips)),
            DnsAnswer::Cname(target) => Outcome::Reply(ResponseCode::NoError, vec![cname(query, target)]),
        }
    }
}

/// The A or AAAA records (by query type) for the matching family of `ips`.
fn records(query: &LowerQuery, ips: &[IpAddr]) -> Vec<Record> {
    let name = query.original().name().clone();
    let data = ips.iter().filter_map(|ip| match (query.query_type(), ip) {
        (RecordType::A, IpAddr::V4(v4)) => Some(RData::A(A(*v4))),
        (RecordType::AAAA, IpAddr::V6(v6)) => Some(RData::AAAA(AAAA(*v6))),
        _ => None,
    });
    data.map(|rdata| Record::from_rdata(name.clone(), TTL, rdata)).collect()
}

/// A CNAME record from the queried name to `target`.
fn cname(query: &LowerQuery, target: &str) -> Record {
    let target = Name::from_ascii(format!("{}.", normalize(target))).expect("a valid CNAME target");
    Record::from_rdata(query.original().name().clone(), TTL, RData::CNAME(CNAME(target)))
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[async_trait::async_trait]
impl RequestHandler for RuleHandler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        metadata.recursion_available = true;
        let outcome = match request.queries.queries().first() {
            Some(query) => self.outcome(query),
            None => Outcome::Reply(ResponseCode::FormErr, Vec::new()),
        };
        let Outcome::Reply(code, answers) = outcome else {
            return unsent(metadata);
        };
        metadata.response_code = code;
        let edns = request.edns.as_ref().map(response_edns);
        let response = MessageResponseBuilder::new(&request.queries, edns.as_ref()).build(
            metadata,
            answers.iter(),
            std::iter::empty(),
            std::iter::empty(),
            std::iter::empty(),
        );
        match response_handle.send_response(response).await {
            Ok(info) => info,
            Err(_) => unsent(metadata),
        }
    }
}

/// EDNS for the response when the query had it (RFC 6891 §6.1.1).
fn response_edns(request_edns: &Edns) -> Edns {
    let mut edns = Edns::new();
    edns.set_max_payload(request_edns.max_payload().max(512));
    edns
}

/// The ResponseInfo for a response that was never sent (silent, or a send error).
fn unsent(metadata: Metadata) -> ResponseInfo {
    ResponseInfo::from(Header { metadata, counts: HeaderCounts::default() })
}
