//! URL rules: parsing, masking, origins, allow-list entries and routing rules
//! must never panic, whatever the user types.
//! The body lives in `reqdoctor::fuzzing`, where the test suite replays the
//! kept corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| reqdoctor::fuzzing::url_rules(text));
