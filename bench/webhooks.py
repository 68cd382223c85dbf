"""Webhooks under load: 1,000 booking changes, each delivered to 5 webhooks on a local receiver.

    .venv/bin/python -m bench.webhooks [--changes 1000] [--webhooks 5] [--clients 4]

One server process (`callsheet serve`, one worker, PostgreSQL, CALLSHEET_WEBHOOK_ALLOW_PRIVATE=1)
on loopback, and a receiver in a subprocess (an asyncio HTTP/1.1 server on 127.0.0.1 that answers 200 and
appends each request, with its arrival time, to a file). The clients make createBooking calls in
three phases of the same run: without webhooks, then with `--webhooks` webhooks subscribed to `*`
(the measured changes), then without them again (deleted). Reports the createBooking p50 with the
webhooks against the p50 of both phases without them, the time from the last change's answer until
every delivery had arrived, and what the receiver got: every signature verified with the webhook's
secret, duplicates (the same delivery id twice), and whether each webhook's deliveries arrived in
seq order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.alloc_setup import (
    SECRET,
    backend_pids,
    cpu_seconds,
    free_port,
    fresh_pg,
    raw_dsn,
    server,
    studio_with_token,
    tree_cpu_seconds,
)
from bench.contention import hot_resources
from db.models import Role
from server.schema.ids import to_global_id
from server.services.webhooks import signing

DATABASE = "callsheet_bench_webhooks"
WEEK0 = datetime(2032, 3, 1, 8, tzinfo=UTC)
BOOK = """mutation Book($i: CreateBookingInput!) { createBooking(input: $i) { __typename } }"""
CREATE_HOOK = """mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { __typename
  ... on WebhookCreated { secret webhook { id } } } }"""
DELETE_HOOK = """mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }"""


# The receiver (run as a subprocess of this script)


def receive(port: int, path: str) -> None:
    """Answer 200 to every POST and append it, with its arrival time, to `path`.

    asyncio on one thread rather than a thread per connection: under a loaded machine a threaded
    `http.server` (five threads taking turns at the GIL) answered only about 100 requests a
    second with nothing else to do, and the benchmark measured the receiver rather than the sender."""
    out = open(path, "a", buffering=1)  # noqa: SIM115 - open for the life of the process

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target = lines[0].split(" ")[:2]
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if method == "POST":
                    record = {
                        "path": target,
                        "t": time.time(),
                        "sig": headers.get(signing.HEADER.lower(), ""),
                        "body": body.decode(),
                    }
                    out.write(json.dumps(record) + "\n")
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def change(project: str, rooms: list[str], i: int) -> dict[str, Any]:
    """The i-th CreateBookingInput: a 2-hour CONFIRMED booking of one room, the windows of
    different `i` never overlapping."""
    start = WEEK0 + timedelta(hours=3 * (i // len(rooms)))
    return {
        "projectId": project,
        "title": f"Change {i}",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
        "status": "CONFIRMED",
        "allocations": [{"resourceId": rooms[i % len(rooms)]}],
    }


# CPU accounting


class Meter:
    """CPU time so far of the API process, the dispatcher (the server's child processes), the
    server's PostgreSQL backends and the receiver (Linux /proc), read at the edges of a phase."""

    PARTS = ("api", "dispatcher", "postgres", "receiver")

    def __init__(self, server_pid: int, receiver_pid: int, dsn: str) -> None:
        self.server_pid, self.receiver_pid, self.dsn = server_pid, receiver_pid, dsn
        self._backends: dict[int, float] = {}

    async def read(self) -> dict[str, float]:
        api = cpu_seconds(self.server_pid)
        for pid in await backend_pids(self.dsn, DATABASE):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                self._backends[pid] = cpu_seconds(pid)
        return {
            "api": api,
            "dispatcher": tree_cpu_seconds(self.server_pid) - api,
            # A backend gone meanwhile keeps its last reading (pools keep their connections).
            "postgres": sum(self._backends.values()),
            "receiver": cpu_seconds(self.receiver_pid),
        }


def cpu_per_change(start: dict[str, float], end: dict[str, float], changes: int) -> dict[str, float]:
    """Milliseconds of CPU per change, by part, between two readings."""
    return {part: (end[part] - start[part]) * 1000 / changes for part in Meter.PARTS}


# The load


async def booking_phase(
    http: httpx.AsyncClient, project: str, rooms: list[str], first: int, count: int, clients: int
) -> tuple[list[float], float]:
    """`count` createBooking calls (disjoint windows, so every one is BookingCreated); latencies and
    the wall-clock time the last answer arrived."""
    latencies: list[float] = []
    pending = iter(range(first, first + count))

    async def client() -> None:
        for i in pending:
            variables = {"i": change(project, rooms, i)}
            t = time.perf_counter()
            response = await http.post("/graphql", json={"query": BOOK, "variables": variables})
            latencies.append(time.perf_counter() - t)
            kind = response.json()["data"]["createBooking"]["__typename"]
            if kind != "BookingCreated":
                raise SystemExit(f"booking {i}: {kind}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.time()


def drain_by_itself(url: str, log: Path, expected: int, receiver_pid: int) -> str:
    """Start `callsheet dispatch` on its own once the changes are made (the server runs none) and
    measure the CPU per delivery of it, of the database's backends and of the receiver from its
    first delivery to its last (its start-up left out).
    With WEBHOOKS_PROFILE=<file> it runs under cProfile with a CPU clock and writes the stats there."""
    env = {
        **os.environ,
        "CALLSHEET_DATABASE_URL": url,
        "CALLSHEET_SECRET": SECRET,
        "CALLSHEET_MODE": "production",
        "CALLSHEET_WEBHOOK_ALLOW_PRIVATE": "1",
    }
    env.pop("CALLSHEET_REDIS_URL", None)
    command = [sys.executable, "-m", "server.cli", "dispatch"]
    if profile := os.environ.get("WEBHOOKS_PROFILE"):
        command = [sys.executable, "-m", "bench.webhooks", "--profiled-dispatch", profile]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        while not (got := arrivals(log)):
            time.sleep(0.005)
        backends = asyncio.run(backend_pids(raw_dsn(url), DATABASE))
        first, t0 = len(got), time.monotonic()

        def readings() -> list[float]:
            return [cpu_seconds(proc.pid), cpu_seconds(receiver_pid), sum(map(cpu_seconds, backends))]

        cpu0 = readings()
        while len(got := arrivals(log)) < expected and time.monotonic() - t0 < 300:
            time.sleep(0.1)
        cpu1, elapsed = (
            [cpu_seconds(proc.pid), cpu_seconds(receiver_pid), sum(map(cpu_seconds, backends))],
            time.monotonic() - t0,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    sent = max(len(got) - first, 1)
    dispatcher, receiver, database = ((b - a) * 1000 / sent for a, b in zip(cpu0, cpu1, strict=True))
    return (
        f"{sent} deliveries in {elapsed:.2f} s; CPU per delivery: dispatcher {dispatcher:.3f} ms, "
        f"PostgreSQL backends {database:.3f} ms, receiver {receiver:.3f} ms"
    )


def profiled_dispatch(path: str) -> None:
    """`callsheet dispatch` under cProfile with a CPU clock, until SIGTERM; the stats go to `path`."""
    import cProfile

    from server.cli import cmd_dispatch

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    try:
        cmd_dispatch(argparse.Namespace(parent=None))
    finally:
        profiler.disable()
        profiler.dump_stats(path)


def arrivals(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def run(changes: int, webhooks: int, clients: int, drain_alone: bool) -> None:
    """The receiver as a subprocess around the measured run."""
    log = Path(tempfile.mkdtemp(prefix="callsheet-webhooks-")) / "received.jsonl"
    log.touch()
    port = free_port()
    receiver = subprocess.Popen([sys.executable, "-m", "bench.webhooks", "--receive", str(port), str(log)])
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        asyncio.run(main(changes, webhooks, clients, port, log, receiver.pid, drain_alone))
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


async def main(
    changes: int, webhooks: int, clients: int, port: int, log: Path, receiver_pid: int, drain_alone: bool
) -> None:
    url = await fresh_pg(DATABASE)
    studio_id, project_id, token = await studio_with_token(url, Role.ADMIN)
    rooms = [to_global_id("Resource", r) for r in await hot_resources(raw_dsn(url), studio_id)]
    project = to_global_id("Project", project_id)
    env = {"CALLSHEET_WEBHOOK_ALLOW_PRIVATE": "1"}
    if drain_alone:
        env["CALLSHEET_WEBHOOK_DISPATCHER"] = "off"
    pids: list[int] = []
    with server(url, pids, extra_env=env) as base:
        meter = Meter(pids[0], receiver_pid, raw_dsn(url))
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits
        ) as http:
            # Warm-up, long enough for the dispatcher process started beside the server to have
            # finished starting (its imports and migration check would otherwise fall in the first phase).
            await booking_phase(http, project, rooms, 0, 50, clients)
            await asyncio.sleep(3.0)
            await booking_phase(http, project, rooms, 50, 50, clients)
            t0 = await meter.read()
            before, _ = await booking_phase(http, project, rooms, 100, changes // 2, clients)
            t1 = await meter.read()
            hooks: list[tuple[str, str]] = []  # (id, secret), receiver path /hook/<n>
            for n in range(webhooks):
                variables = {"i": {"url": f"http://127.0.0.1:{port}/hook/{n}", "events": ["*"]}}
                made = (await http.post("/graphql", json={"query": CREATE_HOOK, "variables": variables})).json()
                created = made["data"]["createWebhook"]
                hooks.append((created["webhook"]["id"], created["secret"]))
            t2 = await meter.read()
            with_hooks, last_change = await booking_phase(http, project, rooms, 100 + changes // 2, changes, clients)
            t3 = await meter.read()
            expected = changes * webhooks
            if drain_alone:
                alone = await asyncio.to_thread(drain_by_itself, url, log, expected, receiver_pid)
            deadline = time.monotonic() + 300
            for _ in range(1500):
                if len(got := arrivals(log)) >= expected or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            drained = max(r["t"] for r in got) - last_change if got else float("nan")
            t4 = await meter.read()
            await asyncio.sleep(1.0)  # anything sent twice would arrive now
            got = arrivals(log)
            for hook_id, _ in hooks:
                await http.post("/graphql", json={"query": DELETE_HOOK, "variables": {"id": hook_id}})
            t5 = await meter.read()
            after, _ = await booking_phase(http, project, rooms, 100 + changes // 2 + changes, changes // 2, clients)
            t6 = await meter.read()

    bad_signatures = 0
    per_hook: dict[int, list[dict[str, Any]]] = {n: [] for n in range(webhooks)}
    for record in got:
        n = int(record["path"].rsplit("/", 1)[1])
        body = record["body"].encode()
        if not signing.verify(hooks[n][1], record["sig"], body, now=int(record["t"])):
            bad_signatures += 1
        per_hook[n].append(json.loads(body))
    duplicates = sum(c - 1 for docs in per_hook.values() for c in Counter(d["id"] for d in docs).values() if c > 1)
    out_of_order = sum(sum(1 for a, b in itertools.pairwise(docs) if b["seq"] < a["seq"]) for docs in per_hook.values())
    unique = sum(len({d["id"] for d in docs}) for docs in per_hook.values())
    without = before + after
    p50_with, p50_without = statistics.median(with_hooks) * 1000, statistics.median(without) * 1000
    print(f"changes {changes} x webhooks {webhooks}, clients {clients} ({os.cpu_count()} cores)")
    print(f"deliveries received {len(got)} (distinct {unique} of {expected}); duplicates {duplicates}")
    print(f"signatures failing verification {bad_signatures}; seq order breaks per webhook {out_of_order}")
    print(f"last change answered -> last delivery arrived: {drained:.2f} s")
    print(
        f"createBooking p50: with webhooks {p50_with:.2f} ms, without {p50_without:.2f} ms "
        f"(before {statistics.median(before) * 1000:.2f}, after {statistics.median(after) * 1000:.2f}); "
        f"ratio {p50_with / p50_without:.2f}x"
    )
    without_cpu = {
        part: (t1[part] - t0[part] + t6[part] - t5[part]) * 1000 / (len(before) + len(after)) for part in Meter.PARTS
    }
    for label, cpu in (
        ("without webhooks", without_cpu),
        ("with, while the changes ran", cpu_per_change(t2, t3, changes)),
        ("with, until drained", cpu_per_change(t2, t4, changes)),
    ):
        print(f"CPU per change {label}: " + ", ".join(f"{part} {ms:.2f} ms" for part, ms in cpu.items()))
    if drain_alone:
        print(f"the dispatcher alone, after the changes: {alone}")
    if unique < expected or duplicates or bad_signatures or out_of_order:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--webhooks", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--drain-alone", action="store_true", help="the server sends nothing; a dispatcher drains after the changes"
    )
    parser.add_argument("--receive", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--profiled-dispatch", metavar="FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receive:
        receive(int(args.receive[0]), args.receive[1])
    elif args.profiled_dispatch:
        profiled_dispatch(args.profiled_dispatch)
    else:
        run(args.changes, args.webhooks, args.clients, args.drain_alone)
