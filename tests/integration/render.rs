//! What people and pipelines see: the text report (snapshot, colour rules),
//! `--help` (snapshot), and `--format jsonl` streaming one line per target.

use crate::cli::{assert_spec_shape, reqdoctor, reqdoctor_with_env, to};
use crate::support::{CertKind, https_server, pki};

fn root() -> String {
    pki().root_pem_path().to_str().unwrap().to_owned()
}

/// Masks what changes between runs: durations, ports, dates and days left.
fn masked(text: &str) -> String {
    let rules = [
        (r"\d+(\.\d+)? ms", "[ms]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        (r"another \d+ days", "another [n] days"),
        (r"\d+ days left", "[n] days left"),
        (r"within \d+ s", "within [n] s"),
        (r"--ca-file [^)）]+", "--ca-file [root.pem]"),
        (r"剩 \d+ 天", "剩 [n] 天"),
    ];
    rules.iter().fold(text.to_owned(), |text, (pattern, with)| {
        regex_lite::Regex::new(pattern).unwrap().replace_all(&text, *with).into_owned()
    })
}

#[test]
fn text_report_of_a_failing_target() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let run = reqdoctor(&[
        "check",
        "--ca-file",
        &ca,
        "--connect-to",
        &route,
        "--allow-domain",
        "https://api.test",
        "https://api.test/status/500",
    ]);
    assert_eq!(run.code, 2);
    assert!(!run.stdout.contains('\u{1b}'), "no colour when stdout is not a terminal");
    insta::assert_snapshot!("text_expired", masked(&run.stdout));
}

/// A server that sends its root too: the chain line draws the root once, as
/// the trusted root, exactly as cert.chain draws the path.
#[test]
fn a_sent_root_is_drawn_once_in_the_chain_line() {
    let route = to(https_server(CertKind::WithRoot));
    let ca = root();
    let run = reqdoctor(&["check", "--ca-file", &ca, "--connect-to", &route, "https://api.test/ok"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let line = run.stdout.lines().find(|l| l.trim_start().starts_with("certificate:")).expect("a chain line");
    assert_eq!(
        masked(line),
        "  certificate: api.test ([n] days left) → reqdoctor test intermediate ([n] days left) → reqdoctor test root (trusted root)"
    );
    let path = "api.test → reqdoctor test intermediate → reqdoctor test root (trusted root)";
    assert!(run.stdout.contains(&format!("cert.chain       complete: {path}\n")), "{}", run.stdout);
}

#[test]
fn text_report_in_chinese() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let args = [
        "check",
        "--ca-file",
        &ca,
        "--connect-to",
        &route,
        "--allow-domain",
        "https://api.test",
        "https://api.test/status/500",
    ];
    let run = reqdoctor_with_env(&args, &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("text_expired_zh", masked(&run.stdout));
}

#[test]
fn the_language_changes_words_never_ids_or_phone_errors() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let json = |lang: &str| {
        let run = reqdoctor(&[
            "check",
            "--json",
            "--lang",
            lang,
            "--ca-file",
            &ca,
            "--connect-to",
            &route,
            "https://api.test/ok",
        ]);
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()
    };
    let (en, zh) = (json("en"), json("zh"));
    let expiry = |report: &serde_json::Value| {
        report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "cert.expiry").unwrap().clone()
    };
    let (en_expiry, zh_expiry) = (expiry(&en), expiry(&zh));
    assert_eq!(en_expiry["wx"], zh_expiry["wx"]);
    assert_eq!(en_expiry["status"], zh_expiry["status"]);
    assert_eq!(en_expiry["data"], zh_expiry["data"]);
    assert!(en_expiry["summary"].as_str().unwrap().contains("expired"));
    assert!(zh_expiry["summary"].as_str().unwrap().contains("过期"), "{}", zh_expiry["summary"]);
    let ids = |report: &serde_json::Value| {
        report["checks"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&en), ids(&zh));
}

#[test]
fn text_report_of_a_passing_target() {
    let route = to(https_server(CertKind::Valid));
    let ca = root();
    let run = reqdoctor(&[
        "check",
        "--no-color",
        "--ca-file",
        &ca,
        "--connect-to",
        &route,
        "--allow-domain",
        "https://api.test",
        "https://api.test/hops/1",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    insta::assert_snapshot!("text_pass", masked(&run.stdout));
}

#[test]
fn colour_is_forced_or_refused_by_the_usual_switches() {
    let route = to(https_server(CertKind::Valid));
    let ca = root();
    let args = ["check", "--ca-file", ca.as_str(), "--connect-to", route.as_str(), "https://api.test/ok"];
    let has_ansi = |env: &[(&str, &str)], extra: &[&str]| {
        let all: Vec<&str> = args.iter().copied().chain(extra.iter().copied()).collect();
        reqdoctor_with_env(&all, env).stdout.contains("\u{1b}[")
    };
    assert!(!has_ansi(&[], &[]), "a pipe gets plain text");
    assert!(has_ansi(&[("CLICOLOR_FORCE", "1")], &[]));
    assert!(!has_ansi(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]));
    assert!(!has_ansi(&[("CLICOLOR_FORCE", "1")], &["--no-color"]));
    assert!(!has_ansi(&[("CLICOLOR_FORCE", "1")], &["--json"]));
}

#[test]
fn a_reader_that_goes_away_keeps_the_verdict_exit_code() {
    let bin = assert_cmd::cargo::cargo_bin("reqdoctor");
    let script =
        format!("'{}' check --dns-server 127.0.0.1:9 --timeout-ms 300 https://api.test/ | true", bin.display());
    let status = std::process::Command::new("bash").args(["-o", "pipefail", "-c", &script]).status().unwrap();
    assert_eq!(status.code(), Some(2), "a broken pipe is not an error, and the fail verdict survives it");
}

#[test]
fn check_help() {
    let run = reqdoctor_with_env(&["check", "--help"], &[("COLUMNS", "100")]);
    insta::assert_snapshot!("check_help", run.stdout);
}

#[test]
fn jsonl_streams_one_report_per_line_and_exits_with_the_worst() {
    let good = to(https_server(CertKind::Valid));
    let ca = root();
    let run = reqdoctor(&[
        "check",
        "--format",
        "jsonl",
        "--ca-file",
        &ca,
        "--connect-to",
        &good,
        "https://api.test/ok",
        "https://api.test/status/503",
    ]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    let mut verdicts: Vec<(String, String)> = lines
        .iter()
        .map(|line| {
            let report: crate::cli::Report = serde_json::from_str(line).expect("each line is one report");
            assert_spec_shape(&report);
            (report.target, report.verdict)
        })
        .collect();
    verdicts.sort();
    let expected = [
        ("https://api.test/ok".to_owned(), "pass".to_owned()),
        ("https://api.test/status/503".to_owned(), "warn".to_owned()),
    ];
    assert_eq!(verdicts, expected, "one line per target, in the order they finish");
    assert_eq!(run.code, 1);
}

#[test]
fn json_for_two_targets_is_two_documents() {
    let good = to(https_server(CertKind::Valid));
    let ca = root();
    let run = reqdoctor(&[
        "check",
        "--json",
        "--ca-file",
        &ca,
        "--connect-to",
        &good,
        "https://api.test/ok",
        "https://nx.invalid/",
    ]);
    let documents: Vec<serde_json::Value> =
        serde_json::Deserializer::from_str(&run.stdout).into_iter().map(Result::unwrap).collect();
    assert_eq!(documents.len(), 2);
    assert_eq!(run.code, 2, "the worst verdict wins");
}

/// A target URL is echoed like every other string from outside: a terminal
/// escape in it never reaches the terminal, in the report, the summary table
/// or the plugin lines; the JSON keeps the URL exactly as given.
#[test]
fn an_escape_in_the_target_never_reaches_the_terminal() {
    let route = to(https_server(CertKind::Valid));
    let ca = root();
    let evil = "https://api.test/ok?\u{1b}[2J\u{1b}]0;owned\u{7}";
    for format in ["text", "nagios"] {
        let run = reqdoctor(&["check", "--format", format, "--ca-file", &ca, "--connect-to", &route, evil, evil]);
        assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'), "{format}: {:?}", run.stdout);
        assert!(
            run.stdout.contains("https://api.test/ok?\u{fffd}[2J\u{fffd}]0;owned\u{fffd}"),
            "{format}: {}",
            run.stdout
        );
    }
    let run = reqdoctor(&["check", "--json", "--ca-file", &ca, "--connect-to", &route, evil]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON report");
    assert_eq!(report["target"], evil, "the JSON keeps the target as given");
}
