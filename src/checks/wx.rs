//! What the phone would say: the `errno` and `errMsg` a failing `wx.request`
//! reports for each cause. Network-level failures are errno 600001 with the
//! Chromium (Cronet) net error underneath; the mapping lives only here.

use serde::Serialize;

use crate::cert::Refusal;
use crate::miniprogram::Api;
use crate::probe::head::HeadError;

/// The error object a mini program's `fail` callback receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Wx {
    pub errno: u32,
    #[serde(rename = "errMsg")]
    pub err_msg: String,
    /// What Android phones report instead, when their platform verifier
    /// differs from Chromium's (absent when they report the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub android: Option<Box<Wx>>,
}

/// Chromium net errors the phone's network stack reports (net_error_list.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetError {
    ConnectionClosed,
    ConnectionReset,
    ConnectionRefused,
    NameNotResolved,
    SslProtocolError,
    AddressUnreachable,
    SslVersionOrCipherMismatch,
    BadSslClientAuthCert,
    ConnectionTimedOut,
    SslKeyUsageIncompatible,
    CertCommonNameInvalid,
    CertDateInvalid,
    CertAuthorityInvalid,
    CertInvalid,
    CertWeakSignatureAlgorithm,
    CertWeakKey,
    CertValidityTooLong,
    InvalidChunkedEncoding,
    EmptyResponse,
    ResponseHeadersTooBig,
    Http2ProtocolError,
    ResponseHeadersMultipleContentLength,
    ResponseHeadersMultipleContentDisposition,
    ResponseHeadersMultipleLocation,
    Http2ServerRefusedStream,
    ContentLengthMismatch,
    IncompleteChunkedEncoding,
    ResponseHeadersTruncated,
    InvalidHttpResponse,
}

impl NetError {
    /// Every net error reqdoctor reports.
    pub const ALL: [NetError; 29] = [
        NetError::ConnectionClosed,
        NetError::ConnectionReset,
        NetError::ConnectionRefused,
        NetError::NameNotResolved,
        NetError::SslProtocolError,
        NetError::AddressUnreachable,
        NetError::SslVersionOrCipherMismatch,
        NetError::BadSslClientAuthCert,
        NetError::ConnectionTimedOut,
        NetError::SslKeyUsageIncompatible,
        NetError::CertCommonNameInvalid,
        NetError::CertDateInvalid,
        NetError::CertAuthorityInvalid,
        NetError::CertInvalid,
        NetError::CertWeakSignatureAlgorithm,
        NetError::CertWeakKey,
        NetError::CertValidityTooLong,
        NetError::InvalidChunkedEncoding,
        NetError::EmptyResponse,
        NetError::ResponseHeadersTooBig,
        NetError::Http2ProtocolError,
        NetError::ResponseHeadersMultipleContentLength,
        NetError::ResponseHeadersMultipleContentDisposition,
        NetError::ResponseHeadersMultipleLocation,
        NetError::Http2ServerRefusedStream,
        NetError::ContentLengthMismatch,
        NetError::IncompleteChunkedEncoding,
        NetError::ResponseHeadersTruncated,
        NetError::InvalidHttpResponse,
    ];

    /// The error Chromium reports for a certificate it refuses.
    pub fn of_refusal(refusal: Refusal) -> NetError {
        match refusal {
            Refusal::UnreadableKey => NetError::SslProtocolError,
            Refusal::KeyUsage => NetError::SslKeyUsageIncompatible,
            Refusal::Invalid => NetError::CertInvalid,
            Refusal::AuthorityInvalid => NetError::CertAuthorityInvalid,
            Refusal::CommonNameInvalid => NetError::CertCommonNameInvalid,
            Refusal::ValidityTooLong => NetError::CertValidityTooLong,
            Refusal::DateInvalid => NetError::CertDateInvalid,
            Refusal::WeakKey => NetError::CertWeakKey,
        }
    }

    /// The error Chromium 156 gave for a response head it refuses (tried here).
    pub fn of_head(error: HeadError) -> NetError {
        match error {
            HeadError::Nul | HeadError::Http09OnPort => NetError::InvalidHttpResponse,
            HeadError::MultipleContentLength => NetError::ResponseHeadersMultipleContentLength,
            HeadError::MultipleContentDisposition => NetError::ResponseHeadersMultipleContentDisposition,
            HeadError::MultipleLocation => NetError::ResponseHeadersMultipleLocation,
            HeadError::TooBig => NetError::ResponseHeadersTooBig,
            HeadError::Truncated => NetError::ResponseHeadersTruncated,
        }
    }

    pub fn code(self) -> i32 {
        match self {
            NetError::ConnectionClosed => -100,
            NetError::ConnectionReset => -101,
            NetError::ConnectionRefused => -102,
            NetError::NameNotResolved => -105,
            NetError::SslProtocolError => -107,
            NetError::AddressUnreachable => -109,
            NetError::SslVersionOrCipherMismatch => -113,
            NetError::BadSslClientAuthCert => -117,
            NetError::ConnectionTimedOut => -118,
            NetError::SslKeyUsageIncompatible => -181,
            NetError::CertCommonNameInvalid => -200,
            NetError::CertDateInvalid => -201,
            NetError::CertAuthorityInvalid => -202,
            NetError::CertInvalid => -207,
            NetError::CertWeakSignatureAlgorithm => -208,
            NetError::CertWeakKey => -211,
            NetError::CertValidityTooLong => -213,
            NetError::InvalidChunkedEncoding => -321,
            NetError::EmptyResponse => -324,
            NetError::ResponseHeadersTooBig => -325,
            NetError::Http2ProtocolError => -337,
            NetError::ResponseHeadersMultipleContentLength => -346,
            NetError::ResponseHeadersMultipleContentDisposition => -349,
            NetError::ResponseHeadersMultipleLocation => -350,
            NetError::Http2ServerRefusedStream => -351,
            NetError::ContentLengthMismatch => -354,
            NetError::IncompleteChunkedEncoding => -355,
            NetError::ResponseHeadersTruncated => -357,
            NetError::InvalidHttpResponse => -370,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NetError::ConnectionClosed => "ERR_CONNECTION_CLOSED",
            NetError::ConnectionReset => "ERR_CONNECTION_RESET",
            NetError::ConnectionRefused => "ERR_CONNECTION_REFUSED",
            NetError::NameNotResolved => "ERR_NAME_NOT_RESOLVED",
            NetError::SslProtocolError => "ERR_SSL_PROTOCOL_ERROR",
            NetError::AddressUnreachable => "ERR_ADDRESS_UNREACHABLE",
            NetError::SslVersionOrCipherMismatch => "ERR_SSL_VERSION_OR_CIPHER_MISMATCH",
            NetError::BadSslClientAuthCert => "ERR_BAD_SSL_CLIENT_AUTH_CERT",
            NetError::ConnectionTimedOut => "ERR_CONNECTION_TIMED_OUT",
            NetError::SslKeyUsageIncompatible => "ERR_SSL_KEY_USAGE_INCOMPATIBLE",
            NetError::CertCommonNameInvalid => "ERR_CERT_COMMON_NAME_INVALID",
            NetError::CertDateInvalid => "ERR_CERT_DATE_INVALID",
            NetError::CertAuthorityInvalid => "ERR_CERT_AUTHORITY_INVALID",
            NetError::CertInvalid => "ERR_CERT_INVALID",
            NetError::CertWeakSignatureAlgorithm => "ERR_CERT_WEAK_SIGNATURE_ALGORITHM",
            NetError::CertWeakKey => "ERR_CERT_WEAK_KEY",
            NetError::CertValidityTooLong => "ERR_CERT_VALIDITY_TOO_LONG",
            NetError::InvalidChunkedEncoding => "ERR_INVALID_CHUNKED_ENCODING",
            NetError::EmptyResponse => "ERR_EMPTY_RESPONSE",
            NetError::ResponseHeadersTooBig => "ERR_RESPONSE_HEADERS_TOO_BIG",
            NetError::Http2ProtocolError => "ERR_HTTP2_PROTOCOL_ERROR",
            NetError::ResponseHeadersMultipleContentLength => "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH",
            NetError::ResponseHeadersMultipleContentDisposition => "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION",
            NetError::ResponseHeadersMultipleLocation => "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION",
            NetError::Http2ServerRefusedStream => "ERR_HTTP2_SERVER_REFUSED_STREAM",
            NetError::ContentLengthMismatch => "ERR_CONTENT_LENGTH_MISMATCH",
            NetError::IncompleteChunkedEncoding => "ERR_INCOMPLETE_CHUNKED_ENCODING",
            NetError::ResponseHeadersTruncated => "ERR_RESPONSE_HEADERS_TRUNCATED",
            NetError::InvalidHttpResponse => "ERR_INVALID_HTTP_RESPONSE",
        }
    }
}

/// What the phone reports, as a cause: rendered into a [`Wx`] for the API
/// that made the request (`request:fail …`, `uploadFile:fail …`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phone {
    /// errno 600001: the request failed below HTTP, with the net error that caused it.
    Net(NetError),
    /// errno 600002: release builds refuse an origin that is not on the allow-list.
    NotInDomainList,
    /// errno 600008: more redirects than the mini program follows.
    TooManyRedirects,
    /// errno 600009: the URL cannot be requested as written.
    InvalidUrl,
    /// errno 5: the request did not finish within `networkTimeout`.
    Timeout,
}

impl Phone {
    pub fn errno(self) -> u32 {
        match self {
            Phone::Net(_) => 600_001,
            Phone::NotInDomainList => 600_002,
            Phone::TooManyRedirects => 600_008,
            Phone::InvalidUrl => 600_009,
            Phone::Timeout => 5,
        }
    }

    /// What follows `request:fail ` in the errMsg.
    pub fn detail(self) -> String {
        match self {
            Phone::Net(error) => {
                let code = error.code();
                format!("errcode:{code} cronet_error_code:{code} error_msg:net::{}", error.name())
            }
            Phone::NotInDomainList => "url not in domain list".to_owned(),
            Phone::TooManyRedirects => "max redirect count".to_owned(),
            Phone::InvalidUrl => "invalid url".to_owned(),
            Phone::Timeout => "timeout".to_owned(),
        }
    }

    /// The error object of `api`'s `fail` callback, e.g. `request:fail timeout`.
    pub fn wx(self, api: Api) -> Wx {
        Wx { errno: self.errno(), err_msg: format!("{}:fail {}", api.name(), self.detail()), android: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_errors_read_like_the_phone() {
        assert_eq!(
            Phone::Net(NetError::CertDateInvalid).wx(Api::Request).err_msg,
            "request:fail errcode:-201 cronet_error_code:-201 error_msg:net::ERR_CERT_DATE_INVALID"
        );
        assert_eq!(Phone::Net(NetError::NameNotResolved).errno(), 600_001);
        assert_eq!(Phone::Timeout.wx(Api::UploadFile).err_msg, "uploadFile:fail timeout");
    }

    #[test]
    fn serialises_with_the_phone_field_names() {
        let json = serde_json::to_value(Phone::NotInDomainList.wx(Api::Request)).unwrap();
        assert_eq!(json, serde_json::json!({"errno": 600002, "errMsg": "request:fail url not in domain list"}));
    }
}
