//! Through an HTTP proxy end to end: `--proxy` and the proxy variables against
//! a CONNECT proxy on loopback (support/proxy.rs), which resolves `api.test`
//! from its own table. The proxy's tunnel carries TLS end to end, so the
//! certificate checks read the same as on a direct connection; a failure at
//! the proxy fails `tcp.connect` naming the proxy, never with a phone error.

use crate::cli::{Report, check, check_api, reqdoctor, reqdoctor_with_env, to};
use crate::support::{
    CertKind, OpensslKind, ProxyOptions, Seen, TestProxy, basic, connect_proxy, http_server, https_server,
    openssl_server, pki, refused_port,
};

const SECRET: &str = "s3cret-proxy";

/// A proxy that sends `api.test:443` to the valid HTTPS server.
fn proxy_to_valid(options: ProxyOptions) -> TestProxy {
    let names = vec![("api.test:443".to_owned(), https_server(CertKind::Valid))];
    connect_proxy(ProxyOptions { names, ..options })
}

fn connect(target: &str, authorization: Option<String>) -> Seen {
    Seen { method: "CONNECT".into(), target: target.into(), authorization }
}

/// `check --json --ca-file <test root> ARGS` with the environment `env`, parsed.
fn check_env(args: &[&str], env: &[(&str, &str)]) -> Report {
    let root = pki().root_pem_path().to_str().expect("utf-8 path").to_owned();
    let mut all = vec!["check", "--json", "--ca-file", root.as_str()];
    all.extend_from_slice(args);
    reqdoctor_with_env(&all, env).report()
}

/// The `cert.*` checks' statuses and summaries, and the `tls.*` checks' statuses.
fn certificate_view(report: &Report) -> Vec<(String, String, String)> {
    let view = |c: &crate::cli::CheckJson| {
        let summary = if c.id.starts_with("cert.") { c.summary.clone() } else { String::new() };
        (c.id.clone(), c.status.clone(), summary)
    };
    report.checks.iter().filter(|c| c.id.starts_with("cert.") || c.id.starts_with("tls.")).map(view).collect()
}

#[test]
fn https_through_the_proxy_passes_and_the_certificate_reads_as_direct() {
    let proxy = proxy_to_valid(ProxyOptions::default());
    let through = check(&["--proxy", &proxy.url(), "https://api.test/ok"]);
    assert_eq!(through.verdict, "pass", "{:#?}", through.statuses());
    assert_eq!(through.checks[0].id, "net.proxy", "net.proxy comes first");
    let info = through.expect("net.proxy", "info", &format!("goes through the proxy {} (from --proxy)", proxy.url()));
    assert!(info.summary.contains("the phone does not"), "{}", info.summary);
    assert_eq!(
        (info.data["origin"].as_str(), info.data["destination"].as_str()),
        (Some("--proxy"), Some("api.test:443"))
    );
    through.expect("dns.resolve", "skip", &format!("the proxy {} resolves the name of api.test:443", proxy.addr));
    let tcp = through.expect("tcp.connect", "pass", &format!("connected to the proxy {}", proxy.addr));
    assert!(tcp.summary.contains("tunnelled to api.test:443 (CONNECT answered 200"), "{}", tcp.summary);
    assert_eq!(tcp.data["tunnel"]["outcome"], "established");
    through.expect("dns.addresses", "skip", "picks the address of api.test:443");
    through.expect("http.response", "pass", "200");
    assert!(through.addresses.is_empty(), "the server's addresses are the proxy's to know");
    let phases: Vec<(&str, bool)> = through.timeline.iter().map(|e| (e.phase.as_str(), e.extra)).collect();
    assert_eq!(
        &phases[..3],
        [("connect", false), ("proxy_connect", true), ("SSLconnection", false)],
        "the CONNECT is timed as reqdoctor's own"
    );
    let direct = check_api(https_server(CertKind::Valid), "/ok", &[]);
    assert_eq!(certificate_view(&through), certificate_view(&direct));
    let fingerprints =
        |r: &Report| r.certificate.as_ref().map(|c| c.chain.iter().map(|e| e.sha256.clone()).collect::<Vec<_>>());
    assert_eq!(fingerprints(&through), fingerprints(&direct));
    assert_eq!(proxy.seen(), [connect("api.test:443", None)]);
}

#[test]
fn https_proxy_from_the_environment_is_used() {
    let proxy = proxy_to_valid(ProxyOptions::default());
    let report = check_env(&["https://api.test/ok"], &[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    let info = report.expect("net.proxy", "info", "(from HTTPS_PROXY)");
    assert_eq!(info.data["origin"], "HTTPS_PROXY");
    assert_eq!(proxy.seen().len(), 1);
}

#[test]
fn an_empty_proxy_option_ignores_the_variables() {
    let proxy = proxy_to_valid(ProxyOptions::default());
    let route = to(https_server(CertKind::Valid));
    let args = ["--proxy", "", "--connect-to", &route, "https://api.test/ok"];
    let report = check_env(&args, &[("https_proxy", &proxy.url()), ("ALL_PROXY", &proxy.url())]);
    assert!(report.checks.iter().all(|c| c.id != "net.proxy"), "no proxy is set: {:#?}", report.statuses());
    assert!(proxy.seen().is_empty());
}

#[test]
fn no_proxy_sends_the_host_past_the_proxy() {
    let proxy = proxy_to_valid(ProxyOptions::default());
    let route = to(https_server(CertKind::Valid));
    let env = [("HTTPS_PROXY", proxy.url()), ("NO_PROXY", "other.test, .api.test".to_owned())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let report = check_env(&["--connect-to", &route, "https://api.test/ok"], &env);
    let info = report.expect("net.proxy", "info", "but not used for api.test: NO_PROXY lists .api.test");
    assert_eq!(info.data["no_proxy"], ".api.test");
    report.expect("tcp.connect", "pass", "connected to 127.0.0.1:");
    report.expect("dns.resolve", "skip", "--connect-to");
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[test]
fn an_http_url_takes_http_proxy_and_is_tunnelled_too() {
    let proxy = connect_proxy(ProxyOptions::mapping("api.test:80", http_server()));
    let url = proxy.url();
    let only_https = check_env(
        &["--connect-to", &format!("api.test:80:{}", http_server()), "http://api.test/ok"],
        &[("HTTPS_PROXY", &url)],
    );
    only_https.expect("net.proxy", "info", "for other URLs than http: ones; reqdoctor connects directly");
    assert!(proxy.seen().is_empty());
    let through = check_env(&["http://api.test/ok"], &[("http_proxy", &url), ("HTTP_PROXY", "http://127.0.0.1:9")]);
    through.expect("net.proxy", "info", "(from http_proxy)");
    through.expect("http.response", "pass", "200");
    assert_eq!(proxy.seen(), [connect("api.test:80", None)]);
}

#[test]
fn a_proxy_that_wants_credentials_fails_clearly_without_them() {
    let proxy = proxy_to_valid(ProxyOptions { credentials: Some(("user", SECRET)), ..ProxyOptions::default() });
    let report = check(&["--proxy", &proxy.url(), "https://api.test/ok"]);
    assert_eq!(report.verdict, "fail");
    let tcp =
        report.expect("tcp.connect", "fail", &format!("the proxy {} refused to tunnel to api.test:443", proxy.addr));
    assert!(tcp.summary.contains("407 Proxy Authentication Required"), "{}", tcp.summary);
    let hint = tcp.hint.as_deref().unwrap_or_default();
    assert!(hint.contains("the phone does not use this proxy") && hint.contains("http://USER:PASSWORD@"), "{hint}");
    assert!(report.checks.iter().all(|c| c.wx.is_none()), "no phone error for reqdoctor's proxy: {:#?}", report.checks);
    report.expect("tls.handshake", "skip", "no tunnel through the proxy (tcp.connect)");
    report.expect("timeout.budget", "skip", "tcp.connect");
}

#[test]
fn credentials_in_the_proxy_url_work_and_never_show() {
    let proxy = proxy_to_valid(ProxyOptions { credentials: Some(("user", SECRET)), ..ProxyOptions::default() });
    let url = format!("http://user:{SECRET}@{}", proxy.addr);
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    for format in ["text", "json", "jsonl", "nagios"] {
        let run = reqdoctor(&["check", "--format", format, "--ca-file", &ca, "--proxy", &url, "https://api.test/ok"]);
        assert_eq!(run.code, 0, "{format}: {}{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains(SECRET) && !run.stderr.contains(SECRET), "{format} leaks:\n{}", run.stdout);
        match format {
            "text" => assert!(run.stdout.contains(&format!("http://***@{}", proxy.addr)), "{}", run.stdout),
            "json" => {
                let report = run.report();
                assert_eq!(report.check("net.proxy").data["proxy"], format!("http://***@{}", proxy.addr));
            }
            _ => {}
        }
    }
    let expected = connect("api.test:443", Some(basic("user", SECRET)));
    assert!(proxy.seen().iter().all(|seen| *seen == expected), "{:?}", proxy.seen());
}

#[test]
fn unusable_proxy_settings_are_usage_errors_without_the_password() {
    let run = reqdoctor(&["check", "--proxy", &format!("socks5://user:{SECRET}@127.0.0.1:1080"), "https://api.test/"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("reqdoctor: --proxy 'socks5://***@127.0.0.1:1080': only http:// proxies"),
        "{}",
        run.stderr
    );
    let env = format!("socks5://user:{SECRET}@proxy.test:1080");
    let run = reqdoctor_with_env(&["check", "https://api.test/"], &[("HTTPS_PROXY", &env)]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("HTTPS_PROXY '") && run.stderr.contains("--proxy ''"), "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET) && run.stderr.lines().count() == 1, "{}", run.stderr);
}

#[test]
fn a_proxy_that_refuses_connections_is_named() {
    let closed = refused_port();
    let report = check(&["--proxy", &format!("http://{closed}"), "https://api.test/ok"]);
    let tcp = report.expect("tcp.connect", "fail", &format!("cannot connect to the proxy {closed}: {closed} refused"));
    assert!(tcp.wx.is_none(), "{tcp:?}");
    assert!(tcp.hint.as_deref().is_some_and(|h| h.contains("the phone does not use this proxy")), "{tcp:?}");
    report.expect("dns.resolve", "skip", "resolves the name of api.test:443");
    report.expect("dns.addresses", "skip", "tcp.connect");
}

#[test]
fn a_silent_proxy_ends_within_the_budget_naming_the_proxy() {
    let proxy = proxy_to_valid(ProxyOptions { silent: true, ..ProxyOptions::default() });
    let report = check(&["--proxy", &proxy.url(), "--timeout-ms", "1000", "https://api.test/ok"]);
    let needle = format!(
        "the proxy {} did not answer CONNECT api.test:443 before the 1000 ms timeout budget ran out",
        proxy.addr
    );
    let tcp = report.expect("tcp.connect", "fail", &needle);
    assert!(tcp.wx.is_none(), "{tcp:?}");
    report.expect("timeout.budget", "skip", "tcp.connect");
    assert_eq!(tcp.data["tunnel"]["outcome"], "timeout");
}

#[test]
fn connect_to_names_what_the_proxy_connects_to_and_resolve_finds_the_proxy() {
    let proxy = connect_proxy(ProxyOptions::default());
    let server = https_server(CertKind::Valid);
    let rule = format!("api.test:443:127.0.0.1:{}", server.port());
    let proxy_name = format!("http://proxy.test:{}", proxy.addr.port());
    let resolve = format!("proxy.test:{}:127.0.0.1", proxy.addr.port());
    let report = check(&["--proxy", &proxy_name, "--resolve", &resolve, "--connect-to", &rule, "https://api.test/ok"]);
    assert_eq!(report.verdict, "pass", "{:#?}", report.statuses());
    report.expect("net.proxy", "info", &format!("(--connect-to {rule})"));
    report.expect("cert.hostname", "pass", "api.test");
    assert_eq!(proxy.seen(), [connect(&format!("127.0.0.1:{}", server.port()), None)]);
}

/// The raw TLS probes that name an old server's version open tunnels of their own.
#[test]
fn an_old_tls_server_is_named_through_the_proxy_too() {
    let proxy = connect_proxy(ProxyOptions::mapping("api.test:443", openssl_server(OpensslKind::Tls11Only)));
    let report = check(&["--proxy", &proxy.url(), "https://api.test/"]);
    let version = report.expect("tls.version", "fail", "the server supports at most TLS1.1");
    assert_eq!(version.data["highest_version"], "TLS1.1");
    report.expect("cert.trusted", "pass", "");
    let seen = proxy.seen();
    assert!(seen.len() > 1 && seen.iter().all(|s| *s == connect("api.test:443", None)), "{seen:?}");
}
