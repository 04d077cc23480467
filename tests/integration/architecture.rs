//! Holds the code to ARCHITECTURE.md's layer table: every top-level module
//! of `src/` has a row, and imports only modules of lower layers (so there is
//! no import cycle between them). The table is read from ARCHITECTURE.md, the
//! imports from the source: `crate::…` paths, `use crate::{…}` groups
//! included, outside comments and `#[cfg(test)] mod tests`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `module → layer`, from the table under "## Layers".
fn layers() -> BTreeMap<String, u32> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let section = text.split("\n## Layers").nth(1).expect("ARCHITECTURE.md has a '## Layers' section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut layers = BTreeMap::new();
    for row in section.lines().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let Ok(layer) = cells[1].parse::<u32>() else { continue };
        for module in cells[2].split(',').map(|m| m.trim().trim_matches('`')).filter(|m| !m.is_empty()) {
            assert!(layers.insert(module.to_owned(), layer).is_none(), "{module} has two rows");
        }
    }
    assert!(layers.len() > 10, "the layer table was not found: {layers:?}");
    layers
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read src").map(|e| e.expect("a directory entry").path()) {
        if entry.is_dir() {
            files.extend(sources(&entry));
        } else if entry.extension().is_some_and(|e| e == "rs") {
            files.push(entry);
        }
    }
    files
}

/// The code of a file without its comment lines and its unit tests.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The top-level modules a piece of code names through `crate::`.
fn imports(code: &str) -> BTreeSet<String> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let after = &code[at + "crate::".len()..];
        let Some(group) = after.strip_prefix('{') else {
            found.insert(after.chars().take_while(|c| ident(*c)).collect());
            continue;
        };
        let (mut depth, mut name, mut first) = (0usize, String::new(), true);
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    found.insert(std::mem::take(&mut name));
                    first = true;
                }
                c if first && depth == 0 && ident(c) => name.push(c),
                _ if !name.is_empty() => {
                    found.insert(std::mem::take(&mut name));
                    first = false;
                }
                _ => {}
            }
        }
        if !name.is_empty() {
            found.insert(name);
        }
    }
    found.remove("");
    found
}

/// `module → the modules it imports`, for every top-level module of src/ (main.rs and lib.rs aside).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&src) {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a file").as_os_str().to_string_lossy();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "main" || module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let mut used = imports(&code(&text));
        used.remove(&module);
        used.remove("say"); // the language macro, `lang`'s
        graph.entry(module).or_default().extend(used);
    }
    graph
}

#[test]
fn the_import_scanner_reads_paths_and_groups() {
    let found = imports(
        "use crate::{\n    batch,\n    checks::{Status, CheckId},\n    lang::Lang};\nlet x = crate::probe::run();",
    );
    let expected: BTreeSet<String> = ["batch", "checks", "lang", "probe"].map(String::from).into();
    assert_eq!(found, expected);
    assert!(code("use crate::a;\n// crate::b\n#[cfg(test)]\nmod tests {\n use crate::c;\n}").contains("crate::a"));
    assert!(
        !code("use crate::a;\n/// [`crate::b`]\n#[cfg(test)]\nmod tests {\n use crate::c;\n}").contains("crate::b")
    );
}

#[test]
fn every_module_imports_only_lower_layers() {
    let layers = layers();
    let mut broken = Vec::new();
    for (module, used) in graph() {
        let Some(layer) = layers.get(&module) else {
            broken.push(format!("src/{module} has no row in ARCHITECTURE.md's layer table"));
            continue;
        };
        for other in used {
            match layers.get(&other) {
                Some(below) if below < layer => {}
                Some(above) => broken.push(format!("{module} (layer {layer}) imports {other} (layer {above})")),
                None => broken.push(format!("{module} imports {other}, which has no row in the layer table")),
            }
        }
    }
    assert!(broken.is_empty(), "imports ARCHITECTURE.md forbids:\n{}", broken.join("\n"));
}

#[test]
fn the_engine_never_sees_the_command_line_and_nothing_imports_in_a_circle() {
    let graph = graph();
    for engine in ["probe", "checks", "cert", "report", "pipeline"] {
        let reach = reachable(&graph, engine);
        assert!(!reach.contains("cli") && !reach.contains("serve"), "{engine} reaches {reach:?}");
    }
    for module in graph.keys() {
        let mut reach = BTreeSet::new();
        for next in &graph[module] {
            reach.extend(reachable(&graph, next));
            reach.insert(next.clone());
        }
        assert!(!reach.contains(module), "{module} imports itself in a circle");
    }
}

/// Every module `from` imports, directly or not.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(module) = todo.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if seen.insert(next.clone()) {
                todo.push(next.clone());
            }
        }
    }
    seen
}
