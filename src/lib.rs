//! reqdoctor answers one question for a WeChat mini-program developer, a
//! support engineer or a monitoring job: would `wx.request` to this URL work,
//! and if not, why?
//!
//! A diagnosis flows one way, and modules import only downward (the layer
//! table is in ARCHITECTURE.md, and a test holds the code to it):
//! [`cli`] (flags → [`Plan`](cli::plan::Plan)) → [`batch`] → [`pipeline`]:
//! [`probe`] (network I/O under the timeout budget, recorded in a
//! [`Trace`](probe::Trace)) → [`checks`] (pure rules) →
//! [`Report`](report::Report) → a renderer in [`report`] or [`output`].

pub mod allowlist;
pub mod altsvc;
pub mod android;
pub mod baseline;
pub mod batch;
pub mod cert;
pub mod certfile;
pub mod chainfix;
pub mod checks;
pub mod cli;
pub mod explain;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod lang;
pub mod miniprogram;
pub mod outcome;
pub mod output;
pub mod pipeline;
pub mod probe;
mod properties;
pub mod proxy;
pub mod report;
pub mod request;
pub mod routing;
pub mod serve;
pub mod shutdown;
pub mod target;
pub mod targets;
pub mod text;
pub mod trust;
