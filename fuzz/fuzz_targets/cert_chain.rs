//! Certificate analysis on arbitrary bytes: up to four "certificates" cut from
//! the input at DER boundaries, parsed and walked toward the Mozilla roots.
//! Seeds in seeds/cert_chain are real chains (concatenated DER).
//! The body lives in `reqdoctor::fuzzing`, where the test suite replays the
//! kept corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| reqdoctor::fuzzing::cert_chain(bytes));
