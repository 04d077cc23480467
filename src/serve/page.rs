//! The exporter's front page — what a support engineer opens first: a form
//! to diagnose a URL with one of the modules, a form to explain an errMsg
//! pasted from a phone, and the last probes, newest first, each linking to
//! its report as HTML, text, Markdown and JSON.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::Arc;

use super::config::{Config, DEFAULT_MODULE};
use crate::report::Report;
use crate::report::html::escape;

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

    pub fn page(&self, config: &Config) -> String {
        let mut html = String::from(HEAD);
        html.push_str(
            "<h1>reqdoctor</h1><p><a href=\"/metrics\">/metrics</a> · <a href=\"/healthz\">/healthz</a> · \
             probe with <code>/probe?target=URL&amp;module=NAME</code></p>",
        );
        forms(&mut html, config);
        html.push_str(
            "<h2>Recent probes</h2><table id=\"recent\"><tr><th>#</th><th>started</th><th>target</th><th>module</th>\
             <th>verdict</th><th>failing checks</th><th>ms</th><th>report</th></tr>",
        );
        for recent in self.recent.iter().rev() {
            row(&mut html, recent);
        }
        html.push_str("</table></body></html>\n");
        html
    }
}

const HEAD: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>reqdoctor</title>\
     <style>body{font-family:sans-serif;max-width:70rem;margin:0 auto;padding:1rem}\
     td,th{padding:2px 8px;text-align:left}form{margin:.6rem 0}input[type=text]{width:32rem;max-width:90%}\
     .fail{color:#b00}.warn{color:#a60}.pass{color:#070}pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap}</style>\
     </head><body>";

/// The two forms: diagnose a URL with a module, explain a phone's errMsg.
fn forms(html: &mut String, config: &Config) {
    html.push_str(
        "<h2>Diagnose a URL</h2><form id=\"diagnose\" method=\"get\" action=\"/diagnose\">\
         <input type=\"text\" name=\"target\" placeholder=\"https://api.example.com/getinfo\" required> \
         <select name=\"module\">",
    );
    for name in config.modules.keys() {
        let selected = if name == DEFAULT_MODULE { " selected" } else { "" };
        let _ = write!(html, "<option value=\"{name}\"{selected}>{name}</option>", name = escape(name));
    }
    html.push_str(
        "</select> <button type=\"submit\">Diagnose</button></form>\
         <h2>Explain what the phone showed</h2><form id=\"explain\" method=\"get\" action=\"/explain\">\
         <input type=\"text\" name=\"error\" placeholder=\"request:fail errcode:-202 … or 600001\" required> \
         <button type=\"submit\">Explain</button></form>",
    );
}

/// The answer to the explain form: the question and `reqdoctor explain`'s answer.
pub fn explained(input: &str, answer: &str) -> String {
    format!(
        "{HEAD}<h1>reqdoctor explain</h1><p><a href=\"/\">← back</a></p><p>The phone showed: <code id=\"question\">{}</code></p>\
         <pre id=\"answer\">{}</pre></body></html>\n",
        escape(input),
        escape(answer)
    )
}

fn row(html: &mut String, recent: &Recent) {
    let report = &recent.report;
    let verdict = report.verdict.as_str();
    let failing: Vec<&str> = report.checks.iter().filter(|c| c.status.severity() > 0).map(|c| c.id.as_str()).collect();
    let _ = write!(
        html,
        "<tr><td>{id}</td><td>{at}</td><td>{target}</td><td>{module}</td><td class=\"{verdict}\">{verdict}</td>\
         <td>{failing}</td><td>{ms:.1}</td><td><a href=\"/report/{id}.html\">html</a> \
         <a href=\"/report/{id}.txt\">text</a> <a href=\"/report/{id}.md\">markdown</a> \
         <a href=\"/report/{id}.json\">json</a></td></tr>",
        id = recent.id,
        at = report.started_at,
        target = escape(&report.target),
        module = escape(&recent.module),
        failing = escape(&failing.join(", ")),
        ms = report.timings_ms.total,
    );
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
