//! The text report's timing block, a waterfall like httpstat's: one row per
//! stretch of the diagnosis, cumulative from its start, named as the phone's
//! `res.profile` names its phases, with reqdoctor's own extra requests
//! marked `+` and drawn in a lighter shade, and a total that says how much of
//! it was the phone's request.

use std::io::{self, Write};

use super::TimelineEntry;
use super::text::Pen;
use crate::lang::Lang;
use crate::say;
use crate::text::pad;

/// The label column's width.
const LABEL: usize = 17;
/// `  label  start  end  ` before the bar.
const BEFORE_BAR: usize = 2 + LABEL + 9 + 9 + 2;
/// Narrower bars than this are left out.
const MIN_BAR: usize = 8;

/// Writes the timing block for `timeline` and the diagnosis' `total` milliseconds.
pub fn render(timeline: &[TimelineEntry], total: f64, pen: &Pen, out: &mut dyn Write) -> io::Result<()> {
    let heading = say!(pen.lang, "timing", "耗时");
    if timeline.is_empty() {
        return writeln!(
            out,
            "{} {}",
            pen.paint.bold(&heading),
            say!(pen.lang, "total {total:.1} ms", "总计 {total:.1} ms")
        );
    }
    let note = say!(
        pen.lang,
        " (ms; phases as res.profile names them; + reqdoctor's own requests)",
        "（毫秒；阶段名同 res.profile；+ 为 reqdoctor 额外的请求）"
    );
    pen.wrap(out, &pen.paint.bold(&heading), "  ", &note)?;
    let end = timeline.iter().map(|e| e.end_ms).fold(total, f64::max);
    let bar = pen.width.saturating_sub(BEFORE_BAR);
    for entry in timeline {
        let label = pad(&label(entry.phase, pen.lang), LABEL);
        let drawn = if bar >= MIN_BAR { draw(entry, end, bar) } else { String::new() };
        let line = format!("  {label}{:>8.1} {:>8.1}  {drawn}", entry.start_ms, entry.end_ms);
        writeln!(out, "{}", line.trim_end())?;
    }
    let phone = timeline.iter().filter(|e| !e.extra).map(|e| e.end_ms).fold(0.0, f64::max);
    let first = format!("  {}", pad(&say!(pen.lang, "total", "总计"), LABEL + 9));
    let summary = if timeline.iter().any(|e| e.extra) {
        say!(
            pen.lang,
            "{total:>8.1}  the phone's request took {phone:.1} ms, reqdoctor's extra requests the rest",
            "{total:>8.1}  手机的请求用了 {phone:.1} ms，其余为 reqdoctor 额外的请求"
        )
    } else {
        format!("{total:>8.1}")
    };
    pen.wrap(out, &first, &" ".repeat(2 + LABEL + 9 + 10), &summary)
}

/// The row's bar: `█` for the phone's phases, `░` for reqdoctor's extras.
fn draw(entry: &TimelineEntry, end: f64, width: usize) -> String {
    if end <= 0.0 {
        return String::new();
    }
    let column = |ms: f64| ((ms / end) * width as f64).clamp(0.0, width as f64);
    let from = column(entry.start_ms).floor() as usize;
    let to = (column(entry.end_ms).ceil() as usize).clamp(from + 1, width.max(from + 1));
    let shade = if entry.extra { "░" } else { "█" };
    format!("{}{}", " ".repeat(from), shade.repeat(to - from))
}

/// The row's name: the phone's phase as `res.profile` calls it, or what reqdoctor did.
fn label(phase: &str, lang: Lang) -> String {
    let (en, zh) = match phase {
        "http11_retry" => ("retry on HTTP/1.1", "改用 HTTP/1.1 重试"),
        "quic_handshake" => ("QUIC handshake", "QUIC 握手"),
        "h3_request" => ("HTTP/3 request", "HTTP/3 请求"),
        "phone_hello" => ("+ phone's hello", "+ 手机的握手探测"),
        "legacy_hellos" => ("+ TLS 1.1/1.0", "+ TLS 1.1/1.0 探测"),
        "tlcp_hello" => ("+ TLCP hello", "+ 国密 TLCP 探测"),
        "large_chain" => ("+ large chain", "+ 读取超大证书链"),
        "date_probe" => ("+ HEAD for Date", "+ 读取服务器时间"),
        "other_addresses" => ("+ other addresses", "+ 其他地址"),
        "proxy_connect" => ("+ proxy CONNECT", "+ 代理 CONNECT"),
        phone => (phone, phone),
    };
    match lang {
        Lang::En => en.to_owned(),
        Lang::Zh => zh.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::text::Painter;

    fn entry(phase: &'static str, start_ms: f64, end_ms: f64, extra: bool) -> TimelineEntry {
        TimelineEntry { phase, start_ms, end_ms, extra }
    }

    fn rendered(timeline: &[TimelineEntry], total: f64, width: usize, lang: Lang) -> String {
        let pen = Pen { paint: Painter { color: false }, width, lang };
        let mut out = Vec::new();
        render(timeline, total, &pen, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn bars_are_cumulative_and_extras_are_labelled() {
        let timeline = [
            entry("domainLookUp", 0.0, 10.0, false),
            entry("connect", 10.0, 20.0, false),
            entry("SSLconnection", 20.0, 40.0, false),
            entry("date_probe", 40.0, 2040.0, true),
        ];
        let text = rendered(&timeline, 2040.0, 80, Lang::En);
        let rows: Vec<&str> = text.lines().filter(|l| l.contains('█') || l.contains('░')).collect();
        assert_eq!(rows.len(), 4, "{text}");
        assert!(rows[3].starts_with("  + HEAD for Date") && rows[3].ends_with('░'), "{text}");
        assert!(text.contains("the phone's request took 40.0 ms"), "{text}");
        let start = |row: &str| row.find(['█', '░']).unwrap();
        assert!(start(rows[0]) <= start(rows[1]) && start(rows[1]) <= start(rows[3]), "{text}");
        assert!(text.lines().all(|l| crate::text::columns(l) <= 80), "{text}");
    }

    #[test]
    fn narrow_terminals_lose_the_bars_not_the_numbers() {
        let text = rendered(&[entry("SSLconnection", 0.5, 2.9, false)], 3.0, 40, Lang::Zh);
        assert!(text.contains("SSLconnection") && text.contains("2.9") && !text.contains('█'), "{text}");
        assert!(text.lines().all(|l| crate::text::columns(l) <= 40), "{text}");
    }
}
