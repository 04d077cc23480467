//! contrib/: the files operators deploy to monitor a fleet, each exercised here —
//! the rules by promtool and their unit tests (`rules`), the sharded prometheus.yml
//! and the Grafana dashboard by a real Prometheus scraping three real exporters
//! (`fleet`, `dashboard`), the systemd units by systemd-analyze and by running their
//! command lines (`systemd`), the Containerfile by running what it would run
//! (`container`; no image is built: there is no container engine here).

mod container;
mod dashboard;
mod fleet;
mod rules;
mod systemd;

use std::path::{Path, PathBuf};

/// `contrib/<relative>` in this checkout.
pub(crate) fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib").join(relative)
}

/// The text of `contrib/<relative>`.
#[track_caller]
pub(crate) fn read(relative: &str) -> String {
    std::fs::read_to_string(path(relative)).unwrap_or_else(|e| panic!("contrib/{relative}: {e}"))
}

/// Every file under contrib/, as paths relative to it, sorted.
fn files() -> Vec<String> {
    let root = path("");
    let mut found = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let entry = entry.expect("a directory entry");
            if entry.file_type().expect("a file type").is_dir() {
                dirs.push(entry.path());
            } else {
                let relative = entry.path().strip_prefix(&root).expect("under contrib/").to_owned();
                found.push(relative.to_str().expect("a UTF-8 name").to_owned());
            }
        }
    }
    found.sort();
    found
}

/// `text` with `from` replaced by `to`, which must occur exactly `times` times.
#[track_caller]
pub(crate) fn replace_counted(text: &str, from: &str, to: &str, times: usize) -> String {
    assert_eq!(text.matches(from).count(), times, "{from:?} should occur {times} times in\n{text}");
    text.replace(from, to)
}

/// The modules of contrib/reqdoctor.toml, the config every exporter of the fleet runs.
pub(crate) fn modules() -> Vec<String> {
    let config: toml::Table = toml::from_str(&read("reqdoctor.toml")).expect("contrib/reqdoctor.toml is TOML");
    let modules = config.get("modules").and_then(|m| m.as_table()).expect("contrib/reqdoctor.toml has [modules.*]");
    modules.keys().cloned().collect()
}

#[test]
fn the_readme_describes_every_file_and_the_guide_points_at_it() {
    let readme = read("README.md");
    let files = files();
    assert!(files.len() >= 14, "{files:?}");
    for file in files.iter().filter(|f| *f != "README.md") {
        assert!(readme.contains(&format!("`{file}`")), "contrib/README.md does not describe `{file}`");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("docs/monitoring.md")).expect("docs/monitoring.md");
    assert!(guide.contains("](../contrib/README.md)"), "docs/monitoring.md links contrib/README.md");
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect(".dockerignore");
    assert!(readme.contains("`.dockerignore`") && ignore.starts_with('#'), "README names the root .dockerignore");
}
