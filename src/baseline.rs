//! `--baseline FILE`: the last good facts of each target (certificate,
//! addresses, TLS version, redirect chain, final status), compared with every
//! run as the `baseline.drift` check, and updated by runs that did not fail.
//! The file is replaced atomically, so an interrupted run never corrupts it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::checks::{CheckId, Status};
use crate::lang::Lang;
use crate::report::{CheckReport, Report};
use crate::say;

/// What is remembered of one target.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// When these facts were recorded (the report's `started_at`).
    pub recorded_at: String,
    /// The leaf certificate's SHA-256 fingerprint.
    pub cert_sha256: Option<String>,
    pub cert_not_after: Option<String>,
    /// `ip:port` pairs, sorted.
    pub addresses: Vec<String>,
    pub tls_version: Option<String>,
    /// Every URL requested, in order (the redirect chain).
    pub redirects: Vec<String>,
    pub status: Option<u32>,
}

impl Facts {
    /// The facts of one report, read from its typed fields.
    pub fn of(report: &Report) -> Facts {
        let leaf = report.certificate.as_ref().and_then(|c| c.chain.first());
        let mut addresses = report.addresses.clone();
        addresses.sort();
        Facts {
            recorded_at: report.started_at.to_string(),
            cert_sha256: leaf.map(|l| l.sha256.clone()),
            cert_not_after: leaf.map(|l| l.not_after.to_string()),
            addresses,
            tls_version: report.tls.as_ref().map(|t| t.version.clone()),
            redirects: report.requested.clone(),
            status: report.http.as_ref().map(|h| h.status),
        }
    }
}

/// A `--baseline` file that cannot be used (exit 3, before any network traffic).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read --baseline {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("--baseline {}: not a reqdoctor baseline (line {}): {source}", path.display(), source.line())]
    NotBaseline { path: PathBuf, source: serde_json::Error },
}

/// The baseline file could not be written back.
#[derive(Debug, thiserror::Error)]
#[error("cannot write --baseline {}: {source}", path.display())]
pub struct SaveError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

/// The baseline file, loaded once per run and written back at its end.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    targets: BTreeMap<String, Facts>,
}

#[derive(Serialize, Deserialize)]
struct File {
    schema_version: u32,
    targets: BTreeMap<String, Facts>,
}

impl Store {
    /// A missing file is an empty baseline; an unreadable or invalid one is a usage error.
    pub fn load(path: &Path) -> Result<Store, LoadError> {
        let targets = match std::fs::read_to_string(path) {
            Ok(text) => {
                let file: File = serde_json::from_str(&text)
                    .map_err(|source| LoadError::NotBaseline { path: path.to_owned(), source })?;
                file.targets
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(LoadError::Read { path: path.to_owned(), source }),
        };
        Ok(Store { path: path.to_owned(), targets })
    }

    /// Adds `baseline.drift` to the report, and remembers its facts unless it failed.
    pub fn judge(&mut self, report: &mut Report, lang: Lang) {
        let now = Facts::of(report);
        let check = match self.targets.get(&report.target) {
            None => drift_check(
                Status::Info,
                say!(lang, "no baseline for this target yet; recorded now", "该目标还没有基线；已记录本次结果"),
                &[],
            ),
            Some(before) => compare(before, &now, lang),
        };
        report.checks.push(check);
        report.verdict = Status::worst(report.checks.iter().map(|c| c.status));
        if report.verdict != Status::Fail {
            self.targets.insert(report.target.clone(), now);
        }
    }

    /// Writes the file to a temporary sibling, then renames it over the old one.
    pub fn save(&self) -> Result<(), SaveError> {
        let file = File { schema_version: 1, targets: self.targets.clone() };
        let written = serde_json::to_string_pretty(&file).map_err(std::io::Error::other).and_then(|text| {
            let tmp = self.path.with_extension(format!("tmp-{}", std::process::id()));
            std::fs::write(&tmp, text + "\n")?;
            std::fs::rename(&tmp, &self.path)
        });
        written.map_err(|source| SaveError { path: self.path.clone(), source })
    }
}

/// What changed between two runs, in words; `info` when nothing did.
fn compare(before: &Facts, now: &Facts, lang: Lang) -> CheckReport {
    let mut changes: Vec<(&'static str, String)> = Vec::new();
    if before.cert_sha256 != now.cert_sha256 {
        let (old, new) = (short(&before.cert_sha256), short(&now.cert_sha256));
        changes
            .push(("certificate", say!(lang, "certificate replaced ({old} → {new})", "证书已更换（{old} → {new}）")));
    }
    if before.addresses != now.addresses {
        let (added, removed) = (minus(&now.addresses, &before.addresses), minus(&before.addresses, &now.addresses));
        changes.push((
            "addresses",
            say!(lang, "addresses changed (+{added} −{removed})", "地址有变化（新增 {added}，移除 {removed}）"),
        ));
    }
    if before.tls_version != now.tls_version {
        let (old, new) = (or_none(&before.tls_version), or_none(&now.tls_version));
        changes.push(("tls_version", say!(lang, "TLS version {old} → {new}", "TLS 版本 {old} → {new}")));
    }
    if before.redirects != now.redirects {
        let last = now.redirects.last().cloned().unwrap_or_default();
        changes.push((
            "redirects",
            say!(lang, "the redirect chain changed (now ends at {last})", "重定向链有变化（现在止于 {last}）"),
        ));
    }
    if before.status != now.status {
        let (old, new) = (status(before.status), status(now.status));
        changes.push(("status", say!(lang, "final status {old} → {new}", "最终状态码 {old} → {new}")));
    }
    let since = &before.recorded_at;
    if changes.is_empty() {
        return drift_check(
            Status::Info,
            say!(lang, "nothing changed since the last good run ({since})", "自上次正常运行（{since}）以来没有变化"),
            &[],
        );
    }
    let list: Vec<&str> = changes.iter().map(|(_, text)| text.as_str()).collect();
    let summary =
        say!(lang, "since the last good run ({since}): {}", "自上次正常运行（{since}）以来：{}", list.join("; "));
    let mut check = drift_check(Status::Warn, summary, &changes);
    check.hint = Some(say!(
        lang,
        "if the change was intended, nothing to do: a run that does not fail becomes the new baseline",
        "如果这是预期中的变更，无需处理：下一次未失败的运行会成为新的基线"
    ));
    check
}

fn drift_check(status: Status, summary: String, changes: &[(&'static str, String)]) -> CheckReport {
    let changed: Vec<&str> = changes.iter().map(|(key, _)| *key).collect();
    let mut data = crate::checks::Data::new();
    data.insert("changed", json!(changed));
    CheckReport {
        id: CheckId::BaselineDrift,
        step: CheckId::BaselineDrift.step(),
        status,
        summary,
        hint: None,
        wx: None,
        data,
        duration_ms: 0.0,
    }
}

fn short(fingerprint: &Option<String>) -> String {
    fingerprint.as_deref().map_or("-".to_owned(), |f| f.chars().take(11).collect())
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

fn status(value: Option<u32>) -> String {
    value.map_or("-".to_owned(), |s| s.to_string())
}

fn minus(a: &[String], b: &[String]) -> String {
    let only: Vec<&str> = a.iter().filter(|x| !b.contains(x)).map(String::as_str).collect();
    if only.is_empty() { "-".to_owned() } else { only.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(sha: &str, status: u32) -> Facts {
        Facts {
            recorded_at: "2026-11-25T10:00:00Z".into(),
            cert_sha256: Some(sha.into()),
            cert_not_after: None,
            addresses: vec!["127.0.0.1:443".into()],
            tls_version: Some("TLS1.3".into()),
            redirects: vec!["https://api.test/".into()],
            status: Some(status),
        }
    }

    #[test]
    fn names_every_change() {
        let before = facts("AA:BB:CC:DD", 200);
        let mut now = facts("EE:FF:00:11", 500);
        now.addresses.push("[::1]:443".into());
        let check = compare(&before, &now, Lang::En);
        assert_eq!(check.status, Status::Warn);
        assert!(check.summary.contains("certificate replaced (AA:BB:CC:DD → EE:FF:00:11)"), "{}", check.summary);
        assert!(check.summary.contains("addresses changed (+[::1]:443 −-)"), "{}", check.summary);
        assert!(check.summary.contains("final status 200 → 500"), "{}", check.summary);
        assert_eq!(check.data["changed"], json!(["certificate", "addresses", "status"]));
        assert_eq!(compare(&before, &before, Lang::En).status, Status::Info);
    }

    #[test]
    fn the_file_round_trips_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let mut store = Store::load(&path).unwrap();
        store.targets.insert("https://api.test/".into(), facts("AA", 200));
        store.save().unwrap();
        let again = Store::load(&path).unwrap();
        assert_eq!(again.targets["https://api.test/"], facts("AA", 200));
        std::fs::write(&path, "{not json").unwrap();
        let err = Store::load(&path).unwrap_err().to_string();
        assert!(err.contains("not a reqdoctor baseline") && !err.contains('\n'), "{err}");
    }
}
