#!/usr/bin/env python3
"""Runs several commands in turn, RUNS rounds, and keeps each one's output and
wall time: a drift of the machine's speed during the measurement (another
process, the CPU's clock) then hits every command alike, which hyperfine's
one-command-after-another blocks do not promise.

    turns.py OUT PREFIX RUNS :: NAME ARGV... :: NAME ARGV... ...

For each NAME it writes OUT/PREFIX--NAME.out (the commands' stdout,
concatenated) and OUT/PREFIX--NAME.wall (one wall time per line, in
milliseconds, from just before the process is started to just after it has
exited). A command's exit code is not judged: its output says how it went.
"""

import os
import subprocess
import sys
import time


def parse(argv):
    """(out, prefix, runs, [(name, argv)]) from the command line."""
    if len(argv) < 5 or argv[3] != "::":
        sys.exit("usage: turns.py OUT PREFIX RUNS :: NAME ARGV... [:: NAME ARGV...]")
    out, prefix, runs = argv[0], argv[1], int(argv[2])
    kinds, current = [], None
    for word in argv[4:]:
        if word == "::":
            current = None
        elif current is None:
            current = (word, [])
            kinds.append(current)
        else:
            current[1].append(word)
    if not kinds or any(not argv for _, argv in kinds):
        sys.exit("turns.py: every NAME needs a command")
    return out, prefix, runs, kinds


def main():
    out, prefix, runs, kinds = parse(sys.argv[1:])
    outputs = {name: open(os.path.join(out, f"{prefix}--{name}.out"), "wb") for name, _ in kinds}
    walls = {name: open(os.path.join(out, f"{prefix}--{name}.wall"), "w") for name, _ in kinds}
    for _ in range(runs):
        for name, argv in kinds:
            started = time.perf_counter()
            done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
            walls[name].write(f"{(time.perf_counter() - started) * 1000:.3f}\n")
            outputs[name].write(done.stdout)
    for handle in [*outputs.values(), *walls.values()]:
        handle.close()


if __name__ == "__main__":
    main()
