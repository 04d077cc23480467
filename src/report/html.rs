//! The HTML report: one self-contained page (inline style, no script, no
//! external asset) that works offline and can be attached to a ticket — the
//! verdict, the phone's errno and errMsg, the six steps, the certificate chain
//! drawn as boxes, the waterfall, and the command that produced it. Every
//! piece of text is escaped; elements carry `data-*` attributes for tools.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::fold::{Line, fold};
use super::text::verdict_detail;
use super::{CertEntry, CertificateReport, CheckReport, Report, TimelineEntry, verdict_word};
use crate::cert::PathStep;
use crate::checks::Status;
use crate::checks::catalogue::{STEP_ORDER, step_heading};
use crate::lang::Lang;
use crate::say;

const STYLE: &str = "\
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}\
h1{font-size:1.3rem;word-break:break-all}h2{font-size:1.05rem;margin:1.4rem 0 .4rem}\
.verdict{padding:.6rem 1rem;border-radius:6px;font-weight:600}\
.verdict.fail{background:#fde8e8;color:#8a1212}.verdict.warn{background:#fff4d6;color:#7a5200}\
.verdict.pass{background:#e6f6ea;color:#145a26}\
.phone{border-left:4px solid #c33;padding:.3rem .8rem;background:#fafafa;margin:.6rem 0}\
code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap;word-break:break-all}\
table{border-collapse:collapse;width:100%}td,th{padding:.25rem .5rem;vertical-align:top;text-align:left;border-bottom:1px solid #eee}\
td.mark{width:1.2rem;font-weight:700}.step table{table-layout:fixed}.step td:nth-child(2){width:9.5rem}tr.fail td.mark{color:#c00}tr.warn td.mark{color:#b70}tr.pass td.mark{color:#080}\
tr.skip,tr.info{color:#666}.hint{color:#245;margin-top:.2rem}.wx{font-family:ui-monospace,monospace;font-size:.85em;color:#555}\
.chain{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem}.cert{border:1px solid #999;border-radius:6px;padding:.4rem .6rem;min-width:10rem}\
.cert.missing{border-style:dashed;border-color:#c00;color:#8a1212}.cert.expired{border-color:#c00}.cert.root{background:#f3f8ff}\
.cert small{display:block;color:#666}.arrow{color:#888}\
.wf{position:relative;height:1.1rem;background:#f6f6f6}.wf span{position:absolute;top:0;bottom:0;background:#3b7dd8}\
.wf span.extra{background:repeating-linear-gradient(45deg,#bbb,#bbb 3px,#ddd 3px,#ddd 6px)}\
td.ms{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}footer{color:#777;font-size:.85em;margin-top:2rem}";

/// The start of a page that holds one or more reports.
pub fn begin(lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let lang_code = match lang {
        Lang::En => "en",
        Lang::Zh => "zh-CN",
    };
    write!(
        out,
        "<!doctype html>\n<html lang=\"{lang_code}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>reqdoctor</title><style>{STYLE}</style></head><body>\n"
    )
}

/// The end of the page; `command` is the masked command line that produced it.
pub fn end(command: &str, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let made = say!(lang, "Made with", "生成命令");
    writeln!(
        out,
        "<footer><p>{made}:</p><pre id=\"command\">{}</pre><p>reqdoctor {}</p></footer></body></html>",
        escape(command),
        env!("CARGO_PKG_VERSION")
    )
}

/// A whole page for one report.
pub fn document(report: &Report, lang: Lang, command: &str, out: &mut dyn Write) -> io::Result<()> {
    begin(lang, out)?;
    article(report, lang, out)?;
    end(command, lang, out)
}

/// One report as an `<article>`.
pub fn article(report: &Report, lang: Lang, out: &mut dyn Write) -> io::Result<()> {
    let mut html = String::new();
    let verdict = report.verdict.as_str();
    let _ = write!(
        html,
        "<article class=\"report\" data-target=\"{target}\" data-verdict=\"{verdict}\">\
         <h1>{command} <code>{target}</code></h1>\
         <p class=\"verdict {verdict}\" id=\"verdict\">{word}{detail}</p>\
         <p><small>{started} · {addresses}</small></p>",
        target = escape(&report.target),
        command = report.command(),
        word = verdict_word(report.verdict, lang),
        detail = escape(&verdict_detail(report, lang)),
        started = report.started_at,
        addresses = escape(&report.addresses.join(", ")),
    );
    phone(&mut html, report, lang);
    steps(&mut html, report, lang);
    if let Some(chain) = &report.certificate {
        certificate(&mut html, chain, lang);
    }
    if !report.of_files {
        waterfall(&mut html, &report.timeline, report.timings_ms.total, lang);
    }
    html.push_str("</article>\n");
    out.write_all(html.as_bytes())
}

/// The errno and errMsg the phone would show, once per failing check that says.
fn phone(html: &mut String, report: &Report, lang: Lang) {
    for check in report.checks.iter().filter(|c| c.status.severity() > 0) {
        let Some(wx) = &check.wx else { continue };
        let title = say!(lang, "The phone would show", "手机上会看到");
        let _ = write!(
            html,
            "<div class=\"phone\" data-check=\"{id}\"><strong>{title}</strong> ({id})<br>\
             errno <code class=\"errno\">{errno}</code> <code class=\"errmsg\">{msg}</code>",
            id = check.id.as_str(),
            errno = wx.errno,
            msg = escape(&wx.err_msg),
        );
        if let Some(android) = &wx.android {
            let _ = write!(
                html,
                "<br>Android: errno <code>{}</code> <code>{}</code>",
                android.errno,
                escape(&android.err_msg)
            );
        }
        html.push_str("</div>");
    }
}

/// The six steps (and the request itself), each a table of its checks.
fn steps(html: &mut String, report: &Report, lang: Lang) {
    for number in STEP_ORDER {
        let checks: Vec<&CheckReport> = report.checks.iter().filter(|c| c.step == number).collect();
        if checks.is_empty() {
            continue;
        }
        let _ = write!(
            html,
            "<section class=\"step\" data-step=\"{number}\"><h2>{}</h2><table>",
            escape(&step_heading(number, lang))
        );
        for line in fold(&checks, report, false) {
            match line {
                Line::Check(check) => check_row(html, check, lang),
                Line::Folded { ids, summary } => {
                    let _ = write!(
                        html,
                        "<tr class=\"skip folded\"><td class=\"mark\">–</td><td><code>{}</code></td><td>{}</td></tr>",
                        escape(&ids),
                        escape(summary)
                    );
                }
            }
        }
        html.push_str("</table></section>");
    }
}

fn check_row(html: &mut String, check: &CheckReport, lang: Lang) {
    let status = check.status.as_str();
    let _ = write!(
        html,
        "<tr class=\"check {status}\" data-id=\"{id}\" data-status=\"{status}\"><td class=\"mark\">{mark}</td>\
         <td><code>{id}</code></td><td>{summary}",
        id = check.id.as_str(),
        mark = mark(check.status),
        summary = escape(&check.summary),
    );
    if check.status.severity() > 0 {
        if let Some(hint) = &check.hint {
            let _ = write!(html, "<div class=\"hint\">→ {}</div>", escape(hint));
        }
        if let Some(wx) = &check.wx {
            let phone = say!(lang, "phone", "手机");
            let _ = write!(html, "<div class=\"wx\">{phone}: errno {} {}</div>", wx.errno, escape(&wx.err_msg));
        }
    }
    html.push_str("</td></tr>");
}

/// The path from the leaf toward the root as boxes, and any extra certificates sent.
fn certificate(html: &mut String, chain: &CertificateReport, lang: Lang) {
    let title = say!(lang, "Certificate chain", "证书链");
    let _ = write!(html, "<section id=\"chain\"><h2>{title}</h2><div class=\"chain\">");
    for (position, step) in chain.steps.iter().enumerate() {
        if position > 0 {
            let issued = say!(lang, "issued by", "签发者");
            let _ = write!(html, "<span class=\"arrow\">→ {issued} →</span>");
        }
        match step {
            PathStep::Sent(index) => sent_box(html, &chain.chain[*index], None, lang),
            PathStep::SentRoot { index, trusted } => sent_box(html, &chain.chain[*index], Some(*trusted), lang),
            PathStep::StoreRoot(root) => {
                let note = say!(lang, "trusted root, from the trust store", "受信任的根证书（来自信任库）");
                let _ = write!(
                    html,
                    "<div class=\"cert root\" data-role=\"root\">{}<small>{note}</small></div>",
                    escape(root)
                );
            }
            PathStep::Missing(issuer) => {
                let note = say!(
                    lang,
                    "not sent, not trusted: the server must send it",
                    "服务器未发送，也不受信任：需由服务器发送"
                );
                let _ = write!(
                    html,
                    "<div class=\"cert missing\" data-role=\"missing\">{}<small>{note}</small></div>",
                    escape(issuer)
                );
            }
        }
    }
    html.push_str("</div>");
    let extras: Vec<&CertEntry> = chain.chain.iter().filter(|e| e.role == crate::cert::Role::Extra).collect();
    if !extras.is_empty() {
        let also = say!(lang, "Also sent, not on the path:", "另外发送了（不在路径上）：");
        let names: Vec<String> = extras.iter().map(|e| escape(&e.name)).collect();
        let _ = write!(html, "<p>{also} {}</p>", names.join(", "));
    }
    html.push_str("</section>");
}

fn sent_box(html: &mut String, entry: &CertEntry, root: Option<bool>, lang: Lang) {
    let (class, what) = match (root, entry.days_left) {
        (Some(true), _) => ("root", say!(lang, "trusted root (sent)", "受信任的根证书（服务器发送）")),
        (Some(false), _) => ("root missing", say!(lang, "untrusted root", "不受信任的根证书")),
        (None, d) if d < 0 => ("expired", say!(lang, "expired {} days ago", "已过期 {} 天", -d)),
        (None, d) => ("", say!(lang, "{d} days left", "剩 {d} 天")),
    };
    let _ = write!(
        html,
        "<div class=\"cert {class}\" data-role=\"{role}\">{name}<small>{what}</small><small>{key} · {sig}</small>\
         <small>{not_after}</small></div>",
        role = serde_json::to_value(entry.role).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        name = escape(&entry.name),
        key = escape(&entry.key),
        sig = escape(&entry.signature_algorithm),
        not_after = entry.not_after,
    );
}

/// The waterfall: one bar per stretch, placed by its share of the total.
fn waterfall(html: &mut String, timeline: &[TimelineEntry], total: f64, lang: Lang) {
    let title = say!(lang, "Timing", "耗时");
    let sum = say!(lang, "total {total:.1} ms", "总计 {total:.1} ms");
    let _ = write!(html, "<section id=\"waterfall\"><h2>{title}</h2><p>{sum}</p>");
    if timeline.is_empty() {
        html.push_str("</section>");
        return;
    }
    let end = timeline.iter().map(|e| e.end_ms).fold(total, f64::max).max(0.001);
    let extra = say!(lang, "reqdoctor's own request", "reqdoctor 额外的请求");
    html.push_str("<table>");
    for entry in timeline {
        let left = entry.start_ms / end * 100.0;
        let width = ((entry.end_ms - entry.start_ms) / end * 100.0).max(0.4);
        let (class, note) = if entry.extra { ("extra", extra.as_str()) } else { ("", "") };
        let _ = write!(
            html,
            "<tr data-phase=\"{phase}\"><td><code>{phase}</code> <small>{note}</small></td>\
             <td class=\"ms\">{start:.1} – {stop:.1} ms</td><td style=\"width:50%\"><div class=\"wf\">\
             <span class=\"{class}\" style=\"left:{left:.2}%;width:{width:.2}%\"></span></div></td></tr>",
            phase = entry.phase,
            start = entry.start_ms,
            stop = entry.end_ms,
        );
    }
    html.push_str("</table></section>");
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✔",
        Status::Warn => "!",
        Status::Fail => "✘",
        Status::Skip => "–",
        Status::Info => "i",
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
