//! Certificate bundle and key files on arbitrary bytes: PEM (CERTIFICATE,
//! PKCS7, CMS, key blocks), DER certificates and DER PKCS#7 certs-only.
//! Seeds in seeds/cert_bundle are each form, made with openssl.
//! The body lives in `reqdoctor::fuzzing`, where the test suite replays the
//! kept corpus through it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| reqdoctor::fuzzing::cert_bundle(bytes));
