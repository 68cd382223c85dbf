"""API tokens: minted at random, shown once, stored only as an HMAC with the server secret."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import ApiToken, Role, User
from db.repositories import projects, tenancy
from db.types import utcnow
from server.events.types import TOKENS, DomainEvent
from server.services.errors import Invalid, NotFound
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.token_cache import Cached, TokenCache
from server.services.uow import Tx, UnitOfWork
from server.services.validation import check_email

TOKEN_PREFIX = "cs_"
# Writing last_used_at on every request would turn reads into writes; once a minute is enough.
TOUCH_INTERVAL = timedelta(seconds=60)
DEVICE_ROLES = (Role.SCANNER, Role.DISPLAY)


def hash_token(secret: str, token: str) -> str:
    """The stored form of a token: HMAC-SHA256 keyed with the server secret."""
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def parse_bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` value, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def authenticate(
    uow: UnitOfWork, secret: str, token: str | None, cache: TokenCache | None = None
) -> Principal | None:
    """The principal of a presented token, or None if it is unknown, revoked or expired (with a
    cache, a token seen in the last seconds is not looked up again unless its studio's tokens changed)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = hash_token(secret, token)
    now = utcnow()
    cached = cache.get(digest) if cache is not None else None
    if cached is None:
        read_at = time.monotonic()
        async with uow.read() as session:
            found = await tenancy.token_and_user_name(session, digest)
        if found is None:
            return None
        row, user_name, client_id = found
        if row.revoked_at is not None:
            return None
        cached = Cached(
            Principal(
                token_id=row.id,
                studio_id=row.studio_id,
                role=Role(row.role),
                name=user_name if user_name is not None else row.name,
                user_id=row.user_id,
                location_id=row.location_id,
                client_id=client_id,
            ),
            row.expires_at,
            row.last_used_at,
            read_at,
        )
        if cache is not None:
            await cache.put(digest, cached)
    if cached.expires_at is not None and cached.expires_at <= now:
        return None
    principal = cached.principal
    # Constant-time compare is implicit: the lookup is by digest, and the digest is keyed.
    if cached.last_used_at is None or now - cached.last_used_at > TOUCH_INTERVAL:
        token_id = principal.token_id
        assert token_id is not None

        async def touch(tx: Tx) -> None:
            await tenancy.touch_token(tx.session, token_id, now)

        await uow.run(touch, studio_id=principal.studio_id)
        if cache is not None:
            cache.touched(digest, now)
    return principal


@dataclass(frozen=True)
class _StudioScope:
    studio_id: int


@dataclass(frozen=True)
class MintedToken:
    token: str
    row_id: int
    role: Role
    studio_id: int


async def create_token(
    tx: Tx,
    secret: str,
    *,
    studio_id: int,
    role: Role,
    name: str,
    location_id: int | None = None,
    user_id: int | None = None,
    expires_at: datetime | None = None,
    client_id: int | None = None,
    email: str | None = None,
) -> MintedToken:
    """Mint a token; the plain text exists only in the return value. A CLIENT token names its client;
    `email` is where its person's notifications are e-mailed."""
    if (role == Role.CLIENT) != (client_id is not None):
        raise Invalid("A CLIENT token, and only a CLIENT token, is bound to a client.", field="client")
    if email is not None and role in DEVICE_ROLES:
        raise Invalid("Devices have no e-mail address.", field="email")
    address = check_email(email) if email is not None else None
    if role in DEVICE_ROLES and location_id is None:
        raise Invalid(f"A {role.value} token must be bound to a location.", field="location")
    if role not in DEVICE_ROLES and location_id is not None:
        raise Invalid("Only SCANNER and DISPLAY tokens are bound to a location.", field="location")
    if not name.strip() or len(name) > 120:
        raise Invalid("A token needs a name of 1 to 120 characters.", field="name")
    if expires_at is not None and expires_at <= utcnow():
        raise Invalid("The expiry must lie in the future.", field="expiresAt")
    if role not in DEVICE_ROLES and user_id is None:
        # A user token stands for a person; create the user the first time their name is used.
        user = await tenancy.user_by_name(tx.session, studio_id, name)
        if user is None:
            user = User(studio_id=studio_id, name=name, role=role, client_id=client_id)
            tx.session.add(user)
            await tx.session.flush()
        elif user.role != role:
            raise Invalid(f"{name} already exists with the role {user.role.value}.", field="role")
        elif user.client_id != client_id:
            raise Invalid(f"{name} already belongs to another client.", field="client")
        if address is not None:
            user.email = address
        user_id = user.id
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        studio_id=studio_id,
        name=name,
        role=role,
        user_id=user_id,
        location_id=location_id,
        token_hash=hash_token(secret, plain),
        prefix=plain[len(TOKEN_PREFIX) : len(TOKEN_PREFIX) + 8],
        expires_at=expires_at,
    )
    tx.session.add(row)
    await tx.session.flush()
    tx.emit(DomainEvent(TOKENS, "TokenCreated", {"tokenId": row.id, "role": role.value}), studio_id)
    return MintedToken(plain, row.id, role, studio_id)


async def revoke_token(tx: Tx, *, studio_id: int, token_id: int) -> ApiToken:
    """Revoke a token (idempotent); open websockets of it are closed by the realtime layer."""
    row = await tenancy.token(tx.session, _StudioScope(studio_id), token_id)
    if row is None:
        raise NotFound("No such token.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        tx.emit(DomainEvent(TOKENS, "TokenRevoked", {"tokenId": row.id}), studio_id)
    return row


async def issue_token(
    tx: Tx,
    principal: Principal,
    secret: str,
    *,
    role: Role,
    name: str,
    location_id: int | None,
    expires_at: datetime | None,
    client_id: int | None = None,
    email: str | None = None,
) -> MintedToken:
    """An administrator mints a token for someone in their own studio (a CLIENT token for one of its
    clients)."""
    require(principal, Action.MANAGE_TOKENS)
    if location_id is not None and await tenancy.location(tx.session, principal, location_id) is None:
        raise NotFound("No such location.")
    if client_id is not None and await projects.client_in_studio(tx.session, principal, client_id) is None:
        raise NotFound("No such client.")
    return await create_token(
        tx,
        secret,
        studio_id=principal.studio_id,
        role=role,
        name=name,
        location_id=location_id,
        expires_at=expires_at,
        client_id=client_id,
        email=email,
    )


async def withdraw_token(tx: Tx, principal: Principal, token_id: int) -> ApiToken:
    """An administrator revokes a token of their own studio."""
    require(principal, Action.MANAGE_TOKENS)
    return await revoke_token(tx, studio_id=principal.studio_id, token_id=token_id)


async def list_tokens(uow: UnitOfWork, principal: Principal) -> list[ApiToken]:
    """The studio's tokens (never their secrets); nothing for roles that may not manage them."""
    if not allowed(principal, Action.MANAGE_TOKENS):
        return []
    async with uow.read() as session:
        return await tenancy.tokens(session, principal)


async def mint_api_token(
    uow: UnitOfWork,
    principal: Principal,
    secret: str,
    *,
    role: Role,
    name: str,
    location_id: int | None,
    expires_at: datetime | None,
    client_id: int | None = None,
    email: str | None = None,
) -> tuple[MintedToken, ApiToken]:
    """createApiToken: the token's text (shown once) and its row."""
    minted = await uow.run_as(
        principal,
        lambda tx: issue_token(
            tx,
            principal,
            secret,
            role=role,
            name=name,
            location_id=location_id,
            expires_at=expires_at,
            client_id=client_id,
            email=email,
        ),
    )
    async with uow.read() as session:
        row = await tenancy.token(session, principal, minted.row_id)
    assert row is not None  # just minted in the caller's studio
    return minted, row


async def revoke_api_token(uow: UnitOfWork, principal: Principal, token_id: int) -> ApiToken:
    """revokeApiToken: an administrator revokes a token of their own studio."""
    return await uow.run_as(principal, lambda tx: withdraw_token(tx, principal, token_id))
