"""Fixtures shared by every tier. One suite, two backends:

- default: a fresh SQLite file and the in-process bus;
- `CALLSHEET_TEST_DATABASE_URL=postgresql://...` (a fresh, empty database) and
  `CALLSHEET_TEST_REDIS_URL=redis://...`: PostgreSQL and Redis pub/sub.

Each test gets its own studio (tenant), so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from db.migrate import upgrade
from db.models import Client, Role
from server.app import create_app
from server.config import Limits, Settings, normalise_database_url
from server.runtime import Runtime
from server.services import auth, studios
from server.services.uow import Tx

TEST_SECRET = "test-secret-" + "x" * 32
_counter = itertools.count(1)


def database_url(tmp_root: Path) -> str:
    raw = os.environ.get("CALLSHEET_TEST_DATABASE_URL")
    return normalise_database_url(raw) if raw else f"sqlite+aiosqlite:///{tmp_root / 'callsheet-test.db'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = "postgresql" in (os.environ.get("CALLSHEET_TEST_DATABASE_URL") or "")
    on_redis = bool(os.environ.get("CALLSHEET_TEST_REDIS_URL"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs CALLSHEET_TEST_DATABASE_URL=postgresql://..."))
        if "redis" in item.keywords and not on_redis:
            item.add_marker(pytest.mark.skip(reason="needs CALLSHEET_TEST_REDIS_URL"))


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=database_url(tmp_path_factory.mktemp("db")),
        redis_url=os.environ.get("CALLSHEET_TEST_REDIS_URL") or None,
        secret=TEST_SECRET,
        limits=Limits(),
        webhook_retry_seconds=1.0,
        webhook_allow_private=True,
    )


@pytest.fixture(scope="session")
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    await asyncio.to_thread(upgrade, settings.database_url)
    rt = await Runtime.open(settings)
    yield rt
    await rt.close()


@pytest.fixture(scope="session")
def app(settings: Settings, runtime: Runtime) -> Any:
    return create_app(settings, runtime)


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://callsheet.test") as c:
        yield c


@dataclass
class StudioFixture:
    """A fresh studio with a location per purpose and a token per role."""

    id: int
    name: str
    http: httpx.AsyncClient
    runtime: Runtime
    locations: dict[str, int]
    tokens: dict[Role, str] = field(default_factory=dict)
    token_ids: dict[Role, int] = field(default_factory=dict)
    client_id: int = 0  # the client the CLIENT token belongs to ("Acme Records")

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: Role | None = Role.ADMIN,
        token: str | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL operation as a role (or with an explicit token); returns the JSON body."""
        headers = {}
        bearer = token if token is not None else (self.tokens[role] if role is not None else None)
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, role: Role = Role.ADMIN) -> Any:
        """The `data` of a successful operation; fails the test on any GraphQL error."""
        body = await self.gql(query, variables, role=role)
        assert "errors" not in body, body
        return body["data"]

    async def mint(
        self, role: Role, *, location: str | None = None, name: str | None = None, **kw: Any
    ) -> tuple[str, int]:
        """An extra token (e.g. expiring) for this studio."""
        loc = self.locations[location] if location else None

        async def work(tx: Tx) -> auth.MintedToken:
            return await auth.create_token(
                tx,
                self.runtime.settings.secret,
                studio_id=self.id,
                role=role,
                name=name or f"{role.value} {next(_counter)}",
                location_id=loc,
                **kw,
            )

        minted = await self.runtime.uow.run(work, studio_id=self.id)
        return minted.token, minted.row_id


DEVICE_LOCATION = {Role.SCANNER: "Cage", Role.DISPLAY: "Main floor"}


async def make_studio(runtime: Runtime, http: httpx.AsyncClient, *, timezone: str = "Europe/London") -> StudioFixture:
    name = f"Test studio {uuid.uuid4().hex[:10]}"

    async def work(tx: Tx) -> tuple[int, dict[str, int], int]:
        studio, _ = await studios.ensure_studio(tx, name, timezone=timezone, currency="GBP")
        tx.studio_id = studio.id
        locs = {n: (await studios.ensure_location(tx, studio.id, n)).id for n in ("Main floor", "Cage", "Post")}
        client = Client(studio_id=studio.id, name="Acme Records")
        tx.session.add(client)
        await tx.session.flush()
        return studio.id, locs, client.id

    studio_id, locations, client_id = await runtime.uow.run(work, studio_id=None)
    fixture = StudioFixture(
        id=studio_id, name=name, http=http, runtime=runtime, locations=locations, client_id=client_id
    )
    for role in Role:
        extra = {"client_id": client_id} if role == Role.CLIENT else {}
        token, token_id = await fixture.mint(
            role, location=DEVICE_LOCATION.get(role), name=f"{role.value.title()} One", **extra
        )
        fixture.tokens[role] = token
        fixture.token_ids[role] = token_id
    return fixture


@pytest.fixture
async def studio(runtime: Runtime, http: httpx.AsyncClient) -> StudioFixture:
    return await make_studio(runtime, http)


@pytest.fixture
async def other_studio(runtime: Runtime, http: httpx.AsyncClient) -> StudioFixture:
    return await make_studio(runtime, http)
