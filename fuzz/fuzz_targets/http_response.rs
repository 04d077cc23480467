//! An HTTP/1.1 exchange against a "server" that reads the request head, then
//! answers with the fuzzer's bytes: the client must end (answer, error or
//! deadline), never panic or hang.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = reqdoctor::probe::http::exchange_canned(bytes, Duration::from_millis(200));
});
