//! Secrets stay secret: header values and URL credentials never appear in any
//! output format, usage errors show header names only, and headers go to the
//! URL's host and nowhere else.

use crate::cli::{reqdoctor, to};
use crate::support::{CertKind, https_server, pki, recorded};

const SECRET: &str = "s3cret";

#[test]
fn no_output_format_leaks_a_header_or_a_password() {
    let route = to(https_server(CertKind::Valid));
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    let url = format!("https://admin:{SECRET}@api.test/record/secrets");
    for format in ["text", "json", "jsonl", "nagios"] {
        let run = reqdoctor(&[
            "check",
            "--format",
            format,
            "--ca-file",
            &ca,
            "--connect-to",
            &route,
            "-H",
            &format!("Authorization: Bearer {SECRET}"),
            "-H",
            &format!("Cookie: session={SECRET}"),
            "-H",
            &format!("X-Api-Key: {SECRET}"),
            "--lang",
            "zh",
            &url,
        ]);
        assert!(run.code <= 2, "{format}: {}", run.stderr);
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "{format} leaks:\n{}{}",
            run.stdout,
            run.stderr
        );
        if format == "json" {
            assert!(run.stdout.contains("https://***@api.test/record/secrets"), "the target is shown masked");
        }
    }
    let sent = recorded("secrets");
    assert_eq!(sent.len(), 4, "each run reached the URL's host");
    let authorization = sent[0].headers.iter().find(|(k, _)| k == "authorization").map(|(_, v)| v.as_str());
    assert_eq!(authorization, Some(format!("Bearer {SECRET}").as_str()), "the header itself is sent");
    assert!(sent.iter().all(|r| !r.target.contains(SECRET)), "URL credentials are never sent");
}

#[test]
fn url_credentials_warn() {
    let route = to(https_server(CertKind::Valid));
    let ca = pki().root_pem_path().to_str().unwrap().to_owned();
    let run = reqdoctor(&["check", "--json", "--ca-file", &ca, "--connect-to", &route, "https://u:p@api.test/ok"]);
    let report: crate::cli::Report = serde_json::from_str(&run.stdout).unwrap();
    report.expect("url.host", "warn", "carries credentials");
}

#[test]
fn usage_errors_name_headers_but_never_their_values() {
    for header in [format!("Authorization Bearer {SECRET}"), format!("X-Key: {SECRET}\u{1}")] {
        let run = reqdoctor(&["check", "-H", &header, "https://api.test/"]);
        assert_eq!(run.code, 3);
        assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
    }
}
