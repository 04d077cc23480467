#!/usr/bin/env python3
"""bench/inflight.py — the exporter's memory per probe in flight.

Used by bench/soak. Starts a TLS server on 127.0.0.1 (the certificate and key
given) that completes every handshake, reads the request and never answers,
so each probe sent to it stays in flight, holding its connection, TLS session
and certificate analysis, until its module's timeout. For each level N (in
ascending order), sends N probes at once to the exporter's /probe with the
module that routes to this server, waits until the exporter's
reqdoctor_exporter_probes_in_flight reaches N (or 20 s), and reads the
exporter's RSS (/proc/PID/status VmRSS); then waits for them to end (each is
answered 200 with a timeout verdict). Writes one JSON with a row per level.

    inflight.py --exporter-pid PID --exporter http://127.0.0.1:PORT --module slow \\
        --cert chain.pem --key key.pem --listen-port P --levels 50 100 200 400 --out FILE.json

The module (in the exporter's config) routes its targets to 127.0.0.1:P.
"""

import argparse
import asyncio
import collections
import json
import ssl
import sys
import time
import urllib.parse
import urllib.request


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


def metric(base, name):
    with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


async def hold(reader, writer):
    """Reads what the client sends and never answers, until it hangs up."""
    try:
        while await reader.read(4096):
            pass
    except Exception:  # noqa: BLE001 — the client's timeout resets the connection
        pass
    writer.close()


async def probe(base, module, i):
    url = urllib.parse.urlsplit(base)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    target = urllib.parse.quote(f"https://slow.fleet.bench.test/?i={i}", safe="")
    writer.write(f"GET /probe?module={module}&target={target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    return int(data[9:12]) if len(data) >= 12 else None


async def main(args):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    server = await asyncio.start_server(hold, "127.0.0.1", args.listen_port, ssl=ctx, backlog=4096)
    rows = []
    loop = asyncio.get_running_loop()
    for n in args.levels:
        before = rss(args.exporter_pid)
        tasks = [asyncio.create_task(probe(args.exporter, args.module, k)) for k in range(n)]
        t0 = time.time()
        in_flight = 0
        while time.time() - t0 < 20:
            await asyncio.sleep(0.5)
            in_flight = await loop.run_in_executor(None, metric, args.exporter, "reqdoctor_exporter_probes_in_flight")
            if in_flight is not None and in_flight >= n:
                break
        await asyncio.sleep(1.0)
        at_peak = rss(args.exporter_pid)
        in_flight = await loop.run_in_executor(None, metric, args.exporter, "reqdoctor_exporter_probes_in_flight")
        statuses = await asyncio.gather(*tasks, return_exceptions=True)
        rows.append(
            {
                "level": n,
                "in_flight_seen": in_flight,
                "rss_before": before,
                "rss_in_flight": at_peak,
                "statuses": dict(collections.Counter(map(str, statuses))),
                "seconds": round(time.time() - t0, 1),
            }
        )
        print(f"[inflight] {rows[-1]}", file=sys.stderr, flush=True)
        await asyncio.sleep(2)
    server.close()
    with open(args.out, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--exporter-pid", type=int, required=True)
    p.add_argument("--exporter", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--listen-port", type=int, required=True)
    p.add_argument("--levels", type=int, nargs="+", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
    asyncio.run(main(a))
