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

/// Declares [`NetError`] from one table, so the enum, [`NetError::ALL`], the
/// codes and the names cannot disagree or miss a variant.
macro_rules! net_errors {
    ($($variant:ident => $code:literal, $name:literal;)*) => {
        /// Chromium net errors the phone's network stack reports (net_error_list.h):
        /// exactly those reqdoctor's checks report (the catalogue lists which check reports which).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum NetError { $($variant),* }

        impl NetError {
            /// Every net error reqdoctor reports, in code order.
            pub const ALL: &[NetError] = &[$(NetError::$variant),*];

            /// The code, e.g. -202.
            pub fn code(self) -> i32 {
                match self { $(NetError::$variant => $code),* }
            }

            /// The name without `net::`, e.g. `ERR_CERT_AUTHORITY_INVALID`.
            pub fn name(self) -> &'static str {
                match self { $(NetError::$variant => $name),* }
            }
        }
    };
}

net_errors! {
    ConnectionClosed => -100, "ERR_CONNECTION_CLOSED";
    ConnectionReset => -101, "ERR_CONNECTION_RESET";
    ConnectionRefused => -102, "ERR_CONNECTION_REFUSED";
    NameNotResolved => -105, "ERR_NAME_NOT_RESOLVED";
    SslProtocolError => -107, "ERR_SSL_PROTOCOL_ERROR";
    AddressUnreachable => -109, "ERR_ADDRESS_UNREACHABLE";
    SslVersionOrCipherMismatch => -113, "ERR_SSL_VERSION_OR_CIPHER_MISMATCH";
    BadSslClientAuthCert => -117, "ERR_BAD_SSL_CLIENT_AUTH_CERT";
    ConnectionTimedOut => -118, "ERR_CONNECTION_TIMED_OUT";
    SslUnrecognizedNameAlert => -159, "ERR_SSL_UNRECOGNIZED_NAME_ALERT";
    SslKeyUsageIncompatible => -181, "ERR_SSL_KEY_USAGE_INCOMPATIBLE";
    CertCommonNameInvalid => -200, "ERR_CERT_COMMON_NAME_INVALID";
    CertDateInvalid => -201, "ERR_CERT_DATE_INVALID";
    CertAuthorityInvalid => -202, "ERR_CERT_AUTHORITY_INVALID";
    CertInvalid => -207, "ERR_CERT_INVALID";
    CertWeakKey => -211, "ERR_CERT_WEAK_KEY";
    CertValidityTooLong => -213, "ERR_CERT_VALIDITY_TOO_LONG";
    InvalidChunkedEncoding => -321, "ERR_INVALID_CHUNKED_ENCODING";
    EmptyResponse => -324, "ERR_EMPTY_RESPONSE";
    ResponseHeadersTooBig => -325, "ERR_RESPONSE_HEADERS_TOO_BIG";
    Http2ProtocolError => -337, "ERR_HTTP2_PROTOCOL_ERROR";
    ResponseHeadersMultipleContentLength => -346, "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH";
    ResponseHeadersMultipleContentDisposition => -349, "ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_DISPOSITION";
    ResponseHeadersMultipleLocation => -350, "ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION";
    Http2ServerRefusedStream => -351, "ERR_HTTP2_SERVER_REFUSED_STREAM";
    ContentLengthMismatch => -354, "ERR_CONTENT_LENGTH_MISMATCH";
    IncompleteChunkedEncoding => -355, "ERR_INCOMPLETE_CHUNKED_ENCODING";
    QuicProtocolError => -356, "ERR_QUIC_PROTOCOL_ERROR";
    ResponseHeadersTruncated => -357, "ERR_RESPONSE_HEADERS_TRUNCATED";
    QuicHandshakeFailed => -358, "ERR_QUIC_HANDSHAKE_FAILED";
    InvalidHttpResponse => -370, "ERR_INVALID_HTTP_RESPONSE";
}

impl NetError {
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
