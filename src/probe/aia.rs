//! Fetching a certificate's issuer from its AIA caIssuers URL, as desktop
//! browsers do and phones do not. The answer is untrusted input: at most
//! [`MAX_BYTES`], within a deadline, [`MAX_REDIRECTS`] redirects over http or
//! https only (`ldap:`, `file:` and other schemes are skipped, never
//! followed), and no internal address when the settings deny them. Plain
//! HTTP is what CAs publish there, and is expected.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use url::Url;

use super::Settings;
use super::dns;
use super::dns::Resolver;
use super::http::Io;
use super::tcp::is_internal;
use crate::routing::{Route, Routes};

/// The largest answer read: an intermediate is about 2 KB, a PKCS#7 bundle a few KB.
pub const MAX_BYTES: usize = 64 * 1024;
/// Redirects followed from one AIA URL.
pub const MAX_REDIRECTS: usize = 3;
/// The longest one fetch may take, redirects included (less when the run's budget ends sooner).
pub const PER_FETCH: Duration = Duration::from_secs(5);

/// What one AIA URL gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetch {
    /// The body of a 200 answer (its certificates not yet parsed).
    Body {
        url: String,
        bytes: Vec<u8>,
    },
    /// A scheme that is never fetched (`ldap:`, `file:`…): skipped, not an error.
    Skipped {
        url: String,
    },
    Failed {
        url: String,
        reason: FetchError,
    },
}

/// Why a fetch gave no body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("not a URL: {0}")]
    BadUrl(String),
    #[error("the name did not resolve")]
    NoAddress,
    #[error("{0} is an internal address, which is not fetched here")]
    Internal(SocketAddr),
    #[error("cannot connect to {addr}: {why}")]
    Connect { addr: SocketAddr, why: String },
    #[error("TLS with the AIA server failed: {0}")]
    Tls(String),
    #[error("HTTP failed: {0}")]
    Http(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("the answer is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("no answer within the time allowed")]
    TimedOut,
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("a redirect to {0}, which is not http or https")]
    RedirectScheme(String),
}

/// Fetches `raw` (following up to [`MAX_REDIRECTS`] redirects) before
/// `deadline` or [`PER_FETCH`] from now, whichever comes first.
pub async fn fetch(raw: &str, settings: &Settings, deadline: Instant) -> Fetch {
    let deadline = deadline.min(Instant::now() + PER_FETCH);
    let failed = |reason| Fetch::Failed { url: raw.to_owned(), reason };
    let mut url = match Url::parse(raw) {
        Ok(url) => url,
        Err(e) => return failed(FetchError::BadUrl(e.to_string())),
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Fetch::Skipped { url: raw.to_owned() };
    }
    for _ in 0..=MAX_REDIRECTS {
        match timeout_at(deadline, get(&url, settings)).await {
            Err(_) => return failed(FetchError::TimedOut),
            Ok(Err(reason)) => return failed(reason),
            Ok(Ok(Answer::Body(bytes))) => return Fetch::Body { url: raw.to_owned(), bytes },
            Ok(Ok(Answer::Redirect(next))) => match url.join(&next) {
                Ok(next) if matches!(next.scheme(), "http" | "https") => url = next,
                Ok(next) => return failed(FetchError::RedirectScheme(next.to_string())),
                Err(e) => return failed(FetchError::BadUrl(e.to_string())),
            },
        }
    }
    failed(FetchError::TooManyRedirects)
}

enum Answer {
    Body(Vec<u8>),
    Redirect(String),
}

/// One GET over a new connection.
async fn get(url: &Url, settings: &Settings) -> Result<Answer, FetchError> {
    let host = url.host_str().ok_or_else(|| FetchError::BadUrl(url.to_string()))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    let stream = connect(host, port, &settings.routes, &settings.resolver, settings.deny_internal).await?;
    let io: Box<dyn Io> = match url.scheme() {
        "https" => Box::new(tls(stream, host, settings).await?),
        _ => Box::new(stream),
    };
    let (mut sender, driver) =
        http1::handshake::<_, Empty<Bytes>>(TokioIo::new(io)).await.map_err(|e| FetchError::Http(e.to_string()))?;
    tokio::spawn(driver);
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let request = hyper::Request::get(if target.is_empty() { "/" } else { target })
        .header("host", url[url::Position::BeforeHost..url::Position::AfterPort].to_owned())
        .header("user-agent", concat!("reqdoctor/", env!("CARGO_PKG_VERSION")))
        .body(Empty::new())
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let response = sender.send_request(request).await.map_err(|e| FetchError::Http(e.to_string()))?;
    let status = response.status();
    if status.is_redirection()
        && let Some(location) = response.headers().get("location").and_then(|v| v.to_str().ok())
    {
        return Ok(Answer::Redirect(location.to_owned()));
    }
    if status != hyper::StatusCode::OK {
        return Err(FetchError::Status(status.as_u16()));
    }
    let body = Limited::new(response.into_body(), MAX_BYTES).collect().await;
    match body {
        Ok(collected) => Ok(Answer::Body(collected.to_bytes().to_vec())),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(FetchError::TooLarge),
        Err(e) => Err(FetchError::Http(e.to_string())),
    }
}

/// The run's route for `host:port` (`--connect-to`, `--resolve`, DNS), the
/// first address that accepts; internal ones refused when the settings say so.
async fn connect(
    host: &str,
    port: u16,
    routes: &Routes,
    resolver: &Resolver,
    deny_internal: bool,
) -> Result<TcpStream, FetchError> {
    let addrs: Vec<SocketAddr> = match routes.route(host, port) {
        Route::Fixed { addrs, .. } => addrs,
        Route::Dns { host, port, .. } => {
            dns::lookup(&host, resolver).await.addresses().into_iter().map(|ip| (ip, port).into()).collect()
        }
    };
    let mut last = FetchError::NoAddress;
    for addr in addrs {
        if deny_internal && is_internal(addr.ip()) {
            last = FetchError::Internal(addr);
            continue;
        }
        match TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = FetchError::Connect { addr, why: e.to_string() },
        }
    }
    Err(last)
}

/// TLS over `stream` with the run's roots, for an https AIA URL.
async fn tls(
    stream: TcpStream,
    host: &str,
    settings: &Settings,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, FetchError> {
    // Its own configuration: the run's shared one records the target's chain.
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_webpki_verifier(settings.roots.verifier())
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).map_err(|e| FetchError::Tls(e.to_string()))?;
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
        .connect(name, stream)
        .await
        .map_err(|e| FetchError::Tls(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::dns::DnsServer;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime")
    }

    #[test]
    fn internal_addresses_are_refused_when_denied_and_reached_otherwise() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let resolver = Resolver::new(DnsServer::System);
        let routes = Routes::default();
        let rt = runtime();
        let denied = rt.block_on(connect("127.0.0.1", port, &routes, &resolver, true));
        assert_eq!(denied.err(), Some(FetchError::Internal(([127, 0, 0, 1], port).into())));
        let allowed = rt.block_on(connect("127.0.0.1", port, &routes, &resolver, false));
        assert!(allowed.is_ok(), "{allowed:?}");
    }
}
