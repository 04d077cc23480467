//! A legacy TLS server's first flight, as the TLS 1.1/1.0 probe reads it.
//! The body lives in `reqdoctor::fuzzing`, where the test suite replays the
//! kept corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| reqdoctor::fuzzing::legacy_flight(bytes));
