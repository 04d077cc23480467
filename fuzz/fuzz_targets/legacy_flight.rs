//! A legacy TLS server's first flight, as the TLS 1.1/1.0 probe reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = reqdoctor::probe::legacy::read_flight(bytes);
});
