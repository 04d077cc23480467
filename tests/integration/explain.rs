//! `reqdoctor explain` end to end, and the round trip that makes the `wx`
//! field useful: for every failing check that carries the phone's error,
//! explaining that errMsg must lead back to the check. The inputs of the
//! exhaustive tests come from the code's own lists (the check catalogue and
//! the net errors it knows), so a new error cannot be missed.

use std::collections::BTreeSet;

use reqdoctor::checks::Phone;
use reqdoctor::checks::catalogue::ROWS;
use reqdoctor::explain::known_net_errors;
use serde_json::Value;

use crate::cli::{Report, check, check_api, reqdoctor};
use crate::support::{
    CertKind, OpensslKind, close_after_hello, http_server, https_server, openssl_server, refused_port, shared_dns,
    tarpit, tls_alert_server, unrecognized_name_server,
};

fn explain_json(input: &str) -> Value {
    let run = reqdoctor(&["explain", "--json", input]);
    assert_eq!(run.code, 0, "explain {input:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("explain --json prints one document")
}

/// Every failing check of `report` with a `wx` pair explains back to itself.
#[track_caller]
fn round_trip(report: &Report, expected: &[&str]) {
    for id in expected {
        let check = report.check(id);
        assert_eq!(check.status, "fail", "{id}: {check:#?}");
        let wx = check.wx.as_ref().unwrap_or_else(|| panic!("{id} fails without a wx pair"));
        let answer = explain_json(&wx.err_msg);
        let checks: Vec<&str> = answer["checks"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert!(checks.contains(id), "explain {:?} leads to {checks:?}, not {id}", wx.err_msg);
        assert_eq!(answer["recognized"]["errno"], wx.errno, "{id}: {}", wx.err_msg);
    }
}

fn api(kind: CertKind, path: &str, extra: &[&str]) -> Report {
    check_api(https_server(kind), path, extra)
}

#[test]
fn network_and_tls_failures_explain_back_to_their_checks() {
    let dns = shared_dns().to_string();
    let port = https_server(CertKind::Valid).port();
    round_trip(
        &check(&["--dns-server", &dns, "--connect-to", &format!("nx.test:443::{port}"), "https://nx.test/"]),
        &["dns.resolve"],
    );
    round_trip(&check_api(refused_port(), "/", &[]), &["tcp.connect"]);
    round_trip(&check_api(tls_alert_server(), "/", &[]), &["tls.version"]);
    round_trip(&check_api(http_server(), "/", &[]), &["tls.handshake"]);
    round_trip(&check_api(close_after_hello(), "/", &[]), &["tls.handshake"]);
    round_trip(&check_api(unrecognized_name_server(), "/", &[]), &["tls.handshake"]);
    round_trip(&check_api(tarpit(), "/", &["--timeout-ms", "300"]), &["tls.handshake", "timeout.budget"]);
}

#[test]
fn certificate_failures_explain_back_to_their_checks() {
    round_trip(&api(CertKind::SelfSigned, "/", &[]), &["cert.trusted"]);
    round_trip(&api(CertKind::MissingIntermediate, "/", &[]), &["cert.chain"]);
    round_trip(&api(CertKind::WrongHost, "/", &[]), &["cert.hostname"]);
    round_trip(&api(CertKind::Expired, "/", &[]), &["cert.expiry"]);
    round_trip(&api(CertKind::Ed25519Leaf, "/", &[]), &["cert.key"]);
    round_trip(&api(CertKind::Sha1Signed, "/", &[]), &["cert.signature"]);
    round_trip(&check_api(openssl_server(OpensslKind::Rsa1024), "/", &[]), &["cert.key"]);
}

#[test]
fn rule_and_redirect_failures_explain_back_to_their_checks() {
    let valid = https_server(CertKind::Valid);
    round_trip(&check_api(valid, "/ok", &["--allow-domain", "https://other.test"]), &["domain.allowlist"]);
    let long = format!("/ok?pad={}", "a".repeat(1100));
    round_trip(&check_api(valid, &long, &[]), &["url.length"]);
    round_trip(&check_api(valid, "/redirect/302?to=https%3A%2F%2Fother.test%2F", &[]), &["http.redirect"]);
    round_trip(&check_api(valid, "/loop", &[]), &["http.redirect"]);
    let url = format!("https://127.0.0.1:{}/ok", valid.port());
    round_trip(&check(&[&url]), &["url.host", "url.port"]);
    let plain = http_server();
    round_trip(
        &check(&["--connect-to", &format!("api.test:80:{}:{}", plain.ip(), plain.port()), "http://api.test/ok"]),
        &["url.scheme"],
    );
}

#[test]
fn explain_answers_in_text_and_chinese() {
    let run =
        reqdoctor(&["explain", "request:fail", "url", "not", "in", "domain", "list", "--url", "https://api.test/x"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("domain.allowlist"), "{}", run.stdout);
    assert!(
        run.stdout.contains("reqdoctor check --allow-domain https://api.test https://api.test/x"),
        "{}",
        run.stdout
    );
    let run = reqdoctor(&["explain", "--lang", "zh", "request:fail 未能找到使用指定主机名的服务器。"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("手机无法解析该域名") && run.stdout.contains("dns.resolve"), "{}", run.stdout);
}

#[test]
fn negative_codes_need_no_quoting() {
    let run = reqdoctor(&["explain", "-202"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("cert.chain"), "{}", run.stdout);
}

#[test]
fn unknown_errors_get_a_helpful_line_and_exit_3() {
    let run = reqdoctor(&["explain", "something", "odd"]);
    assert_eq!(run.code, 3);
    assert!(run.stdout.is_empty());
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.contains("paste the errMsg as the phone showed it"), "{}", run.stderr);
}

/// The phone's errMsg for net error `code`.
fn errmsg(code: i32, name: &str) -> String {
    format!("request:fail errcode:{code} cronet_error_code:{code} error_msg:net::{name}")
}

/// No label of the text answer is left without a value (on its line, or indented below it).
#[track_caller]
fn assert_text_filled(input: &str, text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() > 10, "{input}: {text}");
    for (n, line) in lines.iter().enumerate() {
        let trimmed = line.trim_end();
        let value = trimmed.split_once(':').or_else(|| trimmed.split_once('：')).map(|(_, v)| v.trim());
        if value == Some("") {
            let next = lines.get(n + 1).copied().unwrap_or("");
            assert!(next.starts_with("    ") && !next.trim().is_empty(), "{input}: empty {line:?}\n{text}");
        }
    }
}

/// No field of the JSON answer is empty, and something was recognised.
#[track_caller]
fn assert_json_filled(input: &str, answer: &Value) {
    for (field, value) in answer.as_object().expect("an object") {
        let empty = match value {
            Value::String(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.values().all(Value::is_null),
            other => other.is_null(),
        };
        assert!(!empty, "{input}: {field} is empty: {answer:#}");
    }
    let causes = answer["causes"].as_array().unwrap();
    assert!(causes.iter().all(|c| c["cause"].as_str().is_some_and(|t| !t.is_empty())), "{input}");
}

fn explain_json_in(input: &str, lang: &str) -> Value {
    let run = reqdoctor(&["explain", "--json", "--lang", lang, input]);
    assert_eq!(run.code, 0, "explain {input:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("explain --json prints one document")
}

/// Every Chromium net error reqdoctor knows — those the checks report and
/// those only a phone shows — by number, by name, with `net::` and as the
/// phone's errMsg; in text and JSON, English and Chinese, every field filled.
#[test]
fn every_known_net_error_is_explained_in_every_form() {
    let known: Vec<(i32, &str)> = known_net_errors().collect();
    assert!(known.len() >= 40, "{known:?}");
    for (code, name) in known {
        for lang in ["en", "zh"] {
            let number = code.to_string();
            let run = reqdoctor(&["explain", "--lang", lang, &number]);
            assert_eq!(run.code, 0, "explain {code}: {}", run.stderr);
            assert!(run.stdout.contains(&format!("net::{name} ({code})")), "{}", run.stdout);
            assert_text_filled(&number, &run.stdout);
            let run = reqdoctor(&["explain", "--lang", lang, name]);
            assert_eq!(run.code, 0, "explain {name}: {}", run.stderr);
            assert_text_filled(name, &run.stdout);
            for input in [format!("net::{name}"), errmsg(code, name)] {
                let answer = explain_json_in(&input, lang);
                assert_json_filled(&input, &answer);
                assert_eq!(answer["recognized"]["net_error"]["code"], code, "{input}");
                assert_eq!(answer["recognized"]["net_error"]["name"], name, "{input}");
                assert_eq!(answer["recognized"]["errno"], 600_001, "{input}");
            }
        }
    }
}

/// Every error the catalogue says a check can report, as the phone's errMsg
/// and as its errno alone, is answered with that check among the checks.
#[test]
fn every_error_a_check_can_report_leads_back_to_the_check() {
    let mut reported: Vec<(String, u32, BTreeSet<&str>)> = Vec::new();
    for row in ROWS {
        for phone in row.reports {
            let wx = phone.wx(reqdoctor::miniprogram::Api::Request);
            match reported.iter_mut().find(|(msg, _, _)| *msg == wx.err_msg) {
                Some((_, _, checks)) => _ = checks.insert(row.name),
                None => reported.push((wx.err_msg, wx.errno, BTreeSet::from([row.name]))),
            }
        }
    }
    assert!(reported.len() >= 30, "{reported:?}");
    for (err_msg, errno, reporters) in &reported {
        for input in [err_msg.clone(), errno.to_string()] {
            let answer = explain_json_in(&input, "en");
            assert_json_filled(&input, &answer);
            let checks: BTreeSet<&str> =
                answer["checks"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            assert!(checks.is_superset(reporters), "{input} leads to {checks:?}, not all of {reporters:?}");
            assert_eq!(answer["recognized"]["errno"], *errno, "{input}");
        }
    }
}

#[test]
fn explain_600001_names_the_certificate_checks_too() {
    let answer = explain_json_in("600001", "en");
    let checks: Vec<&str> = answer["checks"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for id in ["dns.resolve", "tcp.connect", "tls.handshake", "cert.trusted", "cert.chain", "cert.expiry", "cert.key"] {
        assert!(checks.contains(&id), "{id} missing from {checks:?}");
    }
}

#[test]
fn a_phrase_without_a_code_is_named_in_recognised() {
    let run = reqdoctor(&["explain", "request:fail ssl hand shake error"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("recognised:  \"hand shake\"\n"), "{}", run.stdout);
    let answer = explain_json_in("request:fail ssl hand shake error", "zh");
    assert_eq!(answer["recognized"]["phrase"], "hand shake");
    assert_json_filled("ssl hand shake", &answer);
}

/// docs/wx-errors.md lists every net error the code knows, with its name and
/// the answer explain gives, and every answer's key.
#[test]
fn the_docs_list_every_known_net_error_and_answer() {
    let path = format!("{}/docs/wx-errors.md", env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for (code, name) in known_net_errors() {
        let key = explain_json_in(&code.to_string(), "en")["key"].as_str().unwrap().to_owned();
        let reporters: Vec<String> = ROWS
            .iter()
            .filter(|row| row.reports.iter().any(|p| matches!(p, Phone::Net(e) if e.code() == code)))
            .map(|row| format!("`{}`", row.name))
            .collect();
        let reported_by = if reporters.is_empty() { "—".to_owned() } else { format!("{} |", reporters.join(", ")) };
        let row = format!("| {code} | `{name}` | `{key}` | {reported_by}");
        assert!(docs.contains(&row), "docs/wx-errors.md has no row starting {row}");
    }
    for entry in reqdoctor::explain::table::ALL {
        let row = answer_row(entry);
        assert!(docs.contains(&row), "docs/wx-errors.md does not have this row for {}:\n{row}", entry.key);
    }
}

/// An answer's row in docs/wx-errors.md's table of answers, from the code.
fn answer_row(entry: &reqdoctor::explain::table::Entry) -> String {
    let checks: Vec<String> =
        reqdoctor::explain::checks_for(entry).iter().map(|c| format!("`{}`", c.as_str())).collect();
    let causes: Vec<String> =
        entry.causes.iter().enumerate().map(|(n, (check, en, _))| format!("{}. {en} (`{check}`)", n + 1)).collect();
    let errno = entry.errno.map_or("—".to_owned(), |n| n.to_string());
    let mut fix = entry.fix.0.to_owned();
    if !entry.flags.is_empty() {
        fix.push_str(&format!("; confirm with `{}`", entry.flags));
    }
    let (key, step, meaning) = (entry.key, entry.step, entry.meaning.0);
    format!("| `{key}` | {step} | {errno} | {} | {meaning} | {} | {fix} |", checks.join(", "), causes.join("; "))
}
