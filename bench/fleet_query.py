#!/usr/bin/env python3
"""bench/fleet_query.py — bench/fleet's measurements, asked of Prometheus.

Evaluates PromQL instant queries at --end over the --window before it
(Prometheus' HTTP API, /api/v1/query?time=END), reads Prometheus' own
/metrics, and each exporter's probes, 503s and probe-duration histogram from
bench/sample.py's samples (first and last inside the window). Writes one JSON
for bench/scale_report.py.
"""

import argparse
import json
import os
import re
import sys
import urllib.parse
import urllib.request

from scale_report import histogram_quantile  # bench/scale_report.py, beside this file

JOB = "reqdoctor_probe_default"


def query(base, promql, at):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": promql, "time": str(at)})
    with urllib.request.urlopen(url, timeout=60) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise SystemExit(f"fleet_query.py: {promql}: {body}")
    return body["data"]["result"]


def scalar(result):
    if not result:
        return None
    v = float(result[0]["value"][1])
    return int(v) if v.is_integer() else round(v, 6)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--prometheus", required=True)
    p.add_argument("--end", type=int, required=True)
    p.add_argument("--window", type=int, required=True)
    p.add_argument("--interval", type=int, required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
    w = f"{a.window}s"
    up = f'up{{job="{JOB}"}}'
    dur = f'scrape_duration_seconds{{job="{JOB}"}}'
    expected = a.window // a.interval
    asks = {
        "targets (series of up)": f"count({up})",
        "scrapes in the window, all targets": f"sum(count_over_time({up}[{w}]))",
        f"expected: targets × {a.window} s / {a.interval} s": f"count({up}) * {expected}",
        "fewest scrapes of one target": f"min(count_over_time({up}[{w}]))",
        "most scrapes of one target": f"max(count_over_time({up}[{w}]))",
        f"targets with fewer than {expected} scrapes": f"count(count_over_time({up}[{w}]) < {expected}) or vector(0)",
        "failed scrapes (up == 0)": f"sum(count_over_time({up}[{w}])) - sum(sum_over_time({up}[{w}]))",
        "targets with any failed scrape": f"count(min_over_time({up}[{w}]) == 0) or vector(0)",
        "targets whose verdict failed at least once": f'count(min_over_time(reqdoctor_probe_success{{job="{JOB}"}}[{w}]) == 0) or vector(0)',
        "scrape duration, mean over all scrapes, s": f"sum(sum_over_time({dur}[{w}])) / sum(count_over_time({dur}[{w}]))",
        "scrape duration, median of the targets' medians, s": f"quantile(0.5, quantile_over_time(0.5, {dur}[{w}]))",
        "scrape duration, median of the targets' p99s, s": f"quantile(0.5, quantile_over_time(0.99, {dur}[{w}]))",
        "scrape duration, p99 of the targets' p99s, s": f"quantile(0.99, quantile_over_time(0.99, {dur}[{w}]))",
        "scrape duration, longest, s": f"max(max_over_time({dur}[{w}]))",
        "exporters' own /metrics: scrapes, failed": f'sum(count_over_time(up{{job="reqdoctor_exporter"}}[{w}])) - sum(sum_over_time(up{{job="reqdoctor_exporter"}}[{w}]))',
        "alerts firing at the end": 'count(ALERTS{alertstate="firing"}) or vector(0)',
        "probes refused with 503, all exporters (increase)": f"sum(increase(reqdoctor_exporter_probes_rejected_total[{w}]))",
    }
    queries = {}
    for label, promql in asks.items():
        queries[label] = {"query": promql, "value": scalar(query(a.prometheus, promql, a.end))}
    firing = query(a.prometheus, 'count by (alertname) (ALERTS{alertstate="firing"})', a.end)
    queries["alerts firing at the end, by name"] = {
        "query": 'count by (alertname) (ALERTS{alertstate="firing"})',
        "value": ", ".join(f"{r['metric'].get('alertname')} {r['value'][1]}" for r in firing) or "none",
    }
    shards = {r["metric"].get("exporter", "?"): int(float(r["value"][1])) for r in query(a.prometheus, f"count by (exporter) ({up})", a.end)}
    queries["targets per exporter"] = {"query": f"count by (exporter) ({up})", "value": json.dumps(shards)}

    with urllib.request.urlopen(a.prometheus + "/metrics", timeout=30) as r:
        text = r.read().decode()
    keep = (
        "prometheus_target_interval_length_seconds{",
        "prometheus_target_scrapes_exceeded_sample_limit_total",
        "prometheus_target_scrapes_sample_out_of_order_total",
        "prometheus_target_scrape_pool_exceeded_target_limit_total",
        "prometheus_tsdb_head_series ",
        "prometheus_rule_group_iterations_missed_total",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
    )
    pm = {}
    for line in text.splitlines():
        if line.startswith(keep):
            key, _, value = line.rpartition(" ")
            pm[key] = value

    with open(a.samples) as f:
        ss = [json.loads(line) for line in f if line.strip()]
    start = a.end - a.window
    inside = [s for s in ss if start - 3 <= s["t"] <= a.end + 3]
    exporters = {}
    prefix = "reqdoctor_exporter_probe_duration_seconds"
    for name in sorted(k for k in ss[0] if k.startswith("exporter-")):
        got = [s for s in inside if "metrics" in s[name] and "proc" in s[name]]
        if len(got) < 2:
            continue
        b, e = got[0][name]["metrics"], got[-1][name]["metrics"]
        probes = sum(v - b.get(k, 0) for k, v in e.items() if k.startswith("reqdoctor_exporter_probes_total"))
        p50 = histogram_quantile(0.5, b, e, prefix)
        p99 = histogram_quantile(0.99, b, e, prefix)
        exporters[name] = {
            "probes": int(probes),
            "rejected": int(e.get("reqdoctor_exporter_probes_rejected_total", 0) - b.get("reqdoctor_exporter_probes_rejected_total", 0)),
            # /proc's clock ticks: the crate's process_cpu_seconds_total counts whole seconds.
            "cpu_s": round((got[-1][name]["proc"]["cpu_ticks"] - got[0][name]["proc"]["cpu_ticks"]) / os.sysconf("SC_CLK_TCK"), 2),
            "p50_ms": round(p50 * 1000, 1) if p50 is not None else None,
            "p99_ms": round(p99 * 1000, 1) if p99 is not None else None,
            "seconds": round(got[-1]["t"] - got[0]["t"], 1),
        }
    out = {"end": a.end, "window_s": a.window, "interval_s": a.interval, "queries": queries, "shards": shards,
           "prometheus_metrics": pm, "exporters": exporters}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print("[fleet_query] " + json.dumps({k: v["value"] for k, v in queries.items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
