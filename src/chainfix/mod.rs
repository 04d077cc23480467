//! `reqdoctor chain`: the chain a server should send. From what the server
//! sent, fetch missing issuers through AIA (`probe::aia`), keep a fetched
//! certificate only if it signs the certificate below it, build every path
//! to a trusted root (`cert::fix`), choose the one the oldest supported
//! Android phones can use, and verify it again as the phone would. When it
//! cannot be fixed, say exactly why. [`render`] words the result.

pub mod render;

use rustls_pki_types::CertificateDer;
use tokio::time::Instant;

use crate::android::Root;
use crate::cert::fix::{self, Candidate, Found};
use crate::cert::{CertFacts, Chain, ChainError, host_matches, spki_sha256};
use crate::checks::android::AndroidFloor;
use crate::probe::Settings;
use crate::probe::aia::{self, Fetch, FetchError};
use crate::target::Target;

/// AIA fetches made at most for one chain.
pub const MAX_FETCHES: usize = 5;

/// What `reqdoctor chain` found and built for one host.
#[derive(Debug)]
pub struct Fix {
    pub host: String,
    /// The chain as sent, verified by the phone's rules.
    pub before: Chain,
    /// Every AIA fetch, in order.
    pub fetches: Vec<FetchRecord>,
    pub verdict: Verdict,
}

/// One AIA fetch: for which certificate, from where, and what came of it.
#[derive(Debug)]
pub struct FetchRecord {
    /// The certificate whose issuer was fetched.
    pub for_cert: String,
    pub url: String,
    pub outcome: FetchOutcome,
}

#[derive(Debug)]
pub enum FetchOutcome {
    /// These certificates (names) sign the child and were added.
    Added(Vec<String>),
    /// The answer's certificates (names), none of which signs the child.
    NotIssuer(Vec<String>),
    /// The answer is not certificates (DER, PEM or PKCS#7).
    Unreadable(String),
    /// Not an http(s) URL (`ldap:`, `file:`…): skipped.
    Skipped,
    Failed(FetchError),
}

/// What can be sent.
#[derive(Debug)]
pub enum Verdict {
    /// The chain to send (leaf first, no root), verified again; `paths` are
    /// every way to a trusted root, the chosen one first.
    Built {
        chain: Vec<CertificateDer<'static>>,
        after: Chain,
        paths: Vec<PathView>,
        same_as_sent: bool,
        /// Sent certificates the written chain leaves out, and why.
        left_out: Vec<(String, LeftOut)>,
        /// The certificates kept from what was sent were sent in another order.
        reordered: bool,
    },
    Cannot(Reason),
}

/// Why a certificate the server sent is not in the chain to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeftOut {
    /// A self-signed root: phones use their own copy, sending it only costs bytes.
    Root,
    /// Expired at this time (Unix seconds).
    Expired(i64),
    /// On no path from the leaf to the chosen root.
    Unneeded,
}

/// Why no chain can be built.
#[derive(Debug)]
pub enum Reason {
    LeafExpired {
        not_after: i64,
    },
    LeafNotYetValid {
        not_before: i64,
    },
    /// The leaf does not cover the host: a new certificate is needed, not a chain.
    WrongHost,
    /// No path to a trusted root: these certificates (names) end the paths
    /// and have no AIA URL; `limit` when [`MAX_FETCHES`] was reached.
    NoPath {
        no_aia: Vec<String>,
        limit: bool,
    },
    /// A path was built but the phone would still refuse it.
    StillRefused(Chain),
}

/// One path to a trusted root, and the Android phones it serves.
#[derive(Debug)]
pub struct PathView {
    /// Leaf first, the root last.
    pub names: Vec<String>,
    pub root: String,
    /// The root in Android's history; `None` when it never shipped there (a private root).
    pub android: Option<Root>,
    /// Every Android release from `--min-android` up ships the root.
    pub serves_floor: bool,
}

/// Why there is no chain to start from.
#[derive(Debug, thiserror::Error)]
pub enum NoChain {
    #[error(
        "the server sent no certificate (the connection or the TLS handshake failed); run reqdoctor check on the URL"
    )]
    NotSent,
    #[error("the server's certificate {position} cannot be parsed: {reason}")]
    Unparseable { position: usize, reason: String },
}

/// Connects to `target` as `check` does, then builds the chain from what its server sent.
pub async fn diagnose(target: &Target, settings: &Settings, floor: &AndroidFloor, now: i64) -> Result<Fix, NoChain> {
    let trace = crate::probe::run(target, settings).await;
    let sent = trace.presented().ok_or(NoChain::NotSent)?;
    build(sent, &target.host(), settings, floor, now).await.map_err(|error| match error {
        ChainError::Empty => NoChain::NotSent,
        ChainError::Unparseable { position, reason } => NoChain::Unparseable { position, reason: reason.0 },
    })
}

/// Builds the chain for `host` from `sent` (leaf first), fetching issuers under `settings`.
pub async fn build(
    sent: &[CertificateDer<'static>],
    host: &str,
    settings: &Settings,
    floor: &AndroidFloor,
    now: i64,
) -> Result<Fix, ChainError> {
    let before = Chain::analyze(sent, &settings.roots, host, now)?;
    let mut pool = pool_of(sent);
    let mut fetches = Vec::new();
    let leaf = &pool[0].facts;
    let early = match () {
        () if leaf.not_after < now => Some(Reason::LeafExpired { not_after: leaf.not_after }),
        () if leaf.not_before > now => Some(Reason::LeafNotYetValid { not_before: leaf.not_before }),
        () if !host_matches(leaf, host) => Some(Reason::WrongHost),
        () => None,
    };
    if let Some(reason) = early {
        return Ok(Fix { host: host.to_owned(), before, fetches, verdict: Verdict::Cannot(reason) });
    }
    let deadline = Instant::now() + settings.timeout;
    while fetches.len() < MAX_FETCHES {
        let Some((top, url)) = next_fetch(&pool, &fetches, settings, floor, now) else { break };
        let fetched = aia::fetch(&url, settings, deadline).await;
        fetches.push(take(&mut pool, top, url, fetched));
    }
    let verdict = verdict(&pool, sent, &fetches, host, settings, floor, now);
    Ok(Fix { host: host.to_owned(), before, fetches, verdict })
}

/// The certificate whose AIA URL to fetch next, and that URL: the top of an
/// incomplete path while no path reaches a trusted root; then, while every
/// path ends at a root Android ships only after `--min-android`, the top
/// intermediate of a path (its AIA may give a copy cross-signed by an older root).
fn next_fetch(
    pool: &[Candidate],
    fetches: &[FetchRecord],
    settings: &Settings,
    floor: &AndroidFloor,
    now: i64,
) -> Option<(usize, String)> {
    let found = fix::paths(pool, &settings.roots, now);
    let tops: Vec<usize> = if found.is_empty() {
        fix::open_tops(pool, &settings.roots, now)
    } else if found.iter().all(|f| android_root(floor, f).is_some_and(|r| !on_floor(floor, r))) {
        found.iter().filter_map(|f| f.links.last().copied().filter(|top| *top != 0)).collect()
    } else {
        Vec::new()
    };
    tops.into_iter().find_map(|top| {
        let url = pool[top].facts.aia_issuer.as_deref()?;
        (!fetches.iter().any(|f| f.url == url)).then(|| (top, url.to_owned()))
    })
}

/// The sent certificates that parse, each once, the leaf first.
fn pool_of(sent: &[CertificateDer<'static>]) -> Vec<Candidate> {
    let mut pool: Vec<Candidate> = Vec::new();
    for der in sent {
        let Ok(facts) = CertFacts::parse(der) else { continue };
        if !pool.iter().any(|c| c.facts.sha256 == facts.sha256) {
            pool.push(Candidate { der: der.clone(), facts, fetched_from: None });
        }
    }
    pool
}

/// Adds to the pool the fetched certificates that sign `pool[top]`.
fn take(pool: &mut Vec<Candidate>, top: usize, url: String, fetched: Fetch) -> FetchRecord {
    let for_cert = pool[top].facts.name.clone();
    let outcome = match fetched {
        Fetch::Skipped { .. } => FetchOutcome::Skipped,
        Fetch::Failed { reason, .. } => FetchOutcome::Failed(reason),
        Fetch::Body { bytes, .. } => match crate::cert::bundle::read_certificates(&bytes) {
            Err(why) => FetchOutcome::Unreadable(why.to_string()),
            Ok(ders) => {
                let parsed: Vec<(CertificateDer<'static>, CertFacts)> =
                    ders.into_iter().filter_map(|d| Some((d.clone(), CertFacts::parse(&d).ok()?))).collect();
                let names: Vec<String> = parsed.iter().map(|(_, f)| f.name.clone()).collect();
                let mut added = Vec::new();
                for (der, facts) in parsed {
                    let new = !pool.iter().any(|c| c.facts.sha256 == facts.sha256);
                    if new && fix::signs(&facts, &pool[top].facts) {
                        added.push(facts.name.clone());
                        pool.push(Candidate { der, facts, fetched_from: Some(url.clone()) });
                    }
                }
                if added.is_empty() { FetchOutcome::NotIssuer(names) } else { FetchOutcome::Added(added) }
            }
        },
    };
    FetchRecord { for_cert, url, outcome }
}

/// The chosen path, verified again, or why there is none.
fn verdict(
    pool: &[Candidate],
    sent: &[CertificateDer<'static>],
    fetches: &[FetchRecord],
    host: &str,
    settings: &Settings,
    floor: &AndroidFloor,
    now: i64,
) -> Verdict {
    let mut found = fix::paths(pool, &settings.roots, now);
    if found.is_empty() {
        let no_aia = fix::open_tops(pool, &settings.roots, now)
            .into_iter()
            .filter(|t| pool[*t].facts.aia_issuer.is_none())
            .map(|t| pool[t].facts.name.clone())
            .collect();
        return Verdict::Cannot(Reason::NoPath { no_aia, limit: fetches.len() >= MAX_FETCHES });
    }
    let serves = |f: &Found| android_root(floor, f).is_some_and(|r| on_floor(floor, r));
    // The paths every supported phone can use first, then the shortest.
    found.sort_by_key(|f| (!serves(f), f.links.len()));
    let chain = fix::chain_of(pool, &found[0]);
    let after = match Chain::analyze(&chain, &settings.roots, host, now) {
        Ok(after) if after.problems.is_empty() && after.refusal().is_none() => after,
        Ok(after) => return Verdict::Cannot(Reason::StillRefused(after)),
        // The pool holds only certificates that parse: not reached.
        Err(_) => return Verdict::Cannot(Reason::NoPath { no_aia: Vec::new(), limit: false }),
    };
    let paths = found.iter().map(|f| view(pool, f, floor)).collect();
    let same_as_sent = chain.as_slice() == sent;
    let left_out = left_out(&after.certs, sent, &chain, now);
    let reordered = out_of_order(sent, &chain);
    Verdict::Built { chain, after, paths, same_as_sent, left_out, reordered }
}

/// Whether `sent` holds the certificates it shares with `chain` in another
/// order than `chain`'s, or with others between them.
fn out_of_order(sent: &[CertificateDer<'static>], chain: &[CertificateDer<'static>]) -> bool {
    let last_kept = sent.iter().rposition(|der| chain.contains(der)).unwrap_or(0);
    let kept: Vec<&CertificateDer<'static>> = sent[..=last_kept].iter().collect();
    kept.iter().any(|der| !chain.contains(der)) || !kept.iter().zip(chain).all(|(a, b)| *a == b)
}

/// The sent certificates not in `chain`, named, with why each was left out.
fn left_out(
    written: &[CertFacts],
    sent: &[CertificateDer<'static>],
    chain: &[CertificateDer<'static>],
    now: i64,
) -> Vec<(String, LeftOut)> {
    let mut out: Vec<(String, LeftOut)> = Vec::new();
    for der in sent.iter().filter(|der| !chain.contains(der)) {
        let Ok(facts) = CertFacts::parse(der) else { continue };
        if written.iter().any(|w| w.sha256 == facts.sha256) || out.iter().any(|(name, _)| *name == facts.name) {
            continue;
        }
        let why = match () {
            () if facts.not_after < now => LeftOut::Expired(facts.not_after),
            () if facts.subject_der == facts.issuer_der && facts.is_ca => LeftOut::Root,
            () => LeftOut::Unneeded,
        };
        out.push((facts.name, why));
    }
    out
}

fn android_root<'a>(floor: &'a AndroidFloor, found: &Found) -> Option<&'a Root> {
    floor.roots.by_key(&spki_sha256(&found.anchor_key))
}

fn on_floor(floor: &AndroidFloor, root: &Root) -> bool {
    root.added_in_api <= floor.min.api && root.removed.is_none()
}

fn view(pool: &[Candidate], found: &Found, floor: &AndroidFloor) -> PathView {
    let android = android_root(floor, found).cloned();
    PathView {
        names: found.links.iter().map(|i| pool[*i].facts.name.clone()).collect(),
        root: found.anchor_name.clone(),
        serves_floor: android.as_ref().is_some_and(|r| on_floor(floor, r)),
        android,
    }
}
