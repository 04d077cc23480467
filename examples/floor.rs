//! The floor for `bench/run`: the least work any complete diagnosis of an
//! HTTPS URL must do, and nothing else. For each target: open a TCP
//! connection, make a full TLS handshake that verifies the chain, send one
//! GET, read the answer to its end, close. The TLS client is configured as
//! reqdoctor's (ring with the phone's suite order, taken from reqdoctor's
//! `probe::tls::phone_provider`; TLS 1.3 and 1.2, ALPN http/1.1, no
//! resumption) over the roots of one PEM file, and runs on the same runtime.
//! It is not part of reqdoctor: it judges nothing and writes no report, only
//! how it went.
//!
//! ```sh
//! cargo build --release --example floor
//! target/release/examples/floor CA.pem HOST IP:PORT [COUNT [CONCURRENCY]]
//! ```
//!
//! A HOST with `{i}` in it names a host per target: target 1 asks for
//! HOST with `{i}` replaced by 1, and so on (bench/run's row of distinct
//! chains, a virtual host each). It prints one JSON line —
//! `{"targets":…,"ok":…,"seconds":…,"per_second":…}` — and exits 1 when any
//! target failed.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rustls::client::Resumption;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// What to fetch, and how many times at once.
struct Plan {
    connector: TlsConnector,
    host: ServerName<'static>,
    addr: SocketAddr,
    request: Vec<u8>,
    /// HOST when it has `{i}`: a host per target.
    pattern: Option<String>,
    count: usize,
    concurrency: usize,
}

fn main() -> Result<(), Error> {
    let plan = Arc::new(plan(std::env::args().skip(1).collect())?);
    let count = plan.count;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let started = Instant::now();
    let ok = runtime.block_on(run(plan));
    let seconds = started.elapsed().as_secs_f64();
    println!(r#"{{"targets":{count},"ok":{ok},"seconds":{seconds:.6},"per_second":{:.1}}}"#, count as f64 / seconds);
    if ok != count {
        std::process::exit(1);
    }
    Ok(())
}

/// The plan from `CA.pem HOST IP:PORT [COUNT [CONCURRENCY]]`.
fn plan(args: Vec<String>) -> Result<Plan, Error> {
    let [ca, host, addr, rest @ ..] = args.as_slice() else {
        return Err("usage: floor CA.pem HOST IP:PORT [COUNT [CONCURRENCY]]".into());
    };
    let count: usize = rest.first().map_or(Ok(1), |n| n.parse())?;
    let concurrency: usize = rest.get(1).map_or(Ok(1), |n| n.parse())?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(PathBuf::from(ca))? {
        roots.add(cert?)?;
    }
    // reqdoctor's own suite list (the phone's order), so both make the same handshake.
    let mut config = ClientConfig::builder_with_provider(Arc::new(reqdoctor::probe::tls::phone_provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.resumption = Resumption::disabled();
    let pattern = host.contains("{i}").then(|| host.clone());
    let host = host.replace("{i}", "1");
    Ok(Plan {
        connector: TlsConnector::from(Arc::new(config)),
        request: request(&host),
        host: ServerName::try_from(host)?,
        addr: addr.parse()?,
        pattern,
        count,
        concurrency: concurrency.max(1),
    })
}

/// Fetches `plan.count` times, `plan.concurrency` at once; how many succeeded.
async fn run(plan: Arc<Plan>) -> usize {
    let mut running = JoinSet::new();
    let (mut started, mut ok) = (0, 0);
    while started < plan.count || !running.is_empty() {
        while started < plan.count && running.len() < plan.concurrency {
            let plan = Arc::clone(&plan);
            started += 1;
            running.spawn(async move { fetch(&plan, started).await });
        }
        if let Some(done) = running.join_next().await {
            ok += usize::from(matches!(done, Ok(Ok(()))));
        }
    }
    ok
}

/// The request for `host`.
fn request(host: &str) -> Vec<u8> {
    format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").into_bytes()
}

/// Target `i` (from 1): connect, handshake (the chain verified), GET, read to the end.
async fn fetch(plan: &Plan, i: usize) -> Result<(), Error> {
    let (host, request) = match &plan.pattern {
        None => (plan.host.clone(), Cow::Borrowed(plan.request.as_slice())),
        Some(pattern) => {
            let host = pattern.replace("{i}", &i.to_string());
            (ServerName::try_from(host.clone())?, Cow::Owned(request(&host)))
        }
    };
    let tcp = TcpStream::connect(plan.addr).await?;
    tcp.set_nodelay(true)?;
    let mut tls = plan.connector.connect(host, tcp).await?;
    tls.write_all(&request).await?;
    let mut answer = Vec::with_capacity(1024);
    tls.read_to_end(&mut answer).await?;
    if !answer.starts_with(b"HTTP/1.1 200") {
        return Err("not a 200 answer".into());
    }
    Ok(())
}
