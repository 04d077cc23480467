//! Issue 4 end to end: a sample mini-program project and domains file drive
//! the verdicts; the request goes out as the WeChat client sends it; other wx
//! APIs (uploadFile, downloadFile, connectSocket) follow their own rules.

use std::path::Path;

use crate::cli::{check, check_api, reqdoctor};
use crate::support::{CertKind, https_server, recorded};

fn valid() -> std::net::SocketAddr {
    https_server(CertKind::Valid)
}

/// A sample project: appid wxabc123, URL checks off in the private config,
/// app.json under mp/ with short timeouts, and a JSON domains file.
fn sample_project(dir: &Path) {
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("project.config.json", r#"{"appid":"wxabc123","miniprogramRoot":"mp/","setting":{"urlCheck":true}}"#);
    write("project.private.config.json", r#"{"setting":{"urlCheck":false}}"#);
    write("mp/app.json", r#"{"pages":["pages/index/index"],"networkTimeout":{"request":800,"uploadFile":900}}"#);
    write(
        "domains.json",
        r#"{"requestdomain":["https://api.test"],"uploaddomain":["https://api.test"],"wsrequestdomain":["wss://api.test"],"downloaddomain":[]}"#,
    );
}

#[test]
fn the_project_sets_appid_timeout_and_debug_mode() {
    let dir = tempfile::tempdir().unwrap();
    sample_project(dir.path());
    let project = dir.path().to_str().unwrap();
    let report = check_api(valid(), "/record/project", &["--project", project]);
    report.expect("http.response", "pass", "200");
    let sent = &recorded("project")[0];
    let referer = sent.headers.iter().find(|(k, _)| k == "referer").map(|(_, v)| v.as_str());
    assert_eq!(referer, Some("https://servicewechat.com/wxabc123/0/page-frame.html"));
    let agent = sent.headers.iter().find(|(k, _)| k == "user-agent").map(|(_, v)| v.as_str()).unwrap();
    assert!(agent.contains("MicroMessenger/"), "{agent}");

    let report = check_api(valid(), "/slow/2000", &["--project", project]);
    report.expect("timeout.budget", "fail", "within 800 ms (networkTimeout.request in");

    let domains = dir.path().join("domains.json");
    let other = check(&[
        "--project",
        project,
        "--domains-file",
        domains.to_str().unwrap(),
        "--connect-to",
        &crate::cli::to(valid()),
        "--resolve",
        "other.test:443:127.0.0.1",
        "https://other.test/ok",
    ]);
    other.expect("domain.allowlist", "warn", "debug mode lets it through");
}

#[test]
fn the_domains_file_decides_ports_and_subdomains() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, "# request合法域名\nhttps://api.test:8443\nhttps://test\n").unwrap();
    let file = file.to_str().unwrap();
    let addr = valid();
    let route = format!("api.test:8443:{}:{}", addr.ip(), addr.port());
    let report = check(&["--domains-file", file, "--connect-to", &route, "https://api.test:8443/ok"]);
    report.expect("url.port", "pass", "https://api.test:8443");
    report.expect("domain.allowlist", "pass", "https://api.test:8443");
    let report = check_api(addr, "/ok", &["--domains-file", file]);
    let allow = report.expect("domain.allowlist", "fail", "https://api.test is not on the request allow-list");
    assert!(allow.hint.as_ref().unwrap().contains("ports and schemes must match exactly"));
    let report = check(&[
        "--domains-file",
        file,
        "--connect-to",
        &format!("sub.api.test:443:{}:{}", addr.ip(), addr.port()),
        "https://sub.api.test/ok",
    ]);
    assert!(report.check("domain.allowlist").status == "fail");
}

#[test]
fn bad_domains_files_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, "https://api.test\nhttps://*.api.test\n").unwrap();
    let run = reqdoctor(&["check", "--domains-file", file.to_str().unwrap(), "https://api.test/"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("line 2") && run.stderr.contains("no wildcards"), "{}", run.stderr);
    std::fs::write(&file, r#"{"requestdomain": "https://api.test"}"#).unwrap();
    let run = reqdoctor(&["check", "--domains-file", file.to_str().unwrap(), "https://api.test/"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("requestdomain at line 1"), "{}", run.stderr);
}

#[test]
fn bad_project_files_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.config.json"), "{\n  \"setting\": {\"urlCheck\": \"off\"}\n}\n").unwrap();
    let run = reqdoctor(&["check", "--project", dir.path().to_str().unwrap(), "https://api.test/"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("project.config.json: setting.urlCheck at line 2"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn wechat_server_api_can_never_be_allowed() {
    let addr = valid();
    let route = format!("api.weixin.qq.com:443:{}:{}", addr.ip(), addr.port());
    let report = check(&["--connect-to", &route, "https://api.weixin.qq.com/cgi-bin/token"]);
    let allow = report.expect("domain.allowlist", "fail", "api.weixin.qq.com can never be on");
    assert!(allow.hint.as_ref().unwrap().contains("from your own server"));
}

#[test]
fn a_private_lan_address_warns_instead_of_failing() {
    let addr = valid();
    let report = check(&["--connect-to", &format!("::{}:{}", addr.ip(), addr.port()), "https://192.168.1.20/ok"]);
    report.expect("domain.allowlist", "warn", "private-LAN");
    report.expect("url.host", "warn", "private-LAN");
}

#[test]
fn upload_file_posts_multipart_under_its_own_timeout() {
    let dir = tempfile::tempdir().unwrap();
    sample_project(dir.path());
    let project = dir.path().to_str().unwrap();
    let report = check_api(
        valid(),
        "/record/upload",
        &["--project", project, "--api", "uploadFile", "--data", r#"{"user":"7"}"#],
    );
    report.expect("request.method", "pass", "POST");
    report.expect("timeout.budget", "pass", "of the 900 ms budget (networkTimeout.uploadFile in");
    let sent = &recorded("upload")[0];
    assert_eq!(sent.method, "POST");
    assert!(sent.body.contains("name=\"user\"") && sent.body.contains("filename=\"reqdoctor.txt\""), "{}", sent.body);
}

#[test]
fn connect_socket_needs_wss_and_a_real_upgrade() {
    let route = crate::cli::to(valid());
    let report = check(&["--api", "connectSocket", "--connect-to", &route, "wss://api.test/ws"]);
    report.expect("url.scheme", "pass", "wss");
    report.expect("http.response", "pass", "101");
    let report = check(&["--api", "connectSocket", "--connect-to", &route, "wss://api.test/ok"]);
    report.expect("http.response", "fail", "did not upgrade");
    let report = check(&["--api", "connectSocket", "--connect-to", &route, "https://api.test/ws"]);
    report.expect("url.scheme", "fail", "wss");
}

#[test]
fn a_body_that_is_not_json_warns_with_data_type_json() {
    check_api(valid(), "/ok", &[]).expect("http.response", "pass", "200");
    let report = check_api(valid(), "/text", &[]);
    report.expect("http.response", "warn", "not JSON");
    check_api(valid(), "/text", &["--data-type", "text"]).expect("http.response", "pass", "200");
    check_api(valid(), "/bom", &[]).expect("http.response", "pass", "BOM");
}
