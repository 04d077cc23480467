//! `reqdoctor explain` on whatever a user pastes.
//! The body lives in `reqdoctor::fuzzing`, where the test suite replays the
//! kept corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| reqdoctor::fuzzing::explain(text));
