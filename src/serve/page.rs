//! The exporter's front page: the last probes, newest first, each linking to
//! its full text and JSON report — what a support engineer opens first.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::report::Report;

/// How many recent probes the page and `/report/N` keep.
pub const KEPT: usize = 100;

/// One probe as the page lists it.
#[derive(Clone, Debug)]
pub struct Recent {
    pub id: u64,
    pub module: String,
    pub report: Arc<Report>,
}

/// The last [`KEPT`] probes.
#[derive(Debug, Default)]
pub struct History {
    next: u64,
    recent: VecDeque<Recent>,
}

impl History {
    pub fn push(&mut self, module: &str, report: Arc<Report>) -> u64 {
        self.next += 1;
        if self.recent.len() == KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back(Recent { id: self.next, module: module.to_owned(), report });
        self.next
    }

    pub fn get(&self, id: u64) -> Option<&Recent> {
        self.recent.iter().find(|r| r.id == id)
    }

    pub fn page(&self) -> String {
        let mut html = String::from(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>reqdoctor</title>\
             <style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}\
             .fail{color:#b00}.warn{color:#a60}.pass{color:#070}</style></head><body>\
             <h1>reqdoctor</h1><p><a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a> · \
             probe with <code>/probe?target=URL&amp;module=NAME</code></p>\
             <table><tr><th>#</th><th>started</th><th>target</th><th>module</th><th>verdict</th>\
             <th>failing checks</th><th>ms</th><th>report</th></tr>",
        );
        for recent in self.recent.iter().rev() {
            row(&mut html, recent);
        }
        html.push_str("</table></body></html>\n");
        html
    }
}

fn row(html: &mut String, recent: &Recent) {
    let report = &recent.report;
    let verdict = report.verdict.as_str();
    let failing: Vec<&str> = report.checks.iter().filter(|c| c.status.severity() > 0).map(|c| c.id.as_str()).collect();
    let _ = write!(
        html,
        "<tr><td>{id}</td><td>{at}</td><td>{target}</td><td>{module}</td><td class=\"{verdict}\">{verdict}</td>\
         <td>{failing}</td><td>{ms:.1}</td><td><a href=\"/report/{id}.txt\">text</a> \
         <a href=\"/report/{id}.json\">json</a></td></tr>",
        id = recent.id,
        at = report.started_at,
        target = escape(&report.target),
        module = escape(&recent.module),
        failing = escape(&failing.join(", ")),
        ms = report.timings_ms.total,
    );
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_target_could_smuggle() {
        assert_eq!(
            escape("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }
}
