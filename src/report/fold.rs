//! Folding for people's reports: within one triage step, the checks that
//! one earlier failure skipped (they share one summary, which names it) are
//! one line, with whole families written `cert.*`.

use super::{CheckReport, Report};
use crate::checks::Status;

/// One line of a step: a check, or the skipped checks that share one cause.
pub enum Line<'a> {
    Check(&'a CheckReport),
    Folded { ids: String, summary: &'a str },
}

/// The step's checks, with skips that share a summary (one cause) folded into
/// one line where the first of them stands; `verbose` folds nothing.
pub fn fold<'a>(checks: &[&'a CheckReport], report: &'a Report, verbose: bool) -> Vec<Line<'a>> {
    let skipped_alike = |summary: &str| {
        checks.iter().filter(|c| c.status == Status::Skip && c.summary == summary).map(|c| c.id.as_str()).collect()
    };
    let mut lines = Vec::new();
    let mut folded: Vec<&str> = Vec::new();
    for check in checks {
        let alike: Vec<&str> =
            if check.status == Status::Skip && !verbose { skipped_alike(&check.summary) } else { Vec::new() };
        if alike.len() < 2 {
            lines.push(Line::Check(check));
        } else if !folded.contains(&check.summary.as_str()) {
            folded.push(&check.summary);
            lines.push(Line::Folded { ids: family_names(&alike, report), summary: &check.summary });
        }
    }
    lines
}

/// `ids`, with every family all of whose checks are among them written `family.*`.
fn family_names(ids: &[&str], report: &Report) -> String {
    let family = |id: &str| id.split_once('.').map_or(id, |(family, _)| family).to_owned();
    let mut names: Vec<String> = Vec::new();
    for id in ids {
        let name = family(id);
        let members = report.checks.iter().filter(|c| family(c.id.as_str()) == name).count();
        let all_here = ids.iter().filter(|other| family(other) == name).count() == members;
        let shown = if all_here && members > 1 { format!("{name}.*") } else { (*id).to_owned() };
        if !names.contains(&shown) {
            names.push(shown);
        }
    }
    names.join(", ")
}
