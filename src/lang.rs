//! The report's language: natural English or Chinese for every summary, hint
//! and heading. Ids, JSON keys and `wx` values never change with it.

use std::ffi::OsString;

/// A language the report can be written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    /// `--lang`, else the locale: the first of LC_ALL, LC_MESSAGES, LANG that is set;
    /// `zh_*` means Chinese, anything else English.
    pub fn resolve(flag: Option<Lang>) -> Lang {
        flag.unwrap_or_else(|| {
            let var = |name| std::env::var_os(name).filter(|v: &OsString| !v.is_empty());
            let locale = var("LC_ALL").or_else(|| var("LC_MESSAGES")).or_else(|| var("LANG"));
            Lang::from_locale(&locale.unwrap_or_default().to_string_lossy())
        })
    }

    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
    }
}

/// Formats the sentence of `$lang`: `say!(lang, "expired {n} days ago", "已过期 {n} 天")`.
/// Both are format strings over the same arguments (captures and `name = value` work).
#[macro_export]
macro_rules! say {
    ($lang:expr, $en:literal, $zh:literal $(, $($args:tt)*)?) => {
        match $lang {
            $crate::lang::Lang::En => format!($en $(, $($args)*)?),
            $crate::lang::Lang::Zh => format!($zh $(, $($args)*)?),
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_locales_mean_chinese() {
        for (locale, lang) in [
            ("zh_CN.UTF-8", Lang::Zh),
            ("zh_TW", Lang::Zh),
            ("ZH", Lang::Zh),
            ("en_US.UTF-8", Lang::En),
            ("C", Lang::En),
            ("", Lang::En),
        ] {
            assert_eq!(Lang::from_locale(locale), lang, "{locale}");
        }
        assert_eq!(Lang::resolve(Some(Lang::Zh)), Lang::Zh);
    }

    #[test]
    fn say_picks_the_language_and_keeps_captures() {
        let days = 2;
        assert_eq!(say!(Lang::En, "expired {days} days ago", "已过期 {days} 天"), "expired 2 days ago");
        assert_eq!(say!(Lang::Zh, "expired {} days ago", "已过期 {} 天", days), "已过期 2 天");
        assert_eq!(say!(Lang::En, "see {id}", "见 {id}", id = "cert.expiry"), "see cert.expiry");
    }
}
