//! contrib/prometheus/rules: `promtool check rules` on each file, `promtool test rules`
//! on each unit-test file (which must bite: a moved threshold fails them), every rule
//! covered by a test, and every `reqdoctor_*` name a metric the exporter really serves.

use std::collections::BTreeSet;

use super::{modules, path, read, replace_counted};
use crate::cli::to;
use crate::serve::{Exporter, loopback_module, promtool, require_tool};
use crate::support::{CertKind, https_server};

const RULE_FILES: [&str; 2] = ["prometheus/rules/reqdoctor-alerts.yml", "prometheus/rules/reqdoctor-recording.yml"];
const TEST_FILES: [&str; 2] = ["prometheus/tests/alerts.test.yml", "prometheus/tests/recording.test.yml"];

/// The names after `- {key}: ` in a rules file (`alert` or `record`).
fn rule_names(text: &str, key: &str) -> Vec<String> {
    let prefix = format!("- {key}: ");
    text.lines().filter_map(|l| l.trim().strip_prefix(&prefix)).map(str::to_owned).collect()
}

#[test]
fn the_rules_pass_promtool_and_their_unit_tests() {
    require_tool("promtool");
    let dir = path("prometheus");
    for file in RULE_FILES {
        let text = read(file);
        let count = rule_names(&text, "alert").len() + rule_names(&text, "record").len();
        let said = promtool(&dir, &["check", "rules", file.trim_start_matches("prometheus/")]);
        assert!(said.contains(&format!("SUCCESS: {count} rules found")), "{file}: {said}");
    }
    for file in TEST_FILES {
        let said = promtool(&dir, &["test", "rules", file.trim_start_matches("prometheus/")]);
        assert!(said.contains("SUCCESS"), "{file}: {said}");
    }
}

#[test]
fn every_rule_has_a_unit_test_that_sees_it_fire_or_record() {
    let alerts = read("prometheus/tests/alerts.test.yml");
    let names = rule_names(&read(RULE_FILES[0]), "alert");
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let firing = format!("alertname: {name}\n        exp_alerts:\n          - exp_labels:");
        assert!(alerts.contains(&firing), "no case of alerts.test.yml expects {name} to fire");
        let quiet = format!("alertname: {name}\n        exp_alerts: []");
        assert!(alerts.contains(&quiet), "no case of alerts.test.yml expects {name} to stay quiet");
    }
    let recording = read("prometheus/tests/recording.test.yml");
    for name in rule_names(&read(RULE_FILES[1]), "record") {
        assert!(recording.contains(&format!("- expr: {name}\n")), "recording.test.yml never evaluates {name}");
    }
}

/// The unit tests constrain the thresholds: moving one makes `promtool test rules` fail.
#[test]
fn the_alert_unit_tests_fail_when_a_threshold_moves() {
    require_tool("promtool");
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir_all(dir.path().join("rules")).unwrap();
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::copy(path("prometheus/tests/alerts.test.yml"), dir.path().join("tests/alerts.test.yml")).unwrap();
    let rules = read(RULE_FILES[0]);
    for (from, to) in [("/ 86400 < 14\n", "/ 86400 < 9\n"), (") > 3\n", ") > 5\n")] {
        let moved = replace_counted(&rules, from, to, 1);
        std::fs::write(dir.path().join("rules/reqdoctor-alerts.yml"), moved).unwrap();
        let output = std::process::Command::new("promtool")
            .args(["test", "rules", "tests/alerts.test.yml"])
            .current_dir(dir.path())
            .output()
            .expect("run promtool");
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(!output.status.success() && said.contains("FAILED"), "{from:?} → {to:?} still passes:\n{said}");
    }
}

/// Every metric the exporter serves, by name, from a live `/probe` of a healthy
/// fixture (which has every SPEC metric) and `/metrics`.
pub(crate) fn served_metric_names() -> BTreeSet<String> {
    let valid = https_server(CertKind::Valid);
    let exporter = Exporter::start(&loopback_module("default", &[to(valid)], ""));
    let mut names = BTreeSet::new();
    for path in ["/probe?target=https%3A%2F%2Fapi.test%2Fok", "/metrics"] {
        let answer = exporter.get(path);
        assert_eq!(answer.status, 200, "{path}: {answer:?}");
        for line in answer.body.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let end = line.find(['{', ' ']).unwrap_or(line.len());
            names.insert(line[..end].to_owned());
        }
    }
    assert!(names.contains("reqdoctor_cert_not_after_timestamp_seconds"), "{names:?}");
    assert!(names.contains("reqdoctor_exporter_probe_duration_seconds_bucket"), "{names:?}");
    names
}

/// The maximal `reqdoctor_…` words of `text` that do not follow a name character or
/// `:` (so `job:reqdoctor_targets:count`, a recording rule, is not one).
fn reqdoctor_words(text: &str) -> BTreeSet<String> {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let mut words = BTreeSet::new();
    for (at, _) in text.match_indices("reqdoctor_") {
        if text[..at].chars().next_back().is_some_and(name_char) {
            continue;
        }
        let rest = &text[at..];
        let end =
            rest.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')).unwrap_or(rest.len());
        words.insert(rest[..end].to_owned());
    }
    words
}

#[test]
fn the_rules_and_the_dashboard_name_only_metrics_the_exporter_serves() {
    let served = served_metric_names();
    // The other reqdoctor_ words are the job names of prometheus.yml (and the regex
    // prefix reqdoctor_probe_ of reqdoctor_probe_.+ / reqdoctor_probe_MODULE).
    let mut jobs: BTreeSet<String> = modules().iter().map(|m| format!("reqdoctor_probe_{m}")).collect();
    jobs.extend(["reqdoctor_exporter".to_owned(), "reqdoctor_probe_".to_owned()]);
    for file in [RULE_FILES[0], RULE_FILES[1], TEST_FILES[0], TEST_FILES[1], "grafana/reqdoctor.json"] {
        let words = reqdoctor_words(&read(file));
        assert!(words.iter().any(|w| served.contains(w)), "{file} names no served metric: {words:?}");
        let unknown: Vec<&String> = words.iter().filter(|w| !served.contains(*w) && !jobs.contains(*w)).collect();
        assert!(unknown.is_empty(), "{file} names {unknown:?}, which the exporter does not serve ({served:?})");
    }
    assert_eq!(
        reqdoctor_words("x reqdoctor_probe_sucess{} job:reqdoctor_targets:count"),
        BTreeSet::from(["reqdoctor_probe_sucess".to_owned()])
    );
}
