#!/usr/bin/env python3
"""bench/scale_report.py — Markdown tables from bench/soak's and bench/fleet's raw results.

    scale_report.py soak RESULTS_DIR
    scale_report.py fleet RESULTS_DIR
"""

import glob
import json
import os
import re
import sys

MIB = 1048576


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def jload(path):
    with open(path) as f:
        return json.load(f)


def samples(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def fmt(x, digits=1):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return f"{x:,}"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def machine(r):
    m = jload(os.path.join(r, "machine.json"))
    u = m["uname"]
    return table(
        ["", ""],
        [
            ["CPU", f"{m['cpu']}, {m['nproc']} CPUs (shared: other sessions' builds ran beside, see the load)"],
            ["memory", f"{m['mem_gib']} GiB"],
            ["kernel", f"{u['system']} {u['release']} {u['machine']}"],
            ["reqdoctor", m["reqdoctor"] + " (release build)"],
            ["nginx", m["nginx"]],
            ["Python (load generator, sampler)", m["python"]],
            ["Prometheus", m["prometheus"]],
        ],
    )


def histogram_quantile(q, before, after, prefix):
    """q-quantile of the observations between two /metrics samples."""
    buckets = []
    for key, value in after.items():
        m = re.match(re.escape(prefix) + r'_bucket\{le="([^"]+)"\}', key)
        if m:
            le = float("inf") if m.group(1) == "+Inf" else float(m.group(1))
            buckets.append((le, value - before.get(key, 0.0)))
    buckets.sort()
    if not buckets or buckets[-1][1] <= 0:
        return None
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if le == float("inf"):
                return lower
            return lower + (le - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = le, count
    return None


def metric_sum(metrics, name):
    return sum(v for k, v in metrics.items() if k == name or k.startswith(name + "{"))


def nearest(rows, t):
    return min(rows, key=lambda s: abs(s["t"] - t))


def slope_mib_per_min(points):
    """Least-squares slope of (seconds, bytes) points, in MiB per minute."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    den = sum((p[0] - mx) ** 2 for p in points)
    if den == 0:
        return None
    return sum((p[0] - mx) * (p[1] - my) for p in points) / den * 60 / MIB


def verdict_text(verdicts):
    """'pass 1,000, warn 2' from {'...probes_total{verdict="pass"}': 1000.0, ...}."""
    parts = []
    for key, value in sorted(verdicts.items()):
        m = re.search(r'verdict="(\w+)"', key)
        parts.append(f"{m.group(1) if m else key} {int(value):,}")
    return ", ".join(parts)


def ticks_per_s():
    return os.sysconf("SC_CLK_TCK")


# --- soak ---------------------------------------------------------------------------


def soak_steps(r):
    rows = []
    for path in sorted(glob.glob(os.path.join(r, "step-*.json")), key=lambda p: float(re.findall(r"step-([\d.]+)", p)[0])):
        s = jload(path)
        rate = re.findall(r"step-([\d.]+)\.json", path)[0]
        st = s["statuses"]
        other = s["not_ok"] - st.get("503", 0)
        sustained = s["not_ok"] == 0 and (s["latency_ms"]["p99"] or 1e9) < 1000
        rows.append(
            [
                fmt(s["rate_offered"], 0),
                fmt(s["duration_s"], 0),
                fmt(s["requests"]),
                fmt(s["ok"]),
                fmt(st.get("503", 0)),
                fmt(other),
                fmt(s["achieved_ok_per_s"]),
                fmt(s["latency_ms"]["p50"]),
                fmt(s["latency_ms"]["p99"]),
                fmt(s["latency_ms"]["max"]),
                fmt(s["send_lag_ms"]["p99"]),
                s["max_in_flight"],
                read(os.path.join(r, f"step-{rate}.load-before"), "?") + " → " + read(os.path.join(r, f"step-{rate}.load-after"), "?"),
                "**yes**" if sustained else "no",
            ]
        )
    if not rows:
        return "(no steps run)"
    return table(
        [
            "offered probes/s",
            "s",
            "probes",
            "200",
            "503",
            "other errors",
            "200 per s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "generator send lag p99 ms",
            "max in flight (client)",
            "load avg before → after",
            "sustained?",
        ],
        rows,
    )


def soak_report(r):
    out = []
    knobs = read(os.path.join(r, "knobs.txt"), "")
    soak = jload(os.path.join(r, "soak.json"))
    ss = samples(os.path.join(r, "soak-samples.jsonl"))
    lg = samples(os.path.join(r, "loadgen-samples.jsonl")) if os.path.exists(os.path.join(r, "loadgen-samples.jsonl")) else []
    start = soak["wall_start_unix"]
    end = start + soak["duration_s"]
    out.append("#### Machine\n\n" + machine(r))
    out.append(f"Knobs: `{knobs}`.\n\nLoad average (1, 5, 15 min) before the soak: {read(os.path.join(r, 'soak.load-before'))}; after: {read(os.path.join(r, 'soak.load-after'))}.")
    out.append("#### Steps: the highest sustained rate\n\n" + soak_steps(r) + "\n\n*Sustained* = every probe answered 200 and p99 latency (from the time each probe was due) under 1 s.")
    st = soak["statuses"]
    other = {k: v for k, v in st.items() if k not in ("200", "503")}
    before = nearest([s for s in ss if s["t"] <= start] or ss, start)
    after = nearest([s for s in ss if s["t"] >= end] or ss, end + 10)
    bm = before["exporter"].get("metrics", {})
    am = after["exporter"].get("metrics", {})
    prefix = "reqdoctor_exporter_probe_duration_seconds"
    hq = {q: histogram_quantile(q, bm, am, prefix) for q in (0.5, 0.99)}
    hcount = am.get(prefix + "_count", 0) - bm.get(prefix + "_count", 0)
    hsum = am.get(prefix + "_sum", 0) - bm.get(prefix + "_sum", 0)
    rejected = am.get("reqdoctor_exporter_probes_rejected_total", 0) - bm.get("reqdoctor_exporter_probes_rejected_total", 0)
    verdicts = {k: am.get(k, 0) - bm.get(k, 0) for k in am if k.startswith("reqdoctor_exporter_probes_total")}
    rows = [
        ["offered", f"{fmt(soak['rate_offered'], 0)} probes/s for {fmt(soak['duration_s'], 0)} s = {fmt(soak['requests'])} probes, open loop"],
        ["answered 200", f"{fmt(soak['ok'])}: {fmt(soak['achieved_ok_per_s'])} per second of offered load; {fmt(soak.get('ok_per_s_until_last_answer'))}/s until the last answer ({fmt(soak['end_s'])} s after the first was due)"],
        ["answered 503 (max-concurrent-probes full)", fmt(st.get("503", 0))],
        ["other errors (status, timeout, connection)", json.dumps(other) if other else "0"],
        ["latency from due time, ms: p50 / p90 / p99 / p99.9 / max", " / ".join(fmt(soak["latency_ms"][k]) for k in ("p50", "p90", "p99", "p99.9", "max"))],
        ["service time (sent → answer), ms: p50 / p99 / max", " / ".join(fmt(soak["service_ms"][k]) for k in ("p50", "p99", "max"))],
        ["exporter histogram (reqdoctor_exporter_probe_duration_seconds, soak only), ms: p50 / p99 / mean", f"{fmt(hq[0.5] and hq[0.5] * 1000)} / {fmt(hq[0.99] and hq[0.99] * 1000)} / {fmt(hsum / hcount * 1000 if hcount else None)} (over {fmt(int(hcount))} probes; interpolated in buckets)"],
        ["exporter: probes by verdict / rejected (503)", verdict_text(verdicts) + f" / {int(rejected):,}"],
        ["generator: send lag p50 / p99 / max ms (late sends: the generator's own limit)", " / ".join(fmt(soak["send_lag_ms"][k]) for k in ("p50", "p99", "max"))],
        ["generator: max requests in flight, connections opened", f"{soak['max_in_flight']}, {soak['connections_opened']}"],
    ]
    out.append("#### The soak\n\n" + table(["", ""], rows))

    # resources over time
    during = [s for s in ss if start <= s["t"] <= end]
    marks = [("before the load", before["t"]), ("1 min", start + 60), ("middle", start + soak["duration_s"] / 2), ("end of the load", end - 3), ("after", after["t"])]
    rrows = []
    for label, t in marks:
        s = nearest(ss, t)
        e = s["exporter"]
        p = e.get("proc", {})
        m = e.get("metrics", {})
        rrows.append(
            [
                label,
                f"{s['t'] - start:+.0f}",
                fmt(p.get("rss_bytes", 0) / MIB),
                fmt(m.get("process_resident_memory_bytes", 0) / MIB),
                p.get("fds", "–"),
                fmt(int(m["process_open_fds"])) if "process_open_fds" in m else "–",
                fmt(int(m.get("reqdoctor_exporter_probes_in_flight", 0))),
                p.get("threads", "–"),
                " ".join(s["loadavg"]),
            ]
        )
    out.append(
        "#### The exporter's memory and file descriptors\n\n"
        + table(["when", "s from start", "RSS MiB (/proc)", "RSS MiB (/metrics)", "open fds (/proc)", "open fds (/metrics)", "probes in flight", "threads", "load avg"], rrows)
    )
    steady = [s for s in during if s["t"] >= start + 60 and "proc" in s["exporter"]]
    if steady:
        rss = [s["exporter"]["proc"]["rss_bytes"] for s in steady]
        fds = [s["exporter"]["proc"]["fds"] for s in steady]
        inflight = [s["exporter"].get("metrics", {}).get("reqdoctor_exporter_probes_in_flight", 0) for s in steady]
        out.append(
            f"From 1 min to the end ({len(steady)} samples every {round((steady[-1]['t'] - steady[0]['t']) / max(1, len(steady) - 1))} s): "
            f"RSS {fmt(min(rss) / MIB)}–{fmt(max(rss) / MIB)} MiB, least-squares slope {fmt(slope_mib_per_min([(s['t'], s['exporter']['proc']['rss_bytes']) for s in steady]), 3)} MiB/min; "
            f"open fds {min(fds)}–{max(fds)}; probes in flight {int(min(inflight))}–{int(max(inflight))}."
        )
    # CPU
    tk = ticks_per_s()
    cpu_rows = []
    wall = after["t"] - before["t"]
    for name in sorted(k for k in before if k not in ("t", "loadavg")):
        b, a = before[name].get("proc"), after[name].get("proc")
        if b and a:
            cpu = (a["cpu_ticks"] - b["cpu_ticks"]) / tk
            cpu_rows.append([name, fmt(cpu), fmt(cpu / wall * 100), fmt(cpu * 1000 / max(1, soak["ok"]), 3)])
    if lg:
        b, a = lg[0]["loadgen"].get("proc"), [s for s in lg if "proc" in s["loadgen"]][-1]["loadgen"]["proc"]
        cpu = (a["cpu_ticks"] - b["cpu_ticks"]) / tk
        w = [s for s in lg if "proc" in s["loadgen"]]
        lw = w[-1]["t"] - w[0]["t"]
        cpu_rows.append(["load generator (Python)", fmt(cpu), fmt(cpu / max(lw, 1) * 100), fmt(cpu * 1000 / max(1, soak["ok"]), 3)])
    out.append(
        f"#### CPU during the soak ({fmt(wall, 0)} s between the samples before and after it)\n\n"
        + table(["process", "CPU s", "% of one CPU", "CPU ms per probe answered 200"], cpu_rows)
    )
    # per minute
    wrows = []
    for w in soak["windows"]:
        s = w["statuses"]
        wrows.append([fmt(w["from_s"], 0), fmt(w["due"]), fmt(s.get("200", 0)), fmt(s.get("503", 0)), fmt(w["due"] - s.get("200", 0) - s.get("503", 0)), fmt(w["p50_ms"]), fmt(w["p99_ms"]), fmt(w["max_ms"])])
    out.append("#### Minute by minute (probes by the minute they were due)\n\n" + table(["from s", "due", "200", "503", "other", "p50 ms", "p99 ms", "max ms"], wrows))
    # in flight
    path = os.path.join(r, "inflight.json")
    if os.path.exists(path):
        rows = jload(path)
        irows = []
        prev = None
        held = []  # levels the exporter held whole: no 503, its gauge reached the level
        for row in rows:
            whole = row["in_flight_seen"] is not None and row["in_flight_seen"] >= row["level"] and set(row["statuses"]) == {"200"}
            per = None
            if whole:
                # The new high-water mark over the level below (the first: over
                # the idle exporter's RSS), per probe added.
                base_rss = prev["rss_in_flight"] if prev else row["rss_before"]
                base_n = prev["in_flight_seen"] if prev else 0
                if row["in_flight_seen"] > base_n:
                    per = (row["rss_in_flight"] - base_rss) / (row["in_flight_seen"] - base_n) / 1024
                held.append(row)
                prev = row
            irows.append(
                [
                    row["level"],
                    fmt(int(row["in_flight_seen"] or 0)),
                    fmt(row["rss_before"] / MIB),
                    fmt(row["rss_in_flight"] / MIB),
                    fmt(per) if whole else "not held: above max-concurrent-probes, or the gauge never reached it",
                    json.dumps(row["statuses"]),
                ]
            )
        first = rows[0]
        overall = None
        if held:
            overall = (held[-1]["rss_in_flight"] - first["rss_before"]) / held[-1]["in_flight_seen"] / 1024
        head = ["probes sent at once", "in flight (exporter's gauge)", "RSS MiB before", "RSS MiB with them in flight",
                "KiB per added probe in flight (vs the row above; the first row vs the idle exporter)", "answers"]
        out.append(
            "#### Memory per probe in flight\n\n"
            + table(head, irows)
            + f"\n\nFrom the idle exporter ({fmt(first['rss_before'] / MIB)} MiB) to the highest level held whole"
            + f" ({held[-1]['level'] if held else '–'}): {fmt(overall)} KiB of RSS per probe in flight."
        )
    return "\n\n".join(out) + "\n"


# --- fleet --------------------------------------------------------------------------


def fleet_report(r):
    out = ["#### Machine\n\n" + machine(r)]
    f = jload(os.path.join(r, "fleet.json"))
    out.append(
        f"Knobs: `{read(os.path.join(r, 'knobs.txt'), '')}`. Measured window: {f['window_s']} s ending at Unix time {f['end']}. "
        f"Load average (1, 5, 15 min) before: {read(os.path.join(r, 'fleet.load-before'))}; after: {read(os.path.join(r, 'fleet.load-after'))}."
    )
    q = f["queries"]
    rows = [[k, f"`{v['query']}`", v["value"]] for k, v in q.items()]
    out.append("#### Prometheus' account (its HTTP API, at the end of the window)\n\n" + table(["", "query", "result"], rows))
    shards = f["shards"]
    counts = list(shards.values())
    mean = sum(counts) / len(counts)
    srows = [[k, v, f"{(v - mean) / mean * 100:+.1f}%"] for k, v in sorted(shards.items())]
    out.append(
        "#### Shards: targets per exporter\n\n"
        + table(["exporter", "targets", "vs the mean"], srows)
        + f"\n\nLargest shard / smallest = {max(counts) / min(counts):.3f} (the largest is {(max(counts) / min(counts) - 1) * 100:.1f}% above the smallest); "
        f"every shard within {max(abs(c - mean) for c in counts) / mean * 100:.1f}% of the mean."
    )
    pm = f.get("prometheus_metrics", {})
    if pm:
        out.append("#### Prometheus' own metrics (its /metrics at the end)\n\n" + table(["metric", "value"], [[f"`{k}`", v] for k, v in pm.items()]))
    ss = samples(os.path.join(r, "fleet-samples.jsonl"))
    start, end = f["end"] - f["window_s"], f["end"]
    names = sorted(k for k in ss[0] if k not in ("t", "loadavg"))
    rrows = []
    for name in names:
        row = [name]
        for t in (start, start + f["window_s"] / 2, end):
            s = nearest(ss, t)
            p = s[name].get("proc", {})
            row.append(f"{fmt(p.get('rss_bytes', 0) / MIB)} / {p.get('fds', '–')}")
        during = [s[name]["proc"] for s in ss if start <= s["t"] <= end and "proc" in s[name]]
        if during:
            row.append(fmt(max(p["rss_bytes"] for p in during) / MIB))
            b, a = nearest(ss, start)[name].get("proc"), nearest(ss, end)[name].get("proc")
            row.append(fmt((a["cpu_ticks"] - b["cpu_ticks"]) / ticks_per_s() / f["window_s"] * 100) if a and b else "–")
        rrows.append(row)
    out.append(
        "#### Processes: RSS MiB / open fds at the start, middle and end of the window\n\n"
        + table(["process", "start", "middle", "end", "max RSS MiB", "% of one CPU over the window"], rrows)
    )
    ex = f.get("exporters", {})
    if ex:
        erows = [
            [k, fmt(v["probes"]), v["rejected"], v["cpu_s"], fmt(v["cpu_s"] * 1000 / v["probes"], 3) if v["probes"] else "–", v.get("p50_ms", "–"), v.get("p99_ms", "–")]
            for k, v in sorted(ex.items())
        ]
        out.append(
            "#### Each exporter over the window (from its /metrics, sampled)\n\n"
            + table(["exporter", "probes", "rejected (503)", "CPU s (/proc)", "CPU ms per probe", "probe p50 ms (histogram)", "probe p99 ms (histogram)"], erows)
        )
    return "\n\n".join(out) + "\n"


if __name__ == "__main__":
    kind, results = sys.argv[1], sys.argv[2]
    print({"soak": soak_report, "fleet": fleet_report}[kind](results), end="")
