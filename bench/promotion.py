"""Promotion cost on PostgreSQL: cancelling the rank-1 hold of a room with 50 queued holds behind it.

    .venv/bin/python -m bench.promotion [--rounds 200] [--queued 50]

One server process (`callsheet serve`, one worker) on loopback and one client. A room holds one HOLD
with `--queued` queued holds behind it (createBooking with queueIfTaken). Each round, interleaved in
the same run: cancelBooking of the room's rank-1 hold (which promotes the next in line inside the
same transaction), then one queued hold re-created so the line stays `--queued` long; and a plain
cancelBooking of a hold on another room with nothing queued (created just before, not timed).
Reports the p50/p99 of both cancels and their ratio, checks every round that the next in line took
the room, and counts overlapping active claim pairs by a SQL self-join afterwards (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import httpx

from bench.alloc_setup import fresh_pg, overlapping_pairs, raw_dsn, server, studio_with_token, summary
from bench.contention import hot_resources
from server.schema.ids import to_global_id

DATABASE = "callsheet_bench_promotion"
START = datetime(2032, 6, 7, 10, tzinfo=UTC)
BOOK = """mutation Book($i: CreateBookingInput!) { createBooking(input: $i) { __typename
  ... on BookingCreated { booking { id rank } } ... on HoldQueued { rank booking { id } }
  ... on UserError { code message } } }"""
CANCEL = """mutation($id: ID!) { cancelBooking(id: $id) { __typename ... on UserError { code message } } }"""
RANK = """query($id: ID!) { node(id: $id) { ... on Booking { rank status } } }"""


async def gql(http: httpx.AsyncClient, query: str, variables: dict[str, object]) -> dict[str, object]:
    body = (await http.post("/graphql", json={"query": query, "variables": variables})).json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]  # type: ignore[no-any-return]


async def hold(http: httpx.AsyncClient, project: str, room: str, *, queue: bool) -> tuple[str, str]:
    variables = {
        "i": {
            "projectId": project,
            "title": "Pencil",
            "start": START.isoformat(),
            "end": (START + timedelta(hours=2)).isoformat(),
            "status": "HOLD",
            "allocations": [{"resourceId": room}],
            "queueIfTaken": queue,
        }
    }
    result = (await gql(http, BOOK, variables))["createBooking"]
    assert isinstance(result, dict)
    if result["__typename"] not in ("BookingCreated", "HoldQueued"):
        raise RuntimeError(result)
    return str(result["__typename"]), str(result["booking"]["id"])


async def timed_cancel(http: httpx.AsyncClient, gid: str) -> float:
    began = time.perf_counter()
    result = (await gql(http, CANCEL, {"id": gid}))["cancelBooking"]
    took = time.perf_counter() - began
    assert isinstance(result, dict)
    if result["__typename"] != "BookingCancelled":
        raise RuntimeError(result)
    return took


async def measure(rounds: int, queued: int) -> None:
    url = await fresh_pg(DATABASE)
    studio_id, project_id, token = await studio_with_token(url)
    rooms = [to_global_id("Resource", r) for r in await hot_resources(raw_dsn(url), studio_id)]
    project = to_global_id("Project", project_id)
    contested, plain_room = rooms[0], rooms[1]
    with server(url) as base:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            line: deque[str] = deque()
            for i in range(queued + 1):
                kind, gid = await hold(http, project, contested, queue=True)
                assert kind == ("BookingCreated" if i == 0 else "HoldQueued"), kind
                line.append(gid)
            for _ in range(20):  # warm-up of both paths, not measured
                await timed_cancel(http, (await hold(http, project, plain_room, queue=False))[1])
            with_line: list[float] = []
            plain: list[float] = []
            for n in range(rounds):
                with_line.append(await timed_cancel(http, line.popleft()))
                line.append((await hold(http, project, contested, queue=True))[1])
                plain.append(await timed_cancel(http, (await hold(http, project, plain_room, queue=False))[1]))
                if n % 25 == 0 or n == rounds - 1:
                    head = (await gql(http, RANK, {"id": line[0]}))["node"]
                    if head != {"rank": 1, "status": "HOLD"}:
                        raise RuntimeError(f"the next in line did not take the room: {head}")
    overlaps = await overlapping_pairs(raw_dsn(url))
    p50_line, p99_line = summary(with_line)
    p50_plain, p99_plain = summary(plain)
    print(f"rounds {rounds}, queued holds {queued} ({os.cpu_count()} cores, PostgreSQL)")
    print(f"cancelBooking of rank 1 with promotion: p50 {p50_line:.2f} ms, p99 {p99_line:.2f} ms")
    print(f"cancelBooking with nothing queued:      p50 {p50_plain:.2f} ms, p99 {p99_plain:.2f} ms")
    print(f"ratio of p50s {p50_line / p50_plain:.2f}x; mean {statistics.mean(with_line) * 1000:.2f} ms vs "
          f"{statistics.mean(plain) * 1000:.2f} ms; overlapping claim pairs {overlaps}")  # fmt: skip
    if overlaps:
        raise SystemExit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--queued", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(measure(args.rounds, args.queued))
