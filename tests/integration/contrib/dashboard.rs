//! contrib/grafana/reqdoctor.json: the shape Grafana needs to load it (no Grafana
//! runs here), and its queries with the dashboard's variables filled in the way
//! Grafana fills them — `fleet` runs every one against a real Prometheus.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::read;

/// The dashboard, parsed.
pub(crate) fn dashboard() -> Value {
    serde_json::from_str(&read("grafana/reqdoctor.json")).expect("contrib/grafana/reqdoctor.json is JSON")
}

fn panels(dashboard: &Value) -> &Vec<Value> {
    dashboard["panels"].as_array().expect("a panels array")
}

/// Every query of every panel: `(panel title, refId, expr)`.
pub(crate) fn panel_queries(dashboard: &Value) -> Vec<(String, String, String)> {
    let mut queries = Vec::new();
    for panel in panels(dashboard) {
        let title = panel["title"].as_str().expect("a panel title");
        let targets = panel["targets"].as_array().unwrap_or_else(|| panel_missing(title, "targets"));
        for target in targets {
            let ref_id = target["refId"].as_str().unwrap_or_else(|| panel_missing(title, "refId"));
            let expr = target["expr"].as_str().unwrap_or_else(|| panel_missing(title, "expr"));
            queries.push((title.to_owned(), ref_id.to_owned(), expr.to_owned()));
        }
    }
    queries
}

fn panel_missing(title: &str, what: &str) -> ! {
    panic!("panel {title:?} has no {what}")
}

/// The query variables in their order (each may use the ones before it):
/// `(name, label_values(SELECTOR, LABEL))`.
pub(crate) fn query_variables(dashboard: &Value) -> Vec<(String, String)> {
    let list = dashboard["templating"]["list"].as_array().expect("templating.list");
    list.iter()
        .filter(|v| v["type"] == "query")
        .map(|v| {
            let name = v["name"].as_str().expect("a variable name").to_owned();
            let definition = v["query"]["query"].as_str().expect("a variable query").to_owned();
            assert_eq!(v["definition"].as_str(), Some(definition.as_str()), "${name}: definition and query differ");
            (name, definition)
        })
        .collect()
}

/// `label_values(SELECTOR, LABEL)` → `(SELECTOR, LABEL)`.
pub(crate) fn label_values(definition: &str) -> (String, String) {
    let inner = definition
        .strip_prefix("label_values(")
        .and_then(|d| d.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{definition:?} is not label_values(SELECTOR, LABEL)"));
    let (selector, label) = inner.rsplit_once(',').expect("label_values has two arguments");
    (selector.trim().to_owned(), label.trim().to_owned())
}

/// The value of a multi-value variable as Grafana writes it into a Prometheus
/// query: `(a|b)`, each value escaped for a regex inside a PromQL string.
pub(crate) fn regex_value(values: &[String]) -> String {
    let escaped: Vec<String> = values
        .iter()
        .map(|value| {
            let mut out = String::new();
            for c in value.chars() {
                match c {
                    '\\' => out.push_str(r"\\\\"),
                    '$' | '^' | '*' | '{' | '}' | '[' | ']' | '\'' | '+' | '?' | '.' | '(' | ')' | '|' => {
                        out.push_str(r"\\");
                        out.push(c);
                    }
                    _ => out.push(c),
                }
            }
            out
        })
        .collect();
    format!("({})", escaped.join("|"))
}

/// The `$name` words of `text`.
fn variables_used(text: &str) -> BTreeSet<String> {
    text.match_indices('$')
        .map(|(at, _)| {
            let rest = &text[at + 1..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            rest[..end].to_owned()
        })
        .collect()
}

/// `text` with every `$name` of `values` filled in; none may be left.
#[track_caller]
pub(crate) fn substitute(text: &str, values: &BTreeMap<String, String>) -> String {
    let mut names: Vec<&String> = values.keys().collect();
    names.sort_by_key(|name| std::cmp::Reverse(name.len()));
    let mut out = text.to_owned();
    for name in names {
        out = out.replace(&format!("${name}"), &values[name]);
    }
    assert!(!out.contains('$'), "a variable is left in {out:?} (from {text:?})");
    out
}

#[test]
fn the_dashboard_has_the_shape_grafana_loads() {
    let dashboard = dashboard();
    assert_eq!(dashboard["uid"], "reqdoctor");
    assert!(dashboard["schemaVersion"].as_u64().is_some_and(|v| v >= 36), "schemaVersion");
    let list = dashboard["templating"]["list"].as_array().expect("templating.list");
    let datasource = list.iter().find(|v| v["type"] == "datasource").expect("a datasource variable");
    assert_eq!((datasource["name"].as_str(), datasource["query"].as_str()), (Some("datasource"), Some("prometheus")));
    let declared: BTreeSet<String> = list.iter().map(|v| v["name"].as_str().expect("a name").to_owned()).collect();

    let mut ids = BTreeSet::new();
    let mut boxes: Vec<(String, [u64; 4])> = Vec::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().expect("a title").to_owned();
        assert!(ids.insert(panel["id"].as_u64().expect("a numeric id")), "{title}: id used twice");
        let kind = panel["type"].as_str().unwrap_or_default();
        assert!(["stat", "table", "bargauge", "timeseries", "barchart"].contains(&kind), "{title}: type {kind:?}");
        assert!(panel["description"].as_str().is_some_and(|d| d.len() > 20), "{title}: a description");
        let grid = &panel["gridPos"];
        let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| grid[k].as_u64().unwrap_or_else(|| panel_missing(&title, k)));
        assert!(w > 0 && h > 0 && x + w <= 24, "{title}: gridPos {grid}");
        for (other, [ox, oy, ow, oh]) in &boxes {
            let apart = x + w <= *ox || ox + ow <= x || y + h <= *oy || oy + oh <= y;
            assert!(apart, "{title} overlaps {other}");
        }
        boxes.push((title.clone(), [x, y, w, h]));
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "{title}");
        let targets = panel["targets"].as_array().expect("targets");
        let refs: BTreeSet<&str> = targets.iter().filter_map(|t| t["refId"].as_str()).collect();
        assert_eq!(refs.len(), targets.len(), "{title}: refIds are unique");
        for target in targets {
            assert_eq!(target["datasource"]["uid"], "${datasource}", "{title}");
        }
    }
    let mut used = BTreeSet::new();
    for (_, _, expr) in panel_queries(&dashboard) {
        used.extend(variables_used(&expr));
    }
    for (_, definition) in query_variables(&dashboard) {
        used.extend(variables_used(&definition));
    }
    for name in &used {
        assert!(declared.contains(name) || name == "__rate_interval", "${name} is not a variable of the dashboard");
    }
    assert!(used.contains("job") && used.contains("instance") && used.contains("__rate_interval"), "{used:?}");

    let titles: Vec<&str> = panels(&dashboard).iter().filter_map(|p| p["title"].as_str()).collect();
    for needed in ["Verdict per target", "Failing and warning checks", "Certificate days left", "Probe rate by verdict"]
    {
        assert!(titles.contains(&needed), "no panel {needed:?} in {titles:?}");
    }
    let stacked = panels(&dashboard).iter().filter(|p| {
        p["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal" || p["options"]["stacking"] == "normal"
    });
    assert_eq!(stacked.count(), 2, "the phases, stacked over time and per target");
}

#[test]
fn variables_are_filled_in_as_grafana_does() {
    let urls = ["https://a.example.com/x?id=1".to_owned(), "https://b.example.com/".to_owned()];
    assert_eq!(regex_value(&urls), r"(https://a\\.example\\.com/x\\?id=1|https://b\\.example\\.com/)");
    let values =
        BTreeMap::from([("job".to_owned(), "(a|b)".to_owned()), ("__rate_interval".to_owned(), "30s".to_owned())]);
    assert_eq!(substitute(r#"rate(x{job=~"$job"}[$__rate_interval])"#, &values), r#"rate(x{job=~"(a|b)"}[30s])"#);
    assert_eq!(
        label_values(r#"label_values(reqdoctor_verdict{job=~"$job"}, instance)"#),
        (r#"reqdoctor_verdict{job=~"$job"}"#.to_owned(), "instance".to_owned())
    );
}
