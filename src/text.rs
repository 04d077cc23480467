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

/// [`clean`] for text already owned: returned as it is when nothing needs
/// replacing or cutting, which is almost always (no copy).
pub fn clean_owned(text: String, max: usize) -> String {
    let fits = text.len() <= max.saturating_sub('…'.len_utf8());
    if fits && !has_control(&text) { text } else { clean(&text, max) }
}

/// Whether `text` holds a control character (C0, DEL or C1), read byte by
/// byte when it is ASCII, as names and URLs nearly always are.
fn has_control(text: &str) -> bool {
    if text.is_ascii() { text.bytes().any(|byte| byte.is_ascii_control()) } else { text.chars().any(char::is_control) }
}

/// `bytes` as two hex digits each from `digits` (upper- or lower-case), with
/// `separator` between bytes when there is one.
pub fn hex(bytes: &[u8], digits: &[u8; 16], separator: Option<char>) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (index, byte) in bytes.iter().enumerate() {
        if let (Some(separator), 1..) = (separator, index) {
            out.push(separator);
        }
        out.push(char::from(digits[usize::from(byte >> 4)]));
        out.push(char::from(digits[usize::from(byte & 0xf)]));
    }
    out
}

/// The digits of [`hex`] in upper case.
pub const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
/// The digits of [`hex`] in lower case.
pub const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

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
    fn owned_text_is_cleaned_as_borrowed_text_is() {
        for (text, max) in [
            ("plain", 100),
            ("evil\u{1b}[2J", 100),
            ("del\u{7f}", 100),
            ("tab\there", 100),
            ("c1 \u{85} in 名字", 100),
            ("no c1 in 名字 é", 100),
            ("a long name", 6),
            ("abcdef", 6),
            ("abc", 6),
            ("名字", 4),
            ("", 0),
        ] {
            assert_eq!(clean_owned(text.to_owned(), max), clean(text, max), "{text:?} cut to {max}");
        }
    }

    #[test]
    fn hex_digits_with_and_without_separators() {
        assert_eq!(hex(&[0x00, 0xab, 0x5f], UPPER_HEX, Some(':')), "00:AB:5F");
        assert_eq!(hex(&[0x00, 0xab, 0x5f], LOWER_HEX, None), "00ab5f");
        assert_eq!(hex(&[0x7], LOWER_HEX, Some(':')), "07");
        assert_eq!(hex(&[], UPPER_HEX, Some(':')), "");
    }

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
