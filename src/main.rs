//! The `reqdoctor` binary: parse the command line, run the command, and exit
//! with the monitoring-plugin code it decided (0 pass, 1 warn, 2 fail, 3 could
//! not run).

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use reqdoctor::cli::Cli;
use reqdoctor::cli::run::{command, fail};
use reqdoctor::outcome::Exit;

fn main() -> ExitCode {
    let exit = match Cli::try_parse() {
        Ok(cli) => command(cli.command),
        Err(error) => usage_error(&error),
    };
    ExitCode::from(exit.code())
}

/// Help and version go to stdout with 0; any other clap error becomes one line and 3.
fn usage_error(error: &clap::Error) -> Exit {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return Exit::Ok;
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
