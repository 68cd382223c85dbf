"""Studios, locations, users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiToken, Location, Studio, User
from db.repositories.scoping import Scope, scoped


async def studio(session: AsyncSession, scope: Scope | None) -> Studio | None:
    """The caller's own studio."""
    if scope is None:
        return None
    return await session.get(Studio, scope.studio_id)


async def studio_by_name(session: AsyncSession, name: str) -> Studio | None:
    return await session.scalar(select(Studio).where(Studio.name == name))


async def all_studios(session: AsyncSession) -> list[Studio]:
    return list((await session.scalars(select(Studio).order_by(Studio.id))).all())


async def locations(session: AsyncSession, scope: Scope | None) -> list[Location]:
    stmt = scoped(Location, scope).order_by(Location.name)
    return list((await session.scalars(stmt)).all())


async def location(session: AsyncSession, scope: Scope | None, location_id: int) -> Location | None:
    return await session.scalar(scoped(Location, scope).where(Location.id == location_id))


async def locations_by_ids(session: AsyncSession, scope: Scope | None, ids: list[int]) -> list[Location]:
    return list((await session.scalars(scoped(Location, scope).where(Location.id.in_(ids)))).all())


async def location_by_name(session: AsyncSession, studio_id: int, name: str) -> Location | None:
    return await session.scalar(select(Location).where(Location.studio_id == studio_id, Location.name == name))


async def user_by_name(session: AsyncSession, studio_id: int, name: str) -> User | None:
    return await session.scalar(select(User).where(User.studio_id == studio_id, User.name == name))


async def token_by_hash(session: AsyncSession, token_hash: str) -> ApiToken | None:
    """Look a presented token up by its HMAC (the only unscoped read: it is how a scope is found)."""
    return await session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


async def token_and_user_name(session: AsyncSession, token_hash: str) -> tuple[ApiToken, str | None, int | None] | None:
    """`token_by_hash` with the name and client of the token's user in its own studio, in one round
    trip (every request authenticates this way)."""
    row = (await session.execute(_TOKEN_AND_USER_NAME, {"token_hash": token_hash})).first()
    return None if row is None else (row[0], row[1], row[2])


# Built once: constructing a statement and its cache key costs more than executing it from the cache.
_TOKEN_AND_USER_NAME = (
    select(ApiToken, User.name, User.client_id)
    .outerjoin(User, and_(User.id == ApiToken.user_id, User.studio_id == ApiToken.studio_id))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


async def token(session: AsyncSession, scope: Scope | None, token_id: int) -> ApiToken | None:
    return await session.scalar(scoped(ApiToken, scope).where(ApiToken.id == token_id))


async def tokens(session: AsyncSession, scope: Scope | None) -> list[ApiToken]:
    return list((await session.scalars(scoped(ApiToken, scope).order_by(ApiToken.id))).all())


async def touch_token(session: AsyncSession, token_id: int, at: datetime) -> None:
    await session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
