//! The JSON renderers: one pretty document (`--json`), or one compact line
//! per report, flushed as each target finishes (`--format jsonl`).

use std::io::{self, Write};

use super::Report;

/// Writes one report as a pretty-printed JSON document and a newline.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}

/// Writes one report as a single line and flushes it. It is serialised
/// straight into `out`, which `check` buffers (a line-buffered stdout would
/// look for a newline in each of serde's small writes).
pub fn render_line(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}
