"""Availability on PostgreSQL: 2,000 resources and 200,000 allocations.

    .venv/bin/python -m bench.availability [--requests 400]

Builds a fresh database (bulk COPY, a few seconds), starts `callsheet serve` (one worker) and asks
"which <category> items are free <day> 10:00-12:00?" two ways in the same run, interleaved: the
`availability` query over HTTP, and the same question in one raw SQL statement through asyncpg.
Reports p50/p99 of each and their ratio. Target: GraphQL p50 <= 25 ms and within 3x of raw SQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from bench.alloc_setup import fresh_pg, raw_dsn, server, studio_with_token, summary

RESOURCES = 2000
PER_RESOURCE = 100  # 200,000 allocations
DAY0 = datetime(2031, 1, 1, tzinfo=UTC)
ROOM_TYPES = [f"room type {i}" for i in range(10)]
GEAR = [f"gear {i}" for i in range(14)]

QUERY = """query Free($i: AvailabilityInput!) {
  availability(input: $i) { availableQuantity resource { id name category } } }"""

RAW = """
SELECT r.id, r.name, r.category FROM resources r
WHERE r.studio_id = $1 AND r.retired_at IS NULL AND r.kind = 'EQUIPMENT' AND lower(r.category) = $2
  AND r.custody = 'IN_CAGE'
  AND NOT EXISTS (
    SELECT 1 FROM occupancies o
    LEFT JOIN allocations a ON a.id = o.allocation_id
    LEFT JOIN bookings b ON b.id = a.booking_id
    WHERE o.resource_id = r.id AND o.active
      AND o.period && tstzrange($3::timestamptz - make_interval(mins => r.setup_minutes),
                                  $4::timestamptz + make_interval(mins => r.teardown_minutes))
      AND NOT (b.status IS NOT NULL AND b.status = 'HOLD' AND b.hold_expires_at <= now()))
ORDER BY r.kind, r.name, r.id
"""


async def load(dsn: str, studio_id: int, project_id: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        now = datetime.now(UTC)
        loc = await conn.fetchval("SELECT id FROM locations WHERE studio_id = $1", studio_id)
        rows = []
        for i in range(RESOURCES):
            if i < 200:
                kind, cat, custody = "ROOM", ROOM_TYPES[i % 10], None
            elif i < 1600:
                kind, cat, custody = "EQUIPMENT", GEAR[i % 14], "IN_CAGE"
            else:
                kind, cat, custody = "CREW", "crew", None
            rows.append(
                (studio_id, kind, f"{kind.title()} {i:04d}", cat, loc, "[]", "[]", 1, "[]", 15, 15, custody, now)
            )
        await conn.copy_records_to_table(
            "resources",
            records=rows,
            columns=[
                "studio_id", "kind", "name", "category", "location_id", "features", "accessories", "quantity",
                "skills", "setup_minutes", "teardown_minutes", "custody", "created_at",
            ],
        )  # fmt: skip
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM resources WHERE studio_id=$1 ORDER BY id", studio_id)]
        windows = []
        for n, rid in enumerate(ids):
            for k in range(PER_RESOURCE):
                start = DAY0 + timedelta(days=k * 3 + n % 3, hours=9 + (n % 4) * 0.5)
                windows.append((rid, start, start + timedelta(hours=3)))
        await conn.copy_records_to_table(
            "bookings",
            records=[(studio_id, project_id, "Session", s, e, "CONFIRMED", 1, now, now) for _, s, e in windows],
            columns=["studio_id", "project_id", "title", "start_at", "end_at", "status", "version", "created_at",
                     "updated_at"],
        )  # fmt: skip
        bids = [r["id"] for r in await conn.fetch("SELECT id FROM bookings WHERE studio_id=$1 ORDER BY id", studio_id)]
        await conn.copy_records_to_table(
            "allocations",
            records=[(studio_id, b, rid, 1, s, e, now) for b, (rid, s, e) in zip(bids, windows, strict=True)],
            columns=["studio_id", "booking_id", "resource_id", "quantity", "start_at", "end_at", "created_at"],
        )
        aids = await conn.fetch("SELECT id FROM allocations WHERE studio_id=$1 ORDER BY id", studio_id)
        pad = timedelta(minutes=15)
        await conn.copy_records_to_table(
            "occupancies",
            records=[
                (studio_id, rid, a["id"], s - pad, e + pad, True) for a, (rid, s, e) in zip(aids, windows, strict=True)
            ],
            columns=["studio_id", "resource_id", "allocation_id", "start_at", "end_at", "active"],
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def main(n: int) -> None:
    url = await fresh_pg("callsheet_bench_availability")
    dsn = raw_dsn(url)
    studio_id, project_id, token = await studio_with_token(url)
    t0 = time.perf_counter()
    await load(dsn, studio_id, project_id)
    print(
        f"loaded {RESOURCES} resources and {RESOURCES * PER_RESOURCE} allocations in {time.perf_counter() - t0:.1f} s"
    )
    rng = random.Random(7)
    asks = []
    for _ in range(n + 40):
        day = DAY0 + timedelta(days=rng.randrange(0, 290))
        asks.append((rng.choice(GEAR), day + timedelta(hours=10), day + timedelta(hours=12)))
    graphql_times: list[float] = []
    raw_times: list[float] = []
    sizes = []
    with server(url) as base:
        conn = await asyncpg.connect(dsn)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
            for i, (cat, start, end) in enumerate(asks):
                variables = {
                    "i": {"start": start.isoformat(), "end": end.isoformat(), "kind": "EQUIPMENT", "category": cat}
                }
                t = time.perf_counter()
                response = await client.post("/graphql", json={"query": QUERY, "variables": variables})
                g = time.perf_counter() - t
                body = response.json()
                assert "errors" not in body, body
                t = time.perf_counter()
                rows = await conn.fetch(RAW, studio_id, cat, start, end)
                r = time.perf_counter() - t
                got = [x["resource"]["name"] for x in body["data"]["availability"]]
                assert got == [row["name"] for row in rows], (cat, start)
                if i >= 40:  # warm-up excluded
                    graphql_times.append(g)
                    raw_times.append(r)
                    sizes.append(len(rows))
        await conn.close()
    gp50, gp99 = summary(graphql_times)
    rp50, rp99 = summary(raw_times)
    print(json.dumps({"requests": n, "mean results": round(sum(sizes) / len(sizes), 1)}))
    print(f"GraphQL over HTTP: p50 {gp50:.2f} ms  p99 {gp99:.2f} ms")
    print(f"raw SQL (asyncpg): p50 {rp50:.2f} ms  p99 {rp99:.2f} ms")
    print(f"ratio p50 {gp50 / rp50:.2f}x  p99 {gp99 / rp99:.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    asyncio.run(main(parser.parse_args().requests))
