"""`/metrics` (who may read it, what it counts, bounded labels) and the JSON log of a realistic
session, grepped for every secret the session created."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from db.models import Role
from server.app import create_app
from server.telemetry.logs import JsonFormatter, redact
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture

METRICS_TOKEN = "scrape-" + "m" * 24
CREATE_FEED = """mutation($input: CreateCalendarFeedInput!) { createCalendarFeed(input: $input) { __typename
  ... on CalendarFeedCreated { feed { id url } } ... on UserError { code } } }"""
MINT = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { __typename
  ... on ApiTokenCreated { token } } }"""


async def scrape(studio: StudioFixture, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await studio.http.get("/metrics", headers=headers)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_only_administrators_and_the_scrape_token_read_metrics(studio: StudioFixture) -> None:
    assert (await scrape(studio, None)).status_code == 401
    assert (await scrape(studio, "cs_not-a-token")).status_code == 401
    for role in Role:
        answer = await scrape(studio, studio.tokens[role])
        assert answer.status_code == (200 if role == Role.ADMIN else 403), role
    assert (await scrape(studio, METRICS_TOKEN)).status_code == 401  # not configured here
    settings = studio.runtime.settings.with_overrides(metrics_token=METRICS_TOKEN)
    app = create_app(settings, studio.runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    off = create_app(settings.with_overrides(metrics=False), studio.runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://t") as client:
        assert (await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})).status_code == 404


async def test_operations_are_counted_by_root_field_and_outcome(studio: StudioFixture) -> None:
    before = (await scrape(studio, studio.tokens[Role.ADMIN])).text
    ok = await studio.http.post(
        "/graphql",
        json={"query": "query FreeTextName42 { viewer { role } }", "operationName": "FreeTextName42"},
        headers={"Authorization": f"Bearer {studio.tokens[Role.CREW]}"},
    )
    assert ok.json()["data"]["viewer"]["role"] == "CREW"
    refused = await studio.gql(CREATE_FEED, {"input": {"mine": True}}, role=Role.SCANNER)
    assert refused["data"]["createCalendarFeed"]["code"] == "FORBIDDEN"
    await studio.gql("{ viewer { role ", role=Role.ADMIN)
    await studio.gql("{ nosuchfield }", role=Role.ADMIN)
    after = (await scrape(studio, studio.tokens[Role.ADMIN])).text

    def grew(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    total = "callsheet_graphql_operations_total"
    assert grew(total, operation="viewer", type="query", outcome="success") == 1
    assert grew(total, operation="createCalendarFeed", type="mutation", outcome="FORBIDDEN") == 1
    assert grew(total, operation="invalid", outcome="GRAPHQL_PARSE_FAILED") == 1
    assert grew(total, operation="invalid", outcome="GRAPHQL_VALIDATION_FAILED") == 1
    assert grew("callsheet_graphql_operation_duration_seconds_count", operation="viewer", type="query") == 1
    assert grew("callsheet_http_requests_total", route="/graphql", method="POST", status="200") >= 4
    assert "FreeTextName42" not in after
    for name in ("callsheet_websockets_open", "callsheet_db_pool_checked_out", "callsheet_bus_published_messages"):
        assert name in after, name


async def test_the_webhook_backlog_is_the_pending_deliveries_at_the_scrape(studio: StudioFixture) -> None:
    def backlog(text: str) -> float:
        [line] = [line for line in text.splitlines() if line.startswith("callsheet_webhook_backlog ")]
        return float(line.split(" ")[1])

    # Counted over every studio of the database (on PostgreSQL tests share one).
    before = backlog((await scrape(studio, studio.tokens[Role.ADMIN])).text)
    for path in ("a", "b"):
        made = await studio.data(
            "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { __typename } }",
            {"i": {"url": f"https://example.com/{path}", "events": ["booking.created"]}},
        )
        assert made["createWebhook"]["__typename"] == "WebhookCreated"
    cat = await build(studio)
    made = await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    assert made["__typename"] == "BookingCreated"
    assert backlog((await scrape(studio, studio.tokens[Role.ADMIN])).text) == before + 2


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log line of the test, as the JSON format writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("callsheet", "server")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_the_log_of_a_session_is_json_and_holds_no_secret(studio: StudioFixture, captured: io.StringIO) -> None:
    cat = await build(studio)
    secrets = list(studio.tokens.values())
    minted = await studio.data(MINT, {"input": {"role": "CREW", "name": "Late hire"}})
    secrets.append(minted["createApiToken"]["token"])
    feed_paths = []
    for role, target in ((Role.CREW, {"mine": True}), (Role.COORDINATOR, {"resourceId": cat.gid("Studio A")})):
        made = (await studio.data(CREATE_FEED, {"input": target}, role=role))["createCalendarFeed"]
        path = urlsplit(made["feed"]["url"]).path
        feed_paths.append(path)
        secrets.append(path.removeprefix("/calendar/").removesuffix(".ics"))
    for path in feed_paths:
        first = await studio.http.get(path)
        assert first.status_code == 200
        assert (await studio.http.get(path, headers={"If-None-Match": first.headers["etag"]})).status_code == 304
    for role in Role:
        await studio.gql("{ viewer { role } }", role=role)
        await studio.gql("{ viewer { role ", role=role)
    await studio.gql("{ viewer { role } }", token=secrets[-1] + "x")  # a wrong token in the header
    await studio.http.get(feed_paths[0] + "?token=" + secrets[0])
    await studio.http.get("/metrics", headers={"Authorization": f"Bearer {studio.tokens[Role.ADMIN]}"})
    logging.getLogger("callsheet.test").warning("a careless line naming %s and %s", secrets[0], feed_paths[0])

    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines, "nothing was logged"
    for secret in secrets:
        assert secret not in text
        assert secret[3:] not in text  # not even without its prefix
    access = [line for line in lines if line["logger"] == "callsheet.access"]
    assert {"/calendar/[secret].ics", "/graphql", "/metrics"} <= {line["path"] for line in access}
    graphql = [line for line in access if line["path"] == "/graphql" and line.get("principal_id")]
    assert graphql and all(
        {"time", "level", "message", "request_id", "operation", "outcome", "duration_ms", "status"} <= set(line)
        for line in graphql
    )
    assert {"success", "GRAPHQL_PARSE_FAILED"} <= {line["outcome"] for line in graphql}
    assert any(line.get("operation") == "viewer" and line.get("role") == "CREW" for line in graphql)


def test_redact() -> None:
    assert redact("Bearer cs_abcdefgh123") == "Bearer cs_[secret]"
    assert redact("GET /calendar/cf_abc-DEF_123.ics 200") == "GET /calendar/[secret].ics 200"
    assert redact("/review/tok3n?x=1") == "/review/[secret]?x=1"
    assert redact("nothing here: cs_ alone") == "nothing here: cs_ alone"
