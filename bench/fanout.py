"""Fan-out: one change to 1,000 websocket subscribers of one server process, against a minimal raw
Starlette websocket broadcast measured in the same run.

    .venv/bin/python -m bench.fanout [--subscribers 1000] [--rounds 8] [--server-tree PATH]

`--server-tree` serves Callsheet from another checkout (an older commit unpacked beside this one),
driven by this very load generator: before/after figures from one script.

The server under test runs alone on CPU 0 (one process, uvicorn, websockets-sansio, no per-message
deflate, SQLite and the in-process bus), this load generator on CPU 1. Each subscriber is a wall
display: `roomBoard` of one location over graphql-transport-ws.

Per round, two writes through the server's GraphQL endpoint (createBooking):
- a control write in a room of another location, which no subscriber watches: what the write
  itself costs the server;
- the change: a booking in a watched room; every subscriber receives a new board.
Latency is from sending the change's request to each subscriber's receipt of the new board.
Server CPU per delivered message is (change CPU - control CPU) / subscribers, from the server's
/proc schedstat (all its threads). Memory per idle subscriber is the server's RSS growth from no
subscribers to all of them subscribed and idle, divided by their number.

The raw peer: a Starlette app whose websocket endpoint keeps each socket in a set and whose POST
/broadcast sends the posted text to every socket, one after another. It is sent a message of the
same size as the board message; its clients only receive.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

SECRET = "bench-fanout-" + "x" * 32
BOARD = """subscription Board($loc: ID!) {
  roomBoard(locationId: $loc) {
    seq at location { name }
    rooms { room { id name } state until current { title start end } next { title start end } }
  }
}"""
CREATE = """mutation($input: CreateBookingInput!) { createBooking(input: $input) { __typename } }"""
SERVER_CPU, CLIENT_CPU = 0, 1
# With FANOUT_TRACE_MEMORY=path the server traces its heap (slower: figures of such a run are not
# comparable) and the growth per idle subscriber is printed by source file; with FANOUT_PROFILE=path
# the measured rounds run under cProfile, whose statistics the server writes there when it stops.
TRACE = os.environ.get("FANOUT_TRACE_MEMORY", "")
PROFILE = os.environ.get("FANOUT_PROFILE", "")
# With FANOUT_GC_LOG=path the server notes every garbage collection (its generation and pause) and
# the load generator prints those of each round with its latencies.
GC_LOG = os.environ.get("FANOUT_GC_LOG", "")


def profiling(pid: int, on: bool) -> None:
    if PROFILE:
        os.kill(pid, signal.SIGUSR1 if on else signal.SIGUSR2)


NEXT = re.compile(r'\{"id": ?"[^"]*", ?"type": ?"next"')


# The servers (run as subprocesses of this script)


def serve_raw(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route, WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    sockets: set[WebSocket] = set()

    async def endpoint(ws: WebSocket) -> None:
        await ws.accept()
        sockets.add(ws)
        try:
            while True:
                await ws.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            sockets.discard(ws)

    async def broadcast(request: Request) -> PlainTextResponse:
        text = (await request.body()).decode()
        for ws in list(sockets):
            await ws.send_text(text)
        return PlainTextResponse(str(len(sockets)))

    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(
        routes=[
            WebSocketRoute("/ws", endpoint),
            Route("/broadcast", broadcast, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
        backlog=4096,
    )


# Measuring a process


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of the process, from schedstat (nanoseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1e9


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


HERE = Path(__file__).resolve().parent.parent
# Callsheet's server as the tree at hand runs it (the same settings in every tree since the bench exists).
SERVE_CALLSHEET = """
import os, signal, sys, tracemalloc, uvicorn
from server.app import create_app
from server.config import Settings
port, database_url, redis_url, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3] or None, sys.argv[4]
trace = os.environ.get("FANOUT_TRACE_MEMORY")
if trace:  # SIGUSR1: remember the heap; SIGUSR2: write what grew since, by file
    tracemalloc.start(1)
    marks = []
    signal.signal(signal.SIGUSR1, lambda *_: marks.append(tracemalloc.take_snapshot()))
    def grown(*_):
        diffs = tracemalloc.take_snapshot().compare_to(marks[-1], "filename")
        with open(trace, "w") as out:
            out.writelines(f"{d.size_diff} {d.traceback[0].filename}\\n" for d in diffs if d.size_diff > 0)
    signal.signal(signal.SIGUSR2, grown)
settings = Settings(database_url=database_url, secret=secret, mode="production", redis_url=redis_url)
gc_log = os.environ.get("FANOUT_GC_LOG")
if gc_log:  # note each collection (generation, pause), appended to gc_log as it ends
    import gc, time
    gc_state = {"t": 0.0}
    def noted(phase, info):
        if phase == "start":
            gc_state["t"] = time.perf_counter()
        else:
            pause = (time.perf_counter() - gc_state["t"]) * 1000
            with open(gc_log, "a") as out:
                out.write(f"{time.time():.4f} {info['generation']} {pause:.2f}\\n")
    gc.callbacks.append(noted)
profile = os.environ.get("FANOUT_PROFILE")
if profile:  # under cProfile between SIGUSR1 and SIGUSR2 (the measured part), written out at shutdown
    import cProfile
    profiler = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
    signal.signal(signal.SIGUSR2, lambda *_: profiler.disable())
    # uvicorn re-raises the SIGTERM it handled once it has shut down: end with an exit, not a kill.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, ws="websockets-sansio",
                ws_per_message_deflate=False, log_level="warning", backlog=8192)
finally:
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
"""


def start(
    kind: str, port: int, database_url: str = "", tree: Path = HERE, redis_url: str = ""
) -> subprocess.Popen[bytes]:
    if kind == "callsheet":
        args = [sys.executable, "-c", SERVE_CALLSHEET, str(port), database_url, redis_url, SECRET]
    else:
        args = [sys.executable, "-m", "bench.fanout", "--serve", kind, "--port", str(port)]
    process = subprocess.Popen(args, cwd=tree if kind == "callsheet" else HERE)
    os.sched_setaffinity(process.pid, {SERVER_CPU})
    deadline = time.monotonic() + (120 if TRACE else 30)  # tracing makes start-up slow
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{kind} server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# The studio


@dataclass
class Studio:
    database_url: str
    location: str = ""
    watched_room: str = ""
    other_room: str = ""
    project: str = ""
    display: str = ""
    coordinator: str = ""


async def setup(database_url: str) -> Studio:
    from db.migrate import upgrade
    from db.models import ResourceKind, Role
    from server.config import Settings
    from server.runtime import Runtime
    from server.schema.ids import to_global_id
    from server.services import auth, projects, resources, studios
    from server.services.principal import Principal
    from server.services.resources import ResourceFields
    from server.services.uow import Tx

    await asyncio.to_thread(upgrade, database_url)
    runtime = await Runtime.open(Settings(database_url=database_url, secret=SECRET))
    out = Studio(database_url)

    async def work(tx: Tx) -> None:
        studio, _ = await studios.ensure_studio(tx, "Fanout", "Europe/London", "GBP")
        tx.studio_id = studio.id
        main = await studios.ensure_location(tx, studio.id, "Main floor")
        post = await studios.ensure_location(tx, studio.id, "Post")
        admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="bench")
        rooms = []
        for i, name in enumerate(["Studio A", "Studio B", "Studio C", "Studio D", "Vocal Booth 1", "Vocal Booth 2"]):
            fields = ResourceFields(name=name, category="room", location_id=main.id, setup_minutes=15 * (i % 2))
            rooms.append(await resources.create_resource(tx, admin, ResourceKind.ROOM, fields))
        edit = await resources.create_resource(
            tx, admin, ResourceKind.ROOM, ResourceFields(name="Edit 1", category="edit bay", location_id=post.id)
        )
        project = await projects.create_project(tx, admin, "Fanout show", None, None, None)
        out.location = to_global_id("Location", main.id)
        out.watched_room = to_global_id("Resource", rooms[0].id)
        out.other_room = to_global_id("Resource", edit.id)
        out.project = to_global_id("Project", project.id)
        display = await auth.create_token(
            tx, SECRET, studio_id=studio.id, role=Role.DISPLAY, name="Wall", location_id=main.id
        )
        coordinator = await auth.create_token(tx, SECRET, studio_id=studio.id, role=Role.COORDINATOR, name="Bench")
        out.display, out.coordinator = display.token, coordinator.token

    await runtime.uow.run(work, studio_id=None)
    await runtime.close()
    return out


# Subscribers


class Subscriber(asyncio.Protocol):
    """One subscriber's socket: a minimal websocket client (RFC 6455 text, close, ping frames).

    A full client costs more per received message than the server spends sending it, so with
    thousands of sockets on one core the load generator would be what is measured. This one
    timestamps each chunk as it arrives, recognises a `next` message by its opening and decodes
    only the others (acks, pings).
    """

    def __init__(self, graphql: bool) -> None:
        self.graphql = graphql
        self.received: list[tuple[float, str]] = []
        self.arrived = asyncio.Event()
        self.acked = asyncio.Event()
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._handshaken = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.opened, self.closed):
            if not future.done():
                future.set_result(None)

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        buffer = self._buffer
        buffer += data
        if not self._handshaken:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(bytes(buffer[:end]).decode(errors="replace"))
            del buffer[: end + 4]
            self._handshaken = True
            self.opened.set_result(None)
        while len(buffer) >= 2:
            size, offset = buffer[1] & 0x7F, 2
            if size == 126:
                size, offset = int.from_bytes(buffer[2:4], "big"), 4
            elif size == 127:
                size, offset = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < offset + size:
                return
            opcode = buffer[0] & 0x0F
            payload = bytes(buffer[offset : offset + size])
            del buffer[: offset + size]
            if opcode == 0x1:
                self._text(at, payload.decode())
            elif opcode == 0x8:
                self._frame(0x8, payload[:2])
                if self.transport is not None:
                    self.transport.close()
            elif opcode == 0x9:
                self._frame(0xA, payload)

    def _text(self, at: float, text: str) -> None:
        if self.graphql and not NEXT.match(text):
            kind = json.loads(text).get("type")
            if kind == "ping":
                self.send('{"type":"pong"}')
            elif kind == "connection_ack":
                self.acked.set()
            return
        self.received.append((at, text))
        self.arrived.set()

    def _frame(self, opcode: int, data: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        size = len(data)
        head = (
            bytes((0x80 | opcode, 0x80 | size))
            if size < 126
            else bytes((0x80 | opcode, 0xFE)) + size.to_bytes(2, "big")
        )
        self.transport.write(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def send(self, text: str) -> None:
        self._frame(0x1, text.encode())

    async def close(self) -> None:
        self._frame(0x8, (1000).to_bytes(2, "big"))
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), 5)
        except TimeoutError:
            if self.transport is not None:
                self.transport.close()


async def connect_subscriber(url: str, graphql: bool) -> Subscriber:
    host_port, _, path = url.removeprefix("ws://").partition("/")
    host, _, port = host_port.partition(":")
    loop = asyncio.get_running_loop()
    _, sub = await loop.create_connection(lambda: Subscriber(graphql), host, int(port))
    key = base64.b64encode(os.urandom(16)).decode()
    protocol = "Sec-WebSocket-Protocol: graphql-transport-ws\r\n" if graphql else ""
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{protocol}\r\n"
    )
    assert sub.transport is not None
    sub.transport.write(request.encode())
    await asyncio.wait_for(sub.opened, 60)
    return sub


async def open_subscribers(
    url: str, n: int, studio: Studio | None, query: str = BOARD, first_messages: int = 1
) -> list[Subscriber]:
    """n connections; for Callsheet each is initialised (with the `display` token) and subscribed
    (to `query` for the studio's location) and has its first messages."""
    semaphore = asyncio.Semaphore(50)

    async def one() -> Subscriber:
        async with semaphore:
            sub = await connect_subscriber(url, graphql=studio is not None)
            if studio:
                init = {"type": "connection_init", "payload": {"authorization": f"Bearer {studio.display}"}}
                sub.send(json.dumps(init))
                await asyncio.wait_for(sub.acked.wait(), 60)
                payload = {"query": query, "variables": {"loc": studio.location}}
                sub.send(json.dumps({"id": "board", "type": "subscribe", "payload": payload}))
            deadline = time.perf_counter() + 60
            while studio and len(sub.received) < first_messages:
                sub.arrived.clear()
                await asyncio.wait_for(sub.arrived.wait(), max(0.0, deadline - time.perf_counter()))
            return sub

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def close_subscribers(subs: list[Subscriber]) -> None:
    """Close every connection with a close handshake: a clean end, no stray exceptions."""
    await asyncio.gather(*(s.close() for s in subs), return_exceptions=True)


async def wait_all(subs: list[Subscriber], since: float, within: float = 30.0) -> list[float]:
    """Receipt times of the first message after `since` at every subscriber."""
    deadline = time.perf_counter() + within
    times = []
    for sub in subs:
        while True:
            after = [t for t, _ in sub.received if t > since]
            if after:
                times.append(after[0])
                break
            sub.arrived.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("a subscriber got nothing")
            try:
                await asyncio.wait_for(sub.arrived.wait(), left)
            except TimeoutError:
                raise TimeoutError("a subscriber got nothing") from None
    return times


# The runs


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    cpu_per_message: list[float] = field(default_factory=list)
    rss_per_subscriber: float = 0.0
    message_bytes: int = 0
    trigger: list[float] = field(default_factory=list)  # the triggering request's own response time
    rounds: list[tuple[float, list[float]]] = field(default_factory=list)  # (wall clock sent, latencies)
    subscribe_cpu: float = 0.0  # server CPU from no subscriber to all of them subscribed and idle


def booking_input(studio: Studio, room: str, start: datetime, title: str) -> dict[str, Any]:
    return {
        "input": {
            "projectId": studio.project,
            "title": title,
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=30)).isoformat(),
            "status": "CONFIRMED",
            "allocations": [{"resourceId": room}],
        }
    }


async def run_callsheet(n: int, rounds: int, tree: Path) -> tuple[Result, int]:
    tmp = tempfile.mkdtemp(prefix="callsheet-fanout-")
    studio = await setup(f"sqlite+aiosqlite:///{tmp}/fanout.db")
    port = free_port()
    server = start("callsheet", port, studio.database_url, tree)
    result = Result("Callsheet roomBoard (graphql-transport-ws)")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            headers = {"Authorization": f"Bearer {studio.coordinator}"}

            async def book(room: str, start: datetime, title: str) -> None:
                body = {"query": CREATE, "variables": booking_input(studio, room, start, title)}
                response = await http.post("/graphql", json=body, headers=headers)
                assert response.json()["data"]["createBooking"]["__typename"] == "BookingCreated", response.text

            # Warm up the write path once.
            base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
            await book(studio.other_room, base - timedelta(days=1), "warm-up")
            await asyncio.sleep(1.0)
            rss_before = rss_bytes(server.pid)
            if TRACE:
                os.kill(server.pid, signal.SIGUSR1)
                await asyncio.sleep(2.0)
            cpu0 = cpu_seconds(server.pid)
            subs = await open_subscribers(f"ws://127.0.0.1:{port}/graphql", n, studio)
            await asyncio.sleep(3.0)
            result.subscribe_cpu = cpu_seconds(server.pid) - cpu0
            rss_after = rss_bytes(server.pid)
            result.rss_per_subscriber = (rss_after - rss_before) / n
            if TRACE:
                await heap_growth(server.pid, n)
            profiling(server.pid, True)
            for r in range(rounds):
                # Control: a write no subscriber watches.
                await asyncio.sleep(0.5)
                cpu0 = cpu_seconds(server.pid)
                await book(studio.other_room, base + timedelta(hours=r), f"control {r}")
                await asyncio.sleep(0.3)
                control = cpu_seconds(server.pid) - cpu0
                # The change: the next session of a watched room moves earlier every round.
                await asyncio.sleep(0.5)
                cpu0 = cpu_seconds(server.pid)
                wall, sent = time.time(), time.perf_counter()
                await book(studio.watched_room, base - timedelta(hours=r + 1), f"change {r}")
                result.trigger.append(time.perf_counter() - sent)
                times = await wait_all(subs, sent)
                await asyncio.sleep(0.3)
                change = cpu_seconds(server.pid) - cpu0
                result.latencies.extend(t - sent for t in times)
                result.rounds.append((wall, [t - sent for t in times]))
                result.cpu_per_message.append(max(0.0, change - control) / n)
            profiling(server.pid, False)
            result.message_bytes = len(subs[0].received[-1][1])
            await close_subscribers(subs)
    finally:
        stop(server)
    return result, result.message_bytes


async def run_raw(n: int, rounds: int, size: int) -> Result:
    port = free_port()
    server = start("raw", port)
    result = Result("raw Starlette broadcast")
    text = json.dumps({"id": "board", "type": "next", "payload": {"data": "x" * max(0, size - 60)}})
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            await http.post("/broadcast", content="warm-up")
            await asyncio.sleep(1.0)
            rss_before = rss_bytes(server.pid)
            cpu0 = cpu_seconds(server.pid)
            subs = await open_subscribers(f"ws://127.0.0.1:{port}/ws", n, None)
            await asyncio.sleep(3.0)
            result.subscribe_cpu = cpu_seconds(server.pid) - cpu0
            rss_after = rss_bytes(server.pid)
            result.rss_per_subscriber = (rss_after - rss_before) / n
            for _ in range(rounds):
                await asyncio.sleep(0.5)
                cpu0 = cpu_seconds(server.pid)
                await http.post("/healthz")  # a control request of the same kind (HTTP) as the trigger
                await asyncio.sleep(0.3)
                control = cpu_seconds(server.pid) - cpu0
                await asyncio.sleep(0.5)
                cpu0 = cpu_seconds(server.pid)
                wall, sent = time.time(), time.perf_counter()
                await http.post("/broadcast", content=text)
                result.trigger.append(time.perf_counter() - sent)
                times = await wait_all(subs, sent)
                await asyncio.sleep(0.3)
                change = cpu_seconds(server.pid) - cpu0
                result.latencies.extend(t - sent for t in times)
                result.rounds.append((wall, [t - sent for t in times]))
                result.cpu_per_message.append(max(0.0, change - control) / n)
            result.message_bytes = len(text)
            await close_subscribers(subs)
    finally:
        stop(server)
    return result


async def heap_growth(pid: int, n: int) -> None:
    """Have the server write its heap growth since SIGUSR1, then print it."""
    trace = Path(TRACE)
    trace.unlink(missing_ok=True)  # noqa: ASYNC240 (a bench's local file)
    os.kill(pid, signal.SIGUSR2)
    for _ in range(120):  # a snapshot of a large heap takes a while
        await asyncio.sleep(0.5)
        if trace.exists():  # noqa: ASYNC240
            break
    await asyncio.sleep(1.0)
    print_heap_growth(trace, n)


def print_heap_growth(path: Path, n: int) -> None:
    """Where the Python heap grew per idle subscriber (tracemalloc, by source file), largest first."""
    rows = [line.split(" ", 1) for line in path.read_text().splitlines()]
    total = sum(int(size) for size, _ in rows)
    print(f"\nPython heap growth per idle subscriber: {total / n / 1024:.1f} KiB; by file:")
    for size, name in rows[:15]:
        parts = Path(name).parts
        short = "/".join(parts[parts.index("site-packages") + 1 :] if "site-packages" in parts else parts[-3:])
        print(f"  {int(size) / n / 1024:5.1f} KiB  {short}")


def gc_pauses() -> list[tuple[float, int, float]]:
    """The server's collections during the measured rounds (FANOUT_GC_LOG): (wall clock, generation, ms)."""
    if not GC_LOG or not Path(GC_LOG).exists():
        return []
    rows = [line.split() for line in Path(GC_LOG).read_text().splitlines()]
    return [(float(at), int(gen), float(ms)) for at, gen, ms in rows]


def raise_file_limit(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * n + 256)), hard))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(results: list[Result], n: int, rounds: int) -> None:
    print(f"\n{n} subscribers, {rounds} changes each\n")
    print("| server | p50 | p99 | max | server CPU / delivered message | RSS / idle subscriber | message |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {pct(r.latencies, 0.5) * 1000:.1f} ms | {pct(r.latencies, 0.99) * 1000:.1f} ms "
            f"| {max(r.latencies) * 1000:.1f} ms | {statistics.median(r.cpu_per_message) * 1e6:.0f} µs "
            f"| {r.rss_per_subscriber / 1024:.1f} KiB | {r.message_bytes} B |"
        )
    for r in results:
        print(f"{r.name}: the triggering request answered in {statistics.median(r.trigger) * 1000:.1f} ms (median)")
    for r in results:
        print(f"{r.name}: server CPU to open and subscribe every socket {r.subscribe_cpu:.2f} s")
    print("\nPer round: first, p50, p99, last receipt (ms)")
    collections = gc_pauses()
    for r in results:
        for i, (wall, times) in enumerate(r.rounds):
            line = f"  {r.name[:9]} {i}: {min(times) * 1000:6.1f} {pct(times, 0.5) * 1000:6.1f} "
            line += f"{pct(times, 0.99) * 1000:6.1f} {max(times) * 1000:6.1f}"
            if r is results[0] and GC_LOG:
                during = [(gen, ms) for at, gen, ms in collections if wall <= at <= wall + max(times)]
                line += "  collections: " + (", ".join(f"gen {g} {ms:.1f} ms" for g, ms in during) or "none")
            print(line)
    ours, raw = results
    print(
        f"\nratios (Callsheet / raw): p99 {pct(ours.latencies, 0.99) / pct(raw.latencies, 0.99):.2f}x, "
        f"CPU per message {statistics.median(ours.cpu_per_message) / statistics.median(raw.cpu_per_message):.2f}x, "
        f"RSS per subscriber {ours.rss_per_subscriber / raw.rss_per_subscriber:.2f}x"
    )


async def main(n: int, rounds: int, tree: Path) -> None:
    raise_file_limit(n)
    os.sched_setaffinity(0, {CLIENT_CPU})
    print(f"Callsheet served from {tree}")
    if GC_LOG:
        Path(GC_LOG).unlink(missing_ok=True)  # noqa: ASYNC240 (a bench's local file)
    ours, size = await run_callsheet(n, rounds, tree)
    raw = await run_raw(n, rounds, size)
    report([ours, raw], n, rounds)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--server-tree", type=Path, default=HERE, help="serve Callsheet from this checkout")
    parser.add_argument("--serve", choices=["raw"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "raw":
        serve_raw(args.port)
    else:
        asyncio.run(main(args.subscribers, args.rounds, args.server_tree.resolve()))
