//! `--baseline`: the first run records, the next finds nothing changed, a
//! swapped certificate is named as drift; the file is replaced atomically and
//! a broken one is a usage error.

use std::path::Path;

use crate::cli::{Report, check, reqdoctor, to};
use crate::support::{CertKind, https_server};

fn run(baseline: &Path, kind: CertKind) -> Report {
    let route = to(https_server(kind));
    check(&["--baseline", baseline.to_str().unwrap(), "--connect-to", &route, "https://api.test/ok"])
}

#[test]
fn drift_is_recorded_compared_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.json");
    let first = run(&file, CertKind::Valid);
    first.expect("baseline.drift", "info", "no baseline for this target yet");
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let facts = &stored["targets"]["https://api.test/ok"];
    assert_eq!(facts["tls_version"], "TLS1.3");
    assert_eq!(facts["status"], 200);
    assert!(facts["cert_sha256"].as_str().is_some_and(|s| s.len() == 95), "{facts}");

    run(&file, CertKind::Valid).expect("baseline.drift", "info", "nothing changed since the last good run");

    let swapped = run(&file, CertKind::NoSubjectCn);
    let drift = swapped.expect("baseline.drift", "warn", "certificate replaced");
    // The other fixture server listens on another port, so the address changed too.
    assert_eq!(drift.data["changed"], serde_json::json!(["certificate", "addresses"]));
    assert_eq!(swapped.verdict, "warn", "drift alone warns");
    run(&file, CertKind::NoSubjectCn).expect("baseline.drift", "info", "nothing changed");

    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["baseline.json"], "no temporary files left behind");
}

#[test]
fn a_failing_run_does_not_become_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.json");
    run(&file, CertKind::Valid);
    let expired = run(&file, CertKind::Expired);
    expired.expect("baseline.drift", "warn", "certificate replaced");
    assert_eq!(expired.verdict, "fail");
    run(&file, CertKind::Valid).expect("baseline.drift", "info", "nothing changed");
}

#[test]
fn a_broken_baseline_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.json");
    std::fs::write(&file, "{\"schema_version\": 1, \"targets\": 7}").unwrap();
    let run = reqdoctor(&["check", "--baseline", file.to_str().unwrap(), "https://api.test/"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("not a reqdoctor baseline") && run.stderr.lines().count() == 1, "{}", run.stderr);
}

/// The redirect chain is a typed fact of the report: a target whose redirect
/// now leads elsewhere is named as drift, and only that.
#[test]
fn a_changed_redirect_chain_is_drift() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.json");
    let route = to(https_server(CertKind::Valid));
    let run = |to_path: &str| {
        let data = format!("{{\"to\":\"{to_path}\"}}");
        let baseline = file.to_str().unwrap();
        check(&["--baseline", baseline, "--connect-to", &route, "--data", &data, "https://api.test/redirect/302"])
    };
    let first = run("/ok");
    first.expect("http.redirect", "pass", "followed 1 same-host redirect(s)");
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let redirects = &stored["targets"]["https://api.test/redirect/302"]["redirects"];
    assert_eq!(redirects, &serde_json::json!(["https://api.test/redirect/302?to=%2Fok", "https://api.test/ok"]));
    run("/ok").expect("baseline.drift", "info", "nothing changed");
    let moved = run("/ok?v=2");
    let drift =
        moved.expect("baseline.drift", "warn", "the redirect chain changed (now ends at https://api.test/ok?v=2)");
    assert_eq!(drift.data["changed"], serde_json::json!(["redirects"]));
}
