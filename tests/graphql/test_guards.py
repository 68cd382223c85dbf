"""Request guards: size, depth, aliases, tokens, batches, GET, suggestions, introspection, masking."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from db.models import Role
from server.app import create_app
from server.runtime import Runtime
from tests.conftest import StudioFixture


def auth(studio: StudioFixture, role: Role = Role.ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {studio.tokens[role]}"}


async def test_depth_limit(studio: StudioFixture, runtime: Runtime) -> None:
    limited = runtime.settings.with_overrides(limits=runtime.settings.limits.__class__(max_depth=2))
    app = create_app(limited, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        shallow = await client.post("/graphql", json={"query": "{ viewer { studio { name } } }"}, headers=auth(studio))
        deep = await client.post(
            "/graphql", json={"query": "{ kits { items { location { name } } } }"}, headers=auth(studio)
        )
    assert "errors" not in shallow.json()
    assert deep.json()["errors"][0]["message"] == "'anonymous' exceeds maximum operation depth of 2"


async def test_alias_flood_is_refused(studio: StudioFixture) -> None:
    query = "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(31)) + " }"
    body = await studio.gql(query)
    assert body["data"] is None
    assert "aliases" in body["errors"][0]["message"]


async def test_token_flood_is_refused(studio: StudioFixture) -> None:
    query = "{ viewer { " + " ".join(["role"] * 2500) + " } }"
    body = await studio.gql(query)
    assert body["data"] is None
    assert "token" in body["errors"][0]["message"].lower()


async def test_oversized_body_is_refused(studio: StudioFixture) -> None:
    padding = " " * (300 * 1024)
    response = await studio.http.post("/graphql", json={"query": "{ viewer { role } }" + padding}, headers=auth(studio))
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_LARGE"


async def test_batch_of_operations_is_refused(studio: StudioFixture) -> None:
    batch = [{"query": "{ viewer { role } }"}, {"query": "{ locations { name } }"}]
    response = await studio.http.post("/graphql", json=batch, headers=auth(studio))
    assert response.status_code == 400


async def test_queries_over_get_but_never_mutations(studio: StudioFixture) -> None:
    query = await studio.http.get("/graphql", params={"query": "{ viewer { role } }"}, headers=auth(studio))
    mutation = await studio.http.get(
        "/graphql",
        params={"query": 'mutation { createResource(input: {kind: ROOM, name: "Sneaky"}) { __typename } }'},
        headers=auth(studio),
    )
    assert query.json() == {"data": {"viewer": {"role": "ADMIN"}}}
    assert mutation.status_code == 400
    assert "not allowed" in mutation.text.lower()
    listed = await studio.data("{ resources(first: 5) { edges { node { name } } } }")
    assert listed["resources"]["edges"] == []


async def test_no_field_suggestions(studio: StudioFixture) -> None:
    body = await studio.gql("{ viewr { role } }")
    assert body["errors"][0]["message"] == "Cannot query field 'viewr' on type 'Query'."


async def test_naive_datetimes_are_refused_by_the_scalar() -> None:
    from server.schema.scalars import parse_datetime

    with pytest.raises(ValueError, match="offset"):
        parse_datetime("2026-03-02T10:00:00")
    with pytest.raises(ValueError, match="between"):
        parse_datetime("1900-03-02T10:00:00+00:00")
    assert parse_datetime("2026-03-02T10:00:00+01:00").utcoffset() is not None


@pytest.fixture
async def production_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    settings = runtime.settings.with_overrides(mode="production")
    app = create_app(settings, runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


async def test_production_mode_has_no_introspection_or_ide(
    studio: StudioFixture, production_client: httpx.AsyncClient
) -> None:
    introspection = await production_client.post(
        "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=auth(studio)
    )
    ide = await production_client.get("/graphql", headers={"Accept": "text/html"})
    ordinary = await production_client.post("/graphql", json={"query": "{ viewer { role } }"}, headers=auth(studio))

    assert introspection.json()["data"] is None
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert ide.status_code == 404
    assert ordinary.json() == {"data": {"viewer": {"role": "ADMIN"}}}


async def test_development_mode_serves_graphiql_and_introspection(studio: StudioFixture) -> None:
    ide = await studio.http.get("/graphql", headers={"Accept": "text/html"})
    introspection = await studio.gql("{ __schema { queryType { name } } }")
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    assert introspection == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_unexpected_errors_are_masked(studio: StudioFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from db.repositories import tenancy

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail: connection string postgres://user:pw@host")

    monkeypatch.setattr(tenancy, "locations", broken)
    body = await studio.gql("{ locations { name } }")
    assert body["errors"][0]["message"] == "Unexpected error."
    assert "secret" not in str(body)


async def test_healthz_reports_database_and_bus(studio: StudioFixture, runtime: Runtime) -> None:
    response = await studio.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True, "dialect": runtime.database.dialect},
        "bus": {"ok": True, "kind": runtime.bus.name},
    }
