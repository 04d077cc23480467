//! Android's system root store history (AOSP `system/ca-certificates`, 2010–
//! 2023; `data/android-roots.json`, bundled in the binary): which release
//! first shipped a root, found by the SHA-256 of its public key, and when AOSP
//! removed it. A chain that ends at a root old phones lack fails on them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

/// The bundled history's head (its releases), split from the roots by build.rs.
const BUNDLED_HEAD: &str = include_str!(concat!(env!("OUT_DIR"), "/android-head.json"));

/// The bundled history's roots.
const BUNDLED_ROOTS: &str = include_str!(concat!(env!("OUT_DIR"), "/android-roots.json"));

/// The history, as read from `data/android-roots.json` or a file of the same
/// form. The bundled roots are parsed on first use, not at start-up: a run
/// whose chain ends at a private root never needs them.
#[derive(Debug)]
pub struct AndroidRoots {
    /// The last date the history covers (`YYYY-MM-DD`).
    pub history_until: String,
    pub releases: Vec<Release>,
    roots: OnceLock<Vec<Root>>,
}

/// The head of the file: what start-up needs to check `--min-android`.
#[derive(Deserialize)]
struct Head {
    history_until: String,
    releases: Vec<Release>,
}

/// The roots of the file.
#[derive(Deserialize)]
struct Body {
    roots: Vec<Root>,
}

/// One Android release.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Release {
    /// `4.0`, `7.1`, `10`…
    pub version: String,
    pub api: u32,
    /// `YYYY-MM-DD`.
    pub released: String,
}

/// One root, by public key.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Root {
    /// SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex.
    pub spki_sha256: String,
    pub subject: String,
    /// The root certificate's own notAfter (`YYYY-MM-DD`).
    pub not_after: String,
    pub added_in: String,
    pub added_in_api: u32,
    /// The date AOSP removed it, if it did.
    pub removed: Option<String>,
}

/// An `--android-roots` file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--android-roots {}: {why}", path.display())]
pub struct AndroidRootsError {
    pub path: PathBuf,
    pub why: String,
}

impl AndroidRoots {
    /// A history of these releases and roots (tests, and files once read).
    pub fn new(history_until: String, releases: Vec<Release>, roots: Vec<Root>) -> AndroidRoots {
        AndroidRoots { history_until, releases, roots: OnceLock::from(roots) }
    }

    /// The history bundled in the binary: its releases read on first use, its
    /// roots when first looked up.
    pub fn bundled() -> Arc<AndroidRoots> {
        static HEAD: OnceLock<Arc<AndroidRoots>> = OnceLock::new();
        let read = || {
            let head: Head = serde_json::from_str(BUNDLED_HEAD).expect("the bundled Android root history parses");
            Arc::new(AndroidRoots {
                history_until: head.history_until,
                releases: head.releases,
                roots: OnceLock::new(),
            })
        };
        Arc::clone(HEAD.get_or_init(read))
    }

    /// A history of the same form from `path` (newer data, or a test's), read whole.
    pub fn from_file(path: &Path) -> Result<AndroidRoots, AndroidRootsError> {
        let bad = |why: String| AndroidRootsError { path: path.to_owned(), why };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let head: Head = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let body: Body = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        if head.releases.is_empty() {
            return Err(bad("no releases listed".to_owned()));
        }
        Ok(AndroidRoots::new(head.history_until, head.releases, body.roots))
    }

    /// Every root of the history.
    pub fn roots(&self) -> &[Root] {
        self.roots.get_or_init(|| {
            let body: Body = serde_json::from_str(BUNDLED_ROOTS).expect("the bundled Android root history parses");
            body.roots
        })
    }

    /// The root with this public key (SHA-256 of its SubjectPublicKeyInfo, hex).
    pub fn by_key(&self, spki_sha256: &str) -> Option<&Root> {
        self.roots().iter().find(|root| root.spki_sha256.eq_ignore_ascii_case(spki_sha256))
    }

    /// The release named `version` (`7`, `7.0`, `10`…), or with that API level.
    pub fn release(&self, version: &str) -> Option<&Release> {
        let wanted = version.trim().trim_end_matches(".0");
        let by_version = self.releases.iter().find(|r| r.version.trim_end_matches(".0") == wanted);
        by_version.or_else(|| self.releases.iter().find(|r| r.api.to_string() == wanted))
    }

    /// The first release dated on or after `date` (`YYYY-MM-DD`).
    pub fn first_release_after(&self, date: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.released.as_str() >= date)
    }

    /// The newest release the history knows.
    pub fn newest(&self) -> &Release {
        self.releases.iter().max_by_key(|r| r.api).expect("a history lists releases")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_history_knows_isrg_root_x1_from_android_7_1() {
        let roots = AndroidRoots::bundled();
        let isrg = roots.roots().iter().find(|r| r.subject.contains("ISRG Root X1")).expect("ISRG Root X1");
        assert_eq!((isrg.added_in.as_str(), isrg.removed.as_deref()), ("7.1", None));
        assert_eq!(roots.by_key(&isrg.spki_sha256.to_uppercase()), Some(isrg));
    }

    #[test]
    fn releases_are_found_by_version_or_api_level() {
        let roots = AndroidRoots::bundled();
        assert_eq!(roots.release("7").map(|r| r.api), Some(24));
        assert_eq!(roots.release("7.0").map(|r| r.api), Some(24));
        assert_eq!(roots.release("7.1").map(|r| r.api), Some(25));
        assert_eq!(roots.release("10").map(|r| r.api), Some(29));
        assert_eq!(roots.release("29").map(|r| r.version.as_str()), Some("10"));
        assert_eq!(roots.release("14").map(|r| r.api), Some(34), "a version before an API level");
        assert_eq!(roots.release("3.2"), None);
        assert!(roots.newest().api >= 33);
    }

    #[test]
    fn the_split_bundled_history_is_the_data_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/android-roots.json");
        let whole = AndroidRoots::from_file(&path).expect("the data file reads");
        let bundled = AndroidRoots::bundled();
        assert_eq!((&bundled.history_until, &bundled.releases), (&whole.history_until, &whole.releases));
        assert_eq!(bundled.roots(), whole.roots());
    }
}
