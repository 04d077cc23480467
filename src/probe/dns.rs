//! Asks DNS for a host's A and AAAA records separately, so each address
//! family's answer (addresses, NXDOMAIN, SERVFAIL, silence…) can be named.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{TokioResolver, lookup::Lookup};

/// The longest one DNS query waits, like resolv.conf's `timeout`.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// The most CNAMEs followed by hand when a name has no address (resolvers
/// give up after 8 to 16).
const MAX_CNAME_HOPS: usize = 16;

/// Which resolver answers: the system's, or the one given with `--dns-server`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsServer {
    System,
    Given(SocketAddr),
}

/// The run's resolver, built on the first lookup and then shared by clones
/// (with its connections). Building it reads /etc/resolv.conf and
/// /etc/hosts, two small local files, once per run; a run that asks DNS
/// nothing (`--connect-to`, `--resolve`, an IP address) never reads them.
#[derive(Clone)]
pub struct Resolver {
    server: DnsServer,
    built: Arc<OnceLock<Result<TokioResolver, Failure>>>,
}

impl Resolver {
    pub fn new(server: DnsServer) -> Resolver {
        Resolver { server, built: Arc::default() }
    }

    pub fn server(&self) -> DnsServer {
        self.server
    }

    fn built(&self) -> &Result<TokioResolver, Failure> {
        self.built.get_or_init(|| resolver(self.server))
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("server", &self.server)
            .field("ready", &self.built.get().map(Result::is_ok))
            .finish()
    }
}

/// One address family's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Family {
    Addrs(Vec<IpAddr>),
    /// NOERROR without records of this type.
    NoData,
    NxDomain,
    ServFail,
    Refused,
    /// Another error response code, by name.
    Rcode(String),
    /// No answer before the query deadline (or the request's budget).
    Timeout,
    /// The resolver itself failed, or gave up without an answer.
    Error(Failure),
}

/// Why the resolver produced no answer at all; the checks say it in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The system's DNS configuration cannot be read (hickory's message).
    SystemConfig(String),
    /// The resolver cannot be set up (hickory's message).
    Setup(String),
    /// The answer over UDP was truncated and the retry over TCP failed.
    Truncated,
    /// The server closed a TCP connection without answering. Only the retry of
    /// a truncated UDP answer goes over TCP here, so that is what it was.
    TcpClosed,
    /// Another resolver error, in hickory's words.
    Other(String),
}

/// What DNS said about a host.
#[derive(Clone, Debug)]
pub struct DnsLookup {
    pub host: String,
    pub server: DnsServer,
    pub v4: Family,
    pub v6: Family,
    /// CNAME targets met on the way, in order.
    pub cnames: Vec<String>,
    /// The CNAMEs lead back to a name already met.
    pub cname_loop: bool,
    pub duration: Duration,
}

impl DnsLookup {
    /// Every address either family answered, IPv4 first.
    pub fn addresses(&self) -> Vec<IpAddr> {
        [&self.v4, &self.v6]
            .into_iter()
            .flat_map(|family| match family {
                Family::Addrs(addrs) => addrs.clone(),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// Looks up `host`; never fails as a function: every failure is in the result.
pub async fn lookup(host: &str, resolver: &Resolver) -> DnsLookup {
    let started = Instant::now();
    let (v4, v6, cnames) = match resolver.built() {
        Ok(resolver) => {
            let name = fully_qualified(host);
            let (a, aaaa) = tokio::join!(
                resolver.lookup(name.as_str(), RecordType::A),
                resolver.lookup(name.as_str(), RecordType::AAAA)
            );
            let cnames = cnames_of(&a).or_else(|| cnames_of(&aaaa));
            let (v4, v6) = (family_of(a), family_of(aaaa));
            let chain = match cnames {
                Some(names) => (names, false),
                None if v4 == Family::NoData && v6 == Family::NoData => follow_cnames(resolver, &name).await,
                None => (Vec::new(), false),
            };
            (v4, v6, chain)
        }
        Err(error) => (Family::Error(error.clone()), Family::Error(error.clone()), (Vec::new(), false)),
    };
    let (cnames, cname_loop) = cnames;
    let server = resolver.server;
    DnsLookup { host: host.to_owned(), server, v4, v6, cnames, cname_loop, duration: started.elapsed() }
}

/// The CNAME chain from `name`, one CNAME query per hop, and whether it loops.
/// Used when a name has no address: the resolver hides a loop or a chain that
/// ends nowhere behind "no records".
async fn follow_cnames(resolver: &TokioResolver, name: &str) -> (Vec<String>, bool) {
    let start = name.trim_end_matches('.').to_ascii_lowercase();
    let mut chain: Vec<String> = Vec::new();
    let mut current = start.clone();
    for _ in 0..MAX_CNAME_HOPS {
        let Ok(answer) = resolver.lookup(format!("{current}.").as_str(), RecordType::CNAME).await else {
            break;
        };
        let Some(next) = cnames_of(&Ok(answer)).and_then(|names| names.into_iter().next()) else {
            break;
        };
        let next = next.to_ascii_lowercase();
        let seen = next == start || chain.contains(&next);
        chain.push(next.clone());
        if seen {
            return (chain, true);
        }
        current = next;
    }
    (chain, false)
}

/// A lookup cut short by the request's budget: both families timed out.
pub fn timed_out(host: &str, server: DnsServer, duration: Duration) -> DnsLookup {
    DnsLookup {
        host: host.to_owned(),
        server,
        v4: Family::Timeout,
        v6: Family::Timeout,
        cnames: Vec::new(),
        cname_loop: false,
        duration,
    }
}

fn resolver(server: DnsServer) -> Result<TokioResolver, Failure> {
    let mut builder = match server {
        DnsServer::System => TokioResolver::builder_tokio().map_err(|e| Failure::SystemConfig(e.to_string()))?,
        DnsServer::Given(addr) => {
            let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                .into_iter()
                .map(|mut c| {
                    c.port = addr.port();
                    c
                })
                .collect();
            let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(addr.ip(), true, connections)]);
            TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        }
    };
    let options = builder.options_mut();
    options.timeout = options.timeout.min(QUERY_TIMEOUT);
    // hickory counts retries: 0 means one try of at most QUERY_TIMEOUT.
    options.attempts = 0;
    options.cache_size = 0;
    if matches!(server, DnsServer::Given(_)) {
        options.use_hosts_file = ResolveHosts::Never;
    }
    builder.build().map_err(|e| Failure::Setup(e.to_string()))
}

/// A dotted name is asked as-is (no search-list suffixes), as a phone would.
fn fully_qualified(host: &str) -> String {
    if host.contains('.') && !host.ends_with('.') { format!("{host}.") } else { host.to_owned() }
}

fn family_of(result: Result<Lookup, NetError>) -> Family {
    match result {
        Ok(lookup) => {
            let addrs: Vec<IpAddr> = lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    RData::AAAA(aaaa) => Some(IpAddr::V6(aaaa.0)),
                    _ => None,
                })
                .collect();
            if addrs.is_empty() { Family::NoData } else { Family::Addrs(addrs) }
        }
        Err(error) => family_of_error(&error),
    }
}

/// Names a resolver error by its kind, never by its wording.
fn family_of_error(error: &NetError) -> Family {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(none)) => rcode_family(none.response_code),
        NetError::Dns(DnsError::ResponseCode(code)) => rcode_family(*code),
        NetError::Timeout => Family::Timeout,
        NetError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => Family::Timeout,
        NetError::Truncated => Family::Error(Failure::Truncated),
        // hickory's internal channel errors: the connection that carried the
        // query went away without an answer. With UDP first, that connection
        // was the TCP retry of a truncated answer.
        NetError::Message(_) | NetError::Msg(_) => Family::Error(Failure::TcpClosed),
        other => Family::Error(Failure::Other(other.to_string())),
    }
}

fn rcode_family(code: ResponseCode) -> Family {
    match code {
        ResponseCode::NoError => Family::NoData,
        ResponseCode::NXDomain => Family::NxDomain,
        ResponseCode::ServFail => Family::ServFail,
        ResponseCode::Refused => Family::Refused,
        other => Family::Rcode(other.to_str().to_owned()),
    }
}

fn cnames_of(result: &Result<Lookup, NetError>) -> Option<Vec<String>> {
    let lookup = result.as_ref().ok()?;
    let names: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::CNAME(target) => Some(target.to_string().trim_end_matches('.').to_owned()),
            _ => None,
        })
        .collect();
    (!names.is_empty()).then_some(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_names_are_asked_as_is() {
        assert_eq!(fully_qualified("api.example.com"), "api.example.com.");
        assert_eq!(fully_qualified("api.example.com."), "api.example.com.");
        assert_eq!(fully_qualified("localhost"), "localhost");
    }

    #[test]
    fn response_codes_are_named() {
        assert_eq!(rcode_family(ResponseCode::NXDomain), Family::NxDomain);
        assert_eq!(rcode_family(ResponseCode::ServFail), Family::ServFail);
        assert_eq!(rcode_family(ResponseCode::Refused), Family::Refused);
        assert_eq!(rcode_family(ResponseCode::NoError), Family::NoData);
        assert_eq!(family_of_error(&NetError::Timeout), Family::Timeout);
        let timed_out = NetError::Io(std::sync::Arc::new(std::io::ErrorKind::TimedOut.into()));
        assert_eq!(family_of_error(&timed_out), Family::Timeout);
        assert_eq!(family_of_error(&NetError::Truncated), Family::Error(Failure::Truncated));
        assert_eq!(family_of_error(&NetError::from("receiver was canceled")), Family::Error(Failure::TcpClosed));
    }
}
