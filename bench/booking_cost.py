"""What one createBooking costs in-process on PostgreSQL: time through the ASGI app and SQL statements.

    .venv/bin/python -m bench.booking_cost [--requests 400] [--profile] [--show-sql] [--by-layer]

Sequential requests (no queueing), the contention benchmark's mutation and rooms, through the real
app (production mode) with httpx's ASGI transport. Besides wall time it reports the CPU time of
this process per request (client, app and driver; not PostgreSQL's), which a busy machine disturbs
less. Statements are counted with a `before_cursor_execute` listener, per outcome (BEGIN and COMMIT
are not cursor executions and are not counted). `--profile` prints a pyinstrument profile of the
run; `--show-sql` the statements of one request per outcome; `--by-layer` where each outcome's CPU
goes, by package and part of the tree (`bench.cpu_by_layer`: sampled, so give it a few thousand
requests).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import Counter, defaultdict
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event

from bench.alloc_setup import SECRET, fresh_pg, raw_dsn, studio_with_token
from bench.contention import MUTATION, WEEK0, hot_resources
from bench.cpu_by_layer import Layers
from server.app import create_app
from server.config import Settings
from server.runtime import Runtime
from server.schema.ids import to_global_id


async def main(n: int, profile: bool, show: bool, by_layer: bool, database: str) -> None:
    url = await fresh_pg(database)
    studio_id, project_id, token = await studio_with_token(url)
    hot = [to_global_id("Resource", r) for r in await hot_resources(raw_dsn(url), studio_id)]
    project = to_global_id("Project", project_id)
    settings = Settings(database_url=url, secret=SECRET, mode="production")
    runtime = await Runtime.open(settings)
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    for engine in {runtime.database.write_engine, runtime.database.read_engine}:
        event.listen(engine.sync_engine, "before_cursor_execute", count)
    app = create_app(settings, runtime)
    rng = random.Random(1)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    runs: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    profiler = None
    layers = Layers() if by_layer else None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://b", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        for i in range(n + 50):
            if i == 50 and profile:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="enabled")
                profiler.start()
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
            statements.clear()
            if layers is not None and i >= 50:
                layers.start()
            t, c = time.perf_counter(), time.process_time()
            body = (await http.post("/graphql", json={"query": MUTATION, "variables": variables})).json()
            elapsed, cpu_used = time.perf_counter() - t, time.process_time() - c
            kind = body["data"]["createBooking"]["__typename"]
            if layers is not None and i >= 50:
                layers.stop(kind, cpu_used)
            if i >= 50:  # the first requests warm caches and the pool
                times[kind].append(elapsed)
                cpu[kind].append(cpu_used)
                per[kind].update(s.split(None, 1)[0].upper() for s in statements)
                if show and kind not in shown:
                    shown[kind] = list(statements)
                runs[kind] += 1
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    await runtime.close()
    if layers is not None:
        print(layers.report())
    for kind, sql in shown.items():
        print(f"-- the statements of one {kind}:")
        for text in sql:
            print("   ", " ".join(text.split())[:300])
    for kind, ts in sorted(times.items()):
        mix = {k: round(v / runs[kind], 1) for k, v in per[kind].most_common()}
        total = sum(per[kind].values()) / runs[kind]
        print(
            f"{kind}: {len(ts)} requests, p50 {statistics.median(ts) * 1000:.2f} ms "
            f"(CPU of this process p50 {statistics.median(cpu[kind]) * 1000:.2f} ms), {total:.1f} statements {mix}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request per outcome")
    parser.add_argument("--by-layer", action="store_true", help="where each outcome's CPU goes, by layer (sampled)")
    parser.add_argument(
        "--database", default="callsheet_bench_booking_cost", help="the PostgreSQL database to create (dropped first)"
    )
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.profile, args.show_sql, args.by_layer, args.database))
