"""SQLite embedded mode: 8 concurrent writers booking overlapping windows on a few rooms.

    .venv/bin/python -m bench.sqlite_writers [--seconds 15] [--writers 8]

One `callsheet serve` on a fresh SQLite file (WAL, writes in BEGIN IMMEDIATE); each writer loops
createBooking on 4 rooms. Reports attempts/s, outcomes and latency, and checks afterwards that no
two active claims overlap (zero double bookings) and that no client ever saw "database is locked".
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.alloc_setup import server, studio_with_token, summary
from db.migrate import upgrade
from server.schema.ids import to_global_id

ROOMS = 4
DAY0 = datetime(2031, 5, 5, 8, tzinfo=UTC)
MUTATION = """mutation Book($i: CreateBookingInput!) { createBooking(input: $i) { __typename } }"""
CREATE_ROOM = """mutation($i: CreateResourceInput!) {
  createResource(input: $i) { ... on ResourceCreated { resource { id } } } }"""


async def writer(
    http: httpx.AsyncClient,
    project: str,
    rooms: list[str],
    until: float,
    seed: int,
    out: Counter[str],
    lat: list[float],
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        start = DAY0 + timedelta(minutes=30 * rng.randrange(0, 48 * 3))
        variables = {
            "i": {
                "projectId": project,
                "title": "Embedded",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=rng.randint(1, 3))).isoformat(),
                "allocations": [{"resourceId": rng.choice(rooms)}],
            }
        }
        t = time.perf_counter()
        response = await http.post("/graphql", json={"query": MUTATION, "variables": variables})
        lat.append(time.perf_counter() - t)
        text = response.text
        if "locked" in text.lower():
            out["database is locked"] += 1
        body = response.json()
        out[body["data"]["createBooking"]["__typename"] if body.get("data") else f"HTTP {response.status_code}"] += 1


async def main(seconds: float, writers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "embedded.db"
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        studio_id, project_id, token = await studio_with_token(url)
        project = to_global_id("Project", project_id)
        outcomes: Counter[str] = Counter()
        latencies: list[float] = []
        with server(url) as base:
            async with httpx.AsyncClient(
                base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
            ) as http:
                rooms = []
                for i in range(ROOMS):
                    variables = {"i": {"kind": "ROOM", "name": f"Room {i}", "category": "room", "setupMinutes": 15}}
                    body = (await http.post("/graphql", json={"query": CREATE_ROOM, "variables": variables})).json()
                    rooms.append(body["data"]["createResource"]["resource"]["id"])
                t0 = time.monotonic()
                await asyncio.gather(
                    *(writer(http, project, rooms, t0 + seconds, i, outcomes, latencies) for i in range(writers))
                )
                elapsed = time.monotonic() - t0
        db = sqlite3.connect(path)
        pairs = db.execute(
            """SELECT count(*) FROM occupancies a JOIN occupancies b
               ON a.resource_id = b.resource_id AND a.id < b.id
               WHERE a.active AND b.active AND a.start_at < b.end_at AND b.start_at < a.end_at"""
        ).fetchone()[0]
        db.close()
    attempts = sum(v for k, v in outcomes.items() if k != "database is locked")
    p50, p99 = summary(latencies)
    print(f"writers {writers}, rooms {ROOMS}, {elapsed:.1f} s, studio {studio_id}")
    print(f"attempts {attempts} ({attempts / elapsed:.0f}/s): {dict(outcomes)}")
    print(f"latency p50 {p50:.1f} ms  p99 {p99:.1f} ms")
    print(f"double bookings (overlapping active claims) {pairs}; 'database is locked' seen by clients "
          f"{outcomes['database is locked']}")  # fmt: skip
    unexpected = attempts - outcomes["BookingCreated"] - outcomes["ConflictError"]
    if pairs or outcomes["database is locked"] or unexpected:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--writers", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.writers))
