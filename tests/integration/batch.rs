//! Batches end to end: a targets file of 1,000 loopback targets streams one
//! valid JSONL report per target; stdin works; bad lines do not stop the
//! others; nagios and the text summary; Ctrl-C leaves valid output behind.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::cli::{Report, assert_spec_shape, reqdoctor, to};
use crate::support::{CertKind, https_server, pki, refused_port, tarpit};

fn ca() -> String {
    pki().root_pem_path().to_str().unwrap().to_owned()
}

/// `--connect-to` rules: api.test → the valid server, down.test → a refused port.
fn routes() -> [String; 4] {
    let down = refused_port();
    [
        "--connect-to".into(),
        to(https_server(CertKind::Valid)),
        "--connect-to".into(),
        format!("down.test:443:{}:{}", down.ip(), down.port()),
    ]
}

fn parse_lines(stdout: &str) -> Vec<Report> {
    stdout
        .lines()
        .map(|line| {
            let report: Report =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not one report per line: {e}: {line}"));
            assert_spec_shape(&report);
            report
        })
        .collect()
}

#[test]
fn a_thousand_targets_stream_one_report_each() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("targets.txt");
    let mut text = String::from("# a monitoring batch\n");
    for n in 0..1000 {
        let line = match n % 100 {
            0 => format!("https://down.test/{n}\n"),
            1 => format!("https://api.test/status/500?n={n}\n"),
            _ => format!("https://api.test/ok?n={n}\n"),
        };
        text.push_str(&line);
    }
    std::fs::write(&file, text).unwrap();
    let ca = ca();
    let routes = routes();
    let mut args =
        vec!["check", "--format", "jsonl", "--concurrency", "64", "--ca-file", &ca, "-f", file.to_str().unwrap()];
    args.extend(routes.iter().map(String::as_str));
    let run = reqdoctor(&args);
    let reports = parse_lines(&run.stdout);
    assert_eq!(reports.len(), 1000, "stderr: {}", run.stderr);
    let count = |verdict: &str| reports.iter().filter(|r| r.verdict == verdict).count();
    assert_eq!((count("fail"), count("warn"), count("pass")), (10, 10, 980));
    let mut targets: Vec<&str> = reports.iter().map(|r| r.target.as_str()).collect();
    targets.sort_unstable();
    targets.dedup();
    assert_eq!(targets.len(), 1000, "every target exactly once");
    assert_eq!(run.code, 2, "the worst verdict");
}

/// One TLS client serves the run, but a resumed session would show no
/// certificate: every target to the same server must still see its chain.
#[test]
fn every_target_of_a_run_sees_the_chain_even_from_the_same_server() {
    let ca = ca();
    let routes = routes();
    let mut args = vec!["check", "--format", "jsonl", "--concurrency", "1", "--ca-file", &ca];
    args.extend(["https://api.test/ok?1", "https://api.test/ok?2", "https://api.test/ok?3"]);
    args.extend(routes.iter().map(String::as_str));
    let run = reqdoctor(&args);
    let reports = parse_lines(&run.stdout);
    assert_eq!(reports.len(), 3, "stderr: {}", run.stderr);
    for report in &reports {
        let chain = report.certificate.as_ref().map_or(0, |c| c.chain.len());
        assert!(chain >= 2, "{} saw {chain} certificates", report.target);
        assert_eq!(report.verdict, "pass", "{}: {:?}", report.target, report.checks);
    }
}

#[test]
fn targets_come_from_stdin_and_bad_lines_do_not_stop_the_others() {
    let ca = ca();
    let routes = routes();
    let mut args = vec!["check", "--format", "jsonl", "--ca-file", &ca, "-f", "-", "https://api.test/ok?first"];
    args.extend(routes.iter().map(String::as_str));
    let mut child = crate::cli::command()
        .args(&args)
        .env_remove("LANG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"https://api.test/ok?second\nnot a url\n\nhttps://down.test/\n").unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let reports = parse_lines(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(reports.len(), 3);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("stdin line 2: invalid URL 'not a url'"), "{stderr}");
    assert_eq!(output.status.code(), Some(3), "a bad line means the batch could not fully run");
}

#[test]
fn nagios_prints_one_plugin_line_with_perfdata() {
    let ca = ca();
    let routes = routes();
    let mut args = vec!["check", "--format", "nagios", "--timeout-ms", "5000", "--ca-file", &ca, "https://api.test/ok"];
    args.extend(routes.iter().map(String::as_str));
    let run = reqdoctor(&args);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let line = run.stdout.trim_end();
    assert!(line.starts_with("REQDOCTOR OK - https://api.test/ok: wx.request should work | "), "{line}");
    assert!(line.contains(" connect=") && line.contains(";2500;5000;0"), "{line}");
    assert_eq!(run.stdout.lines().count(), 1);

    let mut args = vec!["check", "--format", "nagios", "--ca-file", &ca, "https://api.test/ok", "https://down.test/"];
    args.extend(routes.iter().map(String::as_str));
    let run = reqdoctor(&args);
    assert_eq!(run.code, 2);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("REQDOCTOR CRITICAL - 1 of 2 targets fail, 0 warn; tcp.connect:"), "{}", lines[0]);
    assert_eq!(lines.len(), 3);
}

#[test]
fn text_mode_ends_with_a_summary_table() {
    let ca = ca();
    let routes = routes();
    let mut args = vec!["check", "--ca-file", &ca, "https://api.test/ok", "https://down.test/"];
    args.extend(routes.iter().map(String::as_str));
    let run = reqdoctor(&args);
    let tail: Vec<&str> = run.stdout.lines().rev().take(4).collect();
    assert_eq!(tail[0], "2 targets: 1 pass, 0 warn, 1 fail");
    assert!(
        tail[2].starts_with("https://down.test/") && tail[2].contains("fail") && tail[2].contains("tcp.connect"),
        "{tail:?}"
    );
}

#[test]
fn ctrl_c_keeps_what_finished_and_valid_jsonl() {
    let ca = ca();
    let routes = routes();
    let stuck = tarpit();
    let stuck_route = format!("stuck.test:443:{}:{}", stuck.ip(), stuck.port());
    let mut args =
        vec!["check", "--format", "jsonl", "--ca-file", &ca, "--connect-to", &stuck_route, "https://api.test/ok"];
    args.extend(["https://stuck.test/a", "https://stuck.test/b"]);
    args.extend(routes.iter().map(String::as_str));
    let mut child = crate::cli::command().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let report: Report = serde_json::from_str(&first).expect("the fast target's report");
    assert_eq!(report.target, "https://api.test/ok");
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(rest.is_empty(), "no half-written lines: {rest:?}");
    assert_eq!(status.code(), Some(3));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("interrupted; 1 target(s) finished"), "{stderr}");
}
