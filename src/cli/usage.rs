//! clap's own errors (an unknown option, a missing URL, a value not in the
//! list) as the one stderr line every exit-3 problem gets. clap renders them
//! over several lines — the names, a "did you mean", the possible values, the
//! usage — so the pieces are read from the error's context and joined here.

use std::ffi::OsString;

use clap::CommandFactory;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use super::Cli;

/// One line, without the `reqdoctor: ` prefix: clap's headline, then its
/// details, then where to read more (for the command `args` name), e.g. `unexpected argument '--timout-ms'
/// found; a similar argument exists: '--timeout-ms' (see 'reqdoctor check --help')`.
pub fn one_line(error: &clap::Error, args: &[OsString]) -> String {
    let mut parts = vec![headline(error)];
    parts.extend(values(error));
    parts.extend(suggestions(error));
    format!("{} (see '{} --help')", parts.join("; "), command_path(args))
}

/// What went wrong, with the arguments it names on the same line.
fn headline(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
    let first = first.trim().trim_start_matches("error: ").trim_end_matches(':').to_owned();
    // clap lists these names on the lines below its headline.
    let listed = match error.kind() {
        ErrorKind::MissingRequiredArgument => error.get(ContextKind::InvalidArg),
        ErrorKind::ArgumentConflict => error.get(ContextKind::PriorArg),
        _ => None,
    };
    match listed {
        Some(ContextValue::Strings(names)) if first.ends_with("provided") || first.ends_with("with") => {
            format!("{first}: {}", names.join(", "))
        }
        _ => first,
    }
}

/// The values or subcommands that would have been accepted.
fn values(error: &clap::Error) -> Option<String> {
    let (label, kind) = match error.kind() {
        ErrorKind::MissingSubcommand => ("subcommands", ContextKind::ValidSubcommand),
        _ => ("possible values", ContextKind::ValidValue),
    };
    match error.get(kind) {
        Some(ContextValue::Strings(valid)) if !valid.is_empty() => Some(format!("{label}: {}", valid.join(", "))),
        _ => None,
    }
}

/// clap's "did you mean" and its tips.
fn suggestions(error: &clap::Error) -> Vec<String> {
    let similar = [
        (ContextKind::SuggestedSubcommand, "subcommand"),
        (ContextKind::SuggestedArg, "argument"),
        (ContextKind::SuggestedValue, "value"),
    ];
    let mut found: Vec<String> = similar
        .into_iter()
        .filter_map(|(kind, what)| match error.get(kind)? {
            ContextValue::String(one) => Some(format!("a similar {what} exists: '{one}'")),
            ContextValue::Strings(many) if many.len() == 1 => Some(format!("a similar {what} exists: '{}'", many[0])),
            ContextValue::Strings(many) if !many.is_empty() => {
                let quoted: Vec<String> = many.iter().map(|m| format!("'{m}'")).collect();
                Some(format!("some similar {what}s exist: {}", quoted.join(", ")))
            }
            _ => None,
        })
        .collect();
    if let Some(ContextValue::StyledStrs(tips)) = error.get(ContextKind::Suggested) {
        found.extend(tips.iter().map(|tip| tip.to_string()));
    }
    found
}

/// `reqdoctor check`: the command named on the command line, whose `--help`
/// to read (clap's error does not always carry a usage line to tell).
fn command_path(args: &[OsString]) -> String {
    let command = Cli::command();
    let named = args.iter().skip(1).filter_map(|arg| arg.to_str()).find_map(|arg| {
        command.get_subcommands().find(|sub| sub.get_name() == arg).map(|sub| sub.get_name().to_owned())
    });
    match named {
        Some(sub) => format!("reqdoctor {sub}"),
        None => "reqdoctor".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn line(args: &[&str]) -> String {
        let args: Vec<OsString> =
            std::iter::once("reqdoctor").chain(args.iter().copied()).map(OsString::from).collect();
        let error = Cli::try_parse_from(&args).unwrap_err();
        one_line(&error, &args)
    }

    #[test]
    fn keeps_clap_details_on_one_line() {
        let cases = [
            (
                &["check"][..],
                "the following required arguments were not provided: <URL>... (see 'reqdoctor check --help')",
            ),
            (
                &["check", "--timout-ms", "5", "https://a.test/"],
                "unexpected argument '--timout-ms' found; a similar argument exists: '--timeout-ms' (see 'reqdoctor check --help')",
            ),
            (
                &["chek"],
                "unrecognized subcommand 'chek'; some similar subcommands exist: 'checks', 'check' (see 'reqdoctor --help')",
            ),
            (
                &["check", "--format", "xml", "https://a.test/"],
                "invalid value 'xml' for '--format <FORMAT>'; possible values: text, json, jsonl, nagios, markdown, html; a similar value exists: 'html' (see 'reqdoctor check --help')",
            ),
            (
                &["check", "--json", "--format", "json", "https://a.test/"],
                "the argument '--json' cannot be used with '--format <FORMAT>' (see 'reqdoctor check --help')",
            ),
        ];
        for (args, expected) in cases {
            assert_eq!(line(args), expected, "{args:?}");
        }
    }

    #[test]
    fn every_piece_is_on_the_one_line() {
        for args in [&["check", "--lang", "fr", "x"][..], &["serve", "--listen", "nope"], &["explain"], &["--bogus"]] {
            let text = line(args);
            assert!(!text.contains('\n') && !text.contains("Usage:"), "{args:?}: {text:?}");
        }
    }
}
