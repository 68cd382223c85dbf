"""Scan to screen: a barcode written to a pseudo-terminal, through the scanner agent (its own process)
and the server (`callsheet serve`, its own process), to 50 `assetStatusChanged` subscribers.

    .venv/bin/python -m bench.scan_to_screen --scans 300 --rate 10 --subscribers 50 [--postgres]

Each scan is a check-out of a different item (booked now, so the server finds its booking), fed
at `--rate` scans a second by a simulated barcode scanner. The clock starts when the line has been
written to the pty master and stops when a subscriber receives the item's change; every (scan,
subscriber) pair is one sample. The agent runs with a 0.1 s debounce and its default idle flush
(lines end with CR LF, so the flush never delays them). Target: p50 <= 50 ms, p99 <= 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

from bench.alloc_setup import SECRET, fresh_pg, server
from db.migrate import upgrade
from db.models import BookingStatus, ResourceKind, Role
from devices.scanner_agent.simulator import Simulator
from server.config import Settings
from server.runtime import Runtime
from server.schema.ids import to_global_id
from server.services import auth, projects, resources, studios
from server.services.allocation.commands import AllocationRequest, CreateBooking
from server.services.principal import Principal
from server.services.resources import ResourceFields

SUBSCRIPTION = """
subscription($loc: ID) { assetStatusChanged(locationId: $loc) { seq snapshot custody asset { code } } }
"""


class TimedSimulator(Simulator):
    """The barcode simulator, noting when each line has been written to the pty."""

    def __init__(self) -> None:
        super().__init__("barcode")
        self.written: dict[str, float] = {}

    def _write(self, data: bytes) -> None:
        super()._write(data)
        self.written[data.decode().strip()] = time.perf_counter()


async def setup(url: str, items: int) -> dict[str, Any]:
    """A studio with a cage of `items` items, one booking holding them all now, and two tokens."""
    runtime = await Runtime.open(Settings(database_url=url, secret=SECRET))
    try:

        async def work(tx):  # type: ignore[no-untyped-def]
            studio, _ = await studios.ensure_studio(tx, "Bench studio", "Europe/London", "GBP")
            tx.studio_id = studio.id
            cage = await studios.ensure_location(tx, studio.id, "Cage")
            admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="bench")
            ids = []
            for i in range(items):
                fields = ResourceFields(
                    name=f"Item {i:04d}", category="bench", code=f"BENCH-{i:04d}", location_id=cage.id
                )
                ids.append((await resources.create_resource(tx, admin, ResourceKind.EQUIPMENT, fields)).id)
            project = await projects.create_project(tx, admin, "Bench project", None, None, None)
            scanner = await auth.create_token(
                tx, SECRET, studio_id=studio.id, role=Role.SCANNER, name="Bench scanner", location_id=cage.id
            )
            viewer = await auth.create_token(tx, SECRET, studio_id=studio.id, role=Role.COORDINATOR, name="Screens")
            return studio.id, cage.id, ids, project.id, scanner.token, viewer.token

        studio_id, cage_id, ids, project_id, scanner, viewer = await runtime.uow.run(work, studio_id=None)
        admin = Principal(token_id=None, studio_id=studio_id, role=Role.ADMIN, name="bench")
        now = datetime.now(UTC)
        # Bookings of at most 100 items each; the agent checks out without a pick list, so the server
        # finds the booking that holds each item now.
        for first in range(0, len(ids), 100):
            await runtime.allocation.create_booking(
                admin,
                CreateBooking(
                    project_id=project_id,
                    title=f"Bench shoot {first // 100 + 1}",
                    start=now - timedelta(hours=1),
                    end=now + timedelta(hours=6),
                    status=BookingStatus.CONFIRMED,
                    allocations=tuple(AllocationRequest(resource_id=i) for i in ids[first : first + 100]),
                ),
            )
        return {
            "cage": to_global_id("Location", cage_id),
            "scanner": scanner,
            "viewer": viewer,
        }
    finally:
        await runtime.close()


async def subscriber(
    ws_url: str, token: str, location: str, received: dict[str, list[float]], ready: asyncio.Event, n_ready: list[int]
) -> None:
    async with connect(ws_url, subprotocols=["graphql-transport-ws"], max_size=2**24) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": SUBSCRIPTION, "variables": {"loc": location}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        counted = False
        async for raw in ws:
            message = json.loads(raw)
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
                continue
            if message.get("type") != "next":
                continue
            event = message["payload"]["data"]["assetStatusChanged"]
            if event["snapshot"]:
                if not counted:
                    counted = True
                    n_ready[0] += 1
                    if n_ready[0] == n_ready[1]:
                        ready.set()
                continue
            if event["custody"] == "CHECKED_OUT":
                received.setdefault(event["asset"]["code"], []).append(time.perf_counter())


def start_agent(tmp: Path, port: str, base: str, token: str) -> subprocess.Popen[bytes]:
    args = [
        sys.executable,
        "-m",
        "devices.scanner_agent",
        "scanner",
        "run",
        "--port",
        port,
        "--server",
        f"{base}/graphql",
        "--token",
        token,
        "--outbox",
        str(tmp / "outbox.db"),
        "--mode",
        "CHECKOUT",
        "--debounce",
        "0.1",
    ]
    log = (tmp / "agent.log").open("wb")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def outbox_states(outbox: Path) -> dict[str, int]:
    with closing(sqlite3.connect(outbox, timeout=5)) as db:
        return dict(db.execute("SELECT state, COUNT(*) FROM scans GROUP BY state").fetchall())


def rejections(outbox: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(outbox, timeout=5)) as db:
        return list(db.execute("SELECT code, last_error FROM scans WHERE state != 'applied' ORDER BY id").fetchall())


def applied(outbox: Path) -> int:
    with closing(sqlite3.connect(outbox, timeout=5)) as db:
        try:
            return int(db.execute("SELECT COUNT(*) FROM scans WHERE state = 'applied'").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


async def until(check: Callable[[], bool], seconds: float, every: float = 0.05) -> None:
    """Wait until `check()` holds or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while True:
        if check() or time.monotonic() > deadline:
            return
        await asyncio.sleep(every)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(scans: int, rate: float, subscribers: int, warmup: int, postgres: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="callsheet-bench-cage-"))
    if postgres:
        url = await fresh_pg("callsheet_bench_cage")
    else:
        url = f"sqlite+aiosqlite:///{tmp / 'callsheet.db'}"
        await asyncio.to_thread(upgrade, url)
    world = await setup(url, scans + warmup)
    with server(url) as base:
        sim = TimedSimulator()
        port = sim.start()
        agent = start_agent(tmp, port, base, world["scanner"])
        received: dict[str, list[float]] = {}
        ready = asyncio.Event()
        counter = [0, subscribers]
        ws_url = base.replace("http://", "ws://") + "/graphql"
        tasks = [
            asyncio.create_task(subscriber(ws_url, world["viewer"], world["cage"], received, ready, counter))
            for _ in range(subscribers)
        ]
        try:
            await asyncio.wait_for(ready.wait(), 60)
            await until(lambda: sim.connected, 30)
            await asyncio.sleep(0.5)
            codes = [f"BENCH-{i:04d}" for i in range(scans + warmup)]
            started = time.perf_counter()
            for n, code in enumerate(codes):
                await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
                sim.send_line(code)
            await until(
                lambda: (
                    applied(tmp / "outbox.db") >= len(codes)
                    and all(len(received.get(c, [])) >= subscribers for c in codes)
                ),
                30,
            )
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            agent.send_signal(signal.SIGTERM)
            agent.wait(10)
            sim.close()
    measured = codes[warmup:]
    samples = [t - sim.written[c] for c in measured if c in sim.written for t in received.get(c, [])]
    worst = [max(received[c]) - sim.written[c] for c in measured if c in received and c in sim.written]
    expected = len(measured) * subscribers
    print(f"database: {'PostgreSQL' if postgres else 'SQLite'}; {scans} scans at {rate}/s, {subscribers} subscribers")
    print(f"outbox: {outbox_states(tmp / 'outbox.db')} of {len(codes)} scans (warm-up {warmup} not measured)")
    for code, error in rejections(tmp / "outbox.db"):
        print(f"  not applied: {code}: {error}")
    missing = [c for c in codes if c not in sim.written]
    if missing:
        print(f"  never written to the pty: {missing}")
    print(f"deliveries: {len(samples)} of {expected}")
    print(
        f"scan to screen, every delivery: p50 {statistics.median(samples) * 1000:.1f} ms, "
        f"p99 {percentile(samples, 0.99) * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
    )
    print(
        f"scan to the last of {subscribers} screens: p50 {statistics.median(worst) * 1000:.1f} ms, "
        f"p99 {percentile(worst, 0.99) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="scans per second")
    parser.add_argument("--subscribers", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10, help="scans sent first and left out of the figures")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (BENCH_PG_ADMIN) instead of SQLite")
    args = parser.parse_args()
    asyncio.run(run(args.scans, args.rate, args.subscribers, args.warmup, args.postgres))


if __name__ == "__main__":
    main()
