"""Resync after a Redis reconnect: what 1,000 custody followers reloading at once cost the requests
served meanwhile.

    .venv/bin/python -m bench.resync --redis-url redis://127.0.0.1:6379/0 [--subscribers 1000]
        [--rounds 3] [--server-tree PATH]

One Callsheet process (SQLite, the Redis bus), pinned to CPU 0; this load generator on CPU 1.
Each subscriber is a cage scanner following `assetStatusChanged` of its location (20 items).
Four keep-alive HTTP clients send a small GraphQL query (the projects list) one after another,
all the time. Per round: a quiet spell, then the bus's subscriber link is killed in Redis (CLIENT
KILL TYPE pubsub: this Redis must be the bench's own); the bus reconnects and every follower is
told to resync. Reported: the HTTP latency in the quiet spells and in the two seconds after each
kill, and the time from the kill until the last follower has its renewed snapshot.
`--server-tree` serves Callsheet from another checkout, for before/after figures from one script.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis

from bench.fanout import (
    CLIENT_CPU,
    HERE,
    SECRET,
    Studio,
    close_subscribers,
    free_port,
    open_subscribers,
    pct,
    profiling,
    raise_file_limit,
    start,
    stop,
    wait_all,
)

ASSETS = "subscription($loc: ID) { assetStatusChanged(locationId: $loc) { seq snapshot custody asset { name } } }"
QUERY = "{ projects(first: 5) { edges { node { name } } } }"
ITEMS = 20
AFTER = 2.0  # seconds after a kill whose requests count as "during the resync"


async def setup(database_url: str) -> tuple[Studio, str]:
    """The fan-out bench's studio plus a scanner at the main floor and its items; the scanner's token."""
    from bench import fanout
    from db.models import ResourceKind, Role
    from server.config import Settings
    from server.runtime import Runtime
    from server.services import auth, resources, studios
    from server.services.principal import Principal
    from server.services.resources import ResourceFields
    from server.services.uow import Tx

    studio = await fanout.setup(database_url)
    runtime = await Runtime.open(Settings(database_url=database_url, secret=SECRET))
    token = ""

    async def work(tx: Tx) -> None:
        nonlocal token
        row, _ = await studios.ensure_studio(tx, "Fanout", "Europe/London", "GBP")
        tx.studio_id = row.id
        main = await studios.ensure_location(tx, row.id, "Main floor")
        admin = Principal(token_id=None, studio_id=row.id, role=Role.ADMIN, name="bench")
        for i in range(ITEMS):
            fields = ResourceFields(name=f"Camera {i}", category="camera", location_id=main.id)
            await resources.create_resource(tx, admin, ResourceKind.EQUIPMENT, fields)
        minted = await auth.create_token(
            tx, SECRET, studio_id=row.id, role=Role.SCANNER, name="Cage", location_id=main.id
        )
        token = minted.token

    await runtime.uow.run(work, studio_id=None)
    await runtime.close()
    return studio, token


async def run(n: int, rounds: int, redis_url: str, tree: Path) -> None:
    tmp = tempfile.mkdtemp(prefix="callsheet-resync-")
    studio, scanner = await setup(f"sqlite+aiosqlite:///{tmp}/resync.db")
    port = free_port()
    server = start("callsheet", port, studio.database_url, tree, redis_url)
    redis = Redis.from_url(redis_url)
    quiet: list[float] = []
    failed: list[float] = []
    during: list[float] = []
    settled: list[float] = []
    try:
        # Subscribe as scanners (the fan-out bench's subscriber, with this feed and token).
        followers = Studio(studio.database_url, location=studio.location, display=scanner)
        subs = await open_subscribers(
            f"ws://127.0.0.1:{port}/graphql", n, followers, query=ASSETS, first_messages=ITEMS
        )
        samples: list[tuple[float, float]] = []
        stopping = asyncio.Event()

        async def client() -> None:
            headers = {"Authorization": f"Bearer {studio.coordinator}"}
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                while not stopping.is_set():
                    sent = time.perf_counter()
                    try:
                        response = await http.post("/graphql", json={"query": QUERY}, headers=headers)
                        ok = response.status_code == 200 and "errors" not in response.json()
                    except httpx.TimeoutException:
                        ok = False  # no answer within the client's 30 s
                    samples.append((sent, time.perf_counter() - sent))
                    if not ok:
                        failed.append(sent)

        clients = [asyncio.create_task(client()) for _ in range(4)]
        for _ in range(rounds):
            calm = time.perf_counter()
            await asyncio.sleep(3.0)
            quiet.extend(d for t, d in samples if calm <= t < time.perf_counter())
            profiling(server.pid, True)
            killed = time.perf_counter()
            await redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            times = await wait_all(subs, killed, within=120)
            settled.append(max(times) - killed)
            profiling(server.pid, False)
            await asyncio.sleep(max(0.0, killed + AFTER - time.perf_counter()) + 1.0)
            during.extend(d for t, d in samples if killed <= t < killed + AFTER)
        stopping.set()
        await asyncio.gather(*clients)
        await close_subscribers(subs)
    finally:
        await redis.aclose()
        stop(server)
    print(f"\n{n} custody followers ({ITEMS} items each), {rounds} forced reconnects, Callsheet from {tree}\n")
    print("| HTTP requests | count | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    for name, values in (("quiet", quiet), (f"within {AFTER:.0f} s of a reconnect", during)):
        print(
            f"| {name} | {len(values)} | {pct(values, 0.5) * 1000:.1f} ms | {pct(values, 0.99) * 1000:.1f} ms "
            f"| {max(values) * 1000:.1f} ms |"
        )
    print(f"\nlast follower resynced after: {', '.join(f'{s * 1000:.0f} ms' for s in settled)}")
    print(f"failed requests: {len(failed)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis-url", required=True, help="a Redis of the bench's own (its pub/sub links are killed)")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-tree", type=Path, default=HERE, help="serve Callsheet from this checkout")
    args = parser.parse_args()
    raise_file_limit(args.subscribers)
    os.sched_setaffinity(0, {CLIENT_CPU})
    asyncio.run(run(args.subscribers, args.rounds, args.redis_url, args.server_tree.resolve()))
