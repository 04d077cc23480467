//! The single integration test binary: in-process fixture servers (`support`), their
//! self-tests (`fixtures`), and the end-to-end tests that run the built `reqdoctor`.
//! One binary keeps link time low and lets every test share the same fixtures.

mod fixtures;
mod support;
