"""Who may change the catalogue and projects: every role, no token, bad tokens, another studio.

Each refusal also checks that nothing changed.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from db.models import Role
from db.types import utcnow
from server.services import auth
from tests.conftest import StudioFixture
from tests.graphql.catalogue_ops import (
    COUNTS,
    CREATE_KIT,
    CREATE_PROJECT,
    CREATE_RESOURCE,
    RETIRE_RESOURCE,
    UPDATE_KIT,
    UPDATE_RESOURCE,
)

MANAGERS = {Role.ADMIN, Role.COORDINATOR}
PROJECT_MAKERS = {Role.ADMIN, Role.COORDINATOR, Role.PRODUCER}


async def snapshot(studio: StudioFixture) -> Any:
    return await studio.data(COUNTS, role=Role.ADMIN), await studio.data(
        "{ projects(first: 200) { edges { node { name } } } }"
    )


async def seed(studio: StudioFixture) -> dict[str, str]:
    """A room, two items and a kit to act on."""
    made = {}
    for key, payload in {
        "room": {"kind": "ROOM", "name": "Studio A", "category": "podcast studio"},
        "mic": {"kind": "EQUIPMENT", "name": "SM7B #1", "code": "MIC-1"},
        "mic2": {"kind": "EQUIPMENT", "name": "SM7B #2", "code": "MIC-2"},
    }.items():
        body = await studio.data(CREATE_RESOURCE, {"input": payload})
        made[key] = body["createResource"]["resource"]["id"]
    kit = await studio.data(CREATE_KIT, {"input": {"name": "Mic pair", "itemIds": [made["mic"]]}})
    made["kit"] = kit["createKit"]["kit"]["id"]
    return made


def operations(ids: dict[str, str]) -> dict[str, tuple[str, dict[str, Any], set[Role]]]:
    return {
        "createResource": (CREATE_RESOURCE, {"input": {"kind": "ROOM", "name": "Booth X"}}, MANAGERS),
        "updateResource": (UPDATE_RESOURCE, {"input": {"id": ids["room"], "name": "Studio A1"}}, MANAGERS),
        "retireResource": (RETIRE_RESOURCE, {"id": ids["mic2"]}, MANAGERS),
        "createKit": (CREATE_KIT, {"input": {"name": "Solo", "itemIds": [ids["mic2"]]}}, MANAGERS),
        "updateKit": (UPDATE_KIT, {"input": {"id": ids["kit"], "name": "Mic kit"}}, MANAGERS),
        "createProject": (CREATE_PROJECT, {"input": {"name": "Season 3"}}, PROJECT_MAKERS),
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize(
    "operation", ["createResource", "updateResource", "retireResource", "createKit", "updateKit", "createProject"]
)
async def test_each_role_on_each_mutation(studio: StudioFixture, role: Role, operation: str) -> None:
    ids = await seed(studio)
    document, variables, allowed = operations(ids)[operation]
    before = await snapshot(studio)

    body = await studio.gql(document, variables, role=role)

    result = body["data"][operation]
    if role in allowed:
        assert result["__typename"] not in ("ForbiddenError", "ValidationError", "NotFoundError"), result
        assert await snapshot(studio) != before
    else:
        assert result == {"__typename": "ForbiddenError", "code": "FORBIDDEN", "message": result["message"]}
        assert await snapshot(studio) == before


@pytest.mark.parametrize(
    "operation", ["createResource", "updateResource", "retireResource", "createKit", "createProject"]
)
@pytest.mark.parametrize("credential", ["none", "garbage", "revoked", "expired"])
async def test_bad_credentials_are_unauthenticated_and_change_nothing(
    studio: StudioFixture, operation: str, credential: str
) -> None:
    ids = await seed(studio)
    document, variables, _ = operations(ids)[operation]
    token: str | None
    if credential == "none":
        token = None
    elif credential == "garbage":
        token = "cs_not-a-real-token"
    elif credential == "revoked":
        token, token_id = await studio.mint(Role.ADMIN)
        await studio.runtime.uow.run(
            lambda tx: auth.revoke_token(tx, studio_id=studio.id, token_id=token_id), studio_id=studio.id
        )
    else:
        token, _ = await studio.mint(Role.ADMIN, expires_at=utcnow() + timedelta(milliseconds=300))
        await asyncio.sleep(0.35)
    before = await snapshot(studio)

    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    response = await studio.http.post("/graphql", json={"query": document, "variables": variables}, headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"message": "Authentication required.", "extensions": {"code": "UNAUTHENTICATED"}}]
    }
    assert await snapshot(studio) == before


@pytest.mark.parametrize("operation", ["updateResource", "retireResource", "updateKit"])
async def test_another_studios_admin_gets_not_found(
    studio: StudioFixture, other_studio: StudioFixture, operation: str
) -> None:
    ids = await seed(studio)
    document, variables, _ = operations(ids)[operation]
    before = await snapshot(studio)

    body = await other_studio.gql(document, variables, role=Role.ADMIN)

    assert body["data"][operation]["__typename"] == "NotFoundError"
    assert body["data"][operation]["code"] == "NOT_FOUND"
    assert await snapshot(studio) == before


async def test_another_studios_kit_cannot_take_our_items(studio: StudioFixture, other_studio: StudioFixture) -> None:
    ids = await seed(studio)
    body = await other_studio.gql(CREATE_KIT, {"input": {"name": "Stolen", "itemIds": [ids["mic2"]]}})
    assert body["data"]["createKit"]["code"] == "NOT_FOUND"
    assert await other_studio.data("{ kits { name } }") == {"kits": []}


async def test_reads_never_cross_studios(studio: StudioFixture, other_studio: StudioFixture) -> None:
    ids = await seed(studio)
    data = await other_studio.data(
        """query($id: ID!) { node(id: $id) { id } resources(first: 50) { edges { node { id } } }
                             kits { id } locations { name } }""",
        {"id": ids["room"]},
    )
    assert data["node"] is None
    assert data["resources"]["edges"] == []
    assert data["kits"] == []
    assert sorted(loc["name"] for loc in data["locations"]) == ["Cage", "Main floor", "Post"]
