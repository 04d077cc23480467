//! Puts the git commit into `reqdoctor --version`: sets `REQDOCTOR_VERSION` to
//! `0.1.0 (abc123def456)` when built from a git checkout of this repository,
//! and to the plain package version otherwise (a crates.io tarball, no git, or
//! a copy of the sources inside some other repository). The JSON report's
//! `tool.version` stays the plain `CARGO_PKG_VERSION`. `REQDOCTOR_REVISION` is
//! the commit alone (empty when unknown), for the exporter's build_info metric.
//!
//! It also splits `data/android-roots.json` into its head (the releases) and
//! its roots, in `OUT_DIR`, so that start-up reads the releases without
//! scanning past the 250 roots it may never need.
//!
//! And it hands the linker `data/reqdoctor.order` (made by `bench/order`): the
//! functions a diagnosis runs, placed side by side so that a run touches
//! fewer pages of code (docs/performance.md, "Function order"). Only for a
//! release build linked by rustc's own lld, the one linker that reads such a
//! file; names the build lacks are skipped without a word.
//!
//! Cargo reruns this script when HEAD moves: on a change to the HEAD file and
//! to the file of the branch it points to (both found with `git rev-parse
//! --git-path`, so a worktree, whose `.git` is a file, works too) or to
//! `packed-refs`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let commit = commit(&manifest_dir);
    let line = match &commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=REQDOCTOR_VERSION={line}");
    // The exporter's reqdoctor_build_info{revision}: empty when unknown.
    println!("cargo:rustc-env=REQDOCTOR_REVISION={}", commit.unwrap_or_default());
    split_android_roots(&manifest_dir, &PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")));
    order_functions(&manifest_dir);
}

/// Asks lld to lay out the binary's code in `data/reqdoctor.order`'s order.
fn order_functions(manifest_dir: &Path) {
    println!("cargo:rerun-if-changed=data/reqdoctor.order");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let order = manifest_dir.join("data/reqdoctor.order");
    if !order.exists() || !links_with_rust_lld() {
        return;
    }
    println!("cargo:rustc-link-arg-bin=reqdoctor=-Wl,--symbol-ordering-file={}", order.display());
    println!("cargo:rustc-link-arg-bin=reqdoctor=-Wl,--no-warn-symbol-ordering");
}

/// Whether this is a release build that rustc links with its own lld: on
/// x86_64 Linux from Rust 1.90 on, unless a linker is configured or the
/// flags choose another one (GNU ld refuses `--symbol-ordering-file`).
fn links_with_rust_lld() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    let chooses_linker = ["linker", "fuse-ld", "link-self-contained"].iter().any(|word| flags.contains(word));
    var("PROFILE") == "release"
        && var("TARGET") == "x86_64-unknown-linux-gnu"
        && std::env::var_os("RUSTC_LINKER").is_none()
        && !chooses_linker
        && rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the rustc cargo builds with (`1.95.0` → 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let output = Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let release = text.lines().find_map(|line| line.strip_prefix("release: "))?;
    release.split('.').nth(1)?.parse().ok()
}

/// Writes `android-head.json` (every field but `roots`) and
/// `android-roots.json` (`{"roots": [...]}`) into `out`.
fn split_android_roots(manifest_dir: &Path, out: &Path) {
    println!("cargo:rerun-if-changed=data/android-roots.json");
    let path = manifest_dir.join("data/android-roots.json");
    let text = std::fs::read_to_string(&path).expect("data/android-roots.json is readable");
    let mut head: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).expect("data/android-roots.json is a JSON object");
    let roots = head.remove("roots").expect("data/android-roots.json lists roots");
    let body = serde_json::json!({ "roots": roots });
    std::fs::write(out.join("android-head.json"), serde_json::Value::Object(head).to_string())
        .expect("OUT_DIR is writable");
    std::fs::write(out.join("android-roots.json"), body.to_string()).expect("OUT_DIR is writable");
}

/// The short commit of HEAD, when `dir` is the top of a git work tree; also
/// asks cargo to rerun when HEAD or its branch changes.
fn commit(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !same_dir(Path::new(&top), dir) {
        return None;
    }
    watch(dir, "HEAD");
    watch(dir, "packed-refs");
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watch(dir, &branch);
    }
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    commit.bytes().all(|b| b.is_ascii_hexdigit()).then_some(commit)
}

/// Asks cargo to rerun on a change to git's file `name` (HEAD, a ref), if it exists:
/// a missing path would make cargo rerun this script on every build.
fn watch(dir: &Path, name: &str) {
    let Some(path) = git(dir, &["rev-parse", "--git-path", name]) else {
        return;
    };
    let path = dir.join(path);
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// `git -C dir args…`'s first line, or None when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let stdout = String::from_utf8(output.stdout).ok()?;
    let line = stdout.lines().next()?.trim();
    (output.status.success() && !line.is_empty()).then(|| line.to_owned())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
