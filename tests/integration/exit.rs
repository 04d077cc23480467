//! The one exit decision, end to end: for every way a run can end — pass,
//! warn, fail, a bad line beside a failing target, nothing to diagnose, a
//! diagnosis that panics — the process exit code, the nagios status word and
//! the text summary's last line agree.

use std::io::Write;
use std::process::Stdio;

use crate::cli::to;
use crate::support::{CertKind, https_server, pki, refused_port};

/// One way a run can end: its targets (stdin), extra environment, and what must come of it.
struct Case {
    name: &'static str,
    stdin: &'static str,
    env: &'static [(&'static str, &'static str)],
    word: &'static str,
    /// Part of the text summary's last line (absent for a single clean target).
    summary: Option<&'static str>,
}

const CASES: [Case; 6] = [
    Case { name: "pass", stdin: "https://api.test/ok\n", env: &[], word: "OK", summary: None },
    Case { name: "warn", stdin: "https://api.test/status/500\n", env: &[], word: "WARNING", summary: None },
    Case { name: "fail", stdin: "https://down.test/\n", env: &[], word: "CRITICAL", summary: None },
    Case {
        name: "bad line + fail",
        stdin: "not a url\nhttps://down.test/\n",
        env: &[],
        word: "UNKNOWN",
        summary: Some("1 target: 0 pass, 0 warn, 1 fail; 1 line could not be read"),
    },
    Case { name: "empty", stdin: "# nothing here\n\n", env: &[], word: "UNKNOWN", summary: None },
    Case {
        name: "panic",
        stdin: "https://api.test/ok\nhttps://down.test/\n",
        env: &[("REQDOCTOR_TEST_PANIC_HOST", "api.test")],
        word: "UNKNOWN",
        summary: Some("2 targets: 0 pass, 0 warn, 1 fail; 1 target could not be diagnosed"),
    },
];

struct Ended {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `reqdoctor check -f - --format FORMAT` with the case's targets on stdin.
fn run(case: &Case, format: &str, routes: &[String]) -> Ended {
    let ca = pki().root_pem_path().to_str().expect("utf-8 path").to_owned();
    let mut args = vec!["check", "--format", format, "--timeout-ms", "5000", "--ca-file", &ca, "-f", "-"];
    args.extend(routes.iter().map(String::as_str));
    let mut child = crate::cli::command()
        .args(&args)
        .envs(case.env.iter().copied())
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reqdoctor");
    child.stdin.take().expect("stdin").write_all(case.stdin.as_bytes()).expect("write the targets");
    let output = child.wait_with_output().expect("reqdoctor ends");
    Ended {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The exit code the monitoring-plugin convention gives a status word.
fn code_of(word: &str) -> i32 {
    match word {
        "OK" => 0,
        "WARNING" => 1,
        "CRITICAL" => 2,
        "UNKNOWN" => 3,
        other => panic!("not a plugin state: {other}"),
    }
}

#[test]
fn exit_code_nagios_word_and_summary_agree_for_every_outcome() {
    let down = refused_port();
    let routes = [
        "--connect-to".to_owned(),
        to(https_server(CertKind::Valid)),
        "--connect-to".to_owned(),
        format!("down.test:443:{}:{}", down.ip(), down.port()),
    ];
    for case in &CASES {
        let nagios = run(case, "nagios", &routes);
        let word = nagios.stdout.strip_prefix("REQDOCTOR ").and_then(|rest| rest.split(' ').next()).unwrap_or("");
        // The panic case needs REQDOCTOR_TEST_PANIC_HOST, which only debug builds honour.
        assert_eq!(word, case.word, "{}: {}\nstderr: {}", case.name, nagios.stdout, nagios.stderr);
        assert_eq!(nagios.code, code_of(word), "{}: the exit code vs the word {word}", case.name);

        let text = run(case, "text", &routes);
        assert_eq!(text.code, nagios.code, "{}: text and nagios runs exit alike", case.name);
        if let Some(summary) = case.summary {
            let last = text.stdout.lines().last().unwrap_or("");
            assert_eq!(last, summary, "{}: the summary line\n{}", case.name, text.stdout);
        }
        if case.word == "UNKNOWN" {
            let why = text.stderr.lines().last().and_then(|l| l.strip_prefix("reqdoctor: ")).unwrap_or("");
            assert!(!why.is_empty(), "{}: the last stderr line says why: {:?}", case.name, text.stderr);
            let plugin = format!("REQDOCTOR UNKNOWN - {why}");
            assert!(nagios.stdout.starts_with(&plugin), "{}: {:?} vs {plugin:?}", case.name, nagios.stdout);
        }
    }
}

#[test]
fn a_diagnosis_that_panics_names_its_target_and_never_passes() {
    let routes = ["--connect-to".to_owned(), to(https_server(CertKind::Valid))];
    let case = Case {
        name: "panic alone",
        stdin: "https://api.test/ok\n",
        env: &[("REQDOCTOR_TEST_PANIC_HOST", "api.test")],
        word: "UNKNOWN",
        summary: None,
    };
    let jsonl = run(&case, "jsonl", &routes);
    assert_eq!(jsonl.code, 3, "stdout: {}\nstderr: {}", jsonl.stdout, jsonl.stderr);
    assert!(jsonl.stdout.is_empty(), "no report for a target that could not run: {}", jsonl.stdout);
    assert!(
        jsonl.stderr.contains("reqdoctor: https://api.test/ok: the diagnosis stopped unexpectedly"),
        "{}",
        jsonl.stderr
    );
    assert!(jsonl.stderr.ends_with("reqdoctor: 1 target could not be diagnosed\n"), "{}", jsonl.stderr);
    let nagios = run(&case, "nagios", &routes);
    assert!(nagios.stdout.starts_with("REQDOCTOR UNKNOWN - 1 target could not be diagnosed; "), "{}", nagios.stdout);
    assert!(
        nagios.stdout.contains("UNKNOWN https://api.test/ok - the diagnosis stopped unexpectedly"),
        "{}",
        nagios.stdout
    );
}
