"""One-time display links: a short-lived, single-use code that a wall display exchanges for its own
DISPLAY token, so a long-lived token never has to be typed into (or travel in a link to) a screen.

`callsheet display-link --location NAME` creates the code and prints the display's URL with the
code in its fragment; the page posts the code to `/display/exchange` once, keeps the token it gets
in the browser's storage and drops the code from its address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import DisplayLink, Role
from db.repositories import display as links
from db.repositories import tenancy
from server.services import auth
from server.services.errors import Invalid, NotFound
from server.services.uow import Tx

CODE_PREFIX = "dl_"
DEFAULT_TTL = timedelta(minutes=15)
MAX_TTL = timedelta(days=1)


@dataclass(frozen=True)
class Redeemed:
    token: str
    location_id: int
    studio_id: int


async def create_link(tx: Tx, secret: str, *, studio_id: int, location_id: int, ttl: timedelta, now: datetime) -> str:
    """A new one-time code for a display at the location; the plain code exists only in the result."""
    if not timedelta(0) < ttl <= MAX_TTL:
        raise Invalid("A display link lives between a minute and a day.", field="ttl")
    if await tenancy.location(tx.session, _Studio(studio_id), location_id) is None:
        raise NotFound("No such location.")
    code = CODE_PREFIX + secrets.token_urlsafe(24)
    await links.add(
        tx.session,
        DisplayLink(
            studio_id=studio_id,
            location_id=location_id,
            code_hash=auth.hash_token(secret, code),
            created_at=now,
            expires_at=now + ttl,
        ),
    )
    return code


async def redeem(tx: Tx, secret: str, code: str, now: datetime) -> Redeemed:
    """Exchange a code for a new DISPLAY token bound to the link's location (once, before expiry)."""
    if not code.startswith(CODE_PREFIX) or len(code) > 100:
        raise NotFound("This display link is not valid.")
    link = await links.by_hash_for_update(tx.session, auth.hash_token(secret, code))
    # Unknown, used and expired codes are refused alike: a screen can do nothing but ask for a new one.
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise NotFound("This display link is not valid (it may have been used or have expired).")
    location = await tenancy.location(tx.session, _Studio(link.studio_id), link.location_id)
    assert location is not None
    minted = await auth.create_token(
        tx,
        secret,
        studio_id=link.studio_id,
        role=Role.DISPLAY,
        name=f"Display {location.name[:60]} {now:%Y-%m-%d %H:%M} #{link.id}",
        location_id=link.location_id,
    )
    link.used_at = now
    link.token_id = minted.row_id
    return Redeemed(minted.token, link.location_id, link.studio_id)


@dataclass(frozen=True)
class _Studio:
    studio_id: int
