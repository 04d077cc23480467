//! The `reqdoctor` binary: parse the command line, run the command, and exit
//! with the monitoring-plugin code it decided (0 pass, 1 warn, 2 fail, 3 could
//! not run).

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use reqdoctor::cli::Cli;
use reqdoctor::cli::run::{command, fail};
use reqdoctor::cli::usage::one_line;
use reqdoctor::outcome::Exit;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let exit = match Cli::try_parse_from(&args) {
        Ok(cli) => command(cli.command),
        Err(error) => usage_error(&error, &args),
    };
    ExitCode::from(exit.code())
}

/// Help and version go to stdout with 0; any other clap error becomes one
/// line (with clap's details: the names, a "did you mean", the possible values) and 3.
fn usage_error(error: &clap::Error, args: &[OsString]) -> Exit {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return Exit::Ok;
    }
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return fail(
            "a command is required, e.g. 'reqdoctor check https://api.example.com/getinfo' (see 'reqdoctor --help')",
        );
    }
    fail(&one_line(error, args))
}
