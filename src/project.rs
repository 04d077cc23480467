//! The parts of a mini program's own files that change a diagnosis: for now
//! the request timeout in app.json's `networkTimeout`.

use std::path::Path;

/// The mini program's default `networkTimeout.request`, in milliseconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 60_000;

/// Reads `networkTimeout.request` from an app.json; `None` when it is not set.
/// Every error is one line naming the file, and the line or field at fault.
pub fn request_timeout_ms(path: &Path) -> Result<Option<u64>, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read --app-json {shown}: {e}"))?;
    let json: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("--app-json {shown}: invalid JSON at line {}, column {}: {e}", e.line(), e.column()))?;
    let Some(root) = json.as_object() else {
        return Err(format!("--app-json {shown}: the top level must be a JSON object"));
    };
    let Some(network) = root.get("networkTimeout") else {
        return Ok(None);
    };
    let Some(network) = network.as_object() else {
        return Err(format!("--app-json {shown}: networkTimeout must be an object, found {network}"));
    };
    match network.get("request") {
        None => Ok(None),
        Some(value) => match value.as_u64() {
            Some(ms) if ms > 0 => Ok(Some(ms)),
            _ => Err(format!(
                "--app-json {shown}: networkTimeout.request must be a positive whole number of milliseconds, found {value}"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Option<u64>, String> {
        let dir = tempdir();
        let path = dir.join("app.json");
        std::fs::write(&path, json).unwrap();
        request_timeout_ms(&path)
    }

    fn tempdir() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("reqdoctor-project-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_the_request_timeout() {
        assert_eq!(read(r#"{"networkTimeout": {"request": 5000}}"#), Ok(Some(5000)));
        assert_eq!(read("\u{feff}{\"networkTimeout\": {\"request\": 10}}"), Ok(Some(10)));
        assert_eq!(read(r#"{"pages": ["index"]}"#), Ok(None));
        assert_eq!(read(r#"{"networkTimeout": {"uploadFile": 1}}"#), Ok(None));
    }

    #[test]
    fn names_the_line_or_field_at_fault() {
        let err = read("{\n  \"networkTimeout\": {\"request\": 5000,}\n}").unwrap_err();
        assert!(err.contains("invalid JSON at line 2"), "{err}");
        let err = read(r#"{"networkTimeout": {"request": "5000"}}"#).unwrap_err();
        assert!(err.contains("networkTimeout.request must be a positive whole number"), "{err}");
        let err = read(r#"{"networkTimeout": {"request": 0}}"#).unwrap_err();
        assert!(err.contains("found 0"), "{err}");
        let err = read(r#"{"networkTimeout": 5}"#).unwrap_err();
        assert!(err.contains("networkTimeout must be an object"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = request_timeout_ms(Path::new("/nonexistent/app.json")).unwrap_err();
        assert!(err.starts_with("cannot read --app-json /nonexistent/app.json"), "{err}");
    }
}
