"""Token management over GraphQL: administrators only, secret shown once, revocation bites at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import Role
from db.types import utcnow
from server.schema.ids import to_global_id
from tests.conftest import StudioFixture

CREATE = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
  __typename
  ... on ApiTokenCreated { token apiToken { id name role prefix revokedAt } }
  ... on UserError { code message } ... on ValidationError { field } } }"""
REVOKE = """mutation($id: ID!) { revokeApiToken(id: $id) {
  __typename ... on ApiTokenRevoked { apiToken { name revokedAt } } ... on UserError { code } } }"""
LIST = "{ apiTokens { name role } }"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
async def test_only_admins_mint_tokens(studio: StudioFixture, role: Role) -> None:
    before = await studio.data(LIST)
    body = await studio.gql(CREATE, {"input": {"role": "CREW", "name": "New Engineer"}}, role=role)
    result = body["data"]["createApiToken"]
    if role == Role.ADMIN:
        assert result["__typename"] == "ApiTokenCreated"
        assert result["token"].startswith("cs_" + result["apiToken"]["prefix"])
        assert {"name": "New Engineer", "role": "CREW"} in (await studio.data(LIST))["apiTokens"]
    else:
        assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
        assert await studio.data(LIST) == before


async def test_minted_token_works_and_revocation_stops_it(studio: StudioFixture) -> None:
    minted = (await studio.data(CREATE, {"input": {"role": "COORDINATOR", "name": "Casey"}}))["createApiToken"]
    token = minted["token"]
    assert await studio.gql("{ viewer { role name } }", token=token) == {
        "data": {"viewer": {"role": "COORDINATOR", "name": "Casey"}}
    }

    revoked = await studio.data(REVOKE, {"id": minted["apiToken"]["id"]})

    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    response = await studio.http.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_device_tokens_need_a_location_of_this_studio(studio: StudioFixture, other_studio: StudioFixture) -> None:
    no_location = await studio.data(CREATE, {"input": {"role": "SCANNER", "name": "Cage 2"}})
    foreign = await studio.data(
        CREATE,
        {
            "input": {
                "role": "SCANNER",
                "name": "Cage 3",
                "locationId": to_global_id("Location", other_studio.locations["Cage"]),
            }
        },
    )
    user_with_location = await studio.data(
        CREATE,
        {"input": {"role": "CREW", "name": "Sam", "locationId": to_global_id("Location", studio.locations["Cage"])}},
    )
    past = await studio.data(
        CREATE, {"input": {"role": "CREW", "name": "Old", "expiresAt": (utcnow() - timedelta(days=1)).isoformat()}}
    )
    ok = await studio.data(
        CREATE,
        {
            "input": {
                "role": "SCANNER",
                "name": "Cage 4",
                "locationId": to_global_id("Location", studio.locations["Cage"]),
            }
        },
    )

    assert (no_location["createApiToken"]["code"], no_location["createApiToken"]["field"]) == ("VALIDATION", "location")
    assert foreign["createApiToken"]["code"] == "NOT_FOUND"
    assert user_with_location["createApiToken"]["field"] == "location"
    assert past["createApiToken"]["field"] == "expiresAt"
    viewer = await studio.gql("{ viewer { role location { name } } }", token=ok["createApiToken"]["token"])
    assert viewer == {"data": {"viewer": {"role": "SCANNER", "location": {"name": "Cage"}}}}


async def test_another_studio_cannot_revoke_our_tokens(studio: StudioFixture, other_studio: StudioFixture) -> None:
    target = to_global_id("ApiToken", studio.token_ids[Role.COORDINATOR])
    result = await other_studio.data(REVOKE, {"id": target})
    assert result["revokeApiToken"] == {"__typename": "NotFoundError", "code": "NOT_FOUND"}
    assert (await studio.data("{ viewer { role } }", role=Role.COORDINATOR))["viewer"] == {"role": "COORDINATOR"}


async def test_last_used_time_is_recorded(studio: StudioFixture) -> None:
    await studio.data("{ viewer { role } }", role=Role.CREW)
    tokens = (await studio.data("{ apiTokens { name lastUsedAt } }"))["apiTokens"]
    crew = next(t for t in tokens if t["name"] == "Crew One")
    assert crew["lastUsedAt"] is not None


async def test_a_client_portal_token_belongs_to_a_client_of_this_studio(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    acme = to_global_id("Client", studio.client_id)
    theirs = to_global_id("Client", other_studio.client_id)
    project = (
        await studio.data(
            "mutation($i: CreateProjectInput!) { createProject(input: $i) {"
            " ... on ProjectCreated { project { id } } } }",
            {"i": {"name": "Acme launch", "clientId": acme}},
        )
    )["createProject"]["project"]["id"]
    await studio.data('mutation { createProject(input: {name: "In-house"}) { __typename } }')
    before = await studio.data(LIST)
    refused = {
        "no client": await studio.data(CREATE, {"input": {"role": "CLIENT", "name": "Pat at Acme"}}),
        "not a portal": await studio.data(CREATE, {"input": {"role": "CREW", "name": "Sam", "clientId": acme}}),
        "elsewhere": await studio.data(CREATE, {"input": {"role": "CLIENT", "name": "Pat", "clientId": theirs}}),
        "not an id": await studio.data(CREATE, {"input": {"role": "CLIENT", "name": "Pat", "clientId": "nope"}}),
        "bad e-mail": await studio.data(
            CREATE, {"input": {"role": "CLIENT", "name": "Pat", "clientId": acme, "email": "pat at acme"}}
        ),
    }
    outcomes = {k: (r["createApiToken"]["code"], r["createApiToken"].get("field")) for k, r in refused.items()}
    assert outcomes == {
        "no client": ("VALIDATION", "client"),
        "not a portal": ("VALIDATION", "client"),
        "elsewhere": ("NOT_FOUND", None),
        "not an id": ("NOT_FOUND", None),
        "bad e-mail": ("VALIDATION", "email"),
    }
    assert await studio.data(LIST) == before  # nothing minted, no user created

    made = (
        await studio.data(
            CREATE, {"input": {"role": "CLIENT", "name": "Pat at Acme", "clientId": acme, "email": "pat@acme.test"}}
        )
    )["createApiToken"]
    assert made["apiToken"]["role"] == "CLIENT"
    token = made["token"]
    assert (await studio.gql("{ viewer { role name } }", token=token))["data"]["viewer"] == {
        "role": "CLIENT",
        "name": "Pat at Acme",
    }
    seen = await studio.gql("{ projects(first: 10) { edges { node { id } } } }", token=token)
    assert [e["node"]["id"] for e in seen["data"]["projects"]["edges"]] == [project]
