//! The check catalogue: stable ids, statuses, and the rules that turn a probe's
//! [`Trace`](crate::probe::Trace) into one [`Check`] per catalogue entry.
//!
//! Checks are pure functions of the plan, the trace and the clock: they never
//! print and never touch the network, so each rule is unit-tested on a trace
//! built by hand. A failed check is data (`Status::Fail`), never an `Err`.

mod addresses;
mod alt_svc;
pub mod android;
pub use android::AndroidFloor;
mod allowlist;
pub mod catalogue;
mod cert;
mod client_auth;
mod data;
mod h3;
mod h3_words;
mod head;
mod http;
mod network;
pub mod offline;
mod proxy;
mod suites;
mod tls;
mod url;
pub mod wx;

use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde_json::Value;

use crate::allowlist::AllowEntry;
use crate::cert::{Chain, ChainError};
use crate::lang::Lang;
use crate::probe::{Settings, Trace};
use crate::say;
use crate::target::Target;
pub use catalogue::CheckId;
pub use data::Data;
pub use wx::{Phone, Wx};

/// The outcome of one check, ordered from best to worst for the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Info,
    Skip,
    Warn,
    Fail,
}

impl Status {
    /// How much this status weighs in the verdict: `info`/`skip` count as `pass`.
    pub fn severity(self) -> u8 {
        match self {
            Status::Pass | Status::Info | Status::Skip => 0,
            Status::Warn => 1,
            Status::Fail => 2,
        }
    }

    /// The verdict of some checks: the worst status (`info`/`skip` count as `pass`).
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        match statuses.into_iter().map(Status::severity).max() {
            Some(2) => Status::Fail,
            Some(1) => Status::Warn,
            _ => Status::Pass,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Info => "info",
            Status::Skip => "skip",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// One check's result: what scripts read (`id`, `status`, `wx`, `data`) and
/// what people read (`summary`, `hint`).
#[derive(Clone, Debug)]
pub struct Check {
    pub id: CheckId,
    pub status: Status,
    pub summary: String,
    pub hint: Option<String>,
    /// What the phone would report; rendered for the request's API in the report.
    pub phone: Option<Phone>,
    /// What Android phones report instead, where their verifier differs.
    pub phone_android: Option<Phone>,
    pub data: Data,
    /// Time the check's own network phase took, where it has one.
    pub duration: Duration,
}

impl Check {
    pub fn new(id: CheckId, status: Status, summary: impl Into<String>) -> Check {
        Check {
            id,
            status,
            summary: summary.into(),
            hint: None,
            phone: None,
            phone_android: None,
            data: Data::new(),
            duration: Duration::ZERO,
        }
    }

    pub fn pass(id: CheckId, summary: impl Into<String>) -> Check {
        Check::new(id, Status::Pass, summary)
    }

    pub fn warn(id: CheckId, summary: impl Into<String>) -> Check {
        Check::new(id, Status::Warn, summary)
    }

    /// A failure, with the phone error the catalogue names for `id` (see [`Check::phone`]).
    pub fn fail(id: CheckId, summary: impl Into<String>) -> Check {
        Check { phone: id.row().phone, ..Check::new(id, Status::Fail, summary) }
    }

    pub fn info(id: CheckId, summary: impl Into<String>) -> Check {
        Check::new(id, Status::Info, summary)
    }

    /// A check that could not run; `because` names the earlier cause.
    pub fn skip(id: CheckId, because: impl Into<String>) -> Check {
        Check::new(id, Status::Skip, because)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Check {
        self.hint = Some(hint.into());
        self
    }

    /// What Android phones report instead of [`Check::phone`], where they differ.
    pub fn phone_android(mut self, phone: Phone) -> Check {
        self.phone_android = Some(self.catalogued(phone));
        self
    }

    /// The phone error, when it is not the catalogue's default (`None`: the phone shows none).
    pub fn phone(mut self, phone: impl Into<Option<Phone>>) -> Check {
        self.phone = phone.into().map(|phone| self.catalogued(phone));
        self
    }

    /// `phone`, which the catalogue must list for this check: `reqdoctor
    /// explain` names the checks behind an error from those lists, so a
    /// rule that reports an unlisted error stops every debug build and test.
    fn catalogued(&self, phone: Phone) -> Phone {
        debug_assert!(self.id.reports(phone), "{} reports {phone:?}: add it to its catalogue row", self.id);
        phone
    }

    pub fn data(mut self, key: &'static str, value: impl Into<Value>) -> Check {
        self.data.insert(key, value.into());
        self
    }

    pub fn took(mut self, duration: Duration) -> Check {
        self.duration = duration;
        self
    }
}

/// Warn when the leaf expires within this many days, unless told otherwise.
pub const DEFAULT_EXPIRY_WARN_DAYS: u32 = 14;

/// What the rules judge against, beyond what the probe saw: shared by every target of a run.
#[derive(Clone, Debug)]
pub struct Rules {
    /// `None` when no allow-list was given (domain.allowlist is then `skip`).
    pub allow_list: Option<Vec<AllowEntry>>,
    /// Debug mode (or devtools' URL check off): allow-list misses only warn.
    pub debug_mode: bool,
    pub expiry_warn_days: u32,
    /// Where the probe's timeout budget came from, so timeout.budget can say so.
    pub timeout_source: TimeoutSource,
    /// The Android releases a chain's root must be on (`--min-android`).
    pub android: Option<AndroidFloor>,
}

/// Where the timeout budget came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeoutSource {
    /// The mini program's default `networkTimeout`.
    Default,
    /// `--timeout-ms`.
    Flag,
    /// `networkTimeout` in this app.json.
    AppJson(std::path::PathBuf),
    /// `serve` cut the budget to Prometheus' scrape timeout (less a margin).
    ScrapeTimeout,
}

/// Everything a rule may look at.
pub struct Context<'a> {
    pub target: &'a Target,
    /// How the target was probed (its budget, roots and request).
    pub probe: &'a Settings,
    pub rules: &'a Rules,
    pub trace: &'a Trace,
    /// This machine's clock when the probe ran (passed in so rules are pure).
    pub now: SystemTime,
    /// The server's certificate chain, parsed once (`None` when none was received).
    pub chain: Option<&'a Result<Chain, ChainError>>,
    /// The language summaries and hints are written in.
    pub lang: Lang,
}

/// Runs every rule and returns the checks in catalogue order.
pub fn evaluate(cx: &Context<'_>) -> Vec<Check> {
    let mut checks = Vec::with_capacity(catalogue::ROWS.len());
    checks.extend(proxy::check(cx));
    checks.extend(network::checks(cx));
    checks.push(addresses::check(cx));
    checks.push(allowlist::check(cx));
    let certs = cert::checks(cx);
    let cert_failure = certs.iter().find(|c| c.status == Status::Fail).map(|c| c.id);
    checks.extend(tls::checks(cx, cert_failure));
    checks.extend(certs);
    checks.extend(url::checks(cx));
    checks.extend(http::checks(cx));
    checks.push(alt_svc::check(cx));
    checks.push(h3::check(cx));
    checks.sort_by_key(|check| check.id);
    let always = checks.iter().map(|c| c.id).filter(|id| *id != CheckId::NetProxy);
    debug_assert!(always.eq(CheckId::always()), "one result per id, in order");
    checks
}

/// Milliseconds with microsecond precision, as the report shows durations.
pub fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The failure that stopped the pipeline before the request went out, named
/// for the skip summaries of every check that depends on it.
pub(crate) fn upstream(cx: &Context<'_>) -> Option<String> {
    let lang = cx.lang;
    if !cx.target.is_fetchable() {
        let scheme = cx.target.url.scheme();
        return Some(say!(
            lang,
            "the {scheme}: scheme cannot be requested ({url_scheme})",
            "{scheme}: 协议的 URL 无法发起请求（{url_scheme}）",
            url_scheme = CheckId::UrlScheme
        ));
    }
    let conn = cx.trace.connection.as_ref()?;
    if conn.proxy.as_ref().is_some_and(|p| !p.is_open()) {
        return Some(say!(
            lang,
            "no tunnel through the proxy ({tcp_connect})",
            "未能经代理建立隧道（{tcp_connect}）",
            tcp_connect = CheckId::TcpConnect
        ));
    }
    if conn.dns.as_ref().is_some_and(|d| d.addresses().is_empty()) {
        return Some(say!(
            lang,
            "no address: the DNS lookup failed ({dns_resolve})",
            "没有可用地址：DNS 解析失败（{dns_resolve}）",
            dns_resolve = CheckId::DnsResolve
        ));
    }
    match &conn.tcp {
        None => return Some(say!(lang, "no address to connect to", "没有可连接的地址")),
        Some(tcp) if tcp.chosen.is_none() => {
            return Some(say!(
                lang,
                "no TCP connection ({tcp_connect})",
                "未建立 TCP 连接（{tcp_connect}）",
                tcp_connect = CheckId::TcpConnect
            ));
        }
        Some(_) => {}
    }
    if let Some(tls) = &conn.tls {
        if let Some(hello) = tls.phone_only() {
            let suite = crate::probe::hello::suite_name(hello.suite.unwrap_or_default());
            return Some(say!(
                lang,
                "reqdoctor cannot use the cipher suite the server chose for the phone ({suite}), so it did not send the request ({tls_handshake})",
                "reqdoctor 无法使用服务器为手机选择的加密套件（{suite}），因此没有发出请求（{tls_handshake}）",
                tls_handshake = CheckId::TlsHandshake
            ));
        }
        if let Some(because) = client_auth::skip_reason(tls, cx).filter(|_| tls.failure().is_some()) {
            return Some(because);
        }
        if let Some(failure) = tls.failure() {
            return Some(no_session(failure, tls.version_refused(), lang));
        }
        if tls.refusal().is_some() {
            return Some(say!(
                lang,
                "the certificate was refused (cert.*), so the request was not sent",
                "证书未通过校验（cert.*），请求未发出"
            ));
        }
    }
    if !cx.probe.request.method_is_valid() {
        return Some(say!(
            lang,
            "the request was not sent: its method is invalid ({request_method})",
            "请求未发出：请求方法无效（{request_method}）",
            request_method = CheckId::RequestMethod
        ));
    }
    None
}

/// Why no TLS session came up, as a skip reason.
fn no_session(failure: &crate::probe::tls::TlsFailure, version_refused: bool, lang: Lang) -> String {
    match failure {
        _ if version_refused => say!(
            lang,
            "no TLS session: the server refuses TLS 1.2 and 1.3 ({tls_version})",
            "未建立 TLS 会话：服务器不支持 TLS 1.2 和 1.3（{tls_version}）",
            tls_version = CheckId::TlsVersion
        ),
        crate::probe::tls::TlsFailure::TooLarge => say!(
            lang,
            "no TLS session: reqdoctor's TLS library cannot read the server's Certificate message, over 64 KiB ({tls_handshake})",
            "未建立 TLS 会话：reqdoctor 的 TLS 库无法读取服务器超过 64 KiB 的证书消息（{tls_handshake}）",
            tls_handshake = CheckId::TlsHandshake
        ),
        crate::probe::tls::TlsFailure::Certificate(_) => say!(
            lang,
            "no TLS session: the handshake was aborted over the certificate (cert.*)",
            "未建立 TLS 会话：TLS 握手因证书问题中止（cert.*）"
        ),
        _ => say!(
            lang,
            "no TLS session ({tls_handshake})",
            "未建立 TLS 会话（{tls_handshake}）",
            tls_handshake = CheckId::TlsHandshake
        ),
    }
}
