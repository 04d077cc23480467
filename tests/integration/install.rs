//! What an installation uses: the shell completion scripts, the man pages,
//! `--version` with the commit it was built from, and README's example
//! reproduced by `examples/demo.sh`. groff renders the pages (Debian's
//! `groff-base`, which `.ci/run` installs); the demo needs openssl and bash.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::NamedTempFile;

use crate::cli::reqdoctor;
use crate::usage::rejects;

const COMMANDS: [&str; 8] = ["check", "explain", "chain", "serve", "checks", "cert", "completions", "man"];

fn completions(shell: &str) -> String {
    let run = reqdoctor(&["completions", shell]);
    assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
    assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
    run.stdout
}

#[test]
fn the_bash_script_parses_and_completes_checks_options() {
    let script = completions("bash");
    let mut file = NamedTempFile::new().expect("a temp file for the script");
    file.write_all(script.as_bytes()).expect("write the script");
    let syntax = Command::new("bash").arg("-n").arg(file.path()).output().expect("run bash -n");
    assert!(syntax.status.success(), "bash -n: {}", String::from_utf8_lossy(&syntax.stderr));
    for word in COMMANDS.iter().chain(&["--timeout-ms", "--connect-to", "complete -F"]) {
        assert!(script.contains(word), "the bash script lacks {word}");
    }
    // What bash offers after `reqdoctor check --timeo<TAB>` and `reqdoctor ch<TAB>`.
    let complete = r#"source "$1"
        COMP_WORDS=(reqdoctor check --timeo); COMP_CWORD=2; _reqdoctor reqdoctor --timeo check; echo "${COMPREPLY[*]}"
        COMP_WORDS=(reqdoctor ch); COMP_CWORD=1; _reqdoctor reqdoctor ch reqdoctor; echo "${COMPREPLY[*]}""#;
    let run = Command::new("bash").args(["-c", complete, "bash"]).arg(file.path()).output().expect("run bash");
    let offered = String::from_utf8_lossy(&run.stdout);
    assert_eq!(offered, "--timeout-ms\ncheck chain checks\n", "{}", String::from_utf8_lossy(&run.stderr));
}

#[test]
fn zsh_fish_and_powershell_scripts_name_every_command() {
    for shell in ["zsh", "fish", "powershell"] {
        let script = completions(shell);
        for word in COMMANDS.iter().chain(&["timeout-ms"]) {
            assert!(script.contains(word), "the {shell} script lacks {word}");
        }
    }
}

#[test]
fn an_unknown_shell_or_page_is_a_usage_error() {
    rejects(&["completions", "tcsh"], "invalid value 'tcsh'");
    rejects(&["completions"], "required");
    rejects(&["man", "nope"], "no command 'nope' has a man page; one of: check, explain, serve");
    rejects(&["man", "check", "--dir", "/tmp"], "cannot be used with");
    let file = NamedTempFile::new().unwrap();
    let under_a_file = file.path().join("man1");
    rejects(&["man", "--dir", under_a_file.to_str().unwrap()], "cannot write the man pages into");
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    let bin = assert_cmd::cargo::cargo_bin("reqdoctor");
    for command in ["completions bash", "man check"] {
        // `true` has exited by the time reqdoctor writes: the write meets a closed pipe.
        let script = format!("{{ sleep 0.3; '{}' {command}; }} | true", bin.display());
        let run = Command::new("bash").args(["-o", "pipefail", "-c", &script]).output().expect("run bash");
        assert!(run.status.success(), "{command}: {}", String::from_utf8_lossy(&run.stderr));
        assert!(run.stderr.is_empty(), "{command}: {}", String::from_utf8_lossy(&run.stderr));
    }
}

#[test]
fn man_dir_writes_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let man1 = dir.path().join("share/man/man1");
    let run = reqdoctor(&["man", "--dir", man1.to_str().unwrap()]);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
    for page in COMMANDS.map(|c| format!("reqdoctor-{c}.1")).iter().chain(&["reqdoctor.1".to_owned()]) {
        let roff = std::fs::read_to_string(man1.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(roff.contains(".SH SYNOPSIS"), "{page}: {roff}");
    }
    assert_eq!(std::fs::read_dir(&man1).unwrap().count(), COMMANDS.len() + 1);
}

/// `reqdoctor man ARGS` rendered by groff as plain UTF-8 text (preconv for the
/// help's `→`; no bold or underline), every warning an error; hyphenated words
/// joined again, `−` read as `-`, and the words joined by single spaces.
fn rendered_page(args: &[&str]) -> String {
    let mut all = vec!["man"];
    all.extend_from_slice(args);
    let run = reqdoctor(&all);
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    assert!(run.stdout.contains(".TH "), "{args:?} is not roff: {}", run.stdout);
    let groff = Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-P-cbou"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut groff = match groff {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("groff not found: install Debian's groff-base (.ci/run does)")
        }
        Err(e) => panic!("run groff: {e}"),
    };
    groff.stdin.take().expect("piped").write_all(run.stdout.as_bytes()).expect("feed groff");
    let output = groff.wait_with_output().expect("wait for groff");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.is_empty(), "groff on {args:?}: {stderr}");
    let text = String::from_utf8(output.stdout).expect("groff -Tutf8 writes UTF-8");
    let text = regex_lite::Regex::new("\u{2010}\n *").unwrap().replace_all(&text, "");
    text.replace('\u{2212}', "-").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_man_pages_render_with_their_sections_and_options() {
    let top = rendered_page(&[]);
    for word in
        ["NAME", "SYNOPSIS", "DESCRIPTION", "SUBCOMMANDS", "reqdoctor - Would a WeChat mini program", "--version"]
    {
        assert!(top.contains(word), "reqdoctor(1) lacks {word}:\n{top}");
    }
    for command in COMMANDS {
        assert!(top.contains(&format!("reqdoctor-{command}(1)")), "reqdoctor(1) lacks reqdoctor-{command}(1):\n{top}");
    }
    let check = rendered_page(&["check"]);
    for word in ["NAME", "reqdoctor-check", "SYNOPSIS", "OPTIONS", "--timeout-ms", "--connect-to", "Exit codes"] {
        assert!(check.contains(word), "reqdoctor-check(1) lacks {word}:\n{check}");
    }
    for command in COMMANDS {
        let page = rendered_page(&[command]);
        assert!(page.contains(&format!("reqdoctor-{command}")), "{command}'s page:\n{page}");
    }
}

/// `git -C <manifest dir> args…`'s trimmed stdout; panics when git is missing or fails.
fn git(args: &[&str]) -> String {
    let output = match Command::new("git").arg("-C").arg(env!("CARGO_MANIFEST_DIR")).args(args).output() {
        Ok(output) => output,
        Err(e) => panic!("run git (the sources are a git checkout, so git is needed): {e}"),
    };
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8").trim().to_owned()
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let run = reqdoctor(&["--version"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plain = format!("reqdoctor {}", env!("CARGO_PKG_VERSION"));
    if !Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        assert_eq!(run.stdout.trim(), plain, "not a git checkout: the plain version");
        return;
    }
    let pattern = regex_lite::Regex::new(r"^reqdoctor \d+\.\d+\.\d+ \([0-9a-f]{12}\)$").unwrap();
    assert!(pattern.is_match(run.stdout.trim()), "{:?}", run.stdout);
    let head = git(&["rev-parse", "--short=12", "HEAD"]);
    assert_eq!(run.stdout.trim(), format!("{plain} ({head})"));
}

/// `examples/demo.sh` run in its own process group, killed on drop while
/// `group_alive`: while the script lives, or while its server outlives it.
struct Demo {
    child: Child,
    group_alive: bool,
}

impl Drop for Demo {
    fn drop(&mut self) {
        if self.group_alive {
            let group = format!("-{}", self.child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = self.child.wait();
        }
    }
}

const DEMO_LIMIT: Duration = Duration::from_secs(120);

#[test]
fn the_demo_script_reproduces_the_readme_example_and_cleans_up() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tmp = tempfile::tempdir().expect("a TMPDIR for the demo");
    let (stdout, stderr) = (NamedTempFile::new().unwrap(), NamedTempFile::new().unwrap());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.sh");
    let child = Command::new("bash")
        .arg(&script)
        .env("DEMO_PORT", port.to_string())
        .env("REQDOCTOR", assert_cmd::cargo::cargo_bin("reqdoctor"))
        .env("TMPDIR", tmp.path())
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        .stdin(Stdio::null())
        .stdout(stdout.reopen().unwrap())
        .stderr(stderr.reopen().unwrap())
        .process_group(0)
        .spawn()
        .expect("run bash examples/demo.sh");
    let mut demo = Demo { child, group_alive: true };
    let started = Instant::now();
    let status = loop {
        if let Some(status) = demo.child.try_wait().expect("wait for the demo") {
            demo.group_alive = false;
            break status;
        }
        assert!(started.elapsed() < DEMO_LIMIT, "the demo ran for over {DEMO_LIMIT:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = std::fs::read_to_string(stdout.path()).unwrap();
    let err = std::fs::read_to_string(stderr.path()).unwrap();
    assert_eq!(status.code(), Some(2), "the verdict is a failure\nstdout:\n{out}\nstderr:\n{err}");
    // The report is wrapped to 80 columns: compare its words, not its lines.
    let flat = out.split_whitespace().collect::<Vec<_>>().join(" ");
    let chain = "certificate: api.example.com (89 days left) → Demo Intermediate CA G2 (not sent, not trusted)";
    assert!(flat.contains(chain), "{out}");
    assert!(flat.contains(&format!("addresses: 127.0.0.1:{port}")), "{out}");
    assert!(flat.contains("✘ cert.chain the server does not send the intermediate certificate"), "{out}");
    assert!(flat.contains("verdict ✘ FAIL: 1 failure (cert.chain)"), "{out}");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    if TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok() {
        demo.group_alive = true;
        panic!("the demo left its server running on {addr}");
    }
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "the demo left {left:?}");
}
