//! contrib/prometheus/prometheus.yml end to end: three `reqdoctor serve` exporters,
//! one real Prometheus running the shipped file (only the exporters' addresses and
//! the intervals changed), the shipped rules, file_sd target lists of loopback URLs.
//! Every target is probed by exactly one exporter — the one hashmod gives it — every
//! rule evaluates, the alerts fire on the failing target, and every query of the
//! Grafana dashboard parses and returns series.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::dashboard::{dashboard, label_values, panel_queries, query_variables, regex_value, substitute};
use super::{modules, path, read, replace_counted};
use crate::cli::to;
use crate::serve::{Exporter, Prometheus, loopback_module, promtool, require_tool};
use crate::support::{CertKind, DnsAnswer, DnsRule, dns_server, https_server};

/// The exporter addresses as prometheus.yml spells them, shard number first.
const SHIPPED_EXPORTERS: [&str; 3] =
    ["reqdoctor-0.internal:9688", "reqdoctor-1.internal:9688", "reqdoctor-2.internal:9688"];
/// The longest the fleet may take to be scraped, evaluated and queried.
const FLEET_LIMIT: Duration = Duration::from_secs(120);

/// `(job, module)` of every `/probe` job of prometheus.yml.
fn probe_jobs(config: &str) -> Vec<(String, String)> {
    let mut jobs = Vec::new();
    let mut job = None;
    for line in config.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("- job_name: ") {
            job = Some(name.to_owned());
        } else if let Some(module) = line.strip_prefix("module: [").and_then(|m| m.strip_suffix(']')) {
            jobs.push((job.clone().expect("module: after a job_name"), module.to_owned()));
        }
    }
    jobs
}

#[test]
fn the_fleet_config_has_a_job_per_module_and_a_rule_per_shard() {
    require_tool("promtool");
    let config = read("prometheus/prometheus.yml");
    let expected: Vec<(String, String)> = modules().into_iter().map(|m| (format!("reqdoctor_probe_{m}"), m)).collect();
    assert_eq!(probe_jobs(&config), expected, "one job reqdoctor_probe_MODULE per module of contrib/reqdoctor.toml");
    for (_, module) in &expected {
        let files = format!("- files: [targets/{module}/*.yml]");
        assert_eq!(config.matches(&files).count(), 1, "the {module} job reads targets/{module}/*.yml");
        assert!(path(&format!("prometheus/targets/{module}/example.yml")).is_file(), "an example list for {module}");
    }
    // N is written three times: the modulus, one rule per shard, one /metrics target per exporter.
    let modulus: usize = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("modulus: "))
        .and_then(|n| n.parse().ok())
        .expect("a hashmod modulus");
    assert_eq!(modulus, SHIPPED_EXPORTERS.len());
    for (shard, exporter) in SHIPPED_EXPORTERS.iter().enumerate() {
        let rule = format!("regex: \"{shard}\"\n        target_label: __address__\n        replacement: {exporter}\n");
        assert!(config.contains(&rule), "no shard rule {shard} → {exporter}");
        assert_eq!(config.matches(exporter).count(), 2, "{exporter}: its shard rule and its /metrics target");
    }
    assert_eq!(config.matches("target_label: __address__").count(), modulus);
    // promtool reads the rule files and the example target lists beside it.
    let said = promtool(&path("prometheus"), &["check", "config", "prometheus.yml"]);
    assert!(said.contains("SUCCESS: 2 rule files found"), "{said}");
}

/// prometheus.yml with the shipped exporters replaced by `exporters` and every
/// interval 2 s (each probe then has 1.5 s, plenty on loopback).
fn fleet_config(exporters: &[SocketAddr]) -> String {
    let mut config = read("prometheus/prometheus.yml");
    assert_eq!(exporters.len(), SHIPPED_EXPORTERS.len());
    for (shipped, addr) in SHIPPED_EXPORTERS.iter().zip(exporters) {
        config = replace_counted(&config, shipped, &addr.to_string(), 2);
    }
    for (from, to) in [("scrape_interval: 60s", "scrape_interval: 2s"), ("scrape_timeout: 15s", "scrape_timeout: 2s")] {
        config = replace_counted(&config, from, to, 1);
    }
    replace_counted(&config, "evaluation_interval: 60s", "evaluation_interval: 2s", 1)
}

/// The URLs of each module's target list: the first module has a passing set, one
/// that warns (a 503), one that fails (an expired certificate) and one found through
/// DNS (so every phase has a series); the others a few passing ones.
fn target_lists() -> Vec<(String, Vec<String>)> {
    modules()
        .into_iter()
        .enumerate()
        .map(|(i, module)| {
            let urls: Vec<String> = if i == 0 {
                let mut urls: Vec<String> = (1..=12).map(|n| format!("https://t{n}.wild.test/ok")).collect();
                urls.extend(
                    ["https://t13.wild.test/status/503", "https://api.test/ok", "https://dns.wild.test/ok"]
                        .map(String::from),
                );
                urls
            } else {
                (1..=3).map(|n| format!("https://{module}-{n}.wild.test/ok")).collect()
            };
            (module, urls)
        })
        .collect()
}

/// Prometheus' directory: the rule files and a file_sd list per module beside the config.
fn prometheus_dir(lists: &[(String, Vec<String>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let rules = dir.path().join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    for entry in std::fs::read_dir(path("prometheus/rules")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), rules.join(entry.file_name())).unwrap();
    }
    for (module, urls) in lists {
        let list: String = urls.iter().map(|u| format!("    - {u}\n")).collect();
        let targets = dir.path().join("targets").join(module);
        std::fs::create_dir_all(&targets).unwrap();
        std::fs::write(targets.join("test.yml"), format!("- targets:\n{list}")).unwrap();
    }
    dir
}

/// What the exporters run: every module reaches the loopback fixtures (api.test the
/// expired one, dns.wild.test through the DNS fixture, any other name the valid one).
fn exporter_config() -> String {
    let valid = https_server(CertKind::Valid);
    let expired = https_server(CertKind::Expired);
    let localhost = DnsAnswer::Addrs(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]);
    let dns = dns_server(vec![DnsRule { name: "dns.wild.test", a: localhost, aaaa: DnsAnswer::NoData }]);
    let routes =
        [to(expired), format!("dns.wild.test:443::{}", valid.port()), format!(":443:127.0.0.1:{}", valid.port())];
    let extra = format!("dns-server = \"{dns}\"");
    modules().iter().map(|m| loopback_module(m, &routes, &extra)).collect()
}

/// The `data.result` of an instant query; the query must parse.
fn instant(prometheus: &mut Prometheus, query: &str) -> Option<Vec<Value>> {
    let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
    let json = prometheus.api(&format!("/api/v1/query?query={encoded}"))?;
    assert_eq!(json["status"], "success", "{query}: {json}");
    json.pointer("/data/result").and_then(Value::as_array).cloned()
}

fn label<'a>(series: &'a Value, name: &str) -> &'a str {
    series["metric"][name].as_str().unwrap_or_else(|| panic!("no {name} label: {series}"))
}

/// Polls `ready` every half second until it gives a value; panics with `state()` at the deadline.
fn wait_for<T>(deadline: Instant, mut ready: impl FnMut() -> Option<T>, state: impl Fn() -> String) -> T {
    loop {
        if let Some(done) = ready() {
            return done;
        }
        assert!(Instant::now() < deadline, "not ready after {FLEET_LIMIT:?}: {}", state());
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[test]
fn three_exporters_share_the_targets_by_hashmod_and_every_dashboard_query_returns_series() {
    require_tool("prometheus");
    require_tool("promtool");
    let config = exporter_config();
    let exporters: Vec<Exporter> = (0..SHIPPED_EXPORTERS.len()).map(|_| Exporter::start(&config)).collect();
    let addrs: Vec<SocketAddr> = exporters.iter().map(|e| e.addr).collect();
    let lists = target_lists();
    let all: BTreeSet<String> = lists.iter().flat_map(|(_, urls)| urls.clone()).collect();
    let mut prometheus = Prometheus::start_in(prometheus_dir(&lists), &fleet_config(&addrs));
    let deadline = Instant::now() + FLEET_LIMIT;

    // Every target probed, and every exporter's own /metrics scraped.
    let probed = wait_for(
        deadline,
        || {
            let probed = instant(&mut prometheus, "reqdoctor_probe_success")?;
            let exporters = instant(&mut prometheus, r#"up{job="reqdoctor_exporter"} == 1"#)?;
            (probed.len() == all.len() && exporters.len() == addrs.len()).then_some(probed)
        },
        || format!("waiting for {} probes and {} exporters", all.len(), addrs.len()),
    );
    assert_shards(&probed, &all, &exporters);
    assert_verdicts(&mut prometheus, &lists);
    assert_rules_evaluate(&mut prometheus, deadline);
    assert_alerts(&mut prometheus, deadline);
    assert_dashboard_queries(&mut prometheus, deadline);
}

/// Each target carries the exporter hashmod chose, every exporter has some, and each
/// exporter's own list of recent probes holds exactly its targets.
fn assert_shards(probed: &[Value], all: &BTreeSet<String>, exporters: &[Exporter]) {
    let mut shard: BTreeMap<String, String> = BTreeMap::new();
    for series in probed {
        let job = label(series, "job");
        assert!(job.starts_with("reqdoctor_probe_"), "{series}");
        assert!(shard.insert(label(series, "instance").to_owned(), label(series, "exporter").to_owned()).is_none());
    }
    assert_eq!(shard.keys().cloned().collect::<BTreeSet<_>>(), *all);
    for exporter in exporters {
        let addr = exporter.addr.to_string();
        let mine: BTreeSet<&String> = shard.iter().filter(|(_, e)| **e == addr).map(|(url, _)| url).collect();
        assert!(!mine.is_empty(), "hashmod gave {addr} no target: {shard:#?}");
        let page = exporter.get("/").body;
        for url in all {
            assert_eq!(page.contains(url.as_str()), mine.contains(url), "{url} on {addr}'s page; shards {shard:#?}");
        }
    }
    eprintln!(
        "shards: {:?}",
        shard.values().fold(BTreeMap::<&String, usize>::new(), |mut n, e| {
            *n.entry(e).or_default() += 1;
            n
        })
    );
}

/// The verdicts the fixtures give: api.test fails, t13 warns, the rest pass; the
/// target found through DNS has a dns phase.
fn assert_verdicts(prometheus: &mut Prometheus, lists: &[(String, Vec<String>)]) {
    let verdicts = instant(prometheus, "reqdoctor_verdict").expect("an answer");
    for series in &verdicts {
        let instance = label(series, "instance");
        let expected = match instance {
            "https://api.test/ok" => "2",
            "https://t13.wild.test/status/503" => "1",
            _ => "0",
        };
        assert_eq!(series["value"][1], expected, "{series}");
    }
    assert_eq!(verdicts.len(), lists.iter().map(|(_, urls)| urls.len()).sum::<usize>());
    let dns = instant(prometheus, r#"reqdoctor_phase_duration_seconds{phase="dns"}"#).expect("an answer");
    let names: Vec<&str> = dns.iter().map(|s| label(s, "instance")).collect();
    assert_eq!(names, ["https://dns.wild.test/ok"]);
}

/// Every rule of the shipped files is loaded and evaluates without an error.
fn assert_rules_evaluate(prometheus: &mut Prometheus, deadline: Instant) {
    let shipped: usize = ["reqdoctor-alerts.yml", "reqdoctor-recording.yml"]
        .iter()
        .map(|f| {
            read(&format!("prometheus/rules/{f}"))
                .lines()
                .filter(|l| l.contains("- alert: ") || l.contains("- record: "))
                .count()
        })
        .sum();
    let rules = wait_for(
        deadline,
        || {
            let json = prometheus.api("/api/v1/rules")?;
            let groups = json.pointer("/data/groups")?.as_array()?;
            let rules: Vec<Value> =
                groups.iter().flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default()).collect();
            (!rules.is_empty() && rules.iter().all(|r| r["health"] != "unknown")).then_some(rules)
        },
        || "waiting for every rule to be evaluated".to_owned(),
    );
    assert_eq!(rules.len(), shipped, "{rules:#?}");
    for rule in &rules {
        assert_eq!(rule["health"], "ok", "{rule}");
    }
    // Evaluated again once every target is there: a recorded series per target.
    let targets = instant(prometheus, "reqdoctor_verdict").expect("an answer").len();
    wait_for(
        deadline,
        || (instant(prometheus, "reqdoctor:cert_days_left")?.len() == targets).then_some(()),
        || format!("waiting for reqdoctor:cert_days_left of {targets} targets"),
    );
}

/// The failing target's alerts are pending (their `for:` has not passed), with the
/// failing check named in the description by the template's query.
fn assert_alerts(prometheus: &mut Prometheus, deadline: Instant) {
    let expected = [
        ("ReqdoctorVerdictFailing", "https://api.test/ok"),
        ("ReqdoctorCertificateExpiresVerySoon", "https://api.test/ok"),
        ("ReqdoctorVerdictWarning", "https://t13.wild.test/status/503"),
    ];
    let alerts = wait_for(
        deadline,
        || {
            let json = prometheus.api("/api/v1/alerts")?;
            let alerts = json.pointer("/data/alerts")?.as_array()?.clone();
            let found = |(name, instance): &(&str, &str)| {
                alerts.iter().any(|a| a["labels"]["alertname"] == *name && a["labels"]["instance"] == *instance)
            };
            expected.iter().all(found).then_some(alerts)
        },
        || format!("waiting for the alerts {expected:?}"),
    );
    let failing = alerts.iter().find(|a| a["labels"]["alertname"] == "ReqdoctorVerdictFailing").expect("found");
    assert_eq!(failing["state"], "pending", "{failing}");
    let description = failing["annotations"]["description"].as_str().unwrap_or_default();
    assert!(description.starts_with("Failing checks: cert.expiry"), "{failing}");
    let warning = alerts.iter().find(|a| a["labels"]["alertname"] == "ReqdoctorVerdictWarning").expect("found");
    assert!(warning["annotations"]["description"] == "Warning checks: http.response", "{warning}");
}

/// Fills the dashboard's variables from Prometheus as Grafana would (their
/// label_values queries, all values selected), then runs every panel query.
fn assert_dashboard_queries(prometheus: &mut Prometheus, deadline: Instant) {
    let dashboard = dashboard();
    let mut values = BTreeMap::from([("__rate_interval".to_owned(), "30s".to_owned())]);
    for (name, definition) in query_variables(&dashboard) {
        let (selector, label) = label_values(&substitute(&definition, &values));
        let encoded: String = url::form_urlencoded::byte_serialize(selector.as_bytes()).collect();
        let json = prometheus.api(&format!("/api/v1/label/{label}/values?match[]={encoded}")).expect("an answer");
        let found: Vec<String> =
            json["data"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        assert!(!found.is_empty(), "${name} = {definition} finds nothing: {json}");
        values.insert(name, regex_value(&found));
    }
    let queries: Vec<(String, String)> = panel_queries(&dashboard)
        .into_iter()
        .map(|(title, ref_id, expr)| (format!("{title} / {ref_id}"), substitute(&expr, &values)))
        .collect();
    assert!(queries.len() >= 15, "{queries:?}");
    loop {
        let empty: Vec<String> = queries
            .iter()
            .filter(|(_, query)| instant(prometheus, query).is_none_or(|series| series.is_empty()))
            .map(|(panel, query)| format!("{panel}: {query}"))
            .collect();
        if empty.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "dashboard queries without series after {FLEET_LIMIT:?}:\n{}",
            empty.join("\n")
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}
