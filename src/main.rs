//! The `reqdoctor` binary: parse the command line, run, and map the outcome
//! to the monitoring-plugin exit codes (0 pass, 1 warn, 2 fail, 3 could not run).

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use reqdoctor::cli::{ChecksArgs, Cli, Command, ExplainArgs};
use reqdoctor::config::Plan;
use reqdoctor::lang::Lang;

/// The tool itself could not run.
const CANNOT_RUN: u8 = 3;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let args = match cli.command {
        Command::Check(args) => args,
        Command::Explain(args) => return explain(&args),
        Command::Checks(args) => return checks(&args),
        Command::Serve(args) => {
            return match reqdoctor::serve::run(&args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => fail(&message),
            };
        }
    };
    let plan = match Plan::from_args(&args) {
        Ok(plan) => plan,
        Err(error) => return fail(&error.to_string()),
    };
    colored::control::set_override(plan.color);
    let mut stdout = io::stdout().lock();
    match reqdoctor::run_check(&plan, &mut stdout) {
        Ok(outcome) if outcome.interrupted && outcome.finished == 0 => fail("interrupted before any target finished"),
        Ok(outcome) if outcome.interrupted => {
            let finished = outcome.finished;
            let _ = writeln!(io::stderr(), "reqdoctor: interrupted; {finished} target(s) finished and were written");
            ExitCode::from(outcome.worst.max(CANNOT_RUN))
        }
        Ok(outcome) if outcome.bad_lines > 0 => ExitCode::from(CANNOT_RUN),
        Ok(outcome) => ExitCode::from(outcome.worst),
        Err(error) if error.to_string().starts_with("cannot write --baseline") => fail(&error.to_string()),
        Err(error) => fail(&format!("cannot write the report: {error}")),
    }
}

/// `reqdoctor explain`: 0 when the error is recognised, 3 with one line when not.
fn explain(args: &ExplainArgs) -> ExitCode {
    let lang = Lang::resolve(args.lang);
    let input = args.error.join(" ");
    let Some(explanation) = reqdoctor::explain::explain(&input, args.url.as_deref()) else {
        return fail(&reqdoctor::explain::unknown(&input, lang));
    };
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        reqdoctor::explain::render_json(&explanation, lang, &mut stdout)
    } else {
        reqdoctor::explain::render_text(&explanation, lang, &mut stdout)
    };
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => fail(&format!("cannot write the answer: {error}")),
        _ => ExitCode::SUCCESS,
    }
}

/// `reqdoctor checks`: the catalogue, as text or JSON.
fn checks(args: &ChecksArgs) -> ExitCode {
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        reqdoctor::report::catalogue::render_json(&mut stdout)
    } else {
        reqdoctor::report::catalogue::render_text(Lang::resolve(args.lang), &mut stdout)
    };
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => {
            fail(&format!("cannot write the catalogue: {error}"))
        }
        _ => ExitCode::SUCCESS,
    }
}

/// Help and version go to stdout with 0; any other clap error becomes one line and 3.
fn usage_error(error: &clap::Error) -> ExitCode {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return fail(
            "a command is required, e.g. 'reqdoctor check https://api.example.com/getinfo' (see 'reqdoctor --help')",
        );
    }
    let rendered = error.render().to_string();
    let first = rendered.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
    let message = first.trim().trim_start_matches("error: ");
    fail(&format!("{message} (see 'reqdoctor --help')"))
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "reqdoctor: {message}");
    ExitCode::from(CANNOT_RUN)
}
