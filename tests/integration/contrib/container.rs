//! contrib/Containerfile cannot be built here (no container engine, no registry),
//! so what it says is checked piece by piece: the image's command line (ENTRYPOINT +
//! CMD, with the config it copies) starts the built exporter, its HEALTHCHECK passes
//! against that exporter and fails against a dead port, the build stage copies
//! everything cargo needs, and .dockerignore lets in exactly those files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{modules, path, read, replace_counted};
use crate::cli::command;
use crate::serve::Exporter;
use crate::support::refused_port;

/// One instruction: its keyword and its arguments (continuation lines joined).
#[derive(Debug)]
struct Instruction {
    keyword: String,
    args: String,
}

/// The Containerfile's build stages, in order, each a list of instructions.
fn stages() -> Vec<Vec<Instruction>> {
    let text = read("Containerfile");
    let mut joined = Vec::new();
    let mut current = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        current.push_str(line.trim_end_matches('\\'));
        if line.ends_with('\\') {
            current.push(' ');
        } else if !current.trim().is_empty() {
            joined.push(std::mem::take(&mut current));
        } else {
            current.clear();
        }
    }
    let mut stages: Vec<Vec<Instruction>> = Vec::new();
    for line in joined {
        let (keyword, args) = line.split_once(' ').unwrap_or_else(|| panic!("no arguments: {line:?}"));
        assert_eq!(keyword, keyword.to_uppercase(), "{line:?}");
        if keyword == "FROM" {
            stages.push(Vec::new());
        }
        let stage = stages.last_mut().unwrap_or_else(|| panic!("{line:?} before FROM"));
        stage.push(Instruction { keyword: keyword.to_owned(), args: args.trim().to_owned() });
    }
    stages
}

/// The one `keyword` instruction of `stage`.
#[track_caller]
fn one<'a>(stage: &'a [Instruction], keyword: &str) -> &'a str {
    let found: Vec<&Instruction> = stage.iter().filter(|i| i.keyword == keyword).collect();
    assert_eq!(found.len(), 1, "one {keyword}: {found:?}");
    &found[0].args
}

/// An exec-form (JSON array) argument list.
#[track_caller]
fn exec_form(args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{e}: not the exec (JSON) form: {args}"))
}

/// `(--from stage or None, sources, destination)` of every COPY of `stage`.
fn copies(stage: &[Instruction]) -> Vec<(Option<String>, Vec<String>, String)> {
    stage
        .iter()
        .filter(|i| i.keyword == "COPY")
        .map(|i| {
            let mut words: Vec<&str> = i.args.split_whitespace().collect();
            let from = words.first().and_then(|w| w.strip_prefix("--from=")).map(str::to_owned);
            if from.is_some() {
                words.remove(0);
            }
            let destination = words.pop().expect("a destination").to_owned();
            (from, words.into_iter().map(str::to_owned).collect(), destination)
        })
        .collect()
}

#[test]
fn the_images_command_line_starts_the_exporter_and_its_healthcheck_passes() {
    let stages = stages();
    let image = stages.last().expect("a stage");
    let user = one(image, "USER");
    assert!(!["root", "0", "0:0"].contains(&user), "the image runs as an unprivileged user, not {user}");
    let port: u16 = one(image, "EXPOSE").parse().expect("EXPOSE PORT");

    // The binary ENTRYPOINT runs is the one the build stage made.
    let entrypoint = exec_form(one(image, "ENTRYPOINT"));
    let binary =
        copies(image).into_iter().find(|(from, _, _)| from.as_deref() == Some("build")).expect("a COPY --from=build");
    assert!(binary.1 == ["/src/target/release/reqdoctor"] && binary.2 == entrypoint[0], "{binary:?} vs {entrypoint:?}");

    // ENTRYPOINT + CMD, listening on a free loopback port instead of every interface,
    // and the copied config read from where the COPY takes it.
    let mut line = entrypoint[1..].iter().chain(&exec_form(one(image, "CMD"))).cloned().collect::<Vec<_>>().join("\n");
    line = replace_counted(&line, &format!("0.0.0.0:{port}"), "127.0.0.1:0", 1);
    for (_, sources, destination) in copies(image).into_iter().filter(|(from, _, _)| from.is_none()) {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(&sources[0]);
        line = replace_counted(&line, &destination, source.to_str().unwrap(), 1);
    }
    let mut serve = command();
    serve.args(line.split('\n')).stdin(Stdio::null()).stdout(Stdio::null()).env_remove("LANG").env_remove("LC_ALL");
    let exporter = Exporter::spawn(serve, tempfile::tempdir().unwrap());
    assert_eq!(exporter.modules, modules().join(", "), "the image's config is contrib/reqdoctor.toml");

    let healthcheck = one(image, "HEALTHCHECK");
    let (options, cmd) = healthcheck.split_once("CMD ").expect("HEALTHCHECK [OPTIONS] CMD [...]");
    assert!(options.contains("--timeout="), "a bounded health check: {options}");
    let cmd = exec_form(cmd);
    assert!(cmd.join(" ").contains("/healthz"), "{cmd:?}");
    let at = |to: u16| {
        let from = format!("127.0.0.1/{port}");
        cmd.iter().map(|w| w.replace(&from, &format!("127.0.0.1/{to}"))).collect::<Vec<_>>()
    };
    assert!(cmd.join(" ").contains(&format!("127.0.0.1/{port}")), "the check asks the EXPOSEd port: {cmd:?}");
    assert_eq!(run_bounded(&at(exporter.addr.port())), Some(0), "the health check passes on a live exporter");
    let dead = run_bounded(&at(refused_port().port()));
    assert!(dead.is_some_and(|code| code != 0), "and fails on a dead port: {dead:?}");
}

/// Runs `argv`; its exit code, or `None` if it ran past 10 s (then it is killed).
fn run_bounded(argv: &[String]) -> Option<i32> {
    let mut child = Command::new(&argv[0]).args(&argv[1..]).stdin(Stdio::null()).spawn().expect("run the health check");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("wait for the health check") {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// `include_str!`/`include_bytes!` paths of `src/` outside unit tests, and the
/// files build.rs reads, relative to the repository root.
fn included_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            // What unit tests include is not compiled into the binary.
            let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            for marker in ["include_str!(\"", "include_bytes!(\""] {
                for (at, _) in text.match_indices(marker) {
                    let rest = &text[at + marker.len()..];
                    let relative = &rest[..rest.find('"').expect("a closed string")];
                    let file = path.parent().unwrap().join(relative).canonicalize().expect("an included file exists");
                    found.push(file.strip_prefix(root.canonicalize().unwrap()).expect("inside the repo").to_owned());
                }
            }
        }
    }
    // What build.rs reads from the tree, it names to cargo as rerun-if-changed
    // (the git files it watches are formatted in, not named).
    let script = std::fs::read_to_string(root.join("build.rs")).unwrap();
    for (at, _) in script.match_indices("cargo:rerun-if-changed=") {
        let rest = &script[at + "cargo:rerun-if-changed=".len()..];
        let relative = &rest[..rest.find('"').expect("a closed string")];
        found.extend((relative != "build.rs" && !relative.contains('{')).then(|| PathBuf::from(relative)));
    }
    found
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

#[test]
fn the_build_stage_copies_what_cargo_needs_and_the_context_holds_just_that() {
    let stages = stages();
    let build = &stages[0];
    let from = one(build, "FROM");
    let toolchain = from.strip_prefix("docker.io/library/rust:").and_then(|f| f.strip_suffix(" AS build"));
    let toolchain = toolchain.unwrap_or_else(|| panic!("the first stage is a Rust image named build: {from}"));
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let rust_version = manifest.lines().find_map(|l| l.strip_prefix("rust-version = \"")).expect("a rust-version");
    assert!(
        toolchain.starts_with(&format!("{}-", rust_version.trim_end_matches('"'))),
        "{toolchain} vs {rust_version}"
    );
    assert!(one(build, "RUN").contains("cargo build --release --locked"), "a locked release build");

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let context: BTreeSet<String> = stages
        .iter()
        .flat_map(|stage| copies(stage))
        .filter(|(from, _, _)| from.is_none())
        .flat_map(|(_, sources, _)| sources)
        .collect();
    for source in &context {
        assert!(root.join(source).exists(), "COPY {source}: no such file");
    }
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect(".dockerignore");
    let mut rules = ignore.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    assert_eq!(rules.next(), Some("*"), ".dockerignore leaves everything out first");
    let let_in: BTreeSet<String> = rules.map(|r| r.strip_prefix('!').expect("then lets files in").to_owned()).collect();
    assert_eq!(let_in, context, ".dockerignore lets in exactly what the Containerfile copies");

    // What src/ includes and build.rs reads at compile time is copied too, and cargo resolves the copied
    // tree's build from Cargo.lock alone (offline: the crates this build downloaded).
    let included = included_files(root);
    assert!(!included.is_empty());
    for file in included {
        let top = file.components().next().unwrap().as_os_str().to_str().unwrap().to_owned();
        assert!(context.contains(&top), "src/ includes {}, which the build stage does not copy", file.display());
    }
    let copy = tempfile::tempdir().unwrap();
    for source in context.iter().filter(|s| !s.starts_with("contrib/")) {
        copy_tree(&root.join(source), &copy.path().join(source));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "--locked", "--edges", "normal,build", "--prefix", "none"])
        .current_dir(copy.path())
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "cargo tree on the copied tree: {}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("reqdoctor v"), "the tree of reqdoctor");
    assert!(path("reqdoctor.toml").is_file());
}
