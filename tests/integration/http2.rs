//! HTTP/2 end to end: with `--enable-http2` (the mini program's
//! `enableHttp2: true`) reqdoctor offers h2, sends the request over HTTP/2
//! when the server chooses it, and names the error frames a server ends it
//! with by the errors Chromium reports for them.

use crate::cli::check_api;
use crate::support::{H2Kind, h2_server};

#[test]
fn with_enable_http2_the_request_goes_over_h2() {
    let report = check_api(h2_server(H2Kind::Routes), "/ok", &["--enable-http2"]);
    let handshake = report.expect("tls.handshake", "pass", "ALPN h2");
    assert_eq!(handshake.data["alpn"], "h2");
    let response = report.expect(
        "http.response",
        "pass",
        "over HTTP/2; the page sees header names in lower case (res.header['content-type'], not ['Content-Type'])",
    );
    assert_eq!(response.data["protocol"], "HTTP/2");
    assert_eq!(report.http.as_ref().unwrap()["protocol"], "HTTP/2");
    assert_eq!(report.verdict, "pass");
}

#[test]
fn without_it_the_mini_program_speaks_http_1_1() {
    let report = check_api(h2_server(H2Kind::Routes), "/ok", &[]);
    assert_eq!(report.expect("tls.handshake", "pass", "ALPN http/1.1").data["alpn"], "http/1.1");
    let response = report.expect("http.response", "pass", "200 OK");
    assert_eq!(response.data["protocol"], "HTTP/1.1");
    assert!(!response.summary.contains("HTTP/2"), "{response:#?}");
}

#[test]
fn http2_error_frames_fail_as_chromium_reports_them() {
    let cases = [
        (
            H2Kind::ResetInternalError,
            "the server reset the HTTP/2 stream (RST_STREAM INTERNAL_ERROR)",
            "-337",
            "ERR_HTTP2_PROTOCOL_ERROR",
        ),
        (
            H2Kind::RefusedStream,
            "the server reset the HTTP/2 stream (RST_STREAM REFUSED_STREAM)",
            "-351",
            "ERR_HTTP2_SERVER_REFUSED_STREAM",
        ),
        (
            H2Kind::GoAway,
            "the server closed the HTTP/2 connection (GOAWAY PROTOCOL_ERROR)",
            "-337",
            "ERR_HTTP2_PROTOCOL_ERROR",
        ),
    ];
    for (kind, summary, code, name) in cases {
        let report = check_api(h2_server(kind), "/ok", &["--enable-http2", "--timeout-ms", "5000"]);
        let response = report.expect("http.response", "fail", summary);
        let wx = response.wx.as_ref().unwrap_or_else(|| panic!("{kind:?}: no phone error"));
        assert_eq!(wx.errno, 600_001);
        assert_eq!(wx.err_msg, format!("request:fail errcode:{code} cronet_error_code:{code} error_msg:net::{name}"));
    }
}

/// Chromium answers HTTP_1_1_REQUIRED by sending the request again over a new
/// HTTP/1.1 connection (tried with Chromium 156): the phone gets its 200.
#[test]
fn http_1_1_required_sends_the_request_again_over_http_1_1() {
    let report = check_api(h2_server(H2Kind::Http11Required), "/ok", &["--enable-http2", "--timeout-ms", "5000"]);
    report.expect("tls.handshake", "pass", "ALPN h2");
    let response = report.expect("http.response", "pass", "200 OK");
    assert!(response.summary.contains("the server answered HTTP/2 with HTTP_1_1_REQUIRED"), "{response:#?}");
    assert_eq!(response.data["protocol"], "HTTP/1.1");
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
}
