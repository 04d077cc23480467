//! Where targets come from: the URLs on the command line, then a targets file
//! (one URL per line, `#` comments, `-` for stdin), read as they are needed so
//! a batch of any size is streamed, never held in memory.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;

use crate::target::Target;

/// One entry of the stream: a target, or a line that is not a URL.
#[derive(Debug)]
pub enum Entry {
    Target(Target),
    /// `file line N: why`, for one stderr line; the batch goes on.
    Bad(String),
}

/// How many parsed entries may wait ahead of the workers.
const QUEUE: usize = 256;

/// Starts reading; entries arrive in order on the returned channel.
pub fn stream(first: Vec<Target>, file: Option<PathBuf>) -> mpsc::Receiver<Entry> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        for target in first {
            if tx.send(Entry::Target(target)).await.is_err() {
                return;
            }
        }
        if let Some(path) = file
            && let Err(e) = read_file(&path, &tx).await
        {
            let _ = tx.send(Entry::Bad(format!("{}: {e}", shown(&path)))).await;
        }
    });
    rx
}

async fn read_file(path: &Path, tx: &mpsc::Sender<Entry>) -> std::io::Result<()> {
    if path == Path::new("-") {
        return read_lines(BufReader::new(tokio::io::stdin()), "stdin", tx).await;
    }
    let file = tokio::fs::File::open(path).await?;
    read_lines(BufReader::new(file), &shown(path), tx).await
}

async fn read_lines<R: tokio::io::AsyncBufRead + Unpin>(
    reader: R,
    name: &str,
    tx: &mpsc::Sender<Entry>,
) -> std::io::Result<()> {
    let mut lines = reader.lines();
    let mut number = 0usize;
    while let Some(line) = lines.next_line().await? {
        number += 1;
        let Some(entry) = parse_line(&line, name, number) else { continue };
        if tx.send(entry).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// A line's target; `None` for blank lines and comments.
pub fn parse_line(line: &str, name: &str, number: usize) -> Option<Entry> {
    let text = line.split_once(" #").map_or(line, |(before, _)| before).trim();
    if text.is_empty() || text.starts_with('#') {
        return None;
    }
    Some(match Target::parse(text) {
        Ok(target) => Entry::Target(target),
        Err(e) => Entry::Bad(format!("{name} line {number}: {e}")),
    })
}

fn shown(path: &Path) -> String {
    format!("--targets-file {}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_urls_comments_or_mistakes() {
        assert!(parse_line("", "f", 1).is_none());
        assert!(parse_line("   # a comment", "f", 2).is_none());
        let Some(Entry::Target(t)) = parse_line(" https://api.test/x  # the API", "f", 3) else { panic!() };
        assert_eq!(t.url.as_str(), "https://api.test/x");
        let Some(Entry::Bad(why)) = parse_line("api.test/x", "f", 4) else { panic!() };
        assert!(why.starts_with("f line 4: invalid URL"), "{why}");
    }

    #[tokio::test]
    async fn streams_arguments_then_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.txt");
        std::fs::write(&file, "https://b.test/\nnot a url\n# skip\nhttps://c.test/\n").unwrap();
        let first = vec![Target::parse("https://a.test/").unwrap()];
        let mut rx = stream(first, Some(file));
        let mut seen = Vec::new();
        while let Some(entry) = rx.recv().await {
            seen.push(match entry {
                Entry::Target(t) => t.host(),
                Entry::Bad(why) => format!("bad: {why}"),
            });
        }
        assert_eq!(seen.len(), 4);
        assert_eq!(&seen[..2], ["a.test", "b.test"]);
        assert!(seen[2].starts_with("bad: --targets-file") && seen[2].contains("line 2"), "{seen:?}");
        assert_eq!(seen[3], "c.test");
    }
}
