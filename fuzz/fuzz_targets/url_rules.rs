//! URL rules: parsing, masking, origins, allow-list entries and routing rules
//! must never panic, whatever the user types.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reqdoctor::checks::{AllowEntry, origin_of};
use reqdoctor::routing::{ConnectTo, Resolve, Routes};
use reqdoctor::target::Target;

fuzz_target!(|text: &str| {
    if let Ok(target) = Target::parse(text) {
        let shown = target.shown();
        if target.has_credentials() {
            // The masked URL's authority carries no credentials (a path may
            // legitimately contain the same characters).
            let parsed = url::Url::parse(&shown).expect("a masked URL parses");
            assert!(parsed.password().is_none() && parsed.username() == "***", "credentials shown: {shown}");
        }
        if let Ok(entry) = AllowEntry::parse(&origin_of(&target)) {
            assert!(entry.allows(&target), "an origin refuses its own URL: {text}");
        }
    }
    let _ = AllowEntry::parse(text);
    let routes = Routes {
        connect_to: ConnectTo::parse(text).into_iter().collect(),
        resolve: Resolve::parse(text).into_iter().collect(),
    };
    let _ = routes.route("api.test", 443);
});
