//! Runs one parsed command and decides its exit: `check` batches, `cert`,
//! `explain`, `checks`, `serve`, and the installation's `completions` and `man`. Problems
//! the user can fix are one line on stderr and [`Exit::Unknown`]; a closed
//! stdout (a broken pipe) is not an error.

use std::io::{self, Write};
use std::time::Duration;

use super::plan::{self, CertPlan, Plan, UsageError};
use super::{
    CertArgs, ChainArgs, CheckArgs, ChecksArgs, Command, CompletionsArgs, ExplainArgs, ManArgs, ServeArgs, completions,
    manpage, serve_config,
};
use crate::baseline::{SaveError, Store};
use crate::batch::Listener;
use crate::lang::Lang;
use crate::outcome::{Exit, Outcome, Shortfall};
use crate::output::Output;
use crate::pipeline::Work;
use crate::target::Target;
use crate::{batch, cert, certfile, chainfix, explain, pipeline, report, serve};

/// Runs `command` and returns how it ended.
pub fn command(command: Command) -> Exit {
    match command {
        Command::Check(args) => check(&args),
        Command::Explain(args) => self::explain(&args),
        Command::Chain(args) => chain(&args),
        Command::Checks(args) => checks(&args),
        Command::Cert(args) => cert(&args),
        Command::Serve(args) => self::serve(&args),
        Command::Completions(args) => self::completions(&args),
        Command::Man(args) => man(&args),
    }
}

/// Why a `check` run stopped before its end.
#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Baseline(#[from] SaveError),
    #[error("cannot write the report: {0}")]
    Output(#[source] io::Error),
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
}

/// `reqdoctor check`: the batch, then the exit the outcome decides.
fn check(args: &CheckArgs) -> Exit {
    let plan = match Plan::from_args(args) {
        Ok(plan) => plan,
        Err(error) => return fail(&error.to_string()),
    };
    colored::control::set_override(plan.style.color);
    let mut store = match plan.baseline.as_deref().map(Store::load).transpose() {
        Ok(store) => store,
        Err(error) => return fail(&UsageError::from(error).to_string()),
    };
    let mut stdout = buffered_stdout();
    let outcome = match run_batch(&plan, store.as_mut(), &mut stdout) {
        Ok(outcome) => outcome,
        Err(error) => return fail(&error.to_string()),
    };
    if let Some(store) = &store
        && let Err(error) = store.save()
    {
        return fail(&RunError::from(error).to_string());
    }
    let decision = outcome.decide();
    for shortfall in &decision.shortfalls {
        let line = match shortfall {
            Shortfall::Interrupted if outcome.finished() == 0 => "interrupted before any target finished".to_owned(),
            Shortfall::Interrupted => {
                format!("interrupted; {} target(s) finished and were written", outcome.finished())
            }
            other => other.describe(plan.style.lang),
        };
        let _ = writeln!(io::stderr(), "reqdoctor: {line}");
    }
    decision.exit
}

/// Standard output for reports: written when [`Output`] flushes, after each
/// report and at the end, not at each of a text report's 60-odd line ends
/// (each a system call, and a wake-up for whatever reads the pipe).
fn buffered_stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
}

/// Diagnoses the plan's targets, writing each report to `out` as it finishes
/// and the summary at the end; a closed `out` ends the batch quietly.
fn run_batch(plan: &Plan, store: Option<&mut Store>, out: &mut dyn Write) -> Result<Outcome, RunError> {
    let batch = &plan.batch;
    let count = (batch.targets_file.is_none()).then_some(batch.targets.len());
    let runtime = pipeline::runtime_for(Work::of(count)).map_err(RunError::Runtime)?;
    let result = runtime.block_on(async {
        let command = super::invocation::shown(std::env::args_os().skip(1));
        let mut output = Output::new(plan.style, plan.batch.is_many(), out).with_command(command);
        let outcome = batch::run(&plan.batch, store, &mut output).await.map_err(RunError::Output)?;
        match output.finish(&outcome) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(RunError::Output(e)),
            _ => Ok(outcome),
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

/// `reqdoctor explain`: 0 when the error is recognised, 3 with one line when not.
fn explain(args: &ExplainArgs) -> Exit {
    let lang = Lang::resolve(args.lang);
    let input = args.error.join(" ");
    let Some(explanation) = explain::explain(&input, args.url.as_deref()) else {
        return fail(&explain::unknown(&input, lang));
    };
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        explain::render_json(&explanation, lang, &mut stdout)
    } else {
        explain::render_text(&explanation, lang, &mut stdout)
    };
    finished(written, "cannot write the answer")
}

/// `reqdoctor chain`: connect, build the chain, write the PEM and the account.
fn chain(args: &ChainArgs) -> Exit {
    let env = |name: &str| std::env::var(name).ok();
    let prepared = Target::parse(&args.url)
        .map_err(UsageError::from)
        .and_then(|target| Ok((target, plan::options(&args.probe, plan::Source::CommandLine(&env))?)));
    let (target, mut options) = match prepared {
        Ok(prepared) => prepared,
        Err(error) => return fail(&error.to_string()),
    };
    // The chain to fix is the one sent over TCP: a QUIC attempt has nothing to add.
    options.probe.http3 = crate::probe::quic::Http3Mode::Off;
    if target.url.scheme() != "https" && target.url.scheme() != "wss" {
        return fail(&format!("'{}': reqdoctor chain needs an https URL", args.url));
    }
    let Some(floor) = options.rules.android.clone() else { return fail("no Android root history") };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let runtime = match pipeline::runtime() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("cannot start the runtime: {error}")),
    };
    let fix = runtime.block_on(chainfix::diagnose(&target, &options.probe, &floor, now));
    let lang = Lang::resolve(args.lang);
    match fix {
        Err(why) => {
            let _ = writeln!(io::stderr(), "reqdoctor: {why}");
            Exit::Critical
        }
        Ok(fix) => written_chain(&fix, args, lang),
    }
}

/// Writes the PEM (to `-o` or stdout) and the account (to stdout with `-o`, else stderr).
fn written_chain(fix: &chainfix::Fix, args: &ChainArgs, lang: Lang) -> Exit {
    let file = args.output.as_ref().map_or_else(|| "fullchain.pem".to_owned(), |p| p.display().to_string());
    let pem = match &fix.verdict {
        chainfix::Verdict::Built { chain, .. } => Some(cert::fix::to_pem(chain)),
        chainfix::Verdict::Cannot(_) => None,
    };
    let mut account = Vec::new();
    let _ = chainfix::render::render(fix, &file, lang, &mut account);
    // A closed stdout (a broken pipe) is not an error; a file that cannot be written is.
    let shown = |result: io::Result<()>| match result {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.to_string()),
        _ => Ok(()),
    };
    let written = match (&args.output, &pem) {
        (Some(path), Some(pem)) => std::fs::write(path, pem)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
            .and_then(|()| shown(io::stdout().write_all(&account))),
        (None, Some(pem)) => {
            let _ = io::stderr().write_all(&account);
            shown(io::stdout().write_all(pem.as_bytes()))
        }
        (Some(_), None) => shown(io::stdout().write_all(&account)),
        (None, None) => shown(io::stderr().write_all(&account)),
    };
    match (written, pem) {
        (Err(error), _) => fail(&error),
        (Ok(()), Some(_)) => Exit::Ok,
        (Ok(()), None) => Exit::Critical,
    }
}

/// `reqdoctor checks`: the catalogue, as text or JSON.
fn checks(args: &ChecksArgs) -> Exit {
    let mut stdout = io::stdout().lock();
    let written = if args.json {
        report::catalogue::render_json(&mut stdout)
    } else {
        report::catalogue::render_text(Lang::resolve(args.lang), &mut stdout)
    };
    finished(written, "cannot write the catalogue")
}

/// `reqdoctor cert`: one report on the files, and the exit its verdict decides.
fn cert(args: &CertArgs) -> Exit {
    let plan = match CertPlan::from_args(args) {
        Ok(plan) => plan,
        Err(error) => return fail(&error.to_string()),
    };
    colored::control::set_override(plan.style.color);
    let report = match certfile::diagnose(&plan.files, &plan.options, std::time::SystemTime::now()) {
        Ok(report) => report,
        Err(error) => return fail(&error.to_string()),
    };
    let mut outcome = Outcome::default();
    outcome.record(report.verdict);
    let mut stdout = buffered_stdout();
    let command = super::invocation::shown(std::env::args_os().skip(1));
    let mut output = Output::new(plan.style, false, &mut stdout).with_command(command);
    let written = output.report(&report).and_then(|()| output.finish(&outcome));
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => fail(&format!("cannot write the report: {error}")),
        _ => outcome.decide().exit,
    }
}

/// `reqdoctor serve`: runs until Ctrl-C or SIGTERM.
fn serve(args: &ServeArgs) -> Exit {
    let path = args.config.clone();
    let load = move || match &path {
        Some(path) => serve_config::read(path),
        None => serve_config::builtin(),
    };
    let config = match load() {
        Ok(config) => config,
        Err(error) => return fail(&error.to_string()),
    };
    let reload = Box::new(move || load().map_err(|error| error.to_string()));
    let options = serve::ServeOptions { listen: args.listen, config, reload, lang: Lang::resolve(args.lang) };
    match serve::run(options) {
        Ok(()) => Exit::Ok,
        Err(error) => fail(&error.to_string()),
    }
}

/// `reqdoctor completions SHELL`: the script, on stdout.
fn completions(args: &CompletionsArgs) -> Exit {
    finished(completions::write(args.shell, &mut io::stdout().lock()), "cannot write the completion script")
}

/// `reqdoctor man [COMMAND]`: the page in roff, on stdout; `--dir`: every page
/// into a directory. 3 for a command with no page or a directory not written.
fn man(args: &ManArgs) -> Exit {
    let written = match &args.dir {
        Some(dir) => manpage::write_all(dir),
        None => manpage::write(args.command.as_deref(), &mut io::stdout().lock()),
    };
    match written {
        Err(manpage::ManError::Write(error)) => finished(Err(error), "cannot write the man page"),
        Err(error) => fail(&error.to_string()),
        Ok(()) => Exit::Ok,
    }
}

/// Success unless writing failed for a reason other than a closed pipe.
fn finished(written: io::Result<()>, what: &str) -> Exit {
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => fail(&format!("{what}: {error}")),
        _ => Exit::Ok,
    }
}

/// One line on stderr, and the state of a run that could not run.
pub fn fail(message: &str) -> Exit {
    let _ = writeln!(io::stderr(), "reqdoctor: {message}");
    Exit::Unknown
}
