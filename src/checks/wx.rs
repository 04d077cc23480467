//! What the phone would say: the `errno` and `errMsg` a failing `wx.request`
//! reports for each cause. Network-level failures are errno 600001 with the
//! Chromium (Cronet) net error underneath; the mapping lives only here.

use serde::Serialize;

/// The error object a mini program's `fail` callback receives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Wx {
    pub errno: u32,
    #[serde(rename = "errMsg")]
    pub err_msg: String,
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
    ConnectionTimedOut,
    CertCommonNameInvalid,
    CertDateInvalid,
    CertAuthorityInvalid,
    CertWeakSignatureAlgorithm,
    CertWeakKey,
    EmptyResponse,
    ResponseHeadersTooBig,
}

impl NetError {
    /// Every net error reqdoctor reports.
    pub const ALL: [NetError; 15] = [
        NetError::ConnectionClosed,
        NetError::ConnectionReset,
        NetError::ConnectionRefused,
        NetError::NameNotResolved,
        NetError::SslProtocolError,
        NetError::AddressUnreachable,
        NetError::SslVersionOrCipherMismatch,
        NetError::ConnectionTimedOut,
        NetError::CertCommonNameInvalid,
        NetError::CertDateInvalid,
        NetError::CertAuthorityInvalid,
        NetError::CertWeakSignatureAlgorithm,
        NetError::CertWeakKey,
        NetError::EmptyResponse,
        NetError::ResponseHeadersTooBig,
    ];

    pub fn code(self) -> i32 {
        match self {
            NetError::ConnectionClosed => -100,
            NetError::ConnectionReset => -101,
            NetError::ConnectionRefused => -102,
            NetError::NameNotResolved => -105,
            NetError::SslProtocolError => -107,
            NetError::AddressUnreachable => -109,
            NetError::SslVersionOrCipherMismatch => -113,
            NetError::ConnectionTimedOut => -118,
            NetError::CertCommonNameInvalid => -200,
            NetError::CertDateInvalid => -201,
            NetError::CertAuthorityInvalid => -202,
            NetError::CertWeakSignatureAlgorithm => -208,
            NetError::CertWeakKey => -211,
            NetError::EmptyResponse => -324,
            NetError::ResponseHeadersTooBig => -325,
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
            NetError::ConnectionTimedOut => "ERR_CONNECTION_TIMED_OUT",
            NetError::CertCommonNameInvalid => "ERR_CERT_COMMON_NAME_INVALID",
            NetError::CertDateInvalid => "ERR_CERT_DATE_INVALID",
            NetError::CertAuthorityInvalid => "ERR_CERT_AUTHORITY_INVALID",
            NetError::CertWeakSignatureAlgorithm => "ERR_CERT_WEAK_SIGNATURE_ALGORITHM",
            NetError::CertWeakKey => "ERR_CERT_WEAK_KEY",
            NetError::EmptyResponse => "ERR_EMPTY_RESPONSE",
            NetError::ResponseHeadersTooBig => "ERR_RESPONSE_HEADERS_TOO_BIG",
        }
    }
}

impl Wx {
    /// errno 600001: the request failed below HTTP, with the net error that caused it.
    pub fn net(error: NetError) -> Wx {
        let code = error.code();
        Wx {
            errno: 600_001,
            err_msg: format!("request:fail errcode:{code} cronet_error_code:{code} error_msg:net::{}", error.name()),
        }
    }

    /// errno 600002: release builds refuse an origin that is not on the allow-list.
    pub fn not_in_domain_list() -> Wx {
        Wx { errno: 600_002, err_msg: "request:fail url not in domain list".to_owned() }
    }

    /// errno 600008: more redirects than the mini program follows.
    pub fn too_many_redirects() -> Wx {
        Wx { errno: 600_008, err_msg: "request:fail max redirect count".to_owned() }
    }

    /// errno 600009: the URL cannot be requested as written.
    pub fn invalid_url() -> Wx {
        Wx { errno: 600_009, err_msg: "request:fail invalid url".to_owned() }
    }

    /// errno 5: the request did not finish within `networkTimeout.request`.
    pub fn timeout() -> Wx {
        Wx { errno: 5, err_msg: "request:fail timeout".to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn net_errors_read_like_the_phone() {
        assert_eq!(
            Wx::net(NetError::CertDateInvalid).err_msg,
            "request:fail errcode:-201 cronet_error_code:-201 error_msg:net::ERR_CERT_DATE_INVALID"
        );
        assert_eq!(Wx::net(NetError::NameNotResolved).errno, 600_001);
    }

    #[test]
    fn serialises_with_the_phone_field_names() {
        let json = serde_json::to_value(Wx::not_in_domain_list()).unwrap();
        assert_eq!(json, serde_json::json!({"errno": 600002, "errMsg": "request:fail url not in domain list"}));
    }
}
