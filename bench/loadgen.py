#!/usr/bin/env python3
"""bench/loadgen.py — an open-loop, constant-rate HTTP/1.1 load generator.

Used by bench/soak. Request i is due at start + i / RATE, whatever happened to
the requests before it (open loop: a slow server does not slow the offered
load down, unlike wrk's closed loop). Requests go over keep-alive
connections from a pool that grows up to --max-connections; a request due
while every connection is busy and the pool is full waits for one, and that
wait is in its latency, because latency is measured from the time the request
was due, not from when it was sent (no coordinated omission). The time from
sending to the answer is recorded too ("service time").

    loadgen.py --url 'http://127.0.0.1:PORT/probe?target=https%3A%2F%2Fhost%2F%3Fi%3D{i}' \\
        --rate 1000 --duration 600 --out result.json

{i} in the URL becomes the request's number. The JSON result has the counts by
status (an HTTP status, or "timeout" / "error: ..." when no answer came), the
latency percentiles, how late the generator itself sent (if that grows, the
generator, not the server, is the bottleneck), and one row per --window
seconds. Progress goes to stderr.
"""

import argparse
import asyncio
import collections
import json
import sys
import time
import urllib.parse
from array import array


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="http://HOST:PORT/PATH?QUERY, {i} = request number")
    p.add_argument("--rate", type=float, required=True, help="requests per second")
    p.add_argument("--duration", type=float, required=True, help="seconds of offered load")
    p.add_argument("--max-connections", type=int, default=512)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as timeout")
    p.add_argument("--drain", type=float, default=35.0, help="seconds to wait for answers after the last send")
    p.add_argument("--window", type=float, default=10.0, help="seconds per row of the time series")
    p.add_argument("--out", required=True, help="the JSON result")
    return p.parse_args()


class Pool:
    """Keep-alive connections to one host:port; opens new ones up to a limit."""

    def __init__(self, host, port, limit):
        self.host, self.port, self.limit = host, port, limit
        self.idle = asyncio.Queue()
        self.open = 0
        self.opened_total = 0

    async def get(self):
        while True:
            try:
                conn = self.idle.get_nowait()
            except asyncio.QueueEmpty:
                conn = None
                if self.open < self.limit:
                    self.open += 1
                    try:
                        conn = await asyncio.open_connection(self.host, self.port)
                    except Exception:
                        self.open -= 1
                        raise
                    self.opened_total += 1
                    return conn
                conn = await self.idle.get()
            if conn is not None:  # None: a connection closed, room to open one
                return conn

    def put(self, conn):
        self.idle.put_nowait(conn)

    def discard(self, conn):
        self.open -= 1
        conn[1].close()
        self.idle.put_nowait(None)


async def read_answer(reader):
    """(status, keep_alive) of one HTTP/1.1 answer, its body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    keep_alive = headers.get(b"connection") != b"close"
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()
        keep_alive = False
    return status, keep_alive


class Run:
    def __init__(self, args):
        self.args = args
        url = urllib.parse.urlsplit(args.url)
        if url.scheme != "http":
            sys.exit("loadgen.py: only http:// URLs")
        self.host, self.port = url.hostname, url.port or 80
        self.target = url.path + ("?" + url.query if url.query else "")
        self.pool = Pool(self.host, self.port, args.max_connections)
        n = int(args.rate * args.duration)
        self.n = n
        self.due = array("d", bytes(8 * n))  # due time, seconds after start
        self.latency = array("d", [float("nan")]) * n  # due -> answer
        self.service = array("d", [float("nan")]) * n  # sent -> answer
        self.lag = array("d", [float("nan")]) * n  # due -> sent
        self.status = [None] * n
        self.in_flight = 0
        self.max_in_flight = 0

    async def one(self, i, due_at):
        loop = asyncio.get_running_loop()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        conn = None
        try:
            async with asyncio.timeout(self.args.timeout):
                conn = await self.pool.get()
                reader, writer = conn
                sent = loop.time()
                self.lag[i] = sent - due_at
                path = self.target.replace("{i}", str(i))
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode())
                status, keep_alive = await read_answer(reader)
            now = loop.time()
            self.latency[i] = now - due_at
            self.service[i] = now - sent
            self.status[i] = status
            if keep_alive:
                self.pool.put(conn)
            else:
                self.pool.discard(conn)
        except TimeoutError:
            self.status[i] = "timeout"
            if conn is not None:
                self.pool.discard(conn)
        except Exception as e:  # noqa: BLE001 — every failure is a result to count
            self.status[i] = "error: " + type(e).__name__
            if conn is not None:
                self.pool.discard(conn)
        finally:
            self.in_flight -= 1

    async def progress(self, start):
        while True:
            await asyncio.sleep(10)
            elapsed = asyncio.get_running_loop().time() - start
            c = collections.Counter(s for s in self.status if s is not None)
            print(
                f"[loadgen {elapsed:4.0f}s] due {min(self.n, int(elapsed * self.args.rate))},"
                f" answered so far {dict(c)}, in flight {self.in_flight}, connections {self.pool.open}",
                file=sys.stderr,
                flush=True,
            )

    async def main(self):
        loop = asyncio.get_running_loop()
        rate = self.args.rate
        tasks = set()
        start = loop.time() + 0.2
        self.wall_start = time.time() + 0.2
        reporter = asyncio.create_task(self.progress(start))
        i = 0
        while i < self.n:
            now = loop.time()
            while i < self.n and start + i / rate <= now:
                due_at = start + i / rate
                self.due[i] = i / rate
                t = asyncio.create_task(self.one(i, due_at))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
                i += 1
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
        self.send_end = loop.time() - start
        if tasks:
            await asyncio.wait(list(tasks), timeout=self.args.drain)
        reporter.cancel()
        self.end = loop.time() - start


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q / 100 * (len(values) - 1)))))
    return values[k]


def ms(x):
    return None if x is None else round(x * 1000, 2)


def summary(run):
    args = run.args
    statuses = collections.Counter("unanswered" if s is None else str(s) for s in run.status)
    ok = [run.latency[i] for i in range(run.n) if run.status[i] == 200]
    ok_service = [run.service[i] for i in range(run.n) if run.status[i] == 200]
    lag = [x for x in run.lag if x == x]
    windows = []
    per = int(args.window * args.rate)
    for w0 in range(0, run.n, per):
        idx = range(w0, min(run.n, w0 + per))
        c = collections.Counter("unanswered" if run.status[i] is None else str(run.status[i]) for i in idx)
        lat = [run.latency[i] for i in idx if run.status[i] == 200]
        windows.append(
            {
                "from_s": round(w0 / args.rate, 1),
                "due": len(idx),
                "statuses": dict(c),
                "p50_ms": ms(percentile(lat, 50)),
                "p99_ms": ms(percentile(lat, 99)),
                "max_ms": ms(max(lat) if lat else None),
            }
        )
    answered_in_time = sum(1 for i in range(run.n) if run.status[i] == 200 and run.due[i] + run.latency[i] <= args.duration + 1.0)
    return {
        "url": args.url,
        "rate_offered": args.rate,
        "duration_s": args.duration,
        "wall_start_unix": run.wall_start,
        "requests": run.n,
        "statuses": dict(statuses),
        "ok": len(ok),
        "not_ok": run.n - len(ok),
        "achieved_ok_per_s": round(len(ok) / args.duration, 1),
        "ok_answered_by_end_plus_1s_per_s": round(answered_in_time / args.duration, 1),
        "ok_per_s_until_last_answer": round(len(ok) / max(run.end, 1e-9), 1),
        "last_send_s": round(run.send_end, 3),
        "end_s": round(run.end, 3),
        "latency_ms": {f"p{q}": ms(percentile(ok, q)) for q in (50, 90, 99, 99.9)} | {"max": ms(max(ok) if ok else None)},
        "service_ms": {f"p{q}": ms(percentile(ok_service, q)) for q in (50, 90, 99, 99.9)}
        | {"max": ms(max(ok_service) if ok_service else None)},
        "send_lag_ms": {f"p{q}": ms(percentile(lag, q)) for q in (50, 99)} | {"max": ms(max(lag) if lag else None)},
        "max_in_flight": run.max_in_flight,
        "connections_opened": run.pool.opened_total,
        "windows": windows,
    }


def main():
    args = parse_args()
    run = Run(args)
    asyncio.run(run.main())
    result = summary(run)
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    brief = {k: result[k] for k in ("rate_offered", "requests", "statuses", "achieved_ok_per_s", "latency_ms", "send_lag_ms")}
    print("[loadgen] " + json.dumps(brief), file=sys.stderr)


if __name__ == "__main__":
    main()
