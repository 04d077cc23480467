//! The Prometheus text format: one diagnosis as SPEC's `reqdoctor_*` metrics
//! (for `/probe`), and the exporter's own counters, histogram and the
//! `process_*` metrics (`/metrics`, written by the `prometheus` crate).

use std::fmt::Write as _;

use prometheus::core::Collector;
use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::cert::Role;
use crate::checks::Status;
use crate::report::Report;

/// The content type Prometheus scrapes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the probe duration histogram, in seconds.
const BUCKETS: [f64; 14] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value, escaped as the text format requires.
fn label(value: &str) -> String {
    value.replace('\\', r"\\").replace('"', "\\\"").replace('\n', r"\n")
}

/// SPEC's metrics for one report.
pub fn probe(report: &Report) -> String {
    let mut out = String::new();
    let verdict = report.verdict.severity();
    family(
        &mut out,
        "reqdoctor_probe_success",
        "gauge",
        "1 unless the verdict is fail: would wx.request to the target work.",
    );
    let _ = writeln!(out, "reqdoctor_probe_success {}", u8::from(report.verdict != Status::Fail));
    family(&mut out, "reqdoctor_verdict", "gauge", "The verdict: 0 pass, 1 warn, 2 fail.");
    let _ = writeln!(out, "reqdoctor_verdict {verdict}");
    family(
        &mut out,
        "reqdoctor_check_status",
        "gauge",
        "Each check's status: 0 pass, 1 warn, 2 fail (skip and info are absent).",
    );
    for check in report.checks.iter().filter(|c| !matches!(c.status, Status::Skip | Status::Info)) {
        let _ = writeln!(
            out,
            "reqdoctor_check_status{{check=\"{}\",step=\"{}\"}} {}",
            check.id,
            check.step,
            check.status.severity()
        );
    }
    phases(&mut out, report);
    certificate(&mut out, report);
    if let Some(tls) = &report.tls {
        family(&mut out, "reqdoctor_tls_version_info", "gauge", "1 for the negotiated TLS version.");
        let _ = writeln!(out, "reqdoctor_tls_version_info{{version=\"{}\"}} 1", label(&tls.version));
    }
    if let Some(http) = &report.http {
        family(&mut out, "reqdoctor_http_status_code", "gauge", "The final HTTP status code.");
        let _ = writeln!(out, "reqdoctor_http_status_code {}", http.status);
        family(&mut out, "reqdoctor_http_redirects", "gauge", "The number of redirects followed.");
        let _ = writeln!(out, "reqdoctor_http_redirects {}", http.redirects);
    }
    http3(&mut out, report);
    out
}

/// The HTTP/3 attempt, when one was made (absent otherwise).
fn http3(out: &mut String, report: &Report) {
    let Some(h3) = &report.http3 else { return };
    family(out, "reqdoctor_http3_success", "gauge", "1 when the request over HTTP/3 (QUIC) got a response.");
    let _ = writeln!(out, "reqdoctor_http3_success {}", u8::from(h3.status.is_some()));
    family(
        out,
        "reqdoctor_quic_attempt_duration_seconds",
        "gauge",
        "The QUIC attempt: its handshake and the request over HTTP/3, or until it was given up.",
    );
    let _ = writeln!(out, "reqdoctor_quic_attempt_duration_seconds {}", seconds(h3.total_ms));
    if h3.connected {
        family(out, "reqdoctor_quic_handshake_duration_seconds", "gauge", "The QUIC handshake, when it completed.");
        let _ = writeln!(out, "reqdoctor_quic_handshake_duration_seconds {}", seconds(h3.handshake_ms));
    }
    if let Some(status) = h3.status {
        family(out, "reqdoctor_http3_status_code", "gauge", "The status of the request over HTTP/3.");
        let _ = writeln!(out, "reqdoctor_http3_status_code {status}");
    }
}

fn phases(out: &mut String, report: &Report) {
    family(out, "reqdoctor_phase_duration_seconds", "gauge", "Where the time went, by phase.");
    let t = &report.timings_ms;
    let phases = [("dns", t.dns), ("connect", t.connect), ("tls", t.tls), ("ttfb", t.ttfb), ("total", Some(t.total))];
    for (phase, ms) in phases {
        if let Some(ms) = ms {
            let _ = writeln!(out, "reqdoctor_phase_duration_seconds{{phase=\"{phase}\"}} {}", seconds(ms));
        }
    }
}

/// The earliest `not_after` among the certificates on the path (roots excluded).
fn certificate(out: &mut String, report: &Report) {
    let Some(certificate) = &report.certificate else { return };
    let earliest = certificate
        .path
        .iter()
        .filter_map(|i| certificate.chain.get(*i))
        .filter(|entry| entry.role != Role::Root)
        .map(|entry| entry.not_after.0)
        .min();
    if let Some(earliest) = earliest {
        family(
            out,
            "reqdoctor_cert_not_after_timestamp_seconds",
            "gauge",
            "The earliest expiry among the certificates the chain needs.",
        );
        let _ = writeln!(out, "reqdoctor_cert_not_after_timestamp_seconds {earliest}");
    }
}

/// Milliseconds as seconds with microsecond precision, without float noise.
fn seconds(ms: f64) -> String {
    let text = format!("{:.6}", ms / 1000.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The exporter's own metrics (`/metrics`), kept across probes in a
/// `prometheus` registry, which also holds the `process_*` collector on Linux
/// and writes the text format.
pub struct Exporter {
    registry: Registry,
    probes: IntCounterVec,
    rejected: IntCounter,
    in_flight: IntGauge,
    duration: Histogram,
    reloads: IntCounterVec,
    config_loaded: IntGauge,
}

impl Exporter {
    /// A registry with every family registered; `modules` for the help text only.
    pub fn new() -> Exporter {
        let registry = Registry::new();
        let probes = IntCounterVec::new(
            Opts::new("reqdoctor_exporter_probes_total", "Finished probes by verdict."),
            &["verdict"],
        )
        .expect("valid metric");
        let rejected = IntCounter::new(
            "reqdoctor_exporter_probes_rejected_total",
            "Probes refused with 503 because too many were running.",
        )
        .expect("valid metric");
        let in_flight =
            IntGauge::new("reqdoctor_exporter_probes_in_flight", "Probes running now.").expect("valid metric");
        let duration = Histogram::with_opts(
            HistogramOpts::new("reqdoctor_exporter_probe_duration_seconds", "How long probes took.")
                .buckets(BUCKETS.to_vec()),
        )
        .expect("valid metric");
        let reloads = IntCounterVec::new(
            Opts::new("reqdoctor_exporter_config_reloads_total", "Configuration reloads by result."),
            &["result"],
        )
        .expect("valid metric");
        let config_loaded = IntGauge::new(
            "reqdoctor_exporter_config_last_reload_successful",
            "1 when the last configuration reload succeeded (or none was asked for), 0 when it failed.",
        )
        .expect("valid metric");
        config_loaded.set(1);
        for verdict in VERDICTS {
            probes.with_label_values(&[verdict]);
        }
        for result in ["success", "failure"] {
            reloads.with_label_values(&[result]);
        }
        let collectors: [Box<dyn Collector>; 8] = [
            Box::new(build_info("reqdoctor_exporter_build_info", "The running reqdoctor's version.", false)),
            Box::new(build_info("reqdoctor_build_info", "The running reqdoctor's version and git commit.", true)),
            Box::new(probes.clone()),
            Box::new(rejected.clone()),
            Box::new(in_flight.clone()),
            Box::new(duration.clone()),
            Box::new(reloads.clone()),
            Box::new(config_loaded.clone()),
        ];
        for collector in collectors {
            registry.register(collector).expect("each family is registered once");
        }
        register_process(&registry);
        Exporter { registry, probes, rejected, in_flight, duration, reloads, config_loaded }
    }

    pub fn observe(&self, verdict: Status, seconds: f64) {
        self.probes.with_label_values(&[VERDICTS[usize::from(verdict.severity())]]).inc();
        self.duration.observe(seconds);
    }

    pub fn reject(&self) {
        self.rejected.inc();
    }

    /// Counts a reload and whether it took.
    pub fn reloaded(&self, ok: bool) {
        self.reloads.with_label_values(&[if ok { "success" } else { "failure" }]).inc();
        self.config_loaded.set(i64::from(ok));
    }

    /// Counts a probe as running until the guard drops (also when hyper drops
    /// the handler because the client went away).
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }

    /// Every family in the text format.
    pub fn render(&self) -> String {
        TextEncoder::new().encode_to_string(&self.registry.gather()).unwrap_or_default()
    }
}

/// A probe counted in `reqdoctor_exporter_probes_in_flight` until dropped.
pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

const VERDICTS: [&str; 3] = ["pass", "warn", "fail"];

/// A gauge of 1 labelled with the version (and the commit, with `revision`).
fn build_info(name: &str, help: &str, revision: bool) -> IntGaugeVec {
    let labels: &[&str] = if revision { &["version", "revision"] } else { &["version"] };
    let gauge = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    let values: &[&str] =
        if revision { &[env!("CARGO_PKG_VERSION"), env!("REQDOCTOR_REVISION")] } else { &[env!("CARGO_PKG_VERSION")] };
    gauge.with_label_values(values).set(1);
    gauge
}

/// The standard `process_*` metrics (CPU, memory, open file descriptors, start time).
#[cfg(target_os = "linux")]
fn register_process(registry: &Registry) {
    let _ = registry.register(Box::new(prometheus::process_collector::ProcessCollector::for_self()));
}

#[cfg(not(target_os = "linux"))]
fn register_process(_registry: &Registry) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_is_cumulative() {
        let exporter = Exporter::new();
        exporter.observe(Status::Pass, 0.004);
        exporter.observe(Status::Fail, 0.3);
        exporter.observe(Status::Warn, 500.0);
        let text = exporter.render();
        assert!(text.contains("reqdoctor_exporter_probe_duration_seconds_bucket{le=\"0.005\"} 1\n"), "{text}");
        assert!(text.contains("reqdoctor_exporter_probe_duration_seconds_bucket{le=\"0.5\"} 2\n"), "{text}");
        assert!(text.contains("reqdoctor_exporter_probe_duration_seconds_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("reqdoctor_exporter_probes_total{verdict=\"fail\"} 1\n"), "{text}");
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(seconds(45.69), "0.04569");
        assert_eq!(seconds(1000.0), "1");
    }
}
