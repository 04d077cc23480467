#!/usr/bin/env python3
"""Counts the instructions one target costs each client, under valgrind's
callgrind: a measure the machine's speed does not move (docs/performance.md,
issue 19). Each client runs twice, for N and for 2N targets, and the
difference over N is one target's share, start-up and exit left out.

    bench/instructions.py OUT.json N :: NAME ARG… :: NAME ARG…

`{n}` in an argument becomes the target count of that run (N or 2N). The
instructions are sorted by where they ran: ring (the handshake's
cryptography), libc (malloc, free, memcpy…) and the rest (the client's own
code, its libraries and the runtime). Under valgrind, ring takes its code
paths for CPUs without ADX, so its count is higher than on the bare CPU, but
alike in every client making the same handshake.
"""

import json
import os
import re
import subprocess
import sys
import tempfile


def count(argv, out):
    """Instructions by part, for one callgrind run of argv."""
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=600)
    listing = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=no", "--threshold=100", out],
                             capture_output=True, text=True, check=True).stdout
    parts = {"crypto": 0, "libc": 0, "other": 0}
    for line in listing.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        where = m.group(2)
        part = "crypto" if "/ring-" in where else "libc" if "libc.so" in where else "other"
        parts[part] += int(m.group(1).replace(",", ""))
    return parts


def per_target(argv, n, scratch):
    """One target's instructions: (the run of 2n − the run of n) / n."""
    runs = [count([a.replace("{n}", str(k)) for a in argv], os.path.join(scratch, f"cg.{k}")) for k in (n, 2 * n)]
    return {part: (runs[1][part] - runs[0][part]) / n for part in runs[0]}


def main():
    out, n, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    clients, current = [], None
    for arg in rest:
        if arg == "::":
            current = []
            clients.append(current)
        elif current is None:
            sys.exit("usage: instructions.py OUT.json N :: NAME ARG… :: NAME ARG…")
        else:
            current.append(arg)
    result = {"targets": n}
    with tempfile.TemporaryDirectory() as scratch:
        for name, *argv in clients:
            result[name] = per_target(argv, n, scratch)
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
