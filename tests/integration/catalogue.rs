//! `reqdoctor checks`: the one catalogue of checks, for people and for tools.
//! The rest of the suite takes its list of checks from `checks --json`, and
//! the docs are held to it here: a check missing from docs/checks.md, or
//! listed out of order anywhere, fails a test.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::cli::reqdoctor;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listed {
    pub schema_version: u32,
    pub steps: Vec<Step>,
    pub checks: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub step: u8,
    pub title: Title,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub step: u8,
    pub order: usize,
    pub title: Title,
    pub phone_error: Option<crate::cli::Wx>,
    pub depends_on: Vec<String>,
    pub only_with: Option<String>,
    pub docs: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Title {
    pub en: String,
    pub zh: String,
}

/// `reqdoctor checks --json`, run once for the whole suite.
pub fn listed() -> &'static Listed {
    static LISTED: OnceLock<Listed> = OnceLock::new();
    LISTED.get_or_init(|| {
        let run = reqdoctor(&["checks", "--json"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("checks --json: {e}\n{}", run.stdout))
    })
}

fn docs(name: &str) -> String {
    let path = format!("{}/docs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ids() -> Vec<&'static str> {
    listed().checks.iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn checks_json_lists_every_check_with_its_step_and_title() {
    let listed = listed();
    assert_eq!(listed.schema_version, 1);
    let steps: Vec<u8> = listed.steps.iter().map(|s| s.step).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 0], "the guide's six steps, then the request");
    assert!(listed.steps.iter().all(|s| !s.title.en.is_empty() && !s.title.zh.is_empty()));
    let known: BTreeSet<&str> = ids().into_iter().collect();
    assert_eq!(known.len(), listed.checks.len(), "ids are unique");
    let position = |step: u8| steps.iter().position(|s| *s == step).expect("a listed step");
    for (n, check) in listed.checks.iter().enumerate() {
        assert_eq!(check.order, n + 1, "{}", check.id);
        assert!(check.id.split_once('.').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty()), "{}", check.id);
        assert!(!check.title.en.is_empty() && !check.title.zh.is_empty(), "{}", check.id);
        assert_eq!(check.docs, format!("docs/checks.md#{}", check.id));
        assert!(check.depends_on.iter().all(|d| known.contains(d.as_str()) && *d != check.id), "{check:?}");
        if let Some(wx) = &check.phone_error {
            assert!(wx.err_msg.starts_with("request:fail "), "{check:?}");
        }
    }
    let order: Vec<usize> = listed.checks.iter().map(|c| position(c.step)).collect();
    assert!(order.is_sorted(), "checks are listed step by step: {order:?}");
    let optional: Vec<(&str, Option<&str>)> = listed
        .checks
        .iter()
        .filter(|c| c.only_with.is_some())
        .map(|c| (c.id.as_str(), c.only_with.as_deref()))
        .collect();
    assert_eq!(optional, [("net.proxy", Some("--proxy")), ("baseline.drift", Some("--baseline"))]);
    assert_eq!(crate::cli::catalogue().len(), listed.checks.len() - 2);
}

#[test]
fn checks_text_shows_every_check_under_its_step() {
    for lang in ["en", "zh"] {
        let run = reqdoctor(&["checks", "--lang", lang]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for check in &listed().checks {
            let title = if lang == "zh" { &check.title.zh } else { &check.title.en };
            let line = run.stdout.lines().find(|l| l.trim_start().starts_with(&format!("{} ", check.id)));
            let line = line.unwrap_or_else(|| panic!("{} is not listed:\n{}", check.id, run.stdout));
            assert!(line.contains(title.as_str()), "{line:?} lacks {title:?}");
            if let Some(wx) = &check.phone_error {
                assert!(line.contains(&wx.errno.to_string()), "{line:?} lacks errno {}", wx.errno);
            }
        }
    }
}

/// Every check has its section in docs/checks.md, with the anchor `checks --json` names, in report order.
#[test]
fn docs_checks_md_documents_every_check_in_order() {
    let text = docs("checks.md");
    let headings: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("### `"))
        .filter_map(|rest| rest.split_once('`').map(|(id, _)| id))
        .collect();
    assert_eq!(headings, ids(), "docs/checks.md's ### sections vs `reqdoctor checks`");
    for check in &listed().checks {
        let anchor = format!("<a id=\"{}\"></a>", check.id);
        assert!(text.contains(&anchor), "docs/checks.md has no {anchor} for {}", check.docs);
    }
}

/// The step table of docs/checks.md lists exactly each step's checks.
#[test]
fn docs_checks_md_step_table_matches_the_catalogue() {
    let text = docs("checks.md");
    for step in &listed().steps {
        let row = text
            .lines()
            .find(|line| line.starts_with(&format!("| {} | ", step.step)))
            .unwrap_or_else(|| panic!("no row for step {} in docs/checks.md", step.step));
        let named: Vec<&str> =
            row.rsplit('|').nth(1).unwrap_or("").split(',').map(|c| c.trim().trim_matches('`')).collect();
        let expected: Vec<&str> = listed()
            .checks
            .iter()
            .filter(|c| c.step == step.step && c.only_with.is_none())
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(named, expected, "step {} in docs/checks.md", step.step);
    }
}

/// docs/json.md's sentence listing the ids in report order.
#[test]
fn docs_json_md_lists_the_ids_in_report_order() {
    let text = docs("json.md");
    let start = text.find("ids, in report order:").expect("docs/json.md lists the ids");
    let sentence = &text[start..start + text[start..].find("comes last").expect("the list ends")];
    let named: Vec<&str> = sentence.split('`').skip(1).step_by(2).filter(|code| !code.starts_with("--")).collect();
    assert_eq!(named, ids(), "docs/json.md's list vs `reqdoctor checks`");
    let always = crate::cli::catalogue().len();
    assert!(text.contains(&format!("The {always} ids, in report order:")), "docs/json.md counts {always} ids");
}
