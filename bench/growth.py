"""createBooking as the ledger grows: the cost must stay flat (PostgreSQL).

    .venv/bin/python -m bench.growth [--blocks 8] [--per-block 250]

One server (`callsheet serve`, one worker) and one sequential client booking disjoint windows on the
hot rooms; after every other booking the same request again, which must be refused (ConflictError).
Prints, per block of bookings, the p50 of each outcome and the CPU per request of the server and of
its PostgreSQL backends. A statement whose plan reads the whole ledger (a prepared statement's
generic plan chosen while the tables were small, say) shows here as figures rising block by block,
where the request-count benchmarks, run on a fresh database, see nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx

from bench.alloc_setup import backend_pids, cpu_seconds, fresh_pg, raw_dsn, server, studio_with_token
from bench.contention import hot_resources
from bench.webhooks import BOOK, change
from db.models import Role
from server.schema.ids import to_global_id

DATABASE = "callsheet_bench_growth"


async def main(blocks: int, per_block: int) -> None:
    url = await fresh_pg(DATABASE)
    dsn = raw_dsn(url)
    studio_id, project_id, token = await studio_with_token(url, Role.ADMIN)
    rooms = [to_global_id("Resource", r) for r in await hot_resources(dsn, studio_id)]
    project = to_global_id("Project", project_id)
    pids: list[int] = []
    with server(url, pids) as base:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:

            async def book(i: int, expected: str) -> float:
                variables = {"i": change(project, rooms, i)}
                t = time.perf_counter()
                response = await http.post("/graphql", json={"query": BOOK, "variables": variables})
                elapsed = time.perf_counter() - t
                kind = response.json()["data"]["createBooking"]["__typename"]
                if kind != expected:
                    raise SystemExit(f"booking {i}: {kind}, expected {expected}")
                return elapsed

            print(f"{'bookings':>9} {'created p50':>12} {'refused p50':>12} {'server CPU':>11} {'PostgreSQL CPU':>15}")
            for block in range(blocks):
                backends = await backend_pids(dsn, DATABASE)
                server0, database0 = cpu_seconds(pids[0]), sum(map(cpu_seconds, backends))
                created, refused = [], []
                for j in range(per_block):
                    i = block * per_block + j
                    created.append(await book(i, "BookingCreated"))
                    if j % 2 == 0:
                        refused.append(await book(i, "ConflictError"))
                requests = len(created) + len(refused)
                backends = await backend_pids(dsn, DATABASE)
                server_cpu = (cpu_seconds(pids[0]) - server0) * 1000 / requests
                # Backends that came and went meanwhile are missed (the pool keeps its connections).
                database_cpu = (sum(map(cpu_seconds, backends)) - database0) * 1000 / requests
                print(
                    f"{(block + 1) * per_block:>9} {statistics.median(created) * 1000:>9.2f} ms"
                    f" {statistics.median(refused) * 1000:>9.2f} ms {server_cpu:>8.2f} ms {database_cpu:>12.2f} ms"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--per-block", type=int, default=250)
    args = parser.parse_args()
    asyncio.run(main(args.blocks, args.per_block))
