"""The per-process token cache: a token seen lately is not looked up again, and revocation still bites."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, update

from db.models import ApiToken, Role
from db.types import utcnow
from server.schema.ids import to_global_id
from server.services.auth import hash_token
from tests.conftest import StudioFixture

VIEWER = "{ viewer { role name } }"


@contextmanager
def token_lookups(studio: StudioFixture) -> Iterator[list[str]]:
    """The statements that read api_tokens while the block runs."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM api_tokens" in statement:
            seen.append(statement)

    engines = {studio.runtime.database.write_engine, studio.runtime.database.read_engine}
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", note)


async def _warm(studio: StudioFixture, token: str) -> None:
    """Present a token until it is served from the cache (the first lookup opens the studio's watch)."""
    for _ in range(3):
        assert (await studio.gql(VIEWER, token=token))["data"]["viewer"]["role"] == "CREW"
    assert studio.runtime.tokens.get(hash_token(studio.runtime.settings.secret, token)) is not None


async def test_a_cached_token_is_not_looked_up_again(studio: StudioFixture) -> None:
    token, _ = await studio.mint(Role.CREW)
    await _warm(studio, token)
    with token_lookups(studio) as seen:
        for _ in range(5):
            assert (await studio.gql(VIEWER, token=token))["data"]["viewer"]["role"] == "CREW"
    assert seen == []


async def test_revoking_a_cached_token_refuses_the_next_request(studio: StudioFixture) -> None:
    token, token_id = await studio.mint(Role.CREW)
    await _warm(studio, token)
    revoke = """mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }"""
    assert (await studio.data(revoke, {"id": to_global_id("ApiToken", token_id)}))["revokeApiToken"] == {
        "__typename": "ApiTokenRevoked"
    }
    response = await studio.http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_any_token_event_of_the_studio_drops_its_cached_tokens(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    token, _ = await studio.mint(Role.CREW)
    theirs, _ = await other_studio.mint(Role.CREW)
    await _warm(studio, token)
    await _warm(other_studio, theirs)
    await studio.mint(Role.CREW)  # TokenCreated on this studio's tokens topic
    secret = studio.runtime.settings.secret
    assert studio.runtime.tokens.get(hash_token(secret, token)) is None
    assert studio.runtime.tokens.get(hash_token(secret, theirs)) is not None
    with token_lookups(studio) as seen:
        assert (await studio.gql(VIEWER, token=token))["data"]["viewer"]["role"] == "CREW"
    assert len(seen) == 1


async def test_a_revocation_no_event_announced_bites_within_the_time_to_live(studio: StudioFixture) -> None:
    # A process that shares no bus with this one (a CLI on an in-process bus) revokes in the database only.
    token, token_id = await studio.mint(Role.CREW)
    cache = studio.runtime.tokens
    ttl, cache.ttl = cache.ttl, 0.3
    try:
        await _warm(studio, token)

        async def revoke(tx: Any) -> None:
            await tx.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow()))

        await studio.runtime.uow.run(revoke, studio_id=studio.id)
        await asyncio.sleep(0.35)
        response = await studio.http.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
    finally:
        cache.ttl = ttl


async def test_an_expired_cached_token_is_refused(studio: StudioFixture) -> None:
    token, _ = await studio.mint(Role.CREW, expires_at=utcnow() + timedelta(seconds=1))
    await _warm(studio, token)
    await asyncio.sleep(1.1)
    response = await studio.http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
