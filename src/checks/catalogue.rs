//! The check catalogue: one row per check — its stable id, triage step,
//! report order, title in both languages, the phone error it reports by
//! default and every phone error it can report, and the checks it names when
//! it is skipped. Everything else that
//! needs a list of checks (the report's order, `reqdoctor checks`, the docs
//! test, the integration tests) reads it from here.

use super::wx::{NetError, Phone};
use crate::lang::Lang;

/// Where a check's documentation lives, relative to the repository.
pub const DOCS: &str = "docs/checks.md";

/// One check of the catalogue.
#[derive(Debug)]
pub struct Row {
    pub id: CheckId,
    /// The stable id scripts and metrics use, e.g. `cert.expiry`.
    pub name: &'static str,
    /// The triage step (1–6), or 0 for the request itself.
    pub step: u8,
    /// A short title, in English and Chinese.
    pub title: (&'static str, &'static str),
    /// The error the phone reports when the check fails, unless the rule names another.
    pub phone: Option<Phone>,
    /// Every error the check can carry (on `fail` or `warn`, for any phone):
    /// what `reqdoctor explain` reads to name the checks behind an error.
    pub reports: &'static [Phone],
    /// The checks whose failure this one names when it is skipped.
    pub depends_on: &'static [CheckId],
    /// The option without which the check is absent from reports, if any.
    pub only_with: Option<&'static str>,
}

impl Row {
    pub fn title(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.title.0,
            Lang::Zh => self.title.1,
        }
    }

    /// The check's section in the docs: `docs/checks.md#cert.expiry`.
    pub fn docs(&self) -> String {
        format!("{DOCS}#{}", self.name)
    }
}

macro_rules! catalogue {
    ($($variant:ident => $name:literal, step $step:literal, ($en:literal, $zh:literal), $phone:expr,
       reports $reports:expr, [$($dep:ident),*] $(, only with $only:literal)?;)*) => {
        /// Every check of the catalogue, declared in report (triage) order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum CheckId { $($variant),* }

        /// Every row, in report order (the order of [`CheckId`]).
        pub static ROWS: &[Row] = &[$(Row {
            id: CheckId::$variant,
            name: $name,
            step: $step,
            title: ($en, $zh),
            phone: $phone,
            reports: $reports,
            depends_on: &[$(CheckId::$dep),*],
            only_with: catalogue!(@only $($only)?),
        }),*];
    };
    (@only $only:literal) => { Some($only) };
    (@only) => { None };
}

use NetError as N;
use Phone::Net;

/// What Chromium reports for a chain it refuses ([`NetError::of_refusal`]):
/// every failing cert.* check carries it, whichever defect it names.
const CHAIN: &[Phone] = &[
    Net(N::SslProtocolError),
    Net(N::SslKeyUsageIncompatible),
    Net(N::CertInvalid),
    Net(N::CertAuthorityInvalid),
    Net(N::CertCommonNameInvalid),
    Net(N::CertValidityTooLong),
    Net(N::CertDateInvalid),
    Net(N::CertWeakKey),
];

/// What a rule on the URL's origin reports: the allow-list miss, or a URL the phone refuses outright.
const ORIGIN: &[Phone] = &[Phone::NotInDomainList, Phone::InvalidUrl];

catalogue! {
    NetProxy => "net.proxy", step 1, ("the proxy reqdoctor goes through", "reqdoctor 使用的代理"),
        None, reports &[], [], only with "--proxy";
    DnsResolve => "dns.resolve", step 1, ("DNS resolution", "域名解析"),
        Some(Net(N::NameNotResolved)), reports &[Net(N::NameNotResolved)], [UrlScheme];
    TcpConnect => "tcp.connect", step 1, ("TCP connection", "TCP 连接"),
        Some(Net(N::ConnectionRefused)),
        reports &[Net(N::ConnectionRefused), Net(N::AddressUnreachable), Net(N::ConnectionReset), Net(N::ConnectionTimedOut)],
        [DnsResolve];
    DnsAddresses => "dns.addresses", step 1, ("every address", "每个地址"),
        None, reports &[], [TcpConnect, TlsHandshake];
    DomainAllowlist => "domain.allowlist", step 2, ("request allow-list", "服务器域名白名单"),
        Some(Phone::NotInDomainList), reports &[Phone::NotInDomainList], [];
    TlsHandshake => "tls.handshake", step 3, ("TLS handshake", "TLS 握手"),
        Some(Net(N::SslProtocolError)),
        reports &[
            Phone::Timeout, Net(N::ConnectionClosed), Net(N::ConnectionReset), Net(N::SslProtocolError),
            Net(N::SslVersionOrCipherMismatch), Net(N::SslUnrecognizedNameAlert), Net(N::CertAuthorityInvalid),
        ],
        [UrlScheme, TcpConnect, TlsVersion];
    TlsVersion => "tls.version", step 3, ("TLS 1.2 or newer", "TLS 版本"),
        Some(Net(N::SslVersionOrCipherMismatch)), reports &[Net(N::SslVersionOrCipherMismatch)],
        [UrlScheme, TcpConnect, TlsHandshake];
    TlsClientCert => "tls.clientcert", step 3, ("no client certificate demanded", "不要求客户端证书"),
        Some(Net(N::BadSslClientAuthCert)), reports &[Net(N::BadSslClientAuthCert)], [UrlScheme, TcpConnect, TlsHandshake];
    CertTrusted => "cert.trusted", step 3, ("trusted CA", "证书受信任"),
        Some(Net(N::CertAuthorityInvalid)), reports CHAIN, [UrlScheme, TlsHandshake, CertChain];
    CertChain => "cert.chain", step 3, ("complete intermediate chain", "证书链完整"),
        Some(Net(N::CertAuthorityInvalid)), reports CHAIN, [UrlScheme, TlsHandshake, CertTrusted];
    CertHostname => "cert.hostname", step 3, ("host name in the certificate", "证书域名匹配"),
        Some(Net(N::CertCommonNameInvalid)), reports CHAIN, [UrlScheme, TlsHandshake, CertTrusted];
    CertExpiry => "cert.expiry", step 3, ("validity dates", "证书有效期"),
        Some(Net(N::CertDateInvalid)), reports CHAIN, [UrlScheme, TlsHandshake, CertTrusted];
    CertKey => "cert.key", step 3, ("key strength", "证书密钥强度"),
        Some(Net(N::CertWeakKey)),
        // A key the phone's TLS stack cannot use at all fails the handshake: -113.
        reports &[
            Net(N::SslProtocolError), Net(N::SslKeyUsageIncompatible), Net(N::CertInvalid), Net(N::CertAuthorityInvalid),
            Net(N::CertCommonNameInvalid), Net(N::CertValidityTooLong), Net(N::CertDateInvalid), Net(N::CertWeakKey),
            Net(N::SslVersionOrCipherMismatch),
        ],
        [UrlScheme, TlsHandshake, CertTrusted];
    CertSignature => "cert.signature", step 3, ("signature algorithm", "证书签名算法"),
        Some(Net(N::CertInvalid)), reports CHAIN, [UrlScheme, TlsHandshake, CertTrusted];
    ClockSkew => "clock.skew", step 3, ("this machine's clock", "本机时钟偏差"),
        None, reports &[], [HttpResponse];
    UrlScheme => "url.scheme", step 4, ("HTTPS only", "协议"),
        Some(Phone::NotInDomainList), reports ORIGIN, [];
    UrlHost => "url.host", step 4, ("not an IP address or localhost", "域名而非 IP/localhost"),
        Some(Phone::NotInDomainList), reports ORIGIN, [];
    UrlPort => "url.port", step 4, ("no port in the URL", "不带端口"),
        Some(Phone::NotInDomainList), reports &[Phone::NotInDomainList], [];
    IcpFiling => "icp.filing", step 4, ("ICP filing", "ICP 备案"),
        None, reports &[], [];
    TimeoutBudget => "timeout.budget", step 5, ("finishes within networkTimeout", "请求超时"),
        Some(Phone::Timeout), reports &[Phone::Timeout], [HttpResponse];
    HttpRedirect => "http.redirect", step 6, ("no redirect off the host", "不跨域重定向"),
        Some(Phone::NotInDomainList), reports &[Phone::NotInDomainList, Phone::TooManyRedirects],
        [UrlScheme, DnsResolve, TcpConnect, TlsHandshake, CertTrusted, RequestMethod];
    UrlLength => "url.length", step 0, ("URL length", "URL 长度"),
        Some(Phone::InvalidUrl), reports &[Phone::InvalidUrl], [];
    RequestMethod => "request.method", step 0, ("request method", "请求方法"),
        None, reports &[], [];
    RequestHeader => "request.header", step 0, ("request headers", "请求头"),
        None, reports &[], [];
    HttpResponse => "http.response", step 0, ("the response", "响应"),
        Some(Net(N::EmptyResponse)),
        reports &[
            Net(N::InvalidChunkedEncoding), Net(N::EmptyResponse), Net(N::ResponseHeadersTooBig),
            Net(N::Http2ProtocolError), Net(N::ResponseHeadersMultipleContentLength),
            Net(N::ResponseHeadersMultipleContentDisposition), Net(N::ResponseHeadersMultipleLocation),
            Net(N::Http2ServerRefusedStream), Net(N::ContentLengthMismatch), Net(N::IncompleteChunkedEncoding),
            Net(N::ResponseHeadersTruncated), Net(N::InvalidHttpResponse),
        ],
        [HttpRedirect, TimeoutBudget];
    HttpAltSvc => "http.altsvc", step 0, ("QUIC advertised in Alt-Svc", "Alt-Svc 中的 QUIC 声明"),
        None, reports &[], [UrlScheme, HttpResponse];
    HttpQuic => "http.quic", step 0, ("HTTP/3 over QUIC", "HTTP/3（QUIC）"),
        Some(Net(N::QuicHandshakeFailed)), reports &[Net(N::QuicHandshakeFailed), Net(N::QuicProtocolError)],
        [UrlScheme, DnsResolve];
    BaselineDrift => "baseline.drift", step 0, ("change since the last good run", "基线漂移"),
        None, reports &[], [], only with "--baseline";
}

impl CheckId {
    /// Every id, in the order the report lists them.
    pub fn all() -> impl Iterator<Item = CheckId> {
        ROWS.iter().map(|row| row.id)
    }

    /// The ids every report carries (without those that need an option).
    pub fn always() -> impl Iterator<Item = CheckId> {
        ROWS.iter().filter(|row| row.only_with.is_none()).map(|row| row.id)
    }

    /// The ids of one rule family, e.g. every `cert.*` check.
    pub fn family(prefix: &'static str) -> impl Iterator<Item = CheckId> {
        ROWS.iter().filter(move |row| row.name.split('.').next() == Some(prefix)).map(|row| row.id)
    }

    pub fn row(self) -> &'static Row {
        &ROWS[self as usize]
    }

    /// The stable id scripts and metrics use, e.g. `cert.expiry`.
    pub fn as_str(self) -> &'static str {
        self.row().name
    }

    /// The triage step (1–6), or 0 for the request itself.
    pub fn step(self) -> u8 {
        self.row().step
    }

    /// The id with this name, if there is one.
    pub fn from_name(name: &str) -> Option<CheckId> {
        ROWS.iter().find(|row| row.name == name).map(|row| row.id)
    }

    /// Whether the catalogue lists `phone` among the errors this check can carry.
    pub fn reports(self, phone: Phone) -> bool {
        self.row().reports.contains(&phone)
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The steps in the order the report shows them: the guide's six, then the request (0).
pub const STEP_ORDER: [u8; 7] = [1, 2, 3, 4, 5, 6, 0];

/// A step's title, in English and Chinese.
pub fn step_title(step: u8) -> (&'static str, &'static str) {
    match step {
        1 => ("the phone's network", "手机网络"),
        2 => ("the request allow-list", "request 合法域名"),
        3 => ("HTTPS certificate and TLS 1.2+", "HTTPS 证书与 TLS 1.2 以上"),
        4 => (
            "domain rules: no IP or localhost, no port, ICP filing",
            "域名规范：不能是 IP 或 localhost、不带端口、已 ICP 备案",
        ),
        5 => ("the timeout budget", "超时时间"),
        6 => ("redirects", "重定向"),
        _ => ("the request itself", "请求本身"),
    }
}

/// `1 the phone's network`, or for step 0 only its title: a step as headings name it.
pub fn step_heading(step: u8, lang: Lang) -> String {
    let (en, zh) = step_title(step);
    let title = if lang == Lang::Zh { zh } else { en };
    if step == 0 { title.to_owned() } else { format!("{step} {title}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_in_id_order_with_unique_names() {
        for (index, row) in ROWS.iter().enumerate() {
            assert_eq!(row.id as usize, index, "{}", row.name);
            assert_eq!(CheckId::from_name(row.name), Some(row.id));
            assert!(row.name.contains('.') && !row.title.0.is_empty() && !row.title.1.is_empty(), "{}", row.name);
        }
    }

    #[test]
    fn the_report_order_follows_the_steps() {
        let position = |step: u8| STEP_ORDER.iter().position(|s| *s == step).expect("a known step");
        let steps: Vec<usize> = ROWS.iter().map(|row| position(row.step)).collect();
        assert!(steps.is_sorted(), "{steps:?}");
        assert_eq!(CheckId::always().count(), 26);
        assert_eq!(CheckId::family("tls").count(), 3);
        assert_eq!(CheckId::family("cert").count(), 6);
    }

    #[test]
    fn every_default_phone_error_is_among_those_reported() {
        for row in ROWS {
            assert!(row.phone.is_none_or(|phone| row.id.reports(phone)), "{}", row.name);
            assert_eq!(row.phone.is_none(), row.reports.is_empty(), "{}", row.name);
        }
    }

    #[test]
    fn every_net_error_is_reported_by_some_check() {
        for error in NetError::ALL {
            let reporters = ROWS.iter().filter(|row| row.id.reports(Net(*error))).count();
            assert!(reporters > 0, "no check reports {error:?}: remove it from NetError, or list it in a row");
        }
    }

    #[test]
    fn a_refused_chain_is_carried_by_every_cert_check() {
        use crate::cert::Refusal;
        for refusal in Refusal::ALL {
            for id in CheckId::family("cert") {
                assert!(id.reports(Net(NetError::of_refusal(*refusal))), "{id} {refusal:?}");
            }
        }
    }

    #[test]
    fn headings_name_the_step() {
        assert_eq!(step_heading(1, Lang::En), "1 the phone's network");
        assert_eq!(step_heading(0, Lang::Zh), "请求本身");
    }
}
