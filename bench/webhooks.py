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

from bench.alloc_setup import free_port, fresh_pg, raw_dsn, server, studio_with_token
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
            start = WEEK0 + timedelta(hours=3 * (i // len(rooms)))
            variables = {
                "i": {
                    "projectId": project,
                    "title": f"Change {i}",
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                    "status": "CONFIRMED",
                    "allocations": [{"resourceId": rooms[i % len(rooms)]}],
                }
            }
            t = time.perf_counter()
            response = await http.post("/graphql", json={"query": BOOK, "variables": variables})
            latencies.append(time.perf_counter() - t)
            kind = response.json()["data"]["createBooking"]["__typename"]
            if kind != "BookingCreated":
                raise SystemExit(f"booking {i}: {kind}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.time()


def arrivals(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def run(changes: int, webhooks: int, clients: int) -> None:
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
        asyncio.run(main(changes, webhooks, clients, port, log))
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


async def main(changes: int, webhooks: int, clients: int, port: int, log: Path) -> None:
    url = await fresh_pg(DATABASE)
    studio_id, project_id, token = await studio_with_token(url, Role.ADMIN)
    rooms = [to_global_id("Resource", r) for r in await hot_resources(raw_dsn(url), studio_id)]
    project = to_global_id("Project", project_id)
    env = {"CALLSHEET_WEBHOOK_ALLOW_PRIVATE": "1"}
    with server(url, extra_env=env) as base:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits
        ) as http:
            await booking_phase(http, project, rooms, 0, 50, clients)  # warm-up
            before, _ = await booking_phase(http, project, rooms, 50, changes // 2, clients)
            hooks: list[tuple[str, str]] = []  # (id, secret), receiver path /hook/<n>
            for n in range(webhooks):
                variables = {"i": {"url": f"http://127.0.0.1:{port}/hook/{n}", "events": ["*"]}}
                made = (await http.post("/graphql", json={"query": CREATE_HOOK, "variables": variables})).json()
                created = made["data"]["createWebhook"]
                hooks.append((created["webhook"]["id"], created["secret"]))
            with_hooks, last_change = await booking_phase(http, project, rooms, 50 + changes // 2, changes, clients)
            expected = changes * webhooks
            deadline = time.monotonic() + 300
            for _ in range(1500):
                if len(got := arrivals(log)) >= expected or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            drained = max(r["t"] for r in got) - last_change if got else float("nan")
            await asyncio.sleep(1.0)  # anything sent twice would arrive now
            got = arrivals(log)
            for hook_id, _ in hooks:
                await http.post("/graphql", json={"query": DELETE_HOOK, "variables": {"id": hook_id}})
            after, _ = await booking_phase(http, project, rooms, 50 + changes // 2 + changes, changes // 2, clients)

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
    if unique < expected or duplicates or bad_signatures or out_of_order:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--webhooks", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--receive", nargs=2, metavar=("PORT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receive:
        receive(int(args.receive[0]), args.receive[1])
    else:
        run(args.changes, args.webhooks, args.clients)
