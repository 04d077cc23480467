//! Bad input: every problem with the command line or the files it names gets
//! exactly one line on stderr and exit code 3 — never a panic, never a report.

use crate::cli::{reqdoctor, reqdoctor_with_env};

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
fn clap_errors_keep_their_detail_on_one_line() {
    rejects(&["check"], "the following required arguments were not provided: <URL>");
    rejects(&["check", "--timout-ms", "5", "https://a.test/"], "a similar argument exists: '--timeout-ms'");
    rejects(&["chek", "https://a.test/"], "'check'");
    rejects(
        &["check", "--format", "xml", "https://a.test/"],
        "possible values: text, json, jsonl, nagios, markdown, html",
    );
    rejects(&["check", "--timout-ms", "5", "https://a.test/"], "(see 'reqdoctor check --help')");
    rejects(&["explain"], "<ERRMSG | ERRNO>");
}

/// The subcommands `reqdoctor --help` lists (without `help`).
fn subcommands() -> Vec<String> {
    let run = reqdoctor(&["--help"]);
    let listed = run.stdout.split("Commands:\n").nth(1).expect("the help lists commands");
    let names: Vec<String> = listed
        .lines()
        .take_while(|line| line.starts_with("  "))
        // A wrapped description continues deeper than the names.
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 4, "{names:?}");
    names
}

/// Every line of the help's Examples section is a whole command, or the
/// continuation of one that ends in `\`: none is wrapped inside an argument.
#[track_caller]
fn assert_examples_whole(help: &str, columns: usize) {
    let examples = help.split("\nExamples:\n").nth(1).expect("an Examples section");
    let lines: Vec<&str> = examples.lines().take_while(|line| !line.is_empty()).collect();
    assert!(!lines.is_empty(), "{help}");
    let mut continued = false;
    for line in lines {
        let starts = ["  reqdoctor ", "  curl "].iter().any(|command| line.starts_with(command));
        assert!(starts || (continued && line.starts_with("    ")), "a wrapped example at {columns}: {line:?}\n{help}");
        assert_eq!(line.matches('\'').count() % 2, 0, "a quoted argument split at {columns}: {line:?}");
        assert!(line.chars().count() <= columns, "{line:?} is wider than {columns}");
        continued = line.ends_with(" \\");
    }
}

#[test]
fn help_examples_are_never_wrapped_inside_an_argument() {
    let mut with_examples = 0;
    for name in subcommands() {
        for columns in [80, 100, 132, 250] {
            let width = columns.to_string();
            let run = reqdoctor_with_env(&[&name, "--help"], &[("COLUMNS", &width)]);
            assert_eq!(run.code, 0, "{name} --help: {}", run.stderr);
            if run.stdout.contains("\nExamples:\n") {
                assert_examples_whole(&run.stdout, columns);
                with_examples += 1;
            }
        }
    }
    assert!(with_examples >= 3 * 4, "check, explain and serve show examples at every width");
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
    assert!(run.stdout.contains("--connect-to") && run.stderr.is_empty());
}
