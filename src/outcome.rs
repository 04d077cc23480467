//! How a run ended, and the one decision that turns it into the monitoring
//! plugin's state: the process exit code, the nagios status word and the
//! summary line all come from [`Outcome::decide`], so they cannot disagree.

use crate::checks::Status;
use crate::lang::Lang;
use crate::say;

/// The monitoring-plugin states, and reqdoctor's exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every target passed.
    Ok,
    /// The worst verdict is `warn`.
    Warning,
    /// The worst verdict is `fail`.
    Critical,
    /// reqdoctor could not (fully) run: bad input, nothing to diagnose, a crash, an interruption.
    Unknown,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Warning => 1,
            Exit::Critical => 2,
            Exit::Unknown => 3,
        }
    }

    /// The monitoring plugin's word for the state: `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`.
    pub fn word(self) -> &'static str {
        match self {
            Exit::Ok => "OK",
            Exit::Warning => "WARNING",
            Exit::Critical => "CRITICAL",
            Exit::Unknown => "UNKNOWN",
        }
    }

    /// The state of one verdict.
    pub fn of(verdict: Status) -> Exit {
        match verdict {
            Status::Fail => Exit::Critical,
            Status::Warn => Exit::Warning,
            _ => Exit::Ok,
        }
    }
}

/// How a batch went: the verdicts of the targets that finished, and what
/// kept the rest from being diagnosed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    /// Targets whose diagnosis stopped unexpectedly (a bug): they could not run.
    pub crashed: usize,
    /// Lines of the targets file that are not URLs.
    pub bad_lines: usize,
    /// Ctrl-C or SIGTERM stopped the batch early.
    pub interrupted: bool,
}

/// Why a run could not fully run, for the summary and stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    /// No target at all (an empty targets file, say).
    Empty,
    BadLines(usize),
    Crashed(usize),
    Interrupted,
}

/// What [`Outcome::decide`] decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub exit: Exit,
    /// Everything that made it [`Exit::Unknown`], in the order to say it.
    pub shortfalls: Vec<Shortfall>,
}

impl Outcome {
    /// Counts one finished target.
    pub fn record(&mut self, verdict: Status) {
        match verdict {
            Status::Fail => self.fail += 1,
            Status::Warn => self.warn += 1,
            _ => self.pass += 1,
        }
    }

    /// Targets with a verdict.
    pub fn finished(&self) -> usize {
        self.pass + self.warn + self.fail
    }

    /// The one exit decision: `UNKNOWN` when anything kept a target or a line
    /// from being diagnosed, else the worst verdict's state.
    pub fn decide(&self) -> Decision {
        let mut shortfalls = Vec::new();
        if self.interrupted {
            shortfalls.push(Shortfall::Interrupted);
        }
        if self.crashed > 0 {
            shortfalls.push(Shortfall::Crashed(self.crashed));
        }
        if self.bad_lines > 0 {
            shortfalls.push(Shortfall::BadLines(self.bad_lines));
        }
        if self.finished() + self.crashed == 0 && !self.interrupted {
            shortfalls.push(Shortfall::Empty);
        }
        let worst = match (self.fail, self.warn) {
            (1.., _) => Exit::Critical,
            (0, 1..) => Exit::Warning,
            _ => Exit::Ok,
        };
        let exit = if shortfalls.is_empty() { worst } else { Exit::Unknown };
        Decision { exit, shortfalls }
    }
}

impl Shortfall {
    /// `5 lines could not be read`, in `lang`.
    pub fn describe(self, lang: Lang) -> String {
        match self {
            Shortfall::Empty => say!(lang, "no target was diagnosed", "没有诊断任何目标"),
            Shortfall::BadLines(1) => say!(lang, "1 line could not be read", "1 行无法读取"),
            Shortfall::BadLines(n) => say!(lang, "{n} lines could not be read", "{n} 行无法读取"),
            Shortfall::Crashed(1) => say!(lang, "1 target could not be diagnosed", "1 个目标无法诊断"),
            Shortfall::Crashed(n) => say!(lang, "{n} targets could not be diagnosed", "{n} 个目标无法诊断"),
            Shortfall::Interrupted => say!(lang, "interrupted", "已中断"),
        }
    }
}

impl Decision {
    /// The shortfalls joined for one line, e.g. `5 lines could not be read; interrupted`.
    pub fn shortfalls(&self, lang: Lang) -> String {
        let parts: Vec<String> = self.shortfalls.iter().map(|s| s.describe(lang)).collect();
        parts.join(say!(lang, "; ", "；").as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(pass: usize, warn: usize, fail: usize, crashed: usize, bad_lines: usize) -> Outcome {
        Outcome { pass, warn, fail, crashed, bad_lines, interrupted: false }
    }

    #[test]
    fn the_worst_verdict_decides_a_clean_run() {
        assert_eq!(outcome(3, 0, 0, 0, 0).decide().exit, Exit::Ok);
        assert_eq!(outcome(3, 1, 0, 0, 0).decide().exit, Exit::Warning);
        assert_eq!(outcome(3, 1, 2, 0, 0).decide().exit, Exit::Critical);
    }

    #[test]
    fn anything_that_did_not_run_is_unknown() {
        let empty = outcome(0, 0, 0, 0, 0).decide();
        assert_eq!((empty.exit, empty.shortfalls(Lang::En).as_str()), (Exit::Unknown, "no target was diagnosed"));
        let bad = outcome(0, 0, 1, 0, 5).decide();
        assert_eq!((bad.exit, bad.shortfalls(Lang::En).as_str()), (Exit::Unknown, "5 lines could not be read"));
        let crashed = outcome(0, 0, 0, 1, 0).decide();
        assert_eq!(crashed.exit, Exit::Unknown);
        assert_eq!(crashed.shortfalls, [Shortfall::Crashed(1)], "a crash alone is not also 'empty'");
        let stopped = Outcome { interrupted: true, ..outcome(1, 0, 0, 0, 0) }.decide();
        assert_eq!((stopped.exit, stopped.shortfalls(Lang::Zh).as_str()), (Exit::Unknown, "已中断"));
    }

    #[test]
    fn codes_and_words_follow_the_plugin_convention() {
        let all = [Exit::Ok, Exit::Warning, Exit::Critical, Exit::Unknown];
        let pairs: Vec<(u8, &str)> = all.iter().map(|e| (e.code(), e.word())).collect();
        assert_eq!(pairs, [(0, "OK"), (1, "WARNING"), (2, "CRITICAL"), (3, "UNKNOWN")]);
        assert_eq!(Exit::of(Status::Skip), Exit::Ok);
    }
}
