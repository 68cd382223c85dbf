"""Contention on PostgreSQL: 32 clients booking random overlapping windows on 20 hot resources.

    .venv/bin/python -m bench.contention [--seconds 20] [--clients 32] [--workers N --redis URL] [--no-baseline]

One server (`callsheet serve`, one worker unless --workers) on loopback; each client loops
createBooking (one or two hot resources, 1-3 h inside one week) for the duration, after a 1 s
warm-up. Reports attempts/s, outcomes, p50/p99 latency, unexpected errors (anything but
BookingCreated / ConflictError) and the count of overlapping active claim pairs from a SQL
self-join afterwards, which must be 0, and the CPU time each attempt cost the server (its process
and its workers), its PostgreSQL backends and this client (Linux /proc): the server's share bounds
what it can do, whatever the clients.

Then, in the same run, the baseline: the same clients and requests against `bench.minimal_app`,
a one-statement booking insert behind the same uvicorn options, middleware, token authentication
and GraphQL view, and the ratio of the two servers' CPU per attempt (what our own code costs).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from bench.alloc_setup import (
    backend_pids,
    cpu_seconds,
    fresh_pg,
    overlapping_pairs,
    raw_dsn,
    server,
    studio_with_token,
    summary,
    tree_cpu_seconds,
)
from bench.minimal_app import create_table
from server.schema.ids import to_global_id

HOT = 20
DATABASE = "callsheet_bench_contention"
WEEK0 = datetime(2031, 5, 5, 8, tzinfo=UTC)
MUTATION = """mutation Book($i: CreateBookingInput!) { createBooking(input: $i) { __typename
  ... on BookingCreated { booking { id } } ... on UserError { code } } }"""


async def hot_resources(dsn: str, studio_id: int) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        loc = await conn.fetchval("SELECT id FROM locations WHERE studio_id = $1", studio_id)
        await conn.copy_records_to_table(
            "resources",
            records=[
                (studio_id, "ROOM", f"Hot room {i:02d}", "hot", loc, "[]", "[]", 1, "[]", 10, 10, datetime.now(UTC))
                for i in range(HOT)
            ],
            columns=["studio_id", "kind", "name", "category", "location_id", "features", "accessories", "quantity",
                     "skills", "setup_minutes", "teardown_minutes", "created_at"],
        )  # fmt: skip
        return [r["id"] for r in await conn.fetch("SELECT id FROM resources WHERE studio_id=$1 ORDER BY id", studio_id)]
    finally:
        await conn.close()


async def client(
    http: httpx.AsyncClient, project: str, hot: list[str], until: float, seed: int, out: Counter[str], lat: list[float]
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        start = WEEK0 + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 5))
        end = start + timedelta(minutes=60 * rng.randint(1, 3))
        picks = rng.sample(hot, rng.choice((1, 1, 2)))
        variables = {
            "i": {
                "projectId": project,
                "title": "Contended",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "status": "CONFIRMED",
                "allocations": [{"resourceId": p} for p in picks],
            }
        }
        t = time.perf_counter()
        try:
            response = await http.post("/graphql", json={"query": MUTATION, "variables": variables})
            body = response.json()
            kind = body["data"]["createBooking"]["__typename"] if body.get("data") else f"HTTP {response.status_code}"
        except Exception as exc:  # counted, never hidden
            kind = f"exception {type(exc).__name__}"
        lat.append(time.perf_counter() - t)
        out[kind] += 1


async def sample_backends(dsn: str, stop: asyncio.Event, seen: dict[int, float]) -> None:
    """Record the CPU time of the server's PostgreSQL backends every half second until `stop`
    (pool connections come and go; a backend's time after its last sample is missed)."""
    while True:
        for pid in await backend_pids(dsn, DATABASE):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                seen[pid] = cpu_seconds(pid)
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


@dataclass
class Phase:
    """One server's run: outcomes, latencies and CPU time (server tree, its backends, this client)."""

    name: str
    elapsed: float
    outcomes: Counter[str]
    latencies: list[float]
    server_cpu: float
    database_cpu: float
    client_cpu: float

    @property
    def attempts(self) -> int:
        return sum(self.outcomes.values())

    @property
    def unexpected(self) -> int:
        return self.attempts - self.outcomes["BookingCreated"] - self.outcomes["ConflictError"]

    def per_attempt_ms(self, cpu: float) -> float:
        return cpu * 1000 / max(self.attempts, 1)


async def run_phase(
    name: str,
    url: str,
    token: str,
    project: str,
    hot: list[str],
    seconds: float,
    clients: int,
    *,
    module: str = "server.cli",
    args: tuple[str, ...] = ("serve",),
    extra_env: dict[str, str] | None = None,
) -> Phase:
    """Run the clients for `seconds` against one server process (tree) and account its CPU."""
    dsn = raw_dsn(url)
    outcomes: Counter[str] = Counter()
    latencies: list[float] = []
    pids: list[int] = []
    before: dict[int, float] = {}
    after: dict[int, float] = {}
    with server(url, pids, extra_env, module=module, args=args) as base:
        # One keep-alive connection per client, opened once: the server sees no connection churn.
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits
        ) as http:
            # Warm-up: every worker has its pool and caches before the clock starts.
            warm: Counter[str] = Counter()
            await asyncio.gather(
                *(client(http, project, hot, time.monotonic() + 1.0, 1000 + i, warm, []) for i in range(clients))
            )
            stop = asyncio.Event()
            stop.set()
            await sample_backends(dsn, stop, before)
            stop.clear()
            sampler = asyncio.create_task(sample_backends(dsn, stop, after))
            server_cpu, client_cpu = tree_cpu_seconds(pids[0]), time.process_time()
            t0 = time.monotonic()
            until = t0 + seconds
            await asyncio.gather(*(client(http, project, hot, until, i, outcomes, latencies) for i in range(clients)))
            elapsed = time.monotonic() - t0
            server_cpu, client_cpu = tree_cpu_seconds(pids[0]) - server_cpu, time.process_time() - client_cpu
            stop.set()
            await sampler
    database_cpu = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    return Phase(name, elapsed, outcomes, latencies, server_cpu, database_cpu, client_cpu)


def report(phase: Phase) -> None:
    p50, p99 = summary(phase.latencies)
    print(f"[{phase.name}] {phase.elapsed:.1f} s")
    print(f"  attempts {phase.attempts} ({phase.attempts / phase.elapsed:.0f}/s): {dict(phase.outcomes)}")
    print(f"  latency p50 {p50:.1f} ms  p99 {p99:.1f} ms; unexpected errors {phase.unexpected}")
    print(
        f"  CPU per attempt: server {phase.per_attempt_ms(phase.server_cpu):.2f} ms, its PostgreSQL backends "
        f"{phase.per_attempt_ms(phase.database_cpu):.2f} ms, this client {phase.per_attempt_ms(phase.client_cpu):.2f}"
        f" ms ({os.cpu_count()} cores); the server's ceiling at this cost: "
        f"{phase.attempts / phase.server_cpu if phase.server_cpu else 0:.0f}/s"
    )


async def main(seconds: float, clients: int, workers: int, redis: str | None, baseline: bool) -> None:
    url = await fresh_pg(DATABASE)
    dsn = raw_dsn(url)
    studio_id, project_id, token = await studio_with_token(url)
    hot = [to_global_id("Resource", r) for r in await hot_resources(dsn, studio_id)]
    project = to_global_id("Project", project_id)
    env = {"CALLSHEET_REDIS_URL": redis} if redis else {}
    print(f"clients {clients}, hot resources {HOT}, workers {workers}, bus {'redis' if redis else 'memory'}")
    full = await run_phase(
        "createBooking", url, token, project, hot, seconds, clients, args=("serve", "--workers", str(workers)),
        extra_env=env,
    )  # fmt: skip
    report(full)
    pairs = await overlapping_pairs(dsn)
    print(f"  overlapping blocking pairs (SQL self-join) {pairs}")
    failed = bool(pairs or full.unexpected)
    if baseline:
        await create_table(dsn)
        minimal = await run_phase(
            "one-statement mutation", url, token, project, hot, seconds, clients, module="bench.minimal_app",
            args=(), extra_env=env,
        )  # fmt: skip
        report(minimal)
        failed = failed or bool(minimal.unexpected)
        ratio = full.per_attempt_ms(full.server_cpu) / max(minimal.per_attempt_ms(minimal.server_cpu), 1e-9)
        print(f"full createBooking CPU / minimal mutation CPU (server, per attempt): {ratio:.2f}x")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="callsheet serve --workers (more than 1 needs --redis)")
    parser.add_argument("--redis", default=None, help="CALLSHEET_REDIS_URL for the servers")
    parser.add_argument("--no-baseline", action="store_true", help="skip the one-statement mutation's run")
    parser.add_argument("--database", default=DATABASE, help="the database to (re)create: one per engineer")
    args = parser.parse_args()
    DATABASE = args.database
    asyncio.run(main(args.seconds, args.clients, args.workers, args.redis, not args.no_baseline))
