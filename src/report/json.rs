//! The JSON renderers: one pretty document (`--json`), or one compact line
//! per report, flushed as each target finishes (`--format jsonl`).

use std::io::{self, Write};

use super::Report;

/// Writes one report as a pretty-printed JSON document and a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// Writes one report as a single line and flushes it. The line is
/// serialised into `line` first, a buffer the caller keeps from one report to
/// the next: serde makes a write for every key, value and comma, and into a
/// `Vec` each is a copy, where into `out` each is a call through `dyn Write`.
pub fn render_line(report: &Report, line: &mut Vec<u8>, out: &mut dyn Write) -> io::Result<()> {
    line.clear();
    serde_json::to_writer(&mut *line, report)?;
    line.push(b'\n');
    out.write_all(line)?;
    out.flush()
}
