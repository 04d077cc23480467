//! Hostile servers end to end: peers that stall, abort, reset, dribble, flood or lie at
//! every layer (DNS, TLS, certificates, HTTP), from `support::hostile`. Every case checks
//! the promises of docs/security.md: the diagnosis ends within its timeout budget plus
//! one second, its peak memory stays under [`MAX_RSS_KIB`], the report is valid (SPEC's
//! shape, the exit code matching the verdict), and the right check fails (or warns) with
//! a summary that names what the server did.
//!
//! Each run goes through GNU time (`/usr/bin/time -f %M`, the Debian package `time`) for
//! the peak RSS, and through coreutils `timeout` so that a hang fails the test instead of
//! hanging the suite. A case reqdoctor gets wrong is kept as a test marked
//! `#[ignore = "bug: …"]` that asserts the right behaviour (none today).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rustls::{ClientConfig, ClientConnection, RootCertStore, SupportedProtocolVersion};
use time::macros::datetime;

use crate::cli::{CheckJson, Report, Run, to};
use crate::support::hostile::{DNS_GARBAGE, INTERNAL_ERROR, record_kinds};
use crate::support::{
    AfterRecords, DnsAnswer, DnsRule, RawServer, Reply, TcpFallback, dns_server, garbage_dns, ok_response,
    partial_handshake, pki, raw_https, raw_https_with, redirect_server, reset_server, response, tarpit, truncating_dns,
};

/// GNU time, for the peak resident set size of the run (`%M`, KiB).
const GNU_TIME: &str = "/usr/bin/time";
/// The most memory a diagnosis may use, whatever the server sends. A plain run of the
/// debug build peaks near 17 MiB; keeping a 16 MiB body whole would cross this.
const MAX_RSS_KIB: u64 = 32 * 1024;
/// How long after its budget a diagnosis must have ended.
const GRACE: Duration = Duration::from_secs(1);
/// How long after its budget `timeout` kills a run that hangs.
const KILL_AFTER: Duration = Duration::from_secs(20);
const TLS12: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];
const TLS13: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];

// ---------- the runner ----------

/// Panics (never skips) when GNU time is missing.
fn gnu_time() -> &'static str {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| {
        let version = Command::new(GNU_TIME).arg("--version").output();
        let gnu = version.is_ok_and(|o| [o.stdout, o.stderr].iter().any(|out| out.windows(3).any(|w| w == b"GNU")));
        assert!(gnu, "GNU time ({GNU_TIME}) is missing: .ci/run must install the Debian package `time`");
    });
    GNU_TIME
}

/// One finished diagnosis that kept the suite's promises.
struct Diagnosis {
    report: Report,
    stdout: String,
}

/// Runs `reqdoctor check --json --ca-file <test root> --timeout-ms <budget_ms> ARGS` and
/// asserts the invariants every hostile case shares: it ended within the budget plus
/// [`GRACE`], its peak RSS stayed under [`MAX_RSS_KIB`], and stdout is one valid report
/// whose verdict matches the exit code.
fn diagnose(budget_ms: u64, args: &[&str]) -> Diagnosis {
    let time = gnu_time();
    let peak_file = tempfile::NamedTempFile::new().expect("a temp file for GNU time");
    let root = pki().root_pem_path().to_str().expect("utf-8 path").to_owned();
    let (budget, kill_after) = (Duration::from_millis(budget_ms), KILL_AFTER.as_secs() + budget_ms / 1000);
    let mut command = Command::new("timeout");
    command.args(["-s", "KILL", &kill_after.to_string(), time, "-f", "%M", "-o"]).arg(peak_file.path());
    command.arg(env!("CARGO_BIN_EXE_reqdoctor"));
    command.args(["check", "--json", "--ca-file", &root, "--timeout-ms", &budget_ms.to_string()]).args(args);
    for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "LC_ALL", "LC_MESSAGES", "LANG"] {
        command.env_remove(var);
    }
    for var in crate::cli::PROXY_VARS {
        command.env_remove(var);
    }
    let started = Instant::now();
    let output = command.output().expect("run reqdoctor under coreutils timeout and GNU time");
    let elapsed = started.elapsed();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        elapsed <= budget + GRACE,
        "the diagnosis took {elapsed:?}, over its {budget:?} budget + {GRACE:?} (exit {}); stderr: {}",
        run.code,
        run.stderr
    );
    let peak = peak_rss_kib(peak_file.path());
    assert!(peak <= MAX_RSS_KIB, "peak RSS {peak} KiB, over {MAX_RSS_KIB} KiB");
    let report = run.report();
    let expected = match report.verdict.as_str() {
        "pass" => 0,
        "warn" => 1,
        _ => 2,
    };
    assert_eq!(run.code, expected, "exit code vs verdict {}; stderr: {}", report.verdict, run.stderr);
    Diagnosis { report, stdout: run.stdout }
}

/// GNU time's `%M` line (the last line: a non-zero exit adds a line before it).
fn peak_rss_kib(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).expect("GNU time's output file");
    let last = text.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or_default();
    last.trim().parse().unwrap_or_else(|_| panic!("no peak RSS from GNU time: {text:?}"))
}

/// Diagnoses `https://api.test{path}`, connecting to `addr`.
fn diagnose_api(addr: SocketAddr, path: &str, budget_ms: u64) -> Report {
    diagnose_api_full(addr, path, budget_ms).report
}

fn diagnose_api_full(addr: SocketAddr, path: &str, budget_ms: u64) -> Diagnosis {
    let route = to(addr);
    let url = format!("https://api.test{path}");
    diagnose(budget_ms, &["--connect-to", &route, &url])
}

/// Diagnoses `https://{host}/ok`, resolved by the DNS server at `dns`.
fn diagnose_dns(dns: SocketAddr, host: &str, budget_ms: u64) -> Report {
    let url = format!("https://{host}/ok");
    diagnose(budget_ms, &["--dns-server", &dns.to_string(), &url]).report
}

/// The phone's errMsg of a check (empty when it has none).
fn err_msg(check: &CheckJson) -> &str {
    check.wx.as_ref().map_or("", |wx| wx.err_msg.as_str())
}

/// Serves `bytes` as the answer to every request.
fn answering(bytes: Vec<u8>) -> RawServer {
    raw_https(move |_| Reply::Bytes(bytes.clone()))
}

/// A 200 JSON response carrying the given extra header lines.
fn ok_with_headers(headers: &[Vec<u8>]) -> Vec<u8> {
    let refs: Vec<&[u8]> = headers.iter().map(Vec::as_slice).collect();
    response(b"HTTP/1.1 200 OK", &refs, br#"{"ok":true}"#)
}

/// Asserts the redirect fixture saw exactly these request targets.
#[track_caller]
fn assert_requested(server: &RawServer, targets: &[&str]) {
    let seen: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(seen, targets, "the requests that reached the server");
}

// ---------- fixture self-tests ----------

/// Sends a real ClientHello to `addr` and returns what the server sends back within
/// `quiet` of silence, and whether it closed the connection.
fn server_first_bytes(addr: SocketAddr, quiet: Duration) -> (Vec<u8>, bool) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("protocol versions")
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth();
    let mut client = ClientConnection::new(Arc::new(config), "api.test".try_into().unwrap()).expect("a client");
    let mut hello = Vec::new();
    client.write_tls(&mut hello).expect("a ClientHello");
    let mut tcp = TcpStream::connect(addr).expect("connect to the fixture");
    tcp.write_all(&hello).expect("send the ClientHello");
    tcp.set_read_timeout(Some(quiet)).unwrap();
    let (mut received, mut buf) = (Vec::new(), [0u8; 16 * 1024]);
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        match tcp.read(&mut buf) {
            Ok(0) => return (received, true),
            Ok(n) => received.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    (received, false)
}

#[test]
fn fixture_partial_handshakes_send_exactly_what_they_claim() {
    const SERVER_HELLO: (u8, u8) = (22, 2);
    const CERTIFICATE: (u8, u8) = (22, 11);
    const ALERT: (u8, u8) = (21, 0);
    let quiet = Duration::from_millis(300);
    let (bytes, closed) = server_first_bytes(partial_handshake(TLS13, 1, AfterRecords::Silence), quiet);
    assert_eq!((record_kinds(&bytes), closed), (vec![SERVER_HELLO], false));
    let (bytes, closed) = server_first_bytes(partial_handshake(TLS12, 2, AfterRecords::Silence), quiet);
    assert_eq!((record_kinds(&bytes), closed), (vec![SERVER_HELLO, CERTIFICATE], false));
    let alert = AfterRecords::FatalAlert(INTERNAL_ERROR);
    let (bytes, closed) = server_first_bytes(partial_handshake(TLS12, 1, alert), Duration::from_secs(3));
    assert_eq!((record_kinds(&bytes), closed), (vec![SERVER_HELLO, ALERT], true));
    assert_eq!(bytes.last(), Some(&INTERNAL_ERROR));
}

/// A DNS query for api.test A, ID 0x1234, recursion desired.
const DNS_QUERY: &[u8] = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03api\x04test\x00\x00\x01\x00\x01";

fn ask_udp(server: SocketAddr) -> Vec<u8> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    socket.send_to(DNS_QUERY, server).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).expect("an answer over UDP");
    buf[..n].to_vec()
}

#[test]
fn fixture_hostile_dns_servers_truncate_and_garble() {
    let truncated = ask_udp(truncating_dns(TcpFallback::HangUp));
    assert_eq!(&truncated[..2], b"\x12\x34", "the query's ID");
    assert_eq!(truncated[2] & 0x82, 0x82, "QR and TC set");
    assert_eq!(&truncated[6..12], &[0; 6], "no records");
    assert_eq!(&truncated[12..], &DNS_QUERY[12..], "the question echoed");
    let garbage = ask_udp(garbage_dns(true));
    assert!(garbage.starts_with(b"\x12\x34") && garbage.ends_with(DNS_GARBAGE), "{garbage:?}");
    assert_eq!(ask_udp(garbage_dns(false)), DNS_GARBAGE);
}

// ---------- 1. silence after the TCP accept ----------

#[test]
fn silence_after_accept_runs_out_the_budget_in_the_tls_handshake() {
    let report = diagnose_api(tarpit(), "/ok", 1500);
    report.expect("tcp.connect", "pass", "");
    let handshake = report.expect("tls.handshake", "fail", "no TLS answer before the 1500 ms timeout budget ran out");
    assert_eq!(err_msg(handshake), "request:fail timeout");
    let budget = report.expect("timeout.budget", "fail", "the time ran out during the TLS handshake");
    assert_eq!(budget.data["phase"], "tls");
    report.expect("http.response", "skip", "tls.handshake");
}

// ---------- 2. silence after the ServerHello ----------

#[test]
fn silence_after_the_server_hello_runs_out_the_budget_in_the_tls_handshake() {
    let report = diagnose_api(partial_handshake(TLS13, 1, AfterRecords::Silence), "/ok", 1500);
    let handshake = report.expect("tls.handshake", "fail", "1500 ms timeout budget ran out");
    assert_eq!(err_msg(handshake), "request:fail timeout");
    let budget = report.expect("timeout.budget", "fail", "the time ran out during the TLS handshake");
    assert_eq!(budget.data["phase"], "tls");
    report.expect("cert.trusted", "skip", "tls.handshake");
}

#[test]
fn silence_after_the_certificate_runs_out_the_budget_in_the_tls_handshake() {
    let report = diagnose_api(partial_handshake(TLS12, 2, AfterRecords::Silence), "/ok", 1500);
    report.expect("tls.handshake", "fail", "1500 ms timeout budget ran out");
    let budget = report.expect("timeout.budget", "fail", "the time ran out during the TLS handshake");
    assert_eq!(budget.data["phase"], "tls");
    report.expect("http.response", "skip", "tls.handshake");
}

#[test]
fn a_certificate_sent_before_a_stall_is_still_judged() {
    let report = diagnose_api(partial_handshake(TLS12, 2, AfterRecords::Silence), "/ok", 1500);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("cert.hostname", "pass", "api.test is covered");
}

#[test]
fn a_handshake_that_stalls_after_the_server_hello_is_not_called_silence() {
    let report = diagnose_api(partial_handshake(TLS13, 1, AfterRecords::Silence), "/ok", 1500);
    let handshake = report.expect("tls.handshake", "fail", "ServerHello");
    assert!(!handshake.summary.contains("no TLS answer"), "{handshake:#?}");
    let report = diagnose_api(partial_handshake(TLS12, 2, AfterRecords::Silence), "/ok", 1500);
    let handshake = report.expect("tls.handshake", "fail", "");
    assert!(!handshake.summary.contains("no TLS answer"), "it sent its certificate: {handshake:#?}");
}

// ---------- 3. a fatal alert in mid-handshake ----------

#[test]
fn a_fatal_alert_after_the_server_hello_is_named() {
    let server = partial_handshake(TLS12, 1, AfterRecords::FatalAlert(INTERNAL_ERROR));
    let report = diagnose_api(server, "/ok", 3000);
    let handshake = report.expect("tls.handshake", "fail", "the server aborted the handshake with the TLS alert");
    assert!(handshake.summary.contains("TLS alert internal_error (80)"), "{handshake:#?}");
    report.expect("tls.version", "skip", "tls.handshake");
    report.expect("timeout.budget", "skip", "tls.handshake");
    assert_eq!(report.checks.iter().filter(|c| c.status == "fail").count(), 1, "one cause, one failure");
}

#[test]
fn an_internal_error_alert_is_the_phones_ssl_protocol_error() {
    let server = partial_handshake(TLS12, 1, AfterRecords::FatalAlert(INTERNAL_ERROR));
    let report = diagnose_api(server, "/ok", 3000);
    let handshake = report.expect("tls.handshake", "fail", "alert");
    assert!(err_msg(handshake).ends_with("errcode:-107 cronet_error_code:-107 error_msg:net::ERR_SSL_PROTOCOL_ERROR"));
}

// ---------- 4. a reset right after the ClientHello ----------

#[test]
fn a_reset_after_the_client_hello_is_named() {
    let report = diagnose_api(reset_server(), "/ok", 3000);
    let handshake = report.expect("tls.handshake", "fail", "the connection was reset during the handshake");
    assert!(err_msg(handshake).ends_with("net::ERR_CONNECTION_RESET"), "{handshake:#?}");
    report.expect("timeout.budget", "skip", "tls.handshake");
}

// ---------- 5. a response dribbled one byte a second ----------

#[test]
fn response_headers_dribbled_one_byte_a_second_run_out_the_budget_waiting_for_the_response() {
    let server = raw_https(|_| Reply::Dribble { head: Vec::new(), slow: ok_response(), every: Duration::from_secs(1) });
    let report = diagnose_api(server.addr, "/ok", 2000);
    report.expect("tls.handshake", "pass", "");
    let budget = report.expect("timeout.budget", "fail", "the time ran out during waiting for the response");
    assert_eq!(budget.data["phase"], "ttfb");
    assert_eq!(err_msg(budget), "request:fail timeout");
    report.expect("http.response", "skip", "no complete response within the timeout budget (timeout.budget)");
}

#[test]
fn a_body_dribbled_one_byte_a_second_runs_out_the_budget_reading_it() {
    let server = raw_https(|_| {
        let whole = ok_response();
        let (head, slow) = whole.split_at(whole.len() - 8);
        Reply::Dribble { head: head.to_vec(), slow: slow.to_vec(), every: Duration::from_secs(1) }
    });
    let report = diagnose_api(server.addr, "/ok", 2000);
    let budget = report.expect("timeout.budget", "fail", "the time ran out during reading the response body");
    assert_eq!(budget.data["phase"], "body");
    report.expect("http.response", "skip", "timeout.budget");
}

// ---------- 6. oversized response heads ----------

#[test]
fn a_header_block_over_64_kib_is_accepted_as_phones_accept_it() {
    let headers: Vec<Vec<u8>> = (0..40).map(|i| format!("x-pad-{i}: {}", "a".repeat(2000)).into_bytes()).collect();
    let report = diagnose_api(answering(ok_with_headers(&headers)).addr, "/ok", 3000);
    let response = report.expect("http.response", "pass", "200 OK, 11 bytes");
    assert_eq!(response.data["status"], 200);
}

#[test]
fn a_single_header_over_64_kib_is_accepted_as_phones_accept_it() {
    let header = format!("x-big: {}", "a".repeat(80 * 1024)).into_bytes();
    let report = diagnose_api(answering(ok_with_headers(&[header])).addr, "/ok", 3000);
    report.expect("http.response", "pass", "200 OK, 11 bytes");
}

#[test]
fn an_endless_header_block_is_cut_off_and_named() {
    let server = raw_https(|_| Reply::Endless {
        head: b"HTTP/1.1 200 OK\r\n".to_vec(),
        chunk: format!("x-more: {}\r\n", "b".repeat(1000)).into_bytes(),
        limit: 64 << 20,
    });
    let report = diagnose_api(server.addr, "/ok", 3000);
    report.expect("http.response", "fail", "the response head is too large (over 256 KiB)");
    report.expect("timeout.budget", "skip", "http.response");
}

#[test]
fn a_header_block_over_256_kib_fails_as_on_a_phone() {
    let header = format!("x-big: {}", "a".repeat(300 * 1024)).into_bytes();
    let report = diagnose_api(answering(ok_with_headers(&[header])).addr, "/ok", 3000);
    report.expect("http.response", "fail", "the response head is too large (over 256 KiB)");
}

#[test]
fn more_than_100_response_headers_are_not_a_failure() {
    let headers: Vec<Vec<u8>> = (0..150).map(|i| format!("x-h-{i}: v").into_bytes()).collect();
    let report = diagnose_api(answering(ok_with_headers(&headers)).addr, "/ok", 3000);
    report.expect("http.response", "pass", "200 OK");
}

// ---------- 7. an endless body ----------

/// A chunked 200 whose 16 KiB chunks never end (the server stops after 16 GiB).
fn endless_body() -> RawServer {
    let mut chunk = b"4000\r\n".to_vec();
    chunk.extend(std::iter::repeat_n(b'x', 0x4000));
    chunk.extend_from_slice(b"\r\n");
    let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    raw_https(move |_| Reply::Endless { head: head.clone(), chunk: chunk.clone(), limit: 16 << 30 })
}

/// The phone calls `success` only once the whole body has arrived: a body that
/// never ends runs out the budget while it is read (and costs time, not memory).
#[test]
fn an_endless_body_runs_out_the_budget_while_it_is_read() {
    let report = diagnose_api(endless_body().addr, "/ok", 2000);
    let budget = report.expect("timeout.budget", "fail", "the time ran out during reading the response body");
    assert_eq!(budget.data["phase"], "body");
    assert_eq!(budget.wx.as_ref().map(|wx| wx.errno), Some(5));
    report.expect("http.response", "skip", "timeout.budget");
}

// ---------- 8. heads the phone reads leniently, and heads it refuses ----------
// What Chromium 156 did with each of these heads, tried here, is in
// tests/fixtures/http/chromium-156-heads.md.

#[test]
fn a_status_line_the_phone_reads_leniently_warns_with_the_phone_s_status() {
    for (line, status) in [(&b"HTTP/1.1 2OO OK"[..], 2), (b"HTTP/1.1 abc Oops", 200), (b"http/1.1 201 Created", 201)] {
        let report = diagnose_api(answering(response(line, &[], b"{}")).addr, "/ok", 3000);
        let shown = String::from_utf8_lossy(line);
        let check = report.expect("http.response", "warn", &format!("the status line \"{shown}\" is not HTTP/1.1"));
        assert_eq!(check.data["status"], status, "{shown}");
        assert!(check.wx.is_none(), "the phone calls success: {check:#?}");
        report.expect("timeout.budget", "pass", "");
    }
}

#[test]
fn an_answer_without_a_status_line_is_the_body_of_a_200() {
    let answer = b"HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec();
    let report = diagnose_api(answering(answer.clone()).addr, "/ok", 3000);
    let check = report.expect("http.response", "warn", "no status line (HTTP/0.9)");
    assert_eq!(check.data["status"], 200);
    assert_eq!(check.data["body_bytes"], answer.len());
}

/// No Content-Length: the body ends when the connection does, here without
/// TLS close_notify. Chromium read such a body in full; so must reqdoctor.
#[test]
fn a_body_ended_by_a_close_without_close_notify_is_whole() {
    let answer = b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{\"ok\":true}".to_vec();
    let report = diagnose_api(raw_https(move |_| Reply::Abrupt(answer.clone())).addr, "/ok", 3000);
    let check = report.expect("http.response", "pass", "200 OK, 11 bytes");
    assert_eq!(check.data["body_bytes"], 11);
    let cut = b"HTTP/1.1 200 OK\r\ncontent-length: 2".to_vec();
    let report = diagnose_api(raw_https(move |_| Reply::Abrupt(cut.clone())).addr, "/ok", 3000);
    report.expect("http.response", "fail", "the connection closed in the middle of the response head");
}

/// A body that breaks off, or whose chunks are malformed, fails with the error
/// Chromium 156 gave for each here (the server closes without close_notify).
#[test]
fn a_body_that_breaks_off_fails_as_chromium_reports_it() {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n";
    let cases = [
        (
            format!("{head}content-length: 10\r\n\r\n{{}}"),
            "the body ended after 2 of the 10 bytes its Content-Length announced",
            "-354 error_msg:net::ERR_CONTENT_LENGTH_MISMATCH",
        ),
        (
            format!("{head}transfer-encoding: chunked\r\n\r\n2\r\n{{}}\r\n"),
            "the chunked body ended after 2 bytes, before its last chunk",
            "-355 error_msg:net::ERR_INCOMPLETE_CHUNKED_ENCODING",
        ),
        (
            format!("{head}transfer-encoding: chunked\r\n\r\nzz\r\n{{}}\r\n0\r\n\r\n"),
            "the chunked body is malformed",
            "-321 error_msg:net::ERR_INVALID_CHUNKED_ENCODING",
        ),
    ];
    for (answer, summary, phone) in cases {
        let bytes = answer.into_bytes();
        let report = diagnose_api(raw_https(move |_| Reply::Abrupt(bytes.clone())).addr, "/ok", 3000);
        let check = report.expect("http.response", "fail", summary);
        assert!(err_msg(check).ends_with(phone), "{check:#?}");
    }
}

#[test]
fn a_nul_byte_in_the_head_is_err_invalid_http_response() {
    let report = diagnose_api(answering(ok_with_headers(&[b"x-bad: a\x00b".to_vec()])).addr, "/ok", 3000);
    let check = report.expect("http.response", "fail", "the response head holds a NUL byte");
    assert!(err_msg(check).ends_with("errcode:-370 cronet_error_code:-370 error_msg:net::ERR_INVALID_HTTP_RESPONSE"));
    report.expect("timeout.budget", "skip", "http.response");
}

#[test]
fn headers_that_disagree_are_refused_as_on_the_phone() {
    let two_lengths = response(b"HTTP/1.1 200 OK", &[b"content-length: 7"], b"{}");
    let report = diagnose_api(answering(two_lengths).addr, "/ok", 3000);
    let check = report.expect("http.response", "fail", "Content-Length headers that disagree");
    assert!(err_msg(check).ends_with("net::ERR_RESPONSE_HEADERS_MULTIPLE_CONTENT_LENGTH"));
    let two_locations = response(b"HTTP/1.1 302 Found", &[b"location: /a", b"location: /b"], b"");
    let report = diagnose_api(answering(two_locations).addr, "/ok", 3000);
    let check = report.expect("http.response", "fail", "Location headers that disagree");
    assert!(err_msg(check).ends_with("-350 error_msg:net::ERR_RESPONSE_HEADERS_MULTIPLE_LOCATION"));
}

#[test]
fn a_head_cut_off_by_the_server_is_err_response_headers_truncated() {
    let report = diagnose_api(answering(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n".to_vec()).addr, "/ok", 3000);
    let check = report.expect("http.response", "fail", "the connection closed in the middle of the response head");
    assert!(err_msg(check).ends_with("net::ERR_RESPONSE_HEADERS_TRUNCATED"));
}

// ---------- 9. invalid UTF-8 and control characters ----------

#[test]
fn invalid_utf8_in_header_values_is_no_failure() {
    let headers = [b"x-bad: \xff\xfe\xc3(".to_vec(), b"date: \xff\xff not a date".to_vec()];
    let report = diagnose_api(answering(ok_with_headers(&headers)).addr, "/ok", 3000);
    report.expect("http.response", "pass", "200 OK");
    report.expect("clock.skew", "info", "");
}

/// The phone keeps such a header (Chromium 156 did): a warn, never an echo.
#[test]
fn control_characters_in_a_header_value_are_named_and_never_echoed() {
    for value in [&b"a\x01b\x7f"[..], b"\x1b[2J\x1b[31mred"] {
        let mut header = b"x-bad: ".to_vec();
        header.extend_from_slice(value);
        let diagnosis = diagnose_api_full(answering(ok_with_headers(&[header])).addr, "/ok", 3000);
        let check = diagnosis.report.expect("http.response", "warn", "the header line \"x-bad: ");
        assert!(check.summary.contains("breaks HTTP/1.1 (phones keep it)"), "{check:#?}");
        assert_eq!(check.data["status"], 200);
        assert!(!diagnosis.stdout.contains('\u{1b}') && !diagnosis.stdout.contains("\\u001b"), "echoed");
    }
}

#[test]
fn control_characters_in_a_certificate_name_stay_out_of_the_summaries() {
    let cert = pki().self_signed_with_cn("evil\u{1b}[2J\nname\r\u{7}");
    let report = diagnose_api(raw_https_with(cert, |_| Reply::Bytes(ok_response())).addr, "/ok", 3000);
    let trusted = report.expect("cert.trusted", "fail", "is self-signed");
    for check in &report.checks {
        assert!(!check.summary.chars().any(|c| c.is_control()), "a control character in {check:#?}");
        assert!(!check.hint.as_deref().unwrap_or_default().chars().any(|c| c.is_control()), "{check:#?}");
    }
    assert!(trusted.summary.contains("evil"), "{trusted:#?}");
}

// ---------- 10. hostile Location headers ----------

/// `/` and then 64 KiB of `a`.
fn long_path() -> Vec<u8> {
    let mut path = b"/".to_vec();
    path.extend(std::iter::repeat_n(b'a', 64 * 1024));
    path
}

#[test]
fn a_64_kib_location_to_another_host_is_refused_and_named() {
    let mut location = b"https://other.test".to_vec();
    location.extend_from_slice(&long_path());
    let server = redirect_server(&location);
    let report = diagnose_api(server.addr, "/r", 3000);
    let redirect = report.expect("http.redirect", "fail", "a 302 redirect points to another host: https://other.test/");
    assert_eq!(redirect.wx.as_ref().map(|wx| wx.errno), Some(600002));
    assert_requested(&server, &["/r"]);
}

#[test]
fn a_64_kib_same_host_location_ends_in_time_and_stays_on_the_host() {
    let server = redirect_server(&long_path());
    let report = diagnose_api(server.addr, "/r", 3000);
    assert_eq!(report.check("http.redirect").data["hops"][0]["status"], 302);
    let seen = server.requests();
    assert!(seen.iter().all(|r| r.head.to_lowercase().contains("\r\nhost: api.test\r\n")), "{seen:?}");
}

#[test]
fn a_64_kib_same_host_location_is_not_blamed_on_the_servers_http() {
    let report = diagnose_api(redirect_server(&long_path()).addr, "/r", 3000);
    let response = report.check("http.response");
    assert!(!response.summary.contains("no valid HTTP response"), "{response:#?}");
    assert!(!err_msg(response).ends_with("ERR_EMPTY_RESPONSE"), "{response:#?}");
}

#[test]
fn a_relative_location_is_followed_on_the_same_host() {
    let server = redirect_server(b"ok?x=1");
    let report = diagnose_api(server.addr, "/r", 3000);
    report.expect("http.redirect", "pass", "followed 1 same-host redirect(s): /r → /ok");
    report.expect("http.response", "pass", "200 OK");
    assert_requested(&server, &["/r", "/ok?x=1"]);
}

#[test]
fn a_protocol_relative_location_to_another_host_is_refused() {
    let server = redirect_server(b"//other.test/x");
    let report = diagnose_api(server.addr, "/r", 3000);
    report.expect("http.redirect", "fail", "a 302 redirect points to another host: https://other.test/x");
    report.expect("http.response", "skip", "http.redirect");
    assert_requested(&server, &["/r"]);
}

#[test]
fn backslash_and_userinfo_tricks_do_not_hide_another_host() {
    for location in [&b"/\\other.test/x"[..], b"https://api.test@other.test/x", b"https://api.test.other.test/x"] {
        let server = redirect_server(location);
        let report = diagnose_api(server.addr, "/r", 3000);
        report.expect("http.redirect", "fail", "a 302 redirect points to another host: https://");
        assert_requested(&server, &["/r"]);
    }
}

#[test]
fn script_and_data_locations_are_refused_as_leaving_https() {
    for location in ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>"] {
        let server = redirect_server(location.as_bytes());
        let report = diagnose_api(server.addr, "/r", 3000);
        let redirect = report.expect("http.redirect", "fail", "a 302 redirect leaves HTTPS: ");
        assert!(redirect.summary.contains(location.split(':').next().unwrap()), "{redirect:#?}");
        assert_eq!(redirect.wx.as_ref().map(|wx| wx.errno), Some(600002));
        assert_requested(&server, &["/r"]);
    }
}

#[test]
fn credentials_in_a_same_host_location_are_never_sent() {
    let server = redirect_server(b"https://u:p@api.test/x");
    let report = diagnose_api(server.addr, "/r", 3000);
    report.expect("http.redirect", "pass", "followed 1 same-host redirect(s): /r → /x");
    assert_requested(&server, &["/r", "/x"]);
    let second = &server.requests()[1].head.to_lowercase();
    assert!(!second.contains("authorization") && !second.contains("u:p"), "{second}");
}

#[test]
fn credentials_in_a_location_are_masked_in_the_report() {
    let diagnosis = diagnose_api_full(redirect_server(b"https://u:secret@api.test/x").addr, "/r", 3000);
    assert!(!diagnosis.stdout.contains("secret"), "{}", diagnosis.stdout);
}

#[test]
fn a_non_ascii_location_to_another_host_is_refused() {
    let server = redirect_server(b"https://other.test/\xc3\xa4");
    let report = diagnose_api(server.addr, "/r", 3000);
    report.expect("http.redirect", "fail", "another host: https://other.test/");
}

// ---------- 11. hostile certificates ----------

/// A raw HTTPS server answering `{"ok":true}`, presenting `cert`.
fn serving(cert: crate::support::ServerCert) -> SocketAddr {
    raw_https_with(cert, |_| Reply::Bytes(ok_response())).addr
}

fn report_of_depth(depth: usize) -> Report {
    diagnose_api(serving(pki().deep_chain(depth)), "/ok", 3000)
}

/// Chromium 156 built a path of 20 sent certificates and gave up on 21
/// (-202, its path builder's iteration limit): so does reqdoctor.
#[test]
fn a_chain_longer_than_chromiums_iteration_limit_fails_with_202() {
    report_of_depth(20).expect("cert.trusted", "pass", "reqdoctor test root");
    let report = report_of_depth(21);
    let trusted = report.expect("cert.trusted", "fail", "Chromium stops building a path after 20 steps");
    assert!(err_msg(trusted).ends_with("net::ERR_CERT_AUTHORITY_INVALID"), "{trusted:#?}");
    report.expect("http.response", "skip", "the certificate was refused");
    let report = report_of_depth(50);
    report.expect("cert.trusted", "fail", "iteration limit");
    report.expect("cert.chain", "skip", "cert.trusted");
    let certificate = report.certificate.as_ref().expect("a certificate object");
    assert_eq!(certificate.chain.len(), 50);
}

#[test]
fn a_certificate_message_of_500_kib_is_refused_and_named() {
    let report = diagnose_api(serving(pki().padded_chain(20, 1000)), "/ok", 3000);
    let handshake = report.expect("tls.handshake", "fail", "too large");
    assert!(handshake.summary.contains("over the 100 KiB (102400 bytes) phones accept"), "{handshake:#?}");
    assert!(err_msg(handshake).ends_with("net::ERR_SSL_PROTOCOL_ERROR"), "{handshake:#?}");
}

/// The Certificate message a server sends for `cert`, in bytes (TLS 1.2 framing).
fn certificate_message_len(cert: &crate::support::ServerCert) -> usize {
    3 + cert.chain.iter().map(|der| 3 + der.len()).sum::<usize>()
}

/// A chain padded to between 64 and 100 KiB: rustls refuses it, phones accept it.
fn chain_of_about_80_kib() -> crate::support::ServerCert {
    let cert = pki().padded_chain(3, 1000);
    let len = certificate_message_len(&cert);
    assert!((70 * 1024..95 * 1024).contains(&len), "the padded chain is {len} bytes");
    cert
}

#[test]
fn a_certificate_message_phones_accept_but_rustls_cannot_read_warns_and_is_judged_over_tls12() {
    let cert = chain_of_about_80_kib();
    let len = certificate_message_len(&cert);
    let addr = crate::support::https_server_with(cert, &[&rustls::version::TLS12]);
    let report = diagnose_api(addr, "/ok", 3000);
    let handshake = report.expect("tls.handshake", "warn", &format!("Certificate message is {len} bytes"));
    assert!(handshake.wx.is_none(), "{handshake:#?}");
    assert_eq!(handshake.data["certificate_bytes"], len);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("cert.chain", "warn", "does not need: reqdoctor padding cert 0");
    report.expect("http.response", "skip", "cannot read the server's Certificate message");
    assert_eq!(report.verdict, "warn");
}

#[test]
fn a_certificate_message_over_64_kib_in_tls13_only_warns_that_its_size_is_unknown() {
    let addr = crate::support::https_server_with(chain_of_about_80_kib(), &[&rustls::version::TLS13]);
    let report = diagnose_api(addr, "/ok", 3000);
    report.expect("tls.handshake", "warn", "which side of that it is cannot be told here");
    report.expect("cert.trusted", "skip", "too large");
    assert_eq!(report.verdict, "warn");
}

#[test]
fn a_huge_certificate_message_is_not_called_no_certificate() {
    let report = diagnose_api(serving(pki().padded_chain(20, 1000)), "/ok", 3000);
    let trusted = report.check("cert.trusted");
    assert!(!trusted.summary.contains("the server sent no certificate"), "{trusted:#?}");
    assert!(report.check("tls.handshake").summary.to_lowercase().contains("certificate"));
}

#[test]
fn a_certificate_with_10000_names_is_handled() {
    let report = diagnose_api(serving(pki().leaf_with_many_sans(10_000)), "/ok", 3000);
    report.expect("tls.handshake", "pass", "");
    let hostname = report.expect("cert.hostname", "pass", "api.test is covered by the certificate");
    assert_eq!(hostname.data["san"].as_array().map(Vec::len), Some(10_001));
    report.expect("http.response", "pass", "200 OK");
}

/// The longest summary a hostile server should be able to cause (a line a person reads).
const LONG_SUMMARY: usize = 2048;

#[test]
fn summaries_stay_short_whatever_the_server_sends() {
    let report = diagnose_api(serving(pki().leaf_with_many_sans(10_000)), "/ok", 3000);
    let hostname = report.expect("cert.hostname", "pass", "DNS:api.test");
    assert!(hostname.summary.len() <= LONG_SUMMARY, "cert.hostname: {} characters", hostname.summary.len());
    let mut location = b"https://other.test".to_vec();
    location.extend_from_slice(&long_path());
    let report = diagnose_api(redirect_server(&location).addr, "/r", 3000);
    let redirect = report.expect("http.redirect", "fail", "another host");
    assert!(redirect.summary.len() <= LONG_SUMMARY, "http.redirect: {} characters", redirect.summary.len());
}

#[test]
fn dates_from_1950_to_9999_are_read() {
    let cert = pki().leaf_dated(datetime!(1950-01-01 0:00 UTC), datetime!(9999-12-31 23:59:59 UTC));
    let report = diagnose_api(serving(cert), "/ok", 3000);
    let expiry = report.expect("cert.expiry", "pass", "(not after 9999-12-31T23:59:59Z)");
    assert!(expiry.data["days_left"].as_i64().unwrap() > 2_900_000, "{expiry:#?}");
    let leaf = &report.certificate.as_ref().expect("a certificate object").chain[0];
    assert_eq!((leaf.not_before.as_str(), leaf.not_after.as_str()), ("1950-01-01T00:00:00Z", "9999-12-31T23:59:59Z"));
}

/// webpki cannot represent dates before 1970 and refuses such a chain; phones
/// accept it, and so does reqdoctor's own verifier.
#[test]
fn a_not_before_of_1950_is_accepted_as_phones_accept_it() {
    let cert = pki().leaf_dated(datetime!(1950-01-01 0:00 UTC), datetime!(9999-12-31 23:59:59 UTC));
    let report = diagnose_api(serving(cert), "/ok", 3000);
    report.expect("cert.trusted", "pass", "reqdoctor test root");
    report.expect("http.response", "pass", "");
}

#[test]
fn a_certificate_valid_from_the_year_9999_is_not_valid_yet() {
    let cert = pki().leaf_dated(datetime!(9999-01-01 0:00 UTC), datetime!(9999-12-31 23:59:59 UTC));
    let report = diagnose_api(serving(cert), "/ok", 3000);
    let expiry = report.expect("cert.expiry", "fail", "the certificate is not valid yet: it starts in ");
    assert!(expiry.summary.contains("(not before 9999-01-01T00:00:00Z)"), "{expiry:#?}");
    assert!(err_msg(expiry).ends_with("net::ERR_CERT_DATE_INVALID"));
}

#[test]
fn a_certificate_that_expired_in_1950_is_expired() {
    let cert = pki().leaf_dated(datetime!(1950-01-01 0:00 UTC), datetime!(1950-01-02 0:00 UTC));
    let report = diagnose_api(serving(cert), "/ok", 3000);
    report.expect("cert.expiry", "fail", "(not after 1950-01-02T00:00:00Z)");
}

// ---------- 12. hostile DNS ----------

#[test]
fn a_truncated_answer_whose_tcp_retry_is_refused_is_named() {
    let report = diagnose_dns(truncating_dns(TcpFallback::Refused), "api.test", 2000);
    let resolve = report.expect("dns.resolve", "fail", "truncated");
    assert!(err_msg(resolve).ends_with("net::ERR_NAME_NOT_RESOLVED"));
    report.expect("tcp.connect", "skip", "dns.resolve");
}

#[test]
fn a_truncated_answer_whose_tcp_retry_hangs_up_fails_resolution() {
    let report = diagnose_dns(truncating_dns(TcpFallback::HangUp), "api.test", 2000);
    let resolve = report.expect("dns.resolve", "fail", "cannot resolve api.test: ");
    assert!(err_msg(resolve).ends_with("net::ERR_NAME_NOT_RESOLVED"));
}

#[test]
fn a_truncated_answer_whose_tcp_retry_hangs_up_is_named_every_time() {
    for _ in 0..10 {
        let report = diagnose_dns(truncating_dns(TcpFallback::HangUp), "api.test", 2000);
        report.expect("dns.resolve", "fail", "truncated");
    }
}

#[test]
fn a_garbage_answer_with_the_query_id_is_named() {
    let report = diagnose_dns(garbage_dns(true), "api.test", 2000);
    report.expect("dns.resolve", "fail", "decoding error");
}

#[test]
fn a_garbage_answer_without_the_query_id_is_no_answer() {
    let report = diagnose_dns(garbage_dns(false), "api.test", 2000);
    report.expect("dns.resolve", "fail", "no DNS answer for api.test before the 2000 ms timeout budget ran out");
    let budget = report.expect("timeout.budget", "fail", "the time ran out during the DNS lookup");
    assert_eq!(budget.data["phase"], "dns");
}

#[test]
fn a_broken_dns_answer_is_not_blamed_on_this_machine() {
    for dns in [truncating_dns(TcpFallback::Refused), garbage_dns(true)] {
        let report = diagnose_dns(dns, "api.test", 2000);
        let resolve = report.expect("dns.resolve", "fail", "");
        assert!(!resolve.hint.as_deref().unwrap_or_default().contains("this machine"), "{resolve:#?}");
    }
}

fn cname_loop() -> SocketAddr {
    dns_server(vec![
        DnsRule { name: "a.loop.test", a: DnsAnswer::Cname("b.loop.test"), aaaa: DnsAnswer::Cname("b.loop.test") },
        DnsRule { name: "b.loop.test", a: DnsAnswer::Cname("a.loop.test"), aaaa: DnsAnswer::Cname("a.loop.test") },
    ])
}

#[test]
fn a_cname_loop_fails_resolution_in_time() {
    let report = diagnose_dns(cname_loop(), "a.loop.test", 2000);
    report.expect("dns.resolve", "fail", "a.loop.test");
    report.expect("tcp.connect", "skip", "dns.resolve");
}

/// hickory follows the loop and answers "no records"; reqdoctor follows the CNAMEs
/// itself, one query per hop, to name it.
#[test]
fn a_cname_loop_is_named() {
    let report = diagnose_dns(cname_loop(), "a.loop.test", 2000);
    let resolve = report.expect(
        "dns.resolve",
        "fail",
        "a.loop.test has no address: its CNAMEs loop (a.loop.test → b.loop.test → a.loop.test)",
    );
    assert_eq!(resolve.data["cnames"], serde_json::json!(["b.loop.test", "a.loop.test"]), "{resolve:#?}");
    assert_eq!(resolve.data["cname_loop"], true);
}

#[test]
fn a_cname_to_a_name_without_addresses_names_the_dead_end() {
    let dns = dns_server(vec![
        DnsRule { name: "api.test", a: DnsAnswer::Cname("gone.cdn.test"), aaaa: DnsAnswer::Cname("gone.cdn.test") },
        DnsRule { name: "gone.cdn.test", a: DnsAnswer::NoData, aaaa: DnsAnswer::NoData },
    ]);
    let report = diagnose_dns(dns, "api.test", 2000);
    let resolve = report.expect("dns.resolve", "fail", "ends at gone.cdn.test, which has none");
    assert_eq!(resolve.data["cname_loop"], false);
}
