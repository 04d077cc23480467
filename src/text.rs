//! Text that came from the network, made safe to show: control characters
//! (a certificate name could carry terminal escapes or a forged second line)
//! are replaced, and anything a server can make long is capped.

/// The most bytes of one summary or hint.
pub const MAX_LINE: usize = 2048;
/// The most bytes of one name taken from a certificate.
pub const MAX_NAME: usize = 256;

/// `text` with every control character replaced by `�`, cut to `max` bytes
/// (on a character boundary, ending in `…` when cut).
pub fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for ch in text.chars() {
        let ch = if ch.is_control() { '\u{fffd}' } else { ch };
        if out.len() + ch.len_utf8() > max.saturating_sub('…'.len_utf8()) {
            out.push('…');
            return out;
        }
        out.push(ch);
    }
    out
}

/// The columns `text` takes in a terminal: two for East Asian wide characters
/// (CJK, Hangul, full-width forms), one for most others (Unicode's widths).
pub fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` padded with spaces to `width` terminal columns.
pub fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(columns(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_pass() {
        assert_eq!(clean("evil\u{1b}[2J\nname\t!", 100), "evil\u{fffd}[2J\u{fffd}name\u{fffd}!");
    }

    #[test]
    fn chinese_takes_two_columns() {
        assert_eq!(columns("TLS 握手"), 8);
        assert_eq!(pad("证书", 6), "证书  ");
        assert_eq!(pad("abc", 2), "abc");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let cut = clean(&"证".repeat(100), 20);
        assert!(cut.len() <= 20 && cut.ends_with('…'), "{cut}");
        assert_eq!(clean("short", 20), "short");
    }
}
