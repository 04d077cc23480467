#!/usr/bin/env python3
"""bench/sample.py — samples processes' memory, file descriptors and CPU.

Used by bench/soak and bench/fleet. Every --interval seconds, for each
--proc NAME=PID[=METRICS_URL], appends one JSON line to --out with what
/proc says (VmRSS, the entries of /proc/PID/fd, utime+stime in clock ticks,
threads) and, when a metrics URL is given, what the exporter says of itself
on /metrics (process_resident_memory_bytes, process_open_fds, the probe
counters, in-flight gauge and probe-duration histogram). Runs until killed
(SIGTERM) or until --duration seconds have passed.
"""

import argparse
import json
import os
import signal
import sys
import time
import urllib.request

KEEP = (
    "process_resident_memory_bytes",
    "process_open_fds",
    "process_cpu_seconds_total",
    "process_threads",
    "reqdoctor_exporter_probes_in_flight",
    "reqdoctor_exporter_probes_rejected_total",
    "reqdoctor_exporter_probes_total",
    "reqdoctor_exporter_probe_duration_seconds_bucket",
    "reqdoctor_exporter_probe_duration_seconds_count",
    "reqdoctor_exporter_probe_duration_seconds_sum",
)


def from_proc(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                out["rss_bytes"] = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                out["threads"] = int(line.split()[1])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    out["cpu_ticks"] = int(fields[11]) + int(fields[12])  # utime, stime
    return out


def from_metrics(url):
    """{name or name{labels}: value} of the lines in KEEP."""
    with urllib.request.urlopen(url, timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        key, _, value = line.rpartition(" ")
        if key.split("{", 1)[0] in KEEP:
            out[key] = float(value)
    return out


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--proc", action="append", required=True, help="NAME=PID[=METRICS_URL]")
    p.add_argument("--interval", type=float, default=5.0)
    p.add_argument("--duration", type=float, default=86400.0)
    p.add_argument("--out", required=True)
    return p.parse_args()


def main():
    args = parse_args()
    procs = []
    for spec in args.proc:
        parts = spec.split("=", 2)
        procs.append((parts[0], int(parts[1]), parts[2] if len(parts) > 2 else None))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    urllib.request.install_opener(opener)
    start = time.time()
    next_at = start
    with open(args.out, "a") as f:
        while time.time() - start < args.duration:
            sample = {"t": round(time.time(), 3), "loadavg": open("/proc/loadavg").read().split()[:3]}
            for name, pid, url in procs:
                entry = {}
                try:
                    entry["proc"] = from_proc(pid)
                except OSError as e:
                    entry["proc_error"] = str(e)
                if url:
                    try:
                        entry["metrics"] = from_metrics(url)
                    except Exception as e:  # noqa: BLE001 — a missed sample is recorded, not fatal
                        entry["metrics_error"] = str(e)
                sample[name] = entry
            f.write(json.dumps(sample) + "\n")
            f.flush()
            next_at += args.interval
            time.sleep(max(0.0, next_at - time.time()))


if __name__ == "__main__":
    main()
