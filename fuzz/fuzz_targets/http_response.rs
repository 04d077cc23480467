//! An HTTP/1.1 exchange against a "server" that reads the request head, then
//! answers with the fuzzer's bytes: the client must end (answer, error or
//! deadline), never panic or hang.
//! The body lives in `reqdoctor::fuzzing`, where the test suite replays the
//! kept corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| reqdoctor::fuzzing::http_response(bytes));
