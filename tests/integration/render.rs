//! What people and pipelines see: the text report (snapshot, colour rules),
//! `--help` (snapshot), and `--format jsonl` streaming one line per target.

use crate::cli::{assert_spec_shape, reqdoctor, reqdoctor_with_env, to};
use crate::support::{CertKind, https_server, pki};

fn root() -> String {
    pki().root_pem_path().to_str().unwrap().to_owned()
}

/// Runs `reqdoctor` on a terminal too wide to wrap anything: the snapshots
/// must not depend on how many digits a duration had.
fn wide(args: &[&str]) -> crate::cli::Run {
    reqdoctor_with_env(args, &[("COLUMNS", "1000")])
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
        (r"(?m)^(  \S.*?)\s+\d+\.\d\s+\d+\.\d(  [█░ ]+)?$", "$1 [start] [end] [bar]"),
        (r"(?m)^  (total|总计)\s+\d+\.\d", "  $1 [total]"),
    ];
    rules.iter().fold(text.to_owned(), |text, (pattern, with)| {
        regex_lite::Regex::new(pattern).unwrap().replace_all(&text, *with).into_owned()
    })
}

#[test]
fn text_report_of_a_failing_target() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let run = wide(&[
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
    let run = wide(&["check", "--ca-file", &ca, "--connect-to", &route, "https://api.test/ok"]);
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
    let run = reqdoctor_with_env(&args, &[("LANG", "zh_CN.UTF-8"), ("COLUMNS", "1000")]);
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
    let run = wide(&[
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

/// The offline case of the README's first command: the DNS lookup fails.
fn unresolvable(extra: &[&str], env: &[(&str, &str)]) -> crate::cli::Run {
    let mut args = vec!["check", "--dns-server", "127.0.0.1:9", "--timeout-ms", "800"];
    args.extend_from_slice(extra);
    args.push("https://api.nonexistent.invalid/getinfo");
    reqdoctor_with_env(&args, env)
}

/// Every line of `text` fits `width` terminal columns, and the text of every
/// check's summary survives the wrapping in order.
fn assert_fits(text: &str, width: usize, report: &crate::cli::Report) {
    for line in text.lines() {
        let columns = reqdoctor::text::columns(line);
        assert!(columns <= width, "{columns} columns > {width}: {line:?}\n{text}");
    }
    // Two runs: their durations and ports differ, their words do not.
    let numbers = regex_lite::Regex::new(r"\d+(\.\d+)?").unwrap();
    // Words longer than a line (a path) are broken, so compare without spaces.
    let flat = |s: &str| numbers.replace_all(&s.split_whitespace().collect::<String>(), "#").into_owned();
    let shown = flat(text);
    for check in report.checks.iter().filter(|c| c.status != "skip") {
        assert!(shown.contains(&flat(&check.summary)), "{} lost words in wrapping:\n{text}", check.id);
    }
}

#[test]
fn a_failing_report_fits_the_terminal_it_is_given() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let args = ["check", "--ca-file", &ca, "--connect-to", &route, "https://api.test/status/500"];
    let json: Vec<&str> = ["check", "--json"].into_iter().chain(args[1..].iter().copied()).collect();
    let report = reqdoctor(&json[..]).report();
    let long = |env: &[(&str, &str)]| reqdoctor_with_env(&args, env).stdout;
    let wide = long(&[("COLUMNS", "1000")]);
    assert!(wide.lines().any(|l| l.chars().count() > 80), "the report has long lines to wrap:\n{wide}");
    assert_fits(&long(&[]), 80, &report);
    assert_fits(&long(&[("COLUMNS", "60")]), 60, &report);
    let zh: Vec<&str> = json.iter().copied().chain(["--lang", "zh"]).collect();
    let zh_report = reqdoctor(&zh[..]).report();
    assert_fits(&long(&[("COLUMNS", "80"), ("LANG", "zh_CN.UTF-8")]), 80, &zh_report);
    let wrapped = long(&[("COLUMNS", "60")]);
    let summary = wrapped.lines().position(|l| l.starts_with("  ✘ cert.expiry")).expect("the failing check");
    let next = wrapped.lines().nth(summary + 1).unwrap();
    assert!(next.starts_with(&" ".repeat(19)) && !next.trim().starts_with('→'), "hanging indent:\n{wrapped}");
}

#[test]
fn checks_one_failure_skipped_are_folded_into_one_line() {
    let run = unresolvable(&[], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let folded: Vec<&str> = run.stdout.lines().filter(|l| l.contains("the DNS lookup failed")).collect();
    assert!(
        folded.contains(&"  – tcp.connect, dns.addresses: no address: the DNS lookup failed (dns.resolve)"),
        "{}",
        run.stdout
    );
    assert!(folded.iter().any(|l| l.starts_with("  – tls.*, cert.*, clock.skew: ")), "{}", run.stdout);
    assert!(!run.stdout.contains("  – cert.key "), "{}", run.stdout);
    let verbose = unresolvable(&["--verbose"], &[]);
    for id in ["tcp.connect", "dns.addresses", "tls.handshake", "cert.key", "clock.skew", "http.response"] {
        assert!(verbose.stdout.lines().any(|l| l.starts_with(&format!("  – {id} "))), "{id}:\n{}", verbose.stdout);
    }
    assert!(verbose.stdout.lines().count() >= run.stdout.lines().count() + 10, "{}", verbose.stdout);
}

#[test]
fn chinese_labels_line_up_by_display_width() {
    let route = to(https_server(CertKind::Valid));
    let ca = root();
    let args = ["check", "--lang", "zh", "--ca-file", &ca, "--connect-to", &route, "https://api.test/ok"];
    let run = reqdoctor_with_env(&args, &[("COLUMNS", "1000")]);
    let value_column = |label: &str| {
        let line =
            run.stdout.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label}:\n{}", run.stdout));
        let value = line.trim_start_matches(label).trim_start();
        reqdoctor::text::columns(&line[..line.len() - value.len()])
    };
    assert_eq!(value_column("  地址："), value_column("  证书链："), "{}", run.stdout);
}

#[test]
fn the_waterfall_names_the_phones_phases_and_labels_reqdoctors_extra_requests() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let args = ["check", "--ca-file", &ca, "--connect-to", &route, "https://api.test/ok"];
    let json: Vec<&str> = ["check", "--json"].into_iter().chain(args[1..].iter().copied()).collect();
    let report = reqdoctor(&json[..]).report();
    let phases: Vec<(&str, bool)> = report.timeline.iter().map(|e| (e.phase.as_str(), e.extra)).collect();
    assert_eq!(phases, [("connect", false), ("SSLconnection", false), ("date_probe", true)]);
    let text = reqdoctor(&args).stdout;
    let rows: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("timing")).collect();
    assert!(rows[1].starts_with("  connect ") && rows[2].starts_with("  SSLconnection "), "{text}");
    assert!(rows[3].starts_with("  + HEAD for Date ") && rows[3].ends_with('░'), "{text}");
    assert!(rows[4].starts_with("  total ") && rows[4].contains("the phone's request took"), "{text}");
    let ok = reqdoctor(&[
        "check",
        "--json",
        "--ca-file",
        &ca,
        "--connect-to",
        &to(https_server(CertKind::Valid)),
        "https://api.test/hops/1",
    ])
    .report();
    let phases: Vec<&str> = ok.timeline.iter().map(|e| e.phase.as_str()).collect();
    assert_eq!(phases, ["connect", "SSLconnection", "request", "response", "redirect"]);
    let profile = ok.profile.expect("a profile");
    assert!(profile.responseEnd >= profile.responseStart && profile.redirectEnd > 0.0);
}

#[test]
fn markdown_is_a_ticket_ready_report_with_the_command_and_no_secret() {
    let route = to(https_server(CertKind::Expired));
    let ca = root();
    let args = [
        "check",
        "--format",
        "markdown",
        "--ca-file",
        &ca,
        "--connect-to",
        &route,
        "-H",
        "Authorization: Bearer s3cret",
    ];
    let run = reqdoctor(&[&args[..], &["https://api.test/ok"]].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    let md = &run.stdout;
    assert!(md.starts_with("### ✘ FAIL `https://api.test/ok`\n"), "{md}");
    assert!(md.contains("**The phone would show** (`cert.expiry`): errno 600001 `request:fail errcode:-201"), "{md}");
    assert!(md.lines().any(|l| l.starts_with("|  | ❌ | `cert.expiry` | ") && l.contains("<br>→ ")), "{md}");
    assert!(md.contains("| `date_probe` |") && md.contains("reqdoctor's own request"), "{md}");
    assert!(md.contains("-H 'Authorization: ***'") && !md.contains("s3cret"), "{md}");
    let fence = md.lines().position(|l| l == "```sh").expect("a command block");
    assert!(md.lines().nth(fence + 1).is_some_and(|l| l.starts_with("reqdoctor check --format markdown")), "{md}");
    let rows = md.lines().filter(|l| l.starts_with("| ") && l.contains(" | `")).count();
    assert!(rows >= 20, "one table row per check: {md}");
}
