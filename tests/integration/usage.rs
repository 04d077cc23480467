//! Bad input: every problem with the command line or the files it names gets
//! exactly one line on stderr and exit code 3 — never a panic, never a report.

use crate::cli::reqdoctor;

#[track_caller]
pub fn rejects(args: &[&str], needle: &str) {
    let run = reqdoctor(args);
    assert_eq!(run.code, 3, "{args:?}: stdout {} stderr {}", run.stdout, run.stderr);
    assert!(run.stdout.is_empty(), "{args:?} printed a report: {}", run.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: not one line: {:?}", run.stderr);
    assert!(lines[0].starts_with("reqdoctor: "), "{:?}", lines[0]);
    assert!(lines[0].contains(needle), "{args:?}: {:?} does not mention {needle:?}", lines[0]);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn malformed_urls() {
    rejects(&["check", "api.example.com/x"], "invalid URL 'api.example.com/x': it has no scheme");
    rejects(&["check", "https://"], "invalid URL");
    rejects(&["check", "https://a.test:99999/"], "invalid URL");
    rejects(&["check", "https://[::1/"], "invalid URL");
    rejects(&["check", ""], "the URL is empty");
}

#[test]
fn bad_options() {
    rejects(&["check", "--bogus", "https://a.test/"], "unexpected argument '--bogus'");
    rejects(&["check"], "required");
    rejects(&[], "a command is required");
    rejects(&["check", "--timeout-ms", "0", "https://a.test/"], "--timeout-ms must be greater than 0");
    rejects(&["check", "--timeout-ms", "soon", "https://a.test/"], "invalid value 'soon'");
    rejects(&["check", "--connect-to", "a.test:443:1.2.3.4", "https://a.test/"], "exactly four fields");
    rejects(&["check", "--resolve", "a.test:443:nope", "https://a.test/"], "'nope' is not an IP address");
    rejects(&["check", "--dns-server", "dns.test", "https://a.test/"], "--dns-server 'dns.test'");
    rejects(&["check", "-H", "no colon", "https://a.test/"], "-H 'no…': expected 'Name: value'");
    rejects(&["check", "--allow-domain", "https://a.test/path", "https://a.test/"], "an entry is an origin only");
    rejects(&["check", "--format", "xml", "https://a.test/"], "invalid value 'xml'");
}

#[test]
fn unreadable_or_invalid_files() {
    rejects(
        &["check", "--ca-file", "/nonexistent/ca.pem", "https://a.test/"],
        "cannot read --ca-file /nonexistent/ca.pem",
    );
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n").unwrap();
    rejects(&["check", "--ca-file", junk.to_str().unwrap(), "https://a.test/"], "--ca-file");
    let app = dir.path().join("app.json");
    std::fs::write(&app, "{\n  \"networkTimeout\": {\"request\": }\n}").unwrap();
    rejects(&["check", "--app-json", app.to_str().unwrap(), "https://a.test/"], "invalid JSON at line 2");
    std::fs::write(&app, r#"{"networkTimeout": {"request": "fast"}}"#).unwrap();
    rejects(&["check", "--app-json", app.to_str().unwrap(), "https://a.test/"], "networkTimeout.request at line 1");
    rejects(&["check", "--app-json", "/nonexistent/app.json", "https://a.test/"], "cannot read --app-json");
}

#[test]
fn help_and_version_exit_zero() {
    let run = reqdoctor(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with(&format!("reqdoctor {}", env!("CARGO_PKG_VERSION"))), "{}", run.stdout);
    let run = reqdoctor(&["check", "--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("--connect-to"));
}
