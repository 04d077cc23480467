#!/usr/bin/env python3
"""Counts a batch's reports as they stream by, so that no run of bench/run
has to keep them (10,000 reports are about 80 MB of JSON, 100,000 ten times
that).

    reqdoctor check -f … --format jsonl | tally.py > TALLY.json
    tally.py --from FIFO [--ready FILE] > TALLY.json
    tally.py --merge TALLY.json n=10000 concurrency=32 exit_code=0 … > batch.json

The first form reads JSON lines on stdin (the second from the file or FIFO
given, creating FILE once it is ready to open it, so that a caller can start
its clock after Python's start-up) and writes {"verdicts": {verdict:
count}, "not_pass": [[check-id status, count], …]} (the five most common).
The `--merge` form adds integer fields to a tally.

The tally shares the machine with the batch it counts, so it must cost little:
a report whose verdict is `pass` (the worst of its checks' statuses, SPEC) has
no `warn` or `fail` check to count, and is read no further than its verdict.
Parsing every report took 1.3 s of CPU per 10,000 on the bench's 2 cores,
which the batch then lacked. Any other report is parsed whole.
"""

import collections
import json
import sys


# The report's own verdict is its first "verdict" key (it comes before the
# checks, and a JSON string cannot hold an unescaped quote).
PASS = b'"verdict":"pass"'


def tally(lines):
    verdicts, failing = collections.Counter(), collections.Counter()
    for line in lines:
        if line.find(b'"verdict":') == line.find(PASS) != -1:
            verdicts["pass"] += 1
            continue
        report = json.loads(line)
        verdicts[report["verdict"]] += 1
        for check in report["checks"]:
            if check["status"] in ("warn", "fail"):
                failing[check["id"] + " " + check["status"]] += 1
    return {"verdicts": verdicts, "not_pass": failing.most_common(5)}


def merge(path, pairs):
    with open(path) as f:
        result = json.load(f)
    for pair in pairs:
        name, _, value = pair.partition("=")
        result[name] = int(value)
    return result


if __name__ == "__main__":
    if sys.argv[1:2] == ["--merge"]:
        json.dump(merge(sys.argv[2], sys.argv[3:]), sys.stdout)
    elif sys.argv[1:2] == ["--from"]:
        if sys.argv[3:4] == ["--ready"]:
            open(sys.argv[4], "w").close()
        with open(sys.argv[2], "rb") as reports:
            json.dump(tally(reports), sys.stdout)
    else:
        json.dump(tally(sys.stdin.buffer), sys.stdout)
