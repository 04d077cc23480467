#!/usr/bin/env python3
"""Turns the raw measurements bench/run leaves in its results directory into
the Markdown tables of docs/performance.md (printed to stdout).

Inputs (all optional except the machine files): hyperfine --export-json files
(healthy, testssl, sslyze, fail-*, dns-down, startup, http3) and
http3-timings--{none,http3,high-performance,alone}.{out,wall} and
single--{reqdoctor,floor}.wall (bench/turns.py), batch-N-C.json,
floor-N-C.json, scale.json and scale.time, instructions.json
(bench/instructions.py), batch-N-C.json and
batch-N-C.time (GNU time -v), stime-*.txt (openssl s_time) with their wall
times, versions.tsv, and *.skip files naming why a tool was not measured.
"""

import glob
import json
import os
import re
import sys

R = sys.argv[1]

# The targets.
HEALTHY_VS_CURL = 1.3  # reqdoctor's healthy diagnosis within 1.3x curl's wall time
VS_TESTSSL = 100.0  # at least 100x faster than testssl.sh --fast
VS_SSLYZE = 10.0  # at least 10x faster than sslyze --certinfo
BATCH_VS_RAW = 0.70  # batch targets/s at least 70% of the raw new-handshake rate
RSS_LIMIT_MIB = 64.0  # peak RSS under 64 MiB at 10,000 targets
VERSION_LIMIT_MS = 5.0  # reqdoctor --version under 5 ms
DEFAULT_CONCURRENCY = 32  # reqdoctor check --concurrency's default
VS_FLOOR_SINGLE = 1.1  # one diagnosis at most 1.1x the floor client's single run (issue 19)
VS_FLOOR_BATCH = 0.95  # batch at least 0.95x the floor client's rate at the default concurrency (issue 19)
SCALE_LIMIT_MB = 32.0  # 100,000 targets in at most 32 MB peak RSS (issue 19; MB = 10^6 bytes)
H3_ADDS_AT_MOST = 1.0  # a healthy HTTP/3 diagnosis adds at most one QUIC handshake's time

out = []


def emit(line=""):
    out.append(line)


def read(name, default=""):
    path = os.path.join(R, name)
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().strip()


def hyperfine(name):
    """{command name: result} of one hyperfine JSON export, or {}."""
    path = os.path.join(R, name)
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return {r["command"]: r for r in json.load(f)["results"]}


def ms(seconds):
    return seconds * 1000.0


def fmt_ms(seconds):
    value = ms(seconds)
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def codes(result):
    found = sorted(set(result.get("exit_codes") or []))
    return ", ".join(str(c) for c in found) if found else "?"


def times(x):
    """A ratio as 0.44×, 10.4× or 4,286×."""
    if x >= 100:
        return f"{x:,.0f}×"
    if x >= 10:
        return f"{x:.1f}×"
    return f"{x:.2f}×"


def met(ok):
    return "**met**" if ok else "**not met**"


def median_of(values):
    """The median; of an even count, the mean of the middle two (not the upper one, which flatters a ratio)."""
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


# --- machine ------------------------------------------------------------------

emit("### Machine")
emit()
emit("| | |")
emit("|---|---|")
emit(f"| `uname -a` | `{read('uname.txt')}` |")
emit(f"| `nproc` | {read('nproc.txt')} |")
emit(f"| CPU (/proc/cpuinfo) | {read('cpu.txt')} |")
emit(f"| memory | {read('mem.txt')} |")
emit(f"| load average (1, 5, 15 min) | {read('loadavg-start.txt', '?')} at the start, {read('loadavg-end.txt', '?')} "
     f"at the end (anything else running on the machine skews the numbers) |")
emit(f"| this run took | {read('elapsed.txt', '?')} s (bench/run, end to end, including the build and installs) |")
emit()
emit("| tool | version |")
emit("|---|---|")
for line in read("versions.tsv").splitlines():
    tool, _, version = line.partition("\t")
    emit(f"| {tool} | {version} |")
emit()

targets = []  # (target, measured, ok or None)

# --- 1. healthy diagnosis ----------------------------------------------------

healthy = hyperfine("healthy.json")
curl = healthy.get("curl")
rd = healthy.get("reqdoctor")
emit("### 1. One diagnosis of a healthy URL")
emit()
emit("`https://good.bench.test/` (full chain, test CA given to each tool, nginx on 127.0.0.1). "
     "Wall time per run, by hyperfine (`-N`, no shell); ratio = median ÷ curl's median.")
emit()
emit("| tool | command | median ms | mean ± σ ms | min ms | runs | exit codes | ratio to curl |")
emit("|---|---|--:|--:|--:|--:|---|--:|")
rows = [
    ("reqdoctor", healthy, "reqdoctor", "`reqdoctor check --ca-file CA --connect-to …` (the whole diagnosis, every check)"),
    ("floor", healthy, "floor", "`examples/floor CA good.bench.test 127.0.0.1:PORT` (a bare tokio-rustls client: "
     "connect, handshake with chain verification, GET, read, close; nothing else)"),
    ("curl", healthy, "curl", "`curl -sS -o /dev/null --cacert CA --connect-to …`"),
    ("openssl s_client", healthy, "openssl s_client",
     "`openssl s_client -brief -verify_return_error -CAfile CA -servername … -connect …` (connect, handshake, quit)"),
    ("testssl.sh", hyperfine("testssl.json"), "testssl.sh --fast",
     "`testssl.sh --fast --nodns none --ip 127.0.0.1 --add-ca CA good.bench.test:PORT`"),
    ("sslyze", hyperfine("sslyze.json"), "sslyze --certinfo",
     "`sslyze --certinfo --certinfo_ca_file CA good.bench.test:PORT{127.0.0.1}`"),
]
measured = {}
skipped_why = {}
for label, results, key, command in rows:
    result = results.get(key)
    if result is None:
        skip_file = {"testssl.sh": "testssl.skip", "sslyze": "sslyze.skip"}.get(label)
        reason = read(skip_file, "not measured") if skip_file else "not measured"
        state = "not installed" if "install" in reason else "not measured"
        skipped_why[label] = f"{label} {state} ({reason})"
        emit(f"| {label} | {command} | {state} | | | | | ({reason}) |")
        continue
    measured[label] = result
    ratio = times(result["median"] / curl["median"]) if curl else "?"
    emit(f"| {label} | {command} | {fmt_ms(result['median'])} | {fmt_ms(result['mean'])} ± "
         f"{fmt_ms(result['stddev'] or 0)} | {fmt_ms(result['min'])} | {len(result['times'])} | {codes(result)} "
         f"| {ratio} |")
emit()
phases = {}
for line in read("healthy-timings.jsonl").splitlines():
    for phase, value in json.loads(line).get("timings_ms", {}).items():
        phases.setdefault(phase, []).append(value)
if phases:
    def median(values):
        values = sorted(values)
        return values[len(values) // 2]
    shown = " → ".join(f"{p} {median(v):.2f} ms" for p, v in phases.items())
    emit(f"reqdoctor's own account of the healthy diagnosis (`timings_ms` of `--format jsonl`, median of "
         f"{len(phases.get('total', []))} runs): {shown}.")
    emit()

single = {name: [float(v) for v in read(f"single--{name}.wall").split()] for name in ("reqdoctor", "floor")}
if single["reqdoctor"] and single["floor"]:
    rd_wall, floor_wall = median_of(single["reqdoctor"]), median_of(single["floor"])
    ratio = rd_wall / floor_wall
    emit(f"Taking turns ({len(single['reqdoctor'])} rounds of `bench/turns.py`, each process's wall time from a "
         f"Python parent, medians): reqdoctor {rd_wall:.2f} ms, the floor client {floor_wall:.2f} ms, "
         f"{times(ratio)}.")
    emit()
    targets.append((f"one diagnosis ≤ {VS_FLOOR_SINGLE}× the floor client's single run",
                    f"{times(ratio)}: {rd_wall:.2f} ms vs {floor_wall:.2f} ms (medians, taking turns)",
                    ratio <= VS_FLOOR_SINGLE))
else:
    targets.append((f"one diagnosis ≤ {VS_FLOOR_SINGLE}× the floor client's single run", "not measured", None))

if "testssl.sh" in measured:
    emit("testssl.sh's exit code is the sum of its tests' return codes (non-zero when a test hit a problem, "
         "such as a slow read), so a non-zero code there does not mean the scan did not run.")
    emit()

if rd and curl:
    ratio = rd["median"] / curl["median"]
    targets.append((f"one healthy diagnosis within {HEALTHY_VS_CURL}× curl's wall time",
                    f"{times(ratio)} ({fmt_ms(rd['median'])} ms vs {fmt_ms(curl['median'])} ms)",
                    ratio <= HEALTHY_VS_CURL))
for label, factor in (("testssl.sh", VS_TESTSSL), ("sslyze", VS_SSLYZE)):
    name = f"≥{factor:.0f}× faster than {label}"
    if label in measured and rd:
        speedup = measured[label]["median"] / rd["median"]
        targets.append((name, f"{times(speedup)} ({fmt_ms(measured[label]['median'])} ms vs "
                              f"{fmt_ms(rd['median'])} ms)", speedup >= factor))
    else:
        targets.append((name, skipped_why.get(label, f"{label} not measured"), None))

# --- 2. failing kinds ---------------------------------------------------------

emit("### 2. One diagnosis of each failing kind: time to the verdict")
emit()
emit("Median wall time until reqdoctor exits with its verdict (exit code 2 expected), beside curl's time to its "
     "own error for the same URL and routing (curl has no way to ask a given DNS server without c-ares).")
emit()
emit("| failing kind | failed checks | reqdoctor median ms | min–max ms | runs | exit codes | exit code 2? | "
     "curl median ms | curl exit codes |")
emit("|---|---|--:|--:|--:|---|---|--:|---|")
all_two = True
kinds = [("dns", "fail-dns.json"), ("dns-down", "fail-dns-down.json"), ("refused", "fail-refused.json"),
         ("expired", "fail-expired.json"), ("redirect", "fail-redirect.json")]
for key, path in kinds:
    results = hyperfine(path)
    if not results:
        continue
    description = read(f"fail-{key}.txt", key)
    r = results["reqdoctor"]
    ok = set(r.get("exit_codes") or []) == {2}
    all_two = all_two and ok
    c = results.get("curl")
    curl_cells = f"{fmt_ms(c['median'])} | {codes(c)}" if c else "n/a | n/a"
    failed = read(f"fail-{key}.checks", "?") or "none"
    emit(f"| {description} | {failed} | {fmt_ms(r['median'])} | {fmt_ms(r['min'])}–{fmt_ms(r['max'])} | {len(r['times'])} | "
         f"{codes(r)} | {'yes' if ok else '**no**'} | {curl_cells} |")
emit()

# --- 3. batches ---------------------------------------------------------------


def batch_of(path, floor_name=None):
    """One batch's figures: its tally, GNU time's CPU and peak RSS, its rate, and the floor's rate beside it
    (from `floor_name`, by default the row's floor-N-C.json)."""
    with open(path) as f:
        b = json.load(f)
    time_text = read(os.path.basename(path).replace(".json", ".time"))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", time_text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", time_text).group(1))
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_text).group(1))
    b.update(cpu=user + system, rss_kib=rss_kib, rss_mib=rss_kib / 1024, wall=b["wall_ns"] / 1e9)
    b["rate"] = b["n"] / b["wall"]
    floor_text = read(floor_name or f"floor-{b['n']}-{b['concurrency']}.json")
    if floor_text:
        floor = json.loads(floor_text)
        b["floor_rate"] = floor["per_second"] if floor["ok"] == floor["targets"] else None
    return b


def pairs_of(prefix):
    """The pairs bench/run ran taking turns, PREFIXK-N-C.json beside the floor's PREFIXK-floor-N-C.json:
    [(K, the batch's figures with the floor's rate)], in order of K."""
    pairs = []
    for path in glob.glob(os.path.join(R, f"{prefix}*-*-*.json")):
        m = re.fullmatch(rf"{prefix}(\d+)-(\d+)-(\d+)\.json", os.path.basename(path))
        if m:
            k, n, c = m.groups()
            pairs.append((int(k), batch_of(path, f"{prefix}{k}-floor-{n}-{c}.json")))
    return sorted(pairs, key=lambda kb: kb[0])


def pair_ratios(n):
    """reqdoctor's rate ÷ the floor's in the pairs bench/run ran after the rows (pairK-N-C.json), in order."""
    return [p["rate"] / p["floor_rate"] for _, p in pairs_of("pair")
            if p["n"] == n and p["concurrency"] == DEFAULT_CONCURRENCY and p.get("floor_rate")]


def distinct_table():
    """The pairs of targets with a chain each (distinctK-N-C.json beside distinctK-floor-N-C.json), if run."""
    pairs = pairs_of("distinct")
    if not pairs:
        return
    n = pairs[0][1]["n"]
    emit(f"**Each target a chain of its own** (not a target; the worst case for what reqdoctor remembers across "
         f"targets): `https://d1.bench.test/` … `https://d{n}.bench.test/`, {n:,} virtual hosts of the same nginx, "
         "each with its own leaf and its own intermediate, so no certificate is met twice; the floor asks for the "
         f"same hosts (`examples/floor CA 'd{{i}}.bench.test' 127.0.0.1:PORT {n} {DEFAULT_CONCURRENCY}`). "
         "Pairs taking turns:")
    emit()
    emit("| pair | targets/s | floor targets/s | × floor | reqdoctor CPU ms/target | peak RSS MiB | "
         "nginx CPU ms/target | verdicts | exit code |")
    emit("|--:|--:|--:|--:|--:|--:|--:|---|--:|")
    ratios = []
    for k, b in pairs:
        floor = b.get("floor_rate")
        if floor:
            ratios.append(b["rate"] / floor)
        floor_text, vs_floor = (f"{floor:,.0f}", f"{b['rate'] / floor:.2f}") if floor else ("failed", "?")
        emit(f"| {k} | {b['rate']:,.0f} | {floor_text} | {vs_floor} | {1000 * b['cpu'] / b['n']:.2f} | "
             f"{b['rss_mib']:.1f} | {b['nginx_ticks'] / tck * 1000 / b['n']:.2f} | {verdicts_of(b)} | "
             f"{b['exit_code']} |")
    emit()
    if ratios:
        emit(f"Median × floor with a chain each: {median_of(ratios):.2f}.")
        emit()


def instructions_table():
    """What one target costs each client in instructions (bench/instructions.py), or why it was not counted."""
    skip = read("instructions.skip").strip()
    if not os.path.exists(os.path.join(R, "instructions.json")):
        emit(f"**Instructions per target:** not counted ({skip or 'no instructions.json'}).")
        emit()
        return
    counts = json.loads(read("instructions.json"))
    n = counts["targets"]
    emit(f"**Instructions per target** (valgrind's callgrind; the run of {2 * n} targets minus the run of {n}, "
         f"over {n}; `--concurrency {DEFAULT_CONCURRENCY}`; the machine's speed does not move these). Under "
         "valgrind ring takes its code for CPUs without ADX, so its count is above the bare CPU's, and alike "
         "in both clients:")
    emit()
    emit("| client | crypto (ring) | libc (malloc, free, memcpy…) | the rest | all | all but crypto |")
    emit("|---|--:|--:|--:|--:|--:|")
    for name in ("reqdoctor", "floor"):
        c = counts.get(name)
        if c:
            emit(f"| {name} | {c['crypto'] / 1e3:,.0f} K | {c['libc'] / 1e3:,.0f} K | {c['other'] / 1e3:,.0f} K | "
                 f"{sum(c.values()) / 1e3:,.0f} K | {(c['libc'] + c['other']) / 1e3:,.0f} K |")
    emit()


def verdicts_of(b):
    text = ", ".join(f"{v} {n}" for v, n in sorted(b["verdicts"].items()))
    if b["not_pass"]:
        text += " (" + "; ".join(f"{k} ×{n}" for k, n in b["not_pass"]) + ")"
    return text


raw_rate = None
if not os.path.exists(os.path.join(R, "batch.skip")):
    stime = []
    for path in sorted(glob.glob(os.path.join(R, "stime-*.txt"))):
        name = os.path.basename(path)
        if not re.match(r"stime-(\d+|single)\.txt$", name):
            continue
        text = read(name)
        count = re.search(r"(\d+) connections in [\d.]+s; ([\d.]+) connections/user sec", text)
        wall = read(name.replace(".txt", ".wall"))
        if not count or not wall:
            continue
        stime.append((name, int(count.group(1)), int(wall) / 1e9, float(count.group(2))))
    parallel = [s for s in stime if s[0] != "stime-single.txt"]
    single = [s for s in stime if s[0] == "stime-single.txt"]
    if parallel:
        raw_rate = sum(n / wall for _, n, wall, _ in parallel)
    single_rate = single[0][1] / single[0][2] if single else None
    handshakes = sum(n for _, n, _, _ in parallel)
    tck = int(read("clk_tck.txt", "100"))
    nginx_ms_per_hs = (int(read("stime-nginx-ticks.txt", "0")) / tck * 1000 / handshakes) if handshakes else None

    emit("### 3. Batches")
    emit()
    emit("`reqdoctor check -f targets.txt --concurrency C --format jsonl --ca-file CA --connect-to …`, the targets "
         "being `https://good.bench.test/?i=1` … `?i=N` (every one a new TCP connection, a full TLS handshake — "
         "nginx has session caches and tickets off — and a GET). Wall time by the script; CPU (user+sys) and peak "
         "RSS of the reqdoctor process by `/usr/bin/time -v`; nginx's CPU from its workers' /proc/PID/stat.")
    emit()
    if raw_rate:
        emit(f"**Raw new-handshake rate of the same nginx:** {raw_rate:,.0f} handshakes/s — "
             f"{len(parallel)} `openssl s_time -new -connect 127.0.0.1:PORT -time N` clients run in parallel "
             f"(s_time is single-threaded; one per CPU), their rates summed, each rate = its connection count ÷ "
             f"its wall time. One client alone: {single_rate:,.0f} handshakes/s. "
             + (f"Per handshake, s_time used {1000 / (sum(s[3] for s in parallel) / len(parallel)):.2f} ms of "
                f"client CPU and nginx {nginx_ms_per_hs:.2f} ms of server CPU." if nginx_ms_per_hs else ""))
        emit()
    emit("The floor client (`examples/floor CA good.bench.test 127.0.0.1:PORT N C`: the same N connections, "
         "handshakes and GETs, C at once, on the same runtime, nothing else) runs after each batch.")
    emit()
    emit("| targets | concurrency | wall s | targets/s | floor targets/s | × floor | % of raw rate (≥ 70%?) | "
         "reqdoctor CPU ms/target | peak RSS MiB | nginx CPU ms/target | verdicts | exit code |")
    emit("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|")
    batches = [batch_of(path) for path in glob.glob(os.path.join(R, "batch-*.json"))]
    batches.sort(key=lambda b: (b["n"], b["concurrency"]))
    for b in batches:
        share = "?"
        if raw_rate:
            ratio = b["rate"] / raw_rate
            share = f"{ratio:.0%} ({'yes' if ratio >= BATCH_VS_RAW else 'no'})"
        floor = b.get("floor_rate")
        vs_floor = f"{b['rate'] / floor:.2f}" if floor else "?"
        floor_text = f"{floor:,.0f}" if floor else "failed" if "floor_rate" in b else "?"
        emit(f"| {b['n']:,} | {b['concurrency']} | {b['wall']:.2f} | {b['rate']:,.0f} | {floor_text} | {vs_floor} | "
             f"{share} | {1000 * b['cpu'] / b['n']:.2f} | {b['rss_mib']:.1f} | "
             f"{b['nginx_ticks'] / tck * 1000 / b['n']:.2f} | {verdicts_of(b)} | {b['exit_code']} |")
    emit()
    scale = batch_of(os.path.join(R, "scale.json")) if os.path.exists(os.path.join(R, "scale.json")) else None
    if scale:
        emit(f"**Scale:** {scale['n']:,} targets from a file, `--concurrency {scale['concurrency']}`, "
             f"`--format jsonl` piped to a reader that counts them: {scale['wall']:.1f} s, {scale['rate']:,.0f} "
             f"targets/s, peak RSS {scale['rss_kib'] * 1024 / 1e6:.1f} MB ({scale['rss_mib']:.1f} MiB), "
             f"{1000 * scale['cpu'] / scale['n']:.2f} ms CPU/target; {verdicts_of(scale)}; exit code "
             f"{scale['exit_code']}.")
        emit()
        mb = scale["rss_kib"] * 1024 / 1e6
        all_passed = scale["exit_code"] == 0 and scale["verdicts"].get("pass") == scale["n"]
        targets.append((f"{scale['n']:,} targets in ≤ {SCALE_LIMIT_MB:.0f} MB",
                        f"{mb:.1f} MB peak RSS" + ("" if all_passed else "; NOTE: not every target passed"),
                        mb <= SCALE_LIMIT_MB))
    else:
        targets.append((f"100,000 targets in ≤ {SCALE_LIMIT_MB:.0f} MB", "not measured", None))
    distinct_table()
    instructions_table()
    if batches and raw_rate:
        biggest = max(b["n"] for b in batches)
        best = max((b for b in batches if b["n"] == biggest), key=lambda b: b["rate"])
        share = best["rate"] / raw_rate
        all_ok = all(b["exit_code"] == 0 and b["verdicts"].get("pass") == b["n"] for b in batches)
        default = [b for b in batches if b["n"] == biggest and b["concurrency"] == DEFAULT_CONCURRENCY]
        at_default = (f"; at the default --concurrency {DEFAULT_CONCURRENCY}: {default[0]['rate'] / raw_rate:.0%}"
                      if default and default[0] is not best else "")
        targets.append((f"batch throughput ≥ {BATCH_VS_RAW:.0%} of the raw new-handshake rate",
                        f"{share:.0%}: {best['rate']:,.0f} targets/s ({biggest:,} targets, --concurrency "
                        f"{best['concurrency']}, the best) vs {raw_rate:,.0f} handshakes/s{at_default}"
                        + ("" if all_ok else "; NOTE: not every target passed"),
                        share >= BATCH_VS_RAW))
        floor_default = [b for b in default if b.get("floor_rate")]
        if floor_default:
            b = floor_default[0]
            ratios = [b["rate"] / b["floor_rate"]] + pair_ratios(biggest)
            judged = median_of(ratios)
            pairs = (f" (the median of {len(ratios)} pairs taking turns: {', '.join(f'{r:.2f}' for r in ratios)})"
                     if len(ratios) > 1 else "")
            targets.append((f"batch ≥ {VS_FLOOR_BATCH}× the floor client's rate at the default concurrency",
                            f"{judged:.2f}×{pairs}; the row: {b['rate']:,.0f} vs {b['floor_rate']:,.0f} "
                            f"targets/s ({biggest:,} targets, --concurrency {DEFAULT_CONCURRENCY})",
                            judged >= VS_FLOOR_BATCH))
        else:
            targets.append((f"batch ≥ {VS_FLOOR_BATCH}× the floor client's rate at the default concurrency",
                            "not measured", None))
        at_10k = [b for b in batches if b["n"] >= 10000]
        if at_10k:
            worst = max(at_10k, key=lambda b: b["rss_mib"])
            targets.append((f"peak RSS < {RSS_LIMIT_MIB:.0f} MiB at 10,000 targets",
                            f"{worst['rss_mib']:.1f} MiB (the largest, --concurrency {worst['concurrency']})",
                            worst["rss_mib"] < RSS_LIMIT_MIB))
else:
    emit("### 3. Batches")
    emit()
    emit("Skipped (BENCH_SKIP=batch).")
    emit()

# --- 4. start-up ----------------------------------------------------------------

startup = hyperfine("startup.json")
emit("### 4. Start-up")
emit()
emit("| command | median ms | mean ± σ ms | min ms | runs | exit codes |")
emit("|---|--:|--:|--:|--:|---|")
for name, r in startup.items():
    emit(f"| `{name}` | {fmt_ms(r['median'])} | {fmt_ms(r['mean'])} ± {fmt_ms(r['stddev'] or 0)} | "
         f"{fmt_ms(r['min'])} | {len(r['times'])} | {codes(r)} |")
emit()
version = startup.get("reqdoctor --version")
if version:
    targets.append((f"`reqdoctor --version` under {VERSION_LIMIT_MS:.0f} ms",
                    f"{ms(version['median']):.2f} ms (median)", ms(version["median"]) < VERSION_LIMIT_MS))
rules = startup.get("reqdoctor check ftp://x.invalid/")
fails_fast = None
if rules:
    fails_fast = set(rules.get("exit_codes") or []) == {2}

# --- 5. HTTP/3 -------------------------------------------------------------------


emit("### 5. HTTP/3")
emit()
http3 = hyperfine("http3.json")
H3_TARGET = "a healthy HTTP/3 diagnosis adds at most one QUIC handshake's time"


def h3_runs(flag):
    """(totals, handshakes, attempts, raced, walls) of the runs with `flag`, taking turns (bench/turns.py)."""
    totals, handshakes, attempts, raced = [], [], [], 0
    for line in read(f"http3-timings{flag}.out").splitlines():
        report = json.loads(line)
        totals.append(report["timings_ms"]["total"])
        if report.get("http3"):
            handshakes.append(report["http3"]["handshake_ms"])
            attempts.append(report["http3"]["total_ms"])
            raced += bool(report["http3"].get("raced"))
    walls = [float(line) for line in read(f"http3-timings{flag}.wall").split()]
    return totals, handshakes, attempts, raced, walls


if http3:
    emit("`https://h3.bench.test/`: nginx answers over TCP with `Alt-Svc: h3=\":443\"` (the origin's own port, "
         "which `--connect-to` maps to nginx's), and `examples/h3_fixture` (quinn + h3, one worker thread) answers "
         "over QUIC on UDP at that port number, as a server on 443 serves both. The same healthy diagnosis without "
         "HTTP/3, with `--http3` and with `--high-performance` (each starts its QUIC attempt beside the TCP "
         "connection on the URL's port; the response's `Alt-Svc` confirms it), and the yardstick: "
         "`--high-performance` against `/elsewhere`, which advertises `h3=\":444\"` (a second fixture), so the "
         "attempt raced on the URL's port is dropped and the one that counts is made after the response, alone.")
    emit()
    kinds = {"--none": "nothing", "--http3": "`--http3`", "--high-performance": "`--high-performance`",
             "--alone": "`--high-performance`, h3 on another port (alone)"}
    runs = {flag: h3_runs(flag) for flag in kinds}
    base = median_of(runs["--none"][0])
    base_wall = median_of(runs["--none"][4])
    emit("The kinds taking turns (`bench/turns.py`, medians): the wall time of the whole process, reqdoctor's own "
         "`total` (the diagnosis, without process start and exit), and its `http3` figures: the QUIC handshake "
         "and the whole QUIC attempt (handshake, then the request over HTTP/3).")
    emit()
    emit("| with | runs | wall ms | added | `total` ms | added | QUIC handshake ms | QUIC attempt ms | raced |")
    emit("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for flag, (totals, handshakes, attempts, raced, walls) in runs.items():
        if not totals or base is None:
            emit(f"| {kinds[flag]} | 0 | | | | | | | |")
            continue
        total, wall = median_of(totals), median_of(walls)
        if flag == "--none":
            emit(f"| nothing | {len(totals)} | {wall:.2f} | | {total:.2f} | | | | |")
            continue
        h3 = (f"{median_of(handshakes):.2f} | {median_of(attempts):.2f} | {raced} of {len(handshakes)}"
              if handshakes else " | | 0 of 0")
        emit(f"| {kinds[flag]} | {len(totals)} | {wall:.2f} | {wall - base_wall:+.2f} | {total:.2f} | "
             f"{total - base:+.2f} | {h3} |")
    emit()
    emit("Wall time of the whole process, each command in a block of its own (hyperfine, `-N`; blocks run one "
         "after another, so a drift of the machine's speed shows as a difference between them):")
    emit()
    emit("| command | median ms | mean ± σ ms | min ms | runs | exit codes |")
    emit("|---|--:|--:|--:|--:|---|")
    for name, r in http3.items():
        emit(f"| `reqdoctor {name}` | {fmt_ms(r['median'])} | {fmt_ms(r['mean'])} ± {fmt_ms(r['stddev'] or 0)} | "
             f"{fmt_ms(r['min'])} | {len(r['times'])} | {codes(r)} |")
    emit()
    # One QUIC handshake's time: made alone, after the response (raced beside
    # the TCP connection, a handshake shares the CPUs and looks longer).
    alone = median_of(runs["--alone"][1]) if runs["--alone"][1] else None
    measured, all_met = [], True
    for flag in ("--http3", "--high-performance"):
        totals, handshakes, _, _, walls = runs[flag]
        if base is None or base_wall is None or not totals or not walls or not handshakes or not alone:
            measured, all_met = [], None
            break
        added, wall_added = median_of(totals) - base, median_of(walls) - base_wall
        measured.append(f"`{flag}` +{added:.2f} ms of `total` ({added / alone:.2f} handshakes), "
                        f"{wall_added:+.2f} ms of wall time ({wall_added / alone:.2f})")
        all_met = all_met and max(added, wall_added) <= H3_ADDS_AT_MOST * alone
    if measured:
        targets.append((H3_TARGET, f"against a {alone:.2f} ms QUIC handshake made alone: " + "; ".join(measured),
                        all_met))
    else:
        targets.append((H3_TARGET, "no run of each kind answered over HTTP/3", None))
else:
    reason = read("http3.skip", "not measured")
    emit(f"Not measured ({reason}).")
    emit()
    targets.append((H3_TARGET, reason, None))

# --- targets --------------------------------------------------------------------

emit("### Targets")
emit()
emit("| target | measured | |")
emit("|---|---|---|")
for name, value, ok in targets:
    emit(f"| {name} | {value} | {'not measured' if ok is None else met(ok)} |")
emit(f"| every failing kind ends with exit code 2 | "
     f"{'yes' if all_two else 'no'} | {met(all_two)} |")
if fails_fast is not None:
    emit(f"| `reqdoctor check ftp://x.invalid/` exits 2 on URL rules alone | "
         f"exit codes {codes(rules)}, {fmt_ms(rules['median'])} ms | {met(fails_fast)} |")

print("\n".join(out))
