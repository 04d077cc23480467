//! docs/json.md says what the JSON report is; these tests hold the program to
//! it: the JSON Schema published there must accept real reports of every kind
//! (and the example printed there), and must reject a report that breaks it.

use serde_json::Value;

use crate::cli::reqdoctor;
use crate::support::{
    CertKind, H3Kind, ProxyOptions, connect_proxy, h3_beside_https, https_server, pki, refused_port, tarpit,
};

/// The ```json blocks of docs/json.md, parsed.
fn json_blocks() -> Vec<Value> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json.md")).expect("docs/json.md");
    doc.split("```json\n")
        .skip(1)
        .map(|rest| rest.split("\n```").next().expect("a closed block"))
        .map(|block| serde_json::from_str(block).unwrap_or_else(|e| panic!("docs/json.md block is not JSON: {e}")))
        .collect()
}

fn schema() -> jsonschema::Validator {
    let schema = json_blocks().into_iter().find(|b| b.get("$schema").is_some()).expect("a JSON Schema block");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

#[track_caller]
fn assert_valid(validator: &jsonschema::Validator, report: &Value) {
    let errors: Vec<String> =
        validator.iter_errors(report).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "report does not match docs/json.md: {errors:#?}\n{report:#}");
}

/// The raw JSON of a `--json` run.
fn raw(args: &[&str]) -> Value {
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    let mut all = vec!["check", "--json", "--ca-file", ca.as_str()];
    all.extend_from_slice(args);
    serde_json::from_str(&reqdoctor(&all).stdout).expect("one JSON document")
}

fn connect(addr: std::net::SocketAddr) -> String {
    crate::cli::to(addr)
}

#[test]
fn the_documented_example_matches_the_documented_schema() {
    let validator = schema();
    let example = json_blocks().into_iter().find(|b| b.get("schema_version").is_some()).expect("an example report");
    assert_valid(&validator, &example);
}

#[test]
fn real_reports_of_every_shape_match_the_schema() {
    let validator = schema();
    let valid = connect(https_server(CertKind::Valid));
    let proxy = connect_proxy(ProxyOptions::mapping("api.test:443", https_server(CertKind::Valid)));
    let wants_credentials = connect_proxy(ProxyOptions { credentials: Some(("u", "p")), ..ProxyOptions::default() });
    let h3 = connect(h3_beside_https(Some(H3Kind::Healthy)));
    let reports = [
        raw(&["--proxy", &proxy.url(), "https://api.test/ok"]),
        raw(&["--proxy", &wants_credentials.url(), "https://api.test/ok"]),
        raw(&["--connect-to", &valid, "https://api.test/hops/1"]),
        raw(&["--connect-to", &valid, "--allow-domain", "https://other.test", "https://api.test/status/500"]),
        raw(&["--connect-to", &connect(https_server(CertKind::Expired)), "https://api.test/ok"]),
        raw(&["--connect-to", &connect(refused_port()), "https://api.test/ok"]),
        raw(&["--connect-to", &connect(tarpit()), "--timeout-ms", "300", "https://api.test/ok"]),
        raw(&["--connect-to", &valid, "https://api.test/redirect/302?to=https%3A%2F%2Fother.test%2F"]),
        raw(&["--dns-server", "127.0.0.1:9", "--timeout-ms", "300", "https://api.test/"]),
        raw(&["ftp://api.test/"]),
        raw(&["--connect-to", &h3, "--http3", "https://api.test/ok"]),
        raw(&[
            "--connect-to",
            &connect(h3_beside_https(None)),
            "--http3",
            "--timeout-ms",
            "5000",
            "https://api.test/ok",
        ]),
    ];
    for report in &reports {
        assert_valid(&validator, report);
    }
}

#[test]
fn reports_of_certificate_files_match_the_schema() {
    let validator = schema();
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    for (kind, key) in [(CertKind::Valid, CertKind::Valid), (CertKind::MissingIntermediate, CertKind::Expired)] {
        let files = pki().pem_files(kind);
        let (cert, key) = (path(&files.cert), path(&pki().pem_files(key).key));
        let run = reqdoctor(&["cert", "--json", "--ca-file", &ca, "--key", &key, &cert]);
        let report: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
        assert_valid(&validator, &report);
    }
}

#[test]
fn the_schema_rejects_what_spec_forbids() {
    let validator = schema();
    let valid = connect(https_server(CertKind::Valid));
    let good = raw(&["--connect-to", &valid, "https://api.test/ok"]);
    let broken = [
        ("/verdict", Value::from("skip")),
        ("/checks/0/status", Value::from("ok")),
        ("/checks/0/step", Value::from("1")),
        ("/timings_ms/total", Value::Null),
        ("/schema_version", Value::from(2)),
    ];
    for (pointer, value) in broken {
        let mut report = good.clone();
        *report.pointer_mut(pointer).expect("the field exists") = value;
        assert!(!validator.is_valid(&report), "the schema accepts a report with {pointer} broken");
    }
}
