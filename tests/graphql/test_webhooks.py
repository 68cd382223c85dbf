"""Signed webhooks: managing them, refusing bad input, and delivering to a real HTTP receiver in seq
order, at least once, with retries that never hold up another webhook."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from db.models import Role
from db.repositories import webhooks as rows
from db.types import utcnow
from server.background.webhooks import Dispatcher
from server.services.errors import Invalid
from server.services.principal import Principal
from server.services.webhooks import signing
from server.services.webhooks.manage import MAX_WEBHOOKS, WebhookPolicy, WebhookService
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture

CREATE = """
mutation($input: CreateWebhookInput!) {
  createWebhook(input: $input) {
    __typename
    ... on WebhookCreated { secret webhook { id url events active } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}
"""
DELIVERIES = """
query($id: ID!) { webhookDeliveries(webhookId: $id, first: 200) {
  id event seq status attempts lastStatusCode nextAttemptAt lastResponse } }
"""


@pytest.fixture
def httpserver() -> Any:
    """A threaded receiver, so a hanging endpoint does not hold up the others on the same server."""
    server = HTTPServer(threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()


class Receiver:
    """A real HTTP receiver: records every request, answers per a script (status, or a delay)."""

    def __init__(self, server: HTTPServer, path: str, answer: Callable[[int], tuple[int, float]]) -> None:
        self.requests: list[tuple[dict[str, Any], str, bytes]] = []
        self.lock = threading.Lock()
        self.answer = answer
        self.url = server.url_for(path)
        server.expect_request(path, method="POST").respond_with_handler(self.handle)

    def handle(self, request: Request) -> Response:
        with self.lock:
            n = len(self.requests)
            self.requests.append((json.loads(request.data), request.headers.get(signing.HEADER, ""), request.data))
        status, delay = self.answer(n)
        if delay:
            time.sleep(delay)
        return Response("x" * 5000 if status >= 500 else "ok", status=status)

    def seqs(self) -> list[int]:
        with self.lock:
            return [body["seq"] for body, _, _ in self.requests]


async def hook(studio: StudioFixture, url: str, events: list[str] | None = None) -> dict[str, Any]:
    made = (await studio.data(CREATE, {"input": {"url": url, "events": events or ["*"]}}))["createWebhook"]
    assert made["__typename"] == "WebhookCreated", made
    return made


async def deliveries(studio: StudioFixture, webhook_id: str) -> list[dict[str, Any]]:
    return (await studio.data(DELIVERIES, {"id": webhook_id}))["webhookDeliveries"]


async def until(check: Callable[[], Any], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def book(cat: Any, day: int) -> str:
    made = await create(cat, start=at(day, 10), end=at(day, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    assert made["__typename"] == "BookingCreated", made
    return str(made["booking"]["id"])


def running(studio: StudioFixture) -> Dispatcher:
    dispatcher = Dispatcher(studio.runtime, is_leader=lambda: True, poll=0.1)
    dispatcher.start()
    return dispatcher


async def test_failing_twice_then_accepted_is_three_attempts_signed_and_sent_once(
    studio: StudioFixture, httpserver: HTTPServer
) -> None:
    receiver = Receiver(httpserver, "/flaky", lambda n: (500 if n < 2 else 200, 0))
    made = await hook(studio, receiver.url, ["booking.created"])
    cat = await build(studio)
    await book(cat, 1)

    dispatcher = running(studio)
    try:
        await until(lambda: _status(studio, made, "DELIVERED"))
        await asyncio.sleep(1.5)  # a few more passes: nothing is sent again
    finally:
        await dispatcher.stop()

    [delivery] = await deliveries(studio, made["webhook"]["id"])
    assert delivery["attempts"] == 3 and delivery["lastStatusCode"] == 200 and delivery["nextAttemptAt"] is None
    assert len(receiver.requests) == 3
    body, header, raw = receiver.requests[-1]
    assert body["type"] == "booking.created" and body["id"] == delivery["id"] and str(body["seq"]) == delivery["seq"]
    assert set(body) == {"id", "type", "seq", "occurredAt", "data"}
    assert signing.verify(made["secret"], header, raw, now=int(time.time()))
    assert not signing.verify(made["secret"], header, raw + b" ", now=int(time.time()))


async def _status(studio: StudioFixture, made: dict[str, Any], status: str) -> bool:
    found = await deliveries(studio, made["webhook"]["id"])
    return bool(found) and all(d["status"] == status for d in found)


async def test_a_dispatcher_stopped_mid_delivery_resumes_in_order(
    studio: StudioFixture, httpserver: HTTPServer
) -> None:
    receiver = Receiver(httpserver, "/slow", lambda n: (200, 0.2))
    made = await hook(studio, receiver.url)
    cat = await build(studio)
    for day in range(1, 9):
        await book(cat, day)
    expected = sorted(int(d["seq"]) for d in await deliveries(studio, made["webhook"]["id"]))

    first = running(studio)
    await until(lambda: _count(receiver, 3))
    await first.stop()  # cancelled while a request is in flight
    second = running(studio)
    try:
        await until(lambda: _status(studio, made, "DELIVERED"))
    finally:
        await second.stop()

    sent = receiver.seqs()
    assert set(sent) == set(expected), "every event delivered at least once"
    assert sent == sorted(sent), "in seq order per webhook (a resend repeats the last one only)"


async def _count(receiver: Receiver, n: int) -> bool:
    return len(receiver.requests) >= n


async def test_a_hanging_receiver_delays_only_its_own_webhook(studio: StudioFixture, httpserver: HTTPServer) -> None:
    hanging = Receiver(httpserver, "/hang", lambda n: (200, 3.0))
    healthy = Receiver(httpserver, "/fine", lambda n: (200, 0))
    await hook(studio, hanging.url)
    fast = await hook(studio, healthy.url)
    cat = await build(studio)
    for day in (1, 2, 3):
        await book(cat, day)

    dispatcher = running(studio)
    try:
        started = time.monotonic()
        await until(lambda: _status(studio, fast, "DELIVERED"), within=10)
        assert time.monotonic() - started < 2.5, "the healthy webhook did not wait for the hanging one"
        # The API answers meanwhile.
        await book(cat, 4)
    finally:
        await dispatcher.stop()


async def test_gone_disables_the_webhook(studio: StudioFixture, httpserver: HTTPServer) -> None:
    receiver = Receiver(httpserver, "/gone", lambda n: (410, 0))
    made = await hook(studio, receiver.url)
    cat = await build(studio)
    await book(cat, 1)
    await book(cat, 2)
    dispatcher = running(studio)
    try:
        await until(lambda: _any_failed(studio, made))
        await asyncio.sleep(0.5)
    finally:
        await dispatcher.stop()
    listed = (await studio.data("{ webhooks { id active } }"))["webhooks"]
    assert {"id": made["webhook"]["id"], "active": False} in listed
    assert len(receiver.requests) == 1
    found = await deliveries(studio, made["webhook"]["id"])
    assert sorted(d["status"] for d in found) == ["FAILED", "PENDING"]


async def _any_failed(studio: StudioFixture, made: dict[str, Any]) -> bool:
    return any(d["status"] == "FAILED" for d in await deliveries(studio, made["webhook"]["id"]))


async def test_redeliver_sends_it_again(studio: StudioFixture, httpserver: HTTPServer) -> None:
    receiver = Receiver(httpserver, "/again", lambda n: (200, 0))
    made = await hook(studio, receiver.url)
    cat = await build(studio)
    await book(cat, 1)
    dispatcher = running(studio)
    try:
        await until(lambda: _status(studio, made, "DELIVERED"))
        [delivery] = await deliveries(studio, made["webhook"]["id"])
        again = await studio.data(
            "mutation($id: ID!) { redeliverWebhook(deliveryId: $id) { __typename ... on WebhookRedelivered "
            "{ delivery { status } } } }",
            {"id": delivery["id"]},
        )
        assert again["redeliverWebhook"]["delivery"]["status"] == "PENDING"
        await until(lambda: _count(receiver, 2))
        await until(lambda: _status(studio, made, "DELIVERED"))
    finally:
        await dispatcher.stop()
    assert receiver.seqs() == [int(delivery["seq"])] * 2


async def test_bad_input_is_refused_and_nothing_is_created(studio: StudioFixture) -> None:
    cases = [
        ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
        ({"url": "https://example.com/" + "a" * 2000, "events": ["*"]}, "url"),
        ({"url": "https://example.com/x", "events": ["booking.exploded"]}, "events"),
        ({"url": "https://example.com/x", "events": []}, "events"),
    ]
    for payload, field in cases:
        answer = (await studio.data(CREATE, {"input": payload}))["createWebhook"]
        assert answer["__typename"] == "ValidationError" and answer["field"] == field, (payload, answer)
    for role in (Role.COORDINATOR, Role.PRODUCER, Role.CREW, Role.SCANNER, Role.DISPLAY):
        body = await studio.gql(CREATE, {"input": {"url": "https://example.com/x", "events": ["*"]}}, role=role)
        assert body["data"]["createWebhook"]["__typename"] == "ForbiddenError", role
    assert (await studio.data("{ webhooks { id } }"))["webhooks"] == []

    for i in range(MAX_WEBHOOKS):
        await hook(studio, f"https://example.com/{i}")
    over = (await studio.data(CREATE, {"input": {"url": "https://example.com/x", "events": ["*"]}}))["createWebhook"]
    assert over["__typename"] == "ValidationError"
    assert len((await studio.data("{ webhooks { id } }"))["webhooks"]) == MAX_WEBHOOKS


async def test_the_limit_holds_when_webhooks_are_created_at_once(studio: StudioFixture) -> None:
    for i in range(MAX_WEBHOOKS - 3):
        await hook(studio, f"https://example.com/{i}")
    answers = await asyncio.gather(
        *(
            studio.data(CREATE, {"input": {"url": f"https://example.com/at-once/{i}", "events": ["*"]}})
            for i in range(8)
        )
    )
    kinds = sorted(a["createWebhook"]["__typename"] for a in answers)
    assert kinds == ["ValidationError"] * 5 + ["WebhookCreated"] * 3
    assert all(a["createWebhook"]["field"] == "url" for a in answers if "field" in a["createWebhook"])
    assert len((await studio.data("{ webhooks { id } }"))["webhooks"]) == MAX_WEBHOOKS


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8080/x",
        "http://10.1.2.3/x",
        "http://192.168.0.1/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://metadata.google.internal/x",
        "http://0.0.0.0/x",
    ],
)
async def test_private_addresses_are_refused_without_the_flag(studio: StudioFixture, url: str) -> None:
    strict = WebhookService(
        studio.runtime.uow, WebhookPolicy("s" * 40, allow_private=False), studio.runtime.webhook_outbox
    )
    admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="Admin One")
    with pytest.raises(Invalid) as refused:
        await strict.create(admin, url, ["*"])
    assert refused.value.field == "url"


async def test_a_change_becomes_a_delivery_for_each_webhook_subscribed_to_its_type(studio: StudioFixture) -> None:
    cancelled = await hook(studio, "https://example.com/cancelled", ["booking.cancelled"])
    created = await hook(studio, "https://example.com/created", ["asset.returned", "booking.created"])
    everything = await hook(studio, "https://example.com/all", ["*"])
    cat = await build(studio)
    await book(cat, 1)
    found = {
        name: [(d["event"], d["status"], d["attempts"]) for d in await deliveries(studio, made["webhook"]["id"])]
        for name, made in (("cancelled", cancelled), ("created", created), ("all", everything))
    }
    assert found == {
        "cancelled": [],
        "created": [("booking.created", "PENDING", 0)],
        "all": [("booking.created", "PENDING", 0)],
    }


async def test_deleting_a_webhook_stops_its_deliveries(studio: StudioFixture) -> None:
    made = await hook(studio, "https://example.com/x")
    cat = await build(studio)
    await book(cat, 1)
    assert len(await deliveries(studio, made["webhook"]["id"])) == 1
    gone = await studio.data(
        "mutation($id: ID!) { deleteWebhook(id: $id) { __typename } }", {"id": made["webhook"]["id"]}
    )
    assert gone["deleteWebhook"]["__typename"] == "WebhookDeleted"
    body = await studio.gql(DELIVERIES, {"id": made["webhook"]["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_several_changes_in_one_transaction_each_reach_their_subscribers(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    """One INSERT … SELECT for all of a transaction's news: each goes to its own studio's webhooks
    subscribed to its type, with its own seq, type and data."""
    created = await hook(studio, "https://example.com/created", ["booking.created"])
    everything = await hook(studio, "https://example.com/all", ["*"])
    theirs = await hook(other_studio, "https://example.com/theirs", ["*"])
    now = utcnow()
    news = [
        rows.News(studio.id, "booking.created", 901, now, {"n": 1}, now + timedelta(days=1)),
        rows.News(studio.id, "booking.cancelled", 902, now, {"n": 2}, now + timedelta(days=1)),
        rows.News(other_studio.id, "booking.created", 903, now, {"n": 3}, now + timedelta(days=1)),
    ]

    async def work(tx: Any) -> int:
        return await rows.write_deliveries(tx.session, news, "*")

    assert await studio.runtime.uow.run(work, studio_id=studio.id) == 4
    seen = {
        "created": [(d["event"], d["seq"]) for d in await deliveries(studio, created["webhook"]["id"])],
        "all": [(d["event"], d["seq"]) for d in await deliveries(studio, everything["webhook"]["id"])],
        "theirs": [(d["event"], d["seq"]) for d in await deliveries(other_studio, theirs["webhook"]["id"])],
    }
    assert seen == {
        "created": [("booking.created", "901")],
        "all": [("booking.cancelled", "902"), ("booking.created", "901")],
        "theirs": [("booking.created", "903")],
    }
