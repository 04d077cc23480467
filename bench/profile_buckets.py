#!/usr/bin/env python3
"""Sorts a `perf record` profile's samples into the parts of a diagnosis, and
says what each costs per target (docs/performance.md, issue 19).

    cargo build --profile profiling --bin reqdoctor --example floor
    perf record -o batch.data -F 5000 -g -- target/profiling/reqdoctor check -f targets.txt …
    bench/profile_buckets.py batch.data 5000 10000

The arguments are the profile, the sampling frequency it was recorded at
(`-F`) and the number of targets it ran. Each sample is put in the first
bucket whose rule matches its function (and shared object), from a
`perf report --no-children --sort dso,sym` of the whole profile.
"""

import collections
import re
import subprocess
import sys

RULES = [
    ("kernel", lambda dso, sym: "kernel" in dso),
    ("crypto (ring)", lambda dso, sym: re.search(
        r"ring|ecp_nistz|fiat_|x25519|sha512|sha256|aes|gcm|fe4_|fe_|chacha", sym, re.IGNORECASE)),
    ("malloc, free, memcpy (libc)", lambda dso, sym: "libc" in dso and re.search(
        r"malloc|free|memmove|memcpy|memset|realloc|unlink_chunk|consolidate|memcmp|strlen|memalign", sym)),
    ("libc, other", lambda dso, sym: "libc" in dso),
    ("rustls, webpki", lambda dso, sym: "rustls" in sym or "webpki" in sym),
    ("tokio", lambda dso, sym: "tokio" in sym or "mio::" in sym),
    ("hyper, httparse, h2", lambda dso, sym: re.search(r"hyper|httparse|h2::", sym)),
    ("x509-parser, der", lambda dso, sym: re.search(r"x509_parser|der_parser|asn1_rs|nom::", sym)),
    ("serde_json", lambda dso, sym: re.search(r"serde_json|serde::|serde_core", sym)),
    ("reqdoctor::cert", lambda dso, sym: "reqdoctor::cert" in sym),
    ("reqdoctor::probe", lambda dso, sym: "reqdoctor::probe" in sym),
    ("reqdoctor::checks", lambda dso, sym: "reqdoctor::checks" in sym),
    ("reqdoctor::report, output, text", lambda dso, sym: re.search(r"reqdoctor::(report|output|text)", sym)),
    ("formatting (core::fmt, alloc::fmt)", lambda dso, sym: re.search(r"core::fmt|alloc::fmt|String", sym)),
    ("reqdoctor, other", lambda dso, sym: "reqdoctor::" in sym),
]


def buckets(profile):
    """{bucket: share of all samples, in %} and the total share read."""
    report = subprocess.run(
        ["perf", "report", "-i", profile, "--no-children", "--sort", "dso,sym", "-g", "none", "--percent-limit", "0"],
        capture_output=True, text=True, check=True).stdout
    shares, total = collections.Counter(), 0.0
    for line in report.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)", line)
        if not m:
            continue
        share, dso, sym = float(m.group(1)), m.group(2), m.group(3)
        total += share
        name = next((name for name, rule in RULES if rule(dso, sym)), "other")
        shares[name] += share
    return shares, total


def samples(profile):
    """How many samples the profile holds."""
    report = subprocess.run(["perf", "report", "-i", profile, "--stdio", "--sort", "dso", "-F", "sample", "-g", "none"],
                            capture_output=True, text=True, check=True).stdout
    return sum(int(m.group(1)) for m in re.finditer(r"^\s+(\d+)\s", report, re.MULTILINE))


def main():
    profile, frequency, targets = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    shares, total = buckets(profile)
    count = samples(profile)
    print(f"{profile}: {count:,} samples at {frequency:,.0f} Hz, {targets:,} targets")
    print(f"{'part':40s} {'share':>7s} {'ms/target':>10s}")
    for name, share in shares.most_common():
        print(f"{name:40s} {share:6.2f}% {share / 100 * count / frequency / targets * 1000:10.3f}")
    print(f"{'all':40s} {total:6.2f}% {total / 100 * count / frequency / targets * 1000:10.3f}")


if __name__ == "__main__":
    main()
