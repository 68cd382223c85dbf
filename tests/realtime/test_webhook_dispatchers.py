"""Webhooks sent by real `callsheet serve` processes: with two instances on one database, each event
is delivered by one dispatcher only, in seq order; a process killed mid-delivery leaves nothing
undelivered (the next one sends again what was in flight) and the order per webhook holds."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from db.models import Role
from server.cli import DISPATCH_NICENESS
from server.config import Settings
from server.services.webhooks import signing
from tests.alloc_support import CREATE, at, booking_input, build
from tests.conftest import StudioFixture
from tests.realtime.serving import Instance, start_serving, start_several

SERVE_ENV = {"CALLSHEET_WEBHOOK_ALLOW_PRIVATE": "1", "CALLSHEET_WEBHOOK_RETRY_SECONDS": "1"}
CREATE_HOOK = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { __typename
  ... on WebhookCreated { secret webhook { id } } } }"""


@pytest.fixture
def receiver_server() -> Any:
    server = HTTPServer(threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


class Receiver:
    """Counts what arrives at one path: (delivery id, seq) in arrival order, each signature checked."""

    def __init__(self, server: HTTPServer, path: str, secret: str, delay: float = 0.0) -> None:
        self.secret = secret
        self.delay = delay
        self.arrived: list[tuple[str, int]] = []
        self.unsigned = 0
        self.lock = threading.Lock()
        server.expect_request(path, method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        body = json.loads(request.data)
        signed = signing.verify(self.secret, request.headers.get(signing.HEADER, ""), request.data, int(time.time()))
        with self.lock:
            self.arrived.append((body["id"], body["seq"]))
            self.unsigned += not signed
        if self.delay:
            time.sleep(self.delay)
        return Response("ok", status=200)

    def distinct(self) -> int:
        with self.lock:
            return len({i for i, _ in self.arrived})

    def first_arrivals(self) -> list[int]:
        """Seqs in the order each delivery first arrived."""
        seen: dict[str, int] = {}
        with self.lock:
            for delivery, seq in self.arrived:
                seen.setdefault(delivery, seq)
        return list(seen.values())


async def receivers(studio: StudioFixture, server: HTTPServer, count: int, delay: float = 0.0) -> list[Receiver]:
    made = []
    for n in range(count):
        path = f"/hook/{n}"
        result = await studio.data(CREATE_HOOK, {"input": {"url": server.url_for(path), "events": ["booking.created"]}})
        created = result["createWebhook"]
        assert created["__typename"] == "WebhookCreated", created
        made.append(Receiver(server, path, created["secret"], delay))
    return made


async def book_through(instances: list[Instance], studio: StudioFixture, count: int, parallel: int = 1) -> None:
    """`count` bookings, alternating between the instances, `parallel` at a time (disjoint windows:
    all are created; concurrent transactions may commit out of seq order)."""
    cat = await build(studio)
    headers = {"Authorization": f"Bearer {studio.tokens[Role.COORDINATOR]}"}
    pending = iter(range(count))

    async def client(http: httpx.AsyncClient) -> None:
        for i in pending:
            instance = instances[i % len(instances)]
            window = booking_input(
                cat, at(1 + i, 9), at(1 + i, 10), [{"resourceId": cat.gid("Studio A")}], status="CONFIRMED"
            )
            response = await http.post(
                f"http://{instance.address}/graphql", json={"query": CREATE, "variables": {"input": window}}
            )
            assert response.json()["data"]["createBooking"]["__typename"] == "BookingCreated", response.text

    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(parallel)))


async def until(check: Callable[[], bool], within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


@pytest.fixture
async def two_instances(settings: Settings, runtime: Any) -> AsyncIterator[list[Instance]]:
    a, b = await start_several(settings, 2, SERVE_ENV)
    try:
        yield [a, b]
    finally:
        await asyncio.gather(a.stop(), b.stop())


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_instances_deliver_each_event_once_in_seq_order(
    studio: StudioFixture, receiver_server: HTTPServer, two_instances: list[Instance]
) -> None:
    hooks = await receivers(studio, receiver_server, 3)
    await book_through(two_instances, studio, 60, parallel=6)

    await until(lambda: all(r.distinct() == 60 for r in hooks), within=60)
    await asyncio.sleep(2.0)  # a second dispatcher's copy, if any, would arrive now

    for r in hooks:
        assert [n for n in Counter(i for i, _ in r.arrived).values() if n > 1] == []
        assert [seq for _, seq in r.arrived] == sorted(seq for _, seq in r.arrived)
        assert r.unsigned == 0


async def test_a_process_killed_mid_delivery_is_followed_by_one_that_delivers_the_rest_in_order(
    settings: Settings, runtime: Any, studio: StudioFixture, receiver_server: HTTPServer
) -> None:
    hooks = await receivers(studio, receiver_server, 2, delay=0.3)
    first = await start_serving(settings, SERVE_ENV)
    try:
        await book_through([first], studio, 12)
        await until(lambda: all(r.distinct() >= 3 for r in hooks), within=30)
        first.process.send_signal(signal.SIGKILL)  # with a delivery of each webhook in flight
        await first.stop()
    finally:
        await first.stop()
    before_kill = [len(r.arrived) for r in hooks]
    assert all(n < 12 for n in before_kill)

    second = await start_serving(settings, SERVE_ENV)
    try:
        await until(lambda: all(r.distinct() == 12 for r in hooks), within=60)
    finally:
        await second.stop()

    for r, count in zip(hooks, before_kill, strict=True):
        seqs = r.first_arrivals()
        assert len(seqs) == 12 and seqs == sorted(seqs)
        # At most the delivery in flight at the kill came twice: the last to arrive before it.
        ids = [delivery for delivery, _ in r.arrived]
        repeated = [delivery for delivery, n in Counter(ids).items() if n > 1]
        assert repeated in ([], [ids[count - 1]])
        assert r.unsigned == 0


def _children(pid: int) -> list[tuple[int, str]]:
    """The processes whose parent is `pid`, with their command lines (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The parent pid is the second field after the parenthesised command name.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
async def test_serve_sends_webhooks_from_a_child_process_at_a_lower_cpu_priority(
    settings: Settings, runtime: Any
) -> None:
    instance = await start_serving(settings)
    try:
        serve_pid = instance.process.pid
        dispatchers: list[int] = []
        for _ in range(100):
            dispatchers = [pid for pid, cmd in _children(serve_pid) if " dispatch " in f"{cmd} "]
            if dispatchers and os.getpriority(os.PRIO_PROCESS, dispatchers[0]) > os.getpriority(
                os.PRIO_PROCESS, serve_pid
            ):
                break
            await asyncio.sleep(0.1)
        assert len(dispatchers) == 1
        assert os.getpriority(os.PRIO_PROCESS, dispatchers[0]) == min(
            19, os.getpriority(os.PRIO_PROCESS, serve_pid) + DISPATCH_NICENESS
        )
    finally:
        await instance.stop()
