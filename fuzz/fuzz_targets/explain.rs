//! `reqdoctor explain` on whatever a user pastes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = reqdoctor::explain::explain(text, None);
    let _ = reqdoctor::explain::explain(text, Some(text));
    let _ = reqdoctor::explain::unknown(text, reqdoctor::lang::Lang::Zh);
});
