//! contrib/systemd: `systemd-analyze verify` and `systemd-analyze security` on the
//! units (their ExecStart pointed at the built binary, since verify checks that it
//! exists), and their command lines run: the serve unit's starts the exporter on
//! contrib's config, the check unit's writes JSON lines and exits as SPEC says.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::{modules, path, read, replace_counted};
use crate::cli::command;
use crate::serve::Exporter;
use crate::support::{CertKind, https_server, pki, refused_port};

const SYSTEMD_ANALYZE: &str = "/usr/bin/systemd-analyze";
const UNITS: [&str; 3] = ["reqdoctor-serve.service", "reqdoctor-check.service", "reqdoctor-check.timer"];
/// Where the units expect the binary (README's install puts it there).
const INSTALLED: &str = "/usr/local/bin/reqdoctor";

/// Fails (never skips) without systemd-analyze.
fn require_systemd_analyze() {
    let runs = Command::new(SYSTEMD_ANALYZE).arg("--version").stdout(Stdio::null()).status();
    assert!(
        runs.is_ok_and(|s| s.success()),
        "{SYSTEMD_ANALYZE} does not run: install Debian's `systemd` package (.ci/run does: apt-get install -y \
         --no-install-recommends systemd)"
    );
}

/// Every `Key=value` of a unit file, in order (comments and section headers left out).
fn settings(unit: &str) -> Vec<(String, String)> {
    read(&format!("systemd/{unit}"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('['))
        .map(|l| {
            let (key, value) = l.split_once('=').unwrap_or_else(|| panic!("{unit}: not Key=value: {l:?}"));
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

/// The one value of `key` in `unit`.
#[track_caller]
fn setting(unit: &str, key: &str) -> String {
    let values: Vec<String> = settings(unit).into_iter().filter(|(k, _)| k == key).map(|(_, v)| v).collect();
    assert_eq!(values.len(), 1, "{unit}: {key}= should be set once: {values:?}");
    values[0].clone()
}

/// The unit's ExecStart as words (it has no quotes), the installed binary first.
fn exec_start(unit: &str) -> Vec<String> {
    let line = setting(unit, "ExecStart");
    assert!(!line.contains(['"', '\'', '\\']), "{unit}: ExecStart is split on spaces here: {line}");
    let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words[0], INSTALLED, "{unit}");
    words
}

fn run_analyze(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(SYSTEMD_ANALYZE).args(args).current_dir(dir).output().expect("run systemd-analyze");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), said)
}

#[test]
fn the_units_pass_systemd_analyze_verify_and_security() {
    require_systemd_analyze();
    let built = assert_cmd::cargo::cargo_bin("reqdoctor");
    let dir = tempfile::tempdir().expect("a temp dir");
    for unit in UNITS {
        let times = usize::from(unit.ends_with(".service"));
        let text = replace_counted(&read(&format!("systemd/{unit}")), INSTALLED, built.to_str().unwrap(), times);
        std::fs::write(dir.path().join(unit), text).unwrap();
    }
    // verify exits 0 on an unknown key or a bad value and only says so: say nothing at all.
    let (ok, said) = run_analyze(dir.path(), &["verify", UNITS[0], UNITS[1], UNITS[2]]);
    assert!(ok && said.trim().is_empty(), "systemd-analyze verify:\n{said}");
    let broken = std::fs::read_to_string(dir.path().join(UNITS[0]))
        .unwrap()
        .replace("ProtectSystem=strict", "ProtectSystem=strikt");
    std::fs::write(dir.path().join("broken.service"), broken).unwrap();
    let (_, said) = run_analyze(dir.path(), &["verify", "broken.service"]);
    assert!(said.contains("strikt"), "verify names a bad value: {said}");

    for unit in &UNITS[..2] {
        for (key, value) in [
            ("DynamicUser", "yes"),
            ("NoNewPrivileges", "yes"),
            ("CapabilityBoundingSet", ""),
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ] {
            assert_eq!(setting(unit, key), value, "{unit}: {key}=");
        }
        assert!(settings(unit).contains(&("SystemCallFilter".into(), "@system-service".into())), "{unit}");
        // The exposure score (0 safe … 10 unsafe) must stay at 2.0 or below.
        let (ok, said) = run_analyze(dir.path(), &["security", "--offline=true", "--threshold=20", unit]);
        let score = said.lines().find(|l| l.contains("Overall exposure level")).unwrap_or_default();
        assert!(ok, "systemd-analyze security {unit}: {score}\n{said}");
        eprintln!("{score}");
    }
    assert_eq!(setting(UNITS[2], "OnCalendar"), "*:0/5");
}

#[test]
fn the_serve_unit_runs_the_exporter_on_contribs_config() {
    let unit = UNITS[0];
    let listen = setting(unit, "Environment");
    assert_eq!(listen, "REQDOCTOR_LISTEN=127.0.0.1:9688", "loopback unless the operator says otherwise");
    let line = exec_start(unit).join(" ");
    let line = replace_counted(&line, "${REQDOCTOR_LISTEN}", "127.0.0.1:0", 1);
    let config = path("reqdoctor.toml");
    let line = replace_counted(&line, "/etc/reqdoctor/reqdoctor.toml", config.to_str().unwrap(), 1);
    let words: Vec<&str> = line.split(' ').skip(1).collect();
    let mut serve = command();
    serve.args(&words).stdin(Stdio::null()).stdout(Stdio::null()).env_remove("LANG").env_remove("LC_ALL");
    let exporter = Exporter::spawn(serve, tempfile::tempdir().unwrap());
    assert_eq!(exporter.modules, modules().join(", "));
    let health = exporter.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));

    // A bad config exits 3, which RestartPreventExitStatus keeps from restarting in a loop.
    assert_eq!(setting(unit, "RestartPreventExitStatus"), "3");
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "[modules.x]\ntimeout = 1\n").unwrap();
    let line = line.replace(config.to_str().unwrap(), bad.path().to_str().unwrap());
    let output = assert_cmd::Command::from_std({
        let mut c = command();
        c.args(line.split(' ').skip(1));
        c
    })
    .timeout(Duration::from_secs(20))
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
}

/// Runs the check unit's command line with `/etc/reqdoctor/FILE` read from `files`
/// and `extra` options after it: `(exit code, the JSON lines' verdicts, stderr)`.
fn run_check_unit(files: &Path, extra: &[&str]) -> (i32, Vec<String>, String) {
    let line = exec_start(UNITS[1]).join(" ");
    let line = replace_counted(&line, "/etc/reqdoctor/", &format!("{}/", files.display()), 2);
    let mut check = command();
    check.args(line.split(' ').skip(1)).args(extra).env_remove("LANG").env_remove("LC_ALL");
    let output = assert_cmd::Command::from_std(check).timeout(Duration::from_secs(60)).output().unwrap();
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 reports");
    let verdicts = stdout
        .lines()
        .map(|l| {
            let report: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: not one JSON report: {l}"));
            report["verdict"].as_str().expect("a verdict").to_owned()
        })
        .collect();
    (output.status.code().expect("an exit code"), verdicts, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn the_check_unit_writes_json_lines_and_exits_as_spec_says() {
    let unit = UNITS[1];
    assert_eq!(setting(unit, "StandardOutput"), "append:/var/log/reqdoctor-check.jsonl");
    assert_eq!(setting(unit, "SuccessExitStatus"), "1", "a warning is a success, 2 and 3 fail the unit");
    assert!(exec_start(unit).windows(2).any(|w| w == ["--format", "jsonl"]));

    // The example files as they are, every name sent to a refused port: one failing report per URL.
    let examples = read("systemd/targets.txt");
    let urls = examples.lines().filter(|l| l.starts_with("https://")).count();
    let refused = format!("::127.0.0.1:{}", refused_port().port());
    let (code, verdicts, stderr) = run_check_unit(&path("systemd"), &["--connect-to", &refused]);
    assert_eq!((code, verdicts.len()), (2, urls), "{verdicts:?} {stderr}");
    assert!(verdicts.iter().all(|v| v == "fail"), "{verdicts:?}");

    // Loopback targets and an allow-list of api.test: pass, warn, fail, and a bad line.
    let valid: SocketAddr = https_server(CertKind::Valid);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("domains.json"), r#"{"requestdomain": ["https://api.test"]}"#).unwrap();
    let route = format!("::127.0.0.1:{}", valid.port());
    let root = pki().root_pem_path().to_str().unwrap().to_owned();
    let cases: [(&[&str], i32, &[&str]); 4] = [
        (&["https://api.test/ok"], 0, &["pass"]),
        (&["https://api.test/ok", "https://api.test/status/503"], 1, &["pass", "warn"]),
        (&["https://api.test/ok", "https://other.wild.test/ok"], 2, &["fail", "pass"]),
        (&["https://api.test/ok", "api.test/no-scheme"], 3, &["pass"]),
    ];
    for (targets, expected, verdicts_expected) in cases {
        std::fs::write(dir.path().join("targets.txt"), targets.join("\n") + "\n").unwrap();
        let (code, mut verdicts, stderr) = run_check_unit(dir.path(), &["--ca-file", &root, "--connect-to", &route]);
        verdicts.sort();
        assert_eq!(code, expected, "{targets:?}: {verdicts:?} {stderr}");
        assert_eq!(verdicts, verdicts_expected, "{targets:?}: {stderr}");
    }
}
