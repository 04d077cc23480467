//! The command line that produced a report, as the shareable reports print
//! it: shell-quoted so it can be pasted back, with every secret it could
//! carry masked — header values, request data, and credentials in a URL.

use std::ffi::OsString;

/// Options whose value is masked whole.
const SECRET_VALUES: [&str; 2] = ["--data", "--proxy-password"];
/// Options whose value is `Name: value`: the name is kept.
const HEADERS: [&str; 2] = ["-H", "--header"];

/// `reqdoctor` and `args` (without the program name), masked and quoted.
pub fn shown(args: impl IntoIterator<Item = OsString>) -> String {
    let mut words = vec!["reqdoctor".to_owned()];
    let mut pending: Option<String> = None;
    for arg in args {
        let arg = arg.to_string_lossy().into_owned();
        let masked = match pending.take() {
            Some(option) => mask_value(&option, &arg),
            None => {
                if HEADERS.contains(&arg.as_str()) || SECRET_VALUES.contains(&arg.as_str()) {
                    pending = Some(arg.clone());
                }
                mask_inline(&arg)
            }
        };
        words.push(quote(&masked));
    }
    words.join(" ")
}

/// `--header=K: v`, `-HK: v`, `--data=…`, or a bare word (a URL keeps no credentials).
fn mask_inline(arg: &str) -> String {
    if let Some((option, value)) = arg.split_once('=').filter(|(option, _)| option.starts_with("--")) {
        return format!("{option}={}", mask_value(option, value));
    }
    if let Some(value) = arg.strip_prefix("-H").filter(|v| !v.is_empty()) {
        return format!("-H{}", mask_value("-H", value));
    }
    mask_url(arg)
}

fn mask_value(option: &str, value: &str) -> String {
    if HEADERS.contains(&option) {
        let name = value.split_once(':').map_or(value, |(name, _)| name);
        return format!("{}: ***", name.trim());
    }
    if SECRET_VALUES.contains(&option) {
        return "***".to_owned();
    }
    mask_url(value)
}

/// A URL with `user[:password]@` written `***@`; anything else unchanged.
fn mask_url(word: &str) -> String {
    match url::Url::parse(word) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_password(None);
            let _ = url.set_username("***");
            url.to_string()
        }
        _ => word.to_owned(),
    }
}

/// `word` as a POSIX shell reads it back: bare when it is plain, else in single quotes.
fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@,+%^".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown_of(args: &[&str]) -> String {
        shown(args.iter().map(OsString::from))
    }

    #[test]
    fn secrets_never_reach_the_shown_command() {
        let line = shown_of(&[
            "check",
            "-H",
            "Authorization: Bearer s3cret",
            "--header=Cookie: id=s3cret",
            "-HX-Token: s3cret",
            "--data",
            "{\"password\":\"s3cret\"}",
            "https://user:s3cret@api.example.com/x",
        ]);
        assert!(!line.contains("s3cret"), "{line}");
        assert_eq!(
            line,
            "reqdoctor check -H 'Authorization: ***' '--header=Cookie: ***' '-HX-Token: ***' --data '***' \
             'https://***@api.example.com/x'"
        );
    }

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(
            shown_of(&["check", "--timeout-ms", "5000", "https://a.example/?q=1&r=2"]),
            "reqdoctor check --timeout-ms 5000 'https://a.example/?q=1&r=2'"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
