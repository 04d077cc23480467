//! The single integration test binary: in-process fixture servers (`support`), their
//! self-tests (`fixtures`), and the end-to-end tests that run the built `reqdoctor`
//! against them. One binary keeps link time low and lets every test share fixtures.

mod addresses;
mod altsvc;
mod android;
mod architecture;
mod baseline;
mod batch;
mod browser;
mod catalogue;
mod certfile;
mod chainfix;
mod cli;
mod contrib;
mod exit;
mod explain;
mod fixtures;
mod h3;
mod hostile;
mod http;
mod http2;
mod install;
mod miniprogram;
mod network;
mod proxy;
mod render;
mod rules;
mod schema;
mod secrets;
mod serve;
mod support;
mod tls;
mod usage;
mod verify;
