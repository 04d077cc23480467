//! The developer's own files: a mini-program project (project.config.json,
//! project.private.config.json, app.json) and allow-list files. Every error
//! names the file, the line and the field, and is a usage error (exit 3).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::allowlist::{AllowEntry, BadEntry};
use crate::miniprogram::Api;

/// A project file, app.json or allow-list file that cannot be used: one line
/// naming the option, the file and (for JSON) the line, column and field.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("cannot read {flag} {}: {source}", path.display())]
    Read { flag: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{flag} {}: {field} at line {line}, column {column}: {message}", path.display())]
    Field { flag: &'static str, path: PathBuf, field: String, line: usize, column: usize, message: String },
    #[error("{flag} {}: invalid JSON at line {line}, column {column}: {message}", path.display())]
    Json { flag: &'static str, path: PathBuf, line: usize, column: usize, message: String },
    #[error("{flag} {}: {field} must be a positive whole number of milliseconds, found 0", path.display())]
    ZeroTimeout { flag: &'static str, path: PathBuf, field: String },
    #[error("--domains-file {}: {list}: {entry}", path.display())]
    DomainList { path: PathBuf, list: &'static str, entry: BadEntry },
    #[error("--domains-file {} line {line}: {entry}", path.display())]
    DomainLine { path: PathBuf, line: usize, entry: BadEntry },
}

/// What a project directory says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Project {
    pub appid: Option<String>,
    /// `setting.urlCheck`; `Some(false)` means domain checks are off (like `--debug-mode`).
    pub url_check: Option<bool>,
    /// The app.json read, and what its `networkTimeout` says.
    pub app_json: Option<PathBuf>,
    pub timeouts: NetworkTimeout,
}

/// app.json's `networkTimeout`, in milliseconds; `None` where not set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkTimeout {
    pub request: Option<u64>,
    pub connect_socket: Option<u64>,
    pub upload_file: Option<u64>,
    pub download_file: Option<u64>,
}

impl NetworkTimeout {
    /// The timeout of one API, if set.
    pub fn of(&self, api: Api) -> Option<u64> {
        match api {
            Api::Request => self.request,
            Api::UploadFile => self.upload_file,
            Api::DownloadFile => self.download_file,
            Api::ConnectSocket => self.connect_socket,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProjectConfig {
    appid: Option<String>,
    setting: Option<Setting>,
    miniprogram_root: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Setting {
    url_check: Option<bool>,
}

/// The admin API's allow-lists; other keys (errcode, errmsg…) are ignored.
#[derive(Deserialize)]
struct DomainLists {
    #[serde(default)]
    requestdomain: Vec<String>,
    #[serde(default)]
    wsrequestdomain: Vec<String>,
    #[serde(default)]
    uploaddomain: Vec<String>,
    #[serde(default)]
    downloaddomain: Vec<String>,
}

impl DomainLists {
    fn of(&self, api: Api) -> &[String] {
        match api {
            Api::Request => &self.requestdomain,
            Api::ConnectSocket => &self.wsrequestdomain,
            Api::UploadFile => &self.uploaddomain,
            Api::DownloadFile => &self.downloaddomain,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AppJson {
    network_timeout: Option<NetworkTimeout>,
}

/// Reads a project directory: project.config.json (required), then
/// project.private.config.json's overrides, then app.json under `miniprogramRoot`.
pub fn read_project(dir: &Path) -> Result<Project, ProjectError> {
    let config: ProjectConfig = read_json(&dir.join("project.config.json"), "--project")?;
    let private = dir.join("project.private.config.json");
    let private: Option<ProjectConfig> = if private.exists() { Some(read_json(&private, "--project")?) } else { None };
    let url_check =
        private.as_ref().and_then(|p| p.setting.as_ref()?.url_check).or_else(|| config.setting.as_ref()?.url_check);
    let appid = private.as_ref().and_then(|p| p.appid.clone()).or(config.appid);
    let root = dir.join(config.miniprogram_root.as_deref().unwrap_or(""));
    let app_json = root.join("app.json");
    let (app_json, timeouts) = if app_json.exists() {
        let timeouts = read_app_json(&app_json, "--project")?;
        (Some(app_json), timeouts)
    } else {
        (None, NetworkTimeout::default())
    };
    Ok(Project { appid: appid.filter(|a| !a.is_empty()), url_check, app_json, timeouts })
}

/// Reads app.json's `networkTimeout`; `flag` names the option that led here.
pub fn read_app_json(path: &Path, flag: &'static str) -> Result<NetworkTimeout, ProjectError> {
    let app: AppJson = read_json(path, flag)?;
    let timeouts = app.network_timeout.unwrap_or_default();
    for api in [Api::Request, Api::ConnectSocket, Api::UploadFile, Api::DownloadFile] {
        if timeouts.of(api) == Some(0) {
            let field = format!("networkTimeout.{}", api.name());
            return Err(ProjectError::ZeroTimeout { flag, path: path.to_owned(), field });
        }
    }
    Ok(timeouts)
}

/// The allow-list of `api` from a `--domains-file`: JSON with the admin API's
/// names (`requestdomain`, …), or one origin per line (`#` comments).
pub fn read_domains_file(path: &Path, api: Api) -> Result<Vec<AllowEntry>, ProjectError> {
    let flag = "--domains-file";
    let text =
        std::fs::read_to_string(path).map_err(|source| ProjectError::Read { flag, path: path.to_owned(), source })?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('{') {
        let lists: DomainLists = read_json(path, flag)?;
        let list = api.domain_list();
        return lists
            .of(api)
            .iter()
            .map(|raw| {
                AllowEntry::parse(raw).map_err(|entry| ProjectError::DomainList { path: path.to_owned(), list, entry })
            })
            .collect();
    }
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.split('#').next().unwrap_or("").trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(line, text)| {
            AllowEntry::parse(text).map_err(|entry| ProjectError::DomainLine { path: path.to_owned(), line, entry })
        })
        .collect()
}

/// Parses a JSON file into `T`; errors name the file, line, column and field path.
fn read_json<T: DeserializeOwned>(path: &Path, flag: &'static str) -> Result<T, ProjectError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ProjectError::Read { flag, path: path.to_owned(), source })?;
    let mut json = serde_json::Deserializer::from_str(text.trim_start_matches('\u{feff}'));
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let inner = e.inner();
        let (path, line, column) = (path.to_owned(), inner.line(), inner.column());
        let message = strip_position(&inner.to_string()).to_owned();
        match (inner.classify(), e.path().to_string()) {
            (serde_json::error::Category::Data, field) if field != "." => {
                ProjectError::Field { flag, path, field, line, column, message }
            }
            _ => ProjectError::Json { flag, path, line, column, message },
        }
    })
}

/// serde_json appends "at line L column C"; the message names the position itself.
fn strip_position(message: &str) -> &str {
    message.split(" at line ").next().unwrap_or(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn reads_a_project_with_private_overrides() {
        let dir = dir_with(&[
            (
                "project.config.json",
                r#"{"appid":"wx123","miniprogramRoot":"miniprogram/","setting":{"urlCheck":true}}"#,
            ),
            ("project.private.config.json", r#"{"setting":{"urlCheck":false}}"#),
            ("miniprogram/app.json", r#"{"pages":["index"],"networkTimeout":{"request":5000,"uploadFile":9000}}"#),
        ]);
        let project = read_project(dir.path()).unwrap();
        assert_eq!(project.appid.as_deref(), Some("wx123"));
        assert_eq!(project.url_check, Some(false), "the private file wins");
        assert_eq!(project.timeouts.of(Api::Request), Some(5000));
        assert_eq!(project.timeouts.of(Api::UploadFile), Some(9000));
        assert_eq!(project.timeouts.of(Api::ConnectSocket), None);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let dir = dir_with(&[("project.config.json", "{\n  \"setting\": {\"urlCheck\": \"no\"}\n}")]);
        let err = read_project(dir.path()).unwrap_err().to_string();
        assert!(err.contains("project.config.json: setting.urlCheck at line 2"), "{err}");
        assert!(err.contains("expected a boolean"), "{err}");
        let dir =
            dir_with(&[("project.config.json", "{}"), ("app.json", "{\"networkTimeout\": {\"request\": 5000,}}")]);
        let err = read_project(dir.path()).unwrap_err().to_string();
        assert!(err.contains("app.json: invalid JSON at line 1"), "{err}");
        let dir =
            dir_with(&[("project.config.json", "{}"), ("app.json", r#"{"networkTimeout": {"request": "5000"}}"#)]);
        let err = read_project(dir.path()).unwrap_err().to_string();
        assert!(err.contains("networkTimeout.request at line 1"), "{err}");
        let dir = dir_with(&[("project.config.json", "{}"), ("app.json", r#"{"networkTimeout": {"request": 0}}"#)]);
        assert!(
            read_project(dir.path()).unwrap_err().to_string().contains("networkTimeout.request must be a positive")
        );
        assert!(!read_project(Path::new("/nonexistent")).unwrap_err().to_string().contains('\n'));
    }

    #[test]
    fn a_project_without_app_json_uses_defaults() {
        let dir = dir_with(&[("project.config.json", r#"{"appid":""}"#)]);
        let project = read_project(dir.path()).unwrap();
        assert_eq!(project, Project::default());
    }
}
