//! Property tests: the parsers and rules that see untrusted input — URLs,
//! `Alt-Svc` headers, allow-list entries, routing rules, app.json, redirects, certificates,
//! certificate bundles and key files, a
//! legacy TLS server's bytes, pasted errMsgs, HTTP responses, project and
//! serve configs — never panic, and keep their
//! promises for every input proptest can think of.

#![cfg(test)]

use proptest::prelude::*;

use crate::allowlist::{AllowEntry, origin_of};
use crate::altsvc::{AltSvc, Alternative};
use crate::cert::{CertFacts, Chain, bundle};
use crate::probe::flight::read_flight;
use crate::probe::redirect::{Next, next};
use crate::routing::{ConnectTo, Resolve};
use crate::target::Target;
use crate::trust::Roots;

/// URL-ish strings: mostly plausible, sometimes hostile.
fn urlish() -> impl Strategy<Value = String> {
    prop_oneof![
        "(https?|wss?|ftp)://([a-z0-9-]{1,12}\\.){0,3}[a-z]{1,6}(:[0-9]{1,6})?(/[a-zA-Z0-9._~%-]{0,12}){0,3}(\\?[a-z=&]{0,12})?",
        "https://([a-z]{1,5}(:[a-z0-9]{1,8})?@)?[a-z0-9.\\[\\]:]{1,30}(/.{0,20})?",
        ".{0,60}",
    ]
}

/// What reading a bundle or key file promises for any bytes: no panic, at
/// most `MAX_CERTS` non-empty certificates, one-line errors.
fn bundle_keeps_its_promises(bytes: &[u8]) -> Result<(), TestCaseError> {
    match bundle::read_certificates(bytes) {
        Ok(certs) => {
            prop_assert!(!certs.is_empty() && certs.len() <= bundle::MAX_CERTS && certs.iter().all(|c| !c.is_empty()))
        }
        Err(e) => prop_assert!(!e.to_string().contains('\n'), "{}", e),
    }
    if let Err(e) = bundle::read_private_key(bytes) {
        prop_assert!(!e.to_string().contains('\n'), "{}", e);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn target_parsing_never_panics_and_never_shows_a_password(input in urlish()) {
        if let Ok(target) = Target::parse(&input) {
            let shown = target.shown();
            if target.has_credentials() {
                let parsed = url::Url::parse(&shown).unwrap();
                prop_assert!(parsed.password().is_none() && parsed.username() == "***", "{}", shown);
            }
            if let Some(port) = target.explicit_port {
                prop_assert_eq!(target.port(), port);
            }
            prop_assert!(!target.host().is_empty());
        }
    }

    #[test]
    fn an_origin_entry_allows_its_own_target(input in urlish()) {
        if let Ok(target) = Target::parse(&input)
            && let Ok(entry) = AllowEntry::parse(&origin_of(&target))
        {
            prop_assert!(entry.allows(&target), "{} vs {}", entry.raw, input);
        }
    }

    #[test]
    fn routing_rules_never_panic(rule in ".{0,60}", host in "[a-z.]{1,12}", port in 1u16..) {
        let routes = crate::routing::Routes {
            connect_to: ConnectTo::parse(&rule).into_iter().collect(),
            resolve: Resolve::parse(&rule).into_iter().collect(),
        };
        let _ = routes.route(&host, port);
    }

    #[test]
    fn redirects_never_leave_the_host_or_downgrade(location in ".{0,80}", status in 300u16..310, hops in 1usize..5) {
        let here = url::Url::parse("https://api.test/a/b?c=d").unwrap();
        let visited = vec![here.clone(); hops];
        if let Next::Follow { url, .. } = next(&here, u32::from(status), Some(&location), &visited, 20, "GET") {
            prop_assert_eq!(url.host_str(), Some("api.test"));
            prop_assert_eq!(url.scheme(), "https");
        }
    }

    #[test]
    fn certificate_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = CertFacts::parse(&bytes);
        let chain = [rustls_pki_types::CertificateDer::from(bytes)];
        let _ = Chain::analyze(&chain, &Roots::mozilla(), "api.example.com", 0).map(|c| c.refusal());
    }

    #[test]
    fn bundle_reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        bundle_keeps_its_promises(&bytes)?;
    }

    #[test]
    fn ber_shaped_bundles_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..300), split in 0usize..300) {
        // ContentInfo with indefinite lengths, then anything: the BER walk's edge cases.
        let oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
        let (head, rest) = tail.split_at(split.min(tail.len()));
        let bytes = [&[0x30, 0x80][..], &oid, &[0xa0, 0x80, 0x30, 0x80], head, &[0, 0], rest].concat();
        bundle_keeps_its_promises(&bytes)?;
    }

    #[test]
    fn pem_shaped_bundles_never_panic(
        label in "(CERTIFICATE|PKCS7|CMS|PRIVATE KEY|RSA PRIVATE KEY|X)",
        body in "[A-Za-z0-9+/=\n-]{0,300}",
        end in any::<bool>(),
    ) {
        let end = if end { format!("-----END {label}-----\n") } else { String::new() };
        let pem = format!("-----BEGIN {label}-----\n{body}\n{end}");
        bundle_keeps_its_promises(pem.as_bytes())?;
    }

    #[test]
    fn a_legacy_servers_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = read_flight(&bytes);
    }

    #[test]
    fn a_legacy_server_hello_names_its_version(version in 0x0300u16..0x0304) {
        let hello = [&[2u8, 0, 0, 2][..], &version.to_be_bytes()].concat();
        let record = [&[22u8, 3, 1, 0, hello.len() as u8][..], &hello].concat();
        let (whole, _) = read_flight(&record);
        let named = whole.as_ref().and_then(|answer| answer.hello()).map(|hello| hello.version);
        prop_assert_eq!(named, Some(crate::probe::hello::WireVersion(version)));
    }

    #[test]
    fn explain_never_panics(input in ".{0,120}") {
        let _ = crate::explain::explain(&input, None);
        let _ = crate::explain::explain(&input, Some(&input));
    }

    #[test]
    fn app_json_readers_never_panic_and_err_in_one_line(text in "\\{(\"networkTimeout\": ?)?.{0,60}\\}?") {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.json");
        std::fs::write(&path, &text).unwrap();
        if let Err(error) = crate::cli::project::read_app_json(&path, "--app-json") {
            let message = error.to_string();
            prop_assert!(!message.contains('\n'), "{}", message);
        }
        if let Err(error) = crate::cli::project::read_domains_file(&path, crate::miniprogram::Api::Request) {
            let message = error.to_string();
            prop_assert!(!message.contains('\n'), "{}", message);
        }
    }
}

/// A response head proptest can vary: a well-formed one (`Some(status)`) or garbage.
fn response_bytes() -> impl Strategy<Value = (Vec<u8>, Option<u16>)> {
    let well_formed = (
        200u16..600,
        proptest::collection::vec(("x-[a-z]{1,8}", "[a-zA-Z0-9 ;=/.-]{0,24}"), 0..6),
        proptest::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(status, headers, body)| {
            let mut head = format!("HTTP/1.1 {status} Whatever\r\ncontent-length: {}\r\n", body.len());
            for (name, value) in headers {
                head.push_str(&format!("{name}: {}\r\n", value.trim()));
            }
            head.push_str("\r\n");
            let mut bytes = head.into_bytes();
            bytes.extend(body);
            (bytes, Some(status))
        });
    let garbage = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        "HTTP/1\\.[01] .{0,12}\r\n(.{0,30}\r\n){0,4}(\r\n)?.{0,20}".prop_map(String::into_bytes),
    ]
    .prop_map(|bytes| (bytes, None));
    prop_oneof![well_formed, garbage]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_response_ends_and_a_well_formed_head_is_read(case in response_bytes()) {
        let (bytes, status) = case;
        let result = crate::probe::http::exchange_canned(&bytes, std::time::Duration::from_secs(2));
        if let Some(status) = status {
            let response = result.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(response.status, u32::from(status));
        }
    }

    #[test]
    fn project_readers_never_panic_and_err_in_one_line(
        text in "\\{(\"(appid|miniprogramRoot|setting)\": ?(\"[a-z./]{0,8}\"|\\{\"urlCheck\": ?.{0,6}\\}|[0-9]{1,4}|null),? ?){0,3}.{0,20}\\}?"
    ) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("project.config.json"), &text).unwrap();
        if let Err(error) = crate::cli::project::read_project(dir.path()) {
            let message = error.to_string();
            prop_assert!(!message.contains('\n'), "{}", message);
        }
    }

    #[test]
    fn the_serve_config_reader_never_panics_and_errs_in_one_line(
        text in "(\\[modules\\.[a-z]{1,5}\\]\n)?(([a-z-]{1,20}|max-concurrent-probes|timeout-ms) = (\"[^\"\n]{0,12}\"|-?[0-9]{1,6}|true|\\[\"[a-z:/*.]{0,12}\"\\])\n){0,3}.{0,20}"
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.toml");
        std::fs::write(&path, &text).unwrap();
        if let Err(error) = crate::cli::serve_config::read(&path) {
            let message = error.to_string();
            prop_assert!(!message.contains('\n'), "{}", message);
        }
    }
}

/// An `Alternative` as a parse could give it: a host without `:` (or an
/// IPv6 literal in brackets), positive port and `ma`, `v` a list of numbers.
fn alternative() -> impl Strategy<Value = Alternative> {
    let host = prop_oneof![Just(None), "[^:\\[]{1}[^:]{0,15}".prop_map(Some), "\\[[0-9a-f:]{2,20}\\]".prop_map(Some),];
    let versions = proptest::option::of(
        proptest::collection::vec(1u16.., 1..4)
            .prop_map(|v| v.iter().map(u16::to_string).collect::<Vec<_>>().join(",")),
    );
    let protocol = prop_oneof!["h3", "h3-29", "quic", "h2", ".{1,8}"];
    (protocol, host, 1u16.., 1u64..=u64::from(u32::MAX), any::<bool>(), versions).prop_map(
        |(protocol, host, port, max_age, persist, versions)| Alternative {
            protocol,
            host,
            port,
            max_age,
            persist,
            versions,
        },
    )
}

/// Alt-Svc-shaped text: mostly plausible, sometimes broken anywhere.
fn altsvc_ish() -> impl Strategy<Value = String> {
    prop_oneof![
        "(clear|((h3|h3-29|quic|h2|%[0-9A-Fa-g]{0,2}|[a-z]{0,3})=\"[a-z.\\[\\]:\\\\]{0,12}:[0-9]{0,6}\"?( ?; ?(ma|v|persist|x)=(\"[0-9,]{0,8}\"?|[0-9-]{0,12}))*,? ?){1,3})",
        ".{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn alt_svc_parsing_never_panics_and_is_stable(value in altsvc_ish()) {
        match crate::altsvc::parse(&value) {
            Ok(parsed) => {
                prop_assert!(parsed.clear == parsed.services.is_empty(), "{:?}", parsed);
                prop_assert_eq!(crate::altsvc::parse(&parsed.to_string()), Ok(parsed));
            }
            Err(error) => prop_assert!(!error.to_string().contains('\n'), "{}", error),
        }
    }

    #[test]
    fn alt_svc_round_trips(services in proptest::collection::vec(alternative(), 1..5), clear in any::<bool>()) {
        let altsvc = if clear { AltSvc { clear, services: Vec::new() } } else { AltSvc { clear, services } };
        prop_assert_eq!(crate::altsvc::parse(&altsvc.to_string()), Ok(altsvc.clone()), "{}", altsvc);
    }
}
