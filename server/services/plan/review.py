"""Client review links: a link to one media asset, opened without an account, decided once.

The link's token is shown once, at creation; only its HMAC is stored (like API tokens). The page's
form carries a CSRF token derived from the link's token with the server secret, matched against a
same-site cookie set with the page. The decision sets the asset's status, completes (APPROVED) or
blocks (CHANGES_REQUESTED) the project's REVIEW tasks of the asset's booking, is audited and is
recorded as a `ReviewDecided` event for whoever notifies the producer.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.models import MediaAsset, MediaStatus, ReviewLink, TaskStatus
from db.repositories import plan as rows
from db.repositories import projects as project_rows
from server.events.types import PROJECTS, DomainEvent
from server.services import validation as v
from server.services.auth import hash_token
from server.services.errors import DomainError, Invalid, NotFound
from server.services.plan import access
from server.services.plan.tasks import plan_changed
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

LINK_PREFIX = "rv_"
MAX_LIFETIME = timedelta(days=90)
DECISIONS = {"APPROVED": MediaStatus.APPROVED, "CHANGES_REQUESTED": MediaStatus.CHANGES_REQUESTED}
MAX_COMMENT = 4000


class LinkGone(DomainError):
    """The link expired or was decided already (410)."""

    code = "GONE"


@dataclass(frozen=True)
class CreatedLink:
    link: ReviewLink
    token: str  # the plain token: only here, once
    asset: MediaAsset


@dataclass(frozen=True)
class ReviewView:
    """What the review page shows."""

    project: str
    asset: str
    size_megabytes: int
    expires_at: datetime
    csrf: str


def path_of(token: str) -> str:
    return f"/review/{token}"


def masked_path(link: ReviewLink) -> str:
    """How a link is shown after creation: its prefix only (it cannot be opened from this)."""
    return f"/review/{link.prefix}\u2026"


def csrf_for(secret: str, token: str) -> str:
    """The form token of a link's page: bound to the link, unguessable without the server secret."""
    return hmac.new(secret.encode(), f"review-csrf:{token}".encode(), hashlib.sha256).hexdigest()


async def create_link(
    tx: Tx, principal: Principal, secret: str, media_id: int, expires_at: datetime, now: datetime
) -> CreatedLink:
    """A review link for one asset of a project the caller plans; the asset goes IN_REVIEW."""
    asset = await rows.media_in_studio(tx.session, principal, media_id)
    if asset is None:
        raise NotFound("No such media asset.")
    await access.project_to_plan(tx, principal, asset.project_id)
    if expires_at.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field="expiresAt")
    if expires_at <= now:
        raise Invalid("expiresAt must be in the future.", field="expiresAt")
    if expires_at > now + MAX_LIFETIME:
        raise Invalid("A review link lives at most 90 days.", field="expiresAt")
    token = LINK_PREFIX + secrets.token_urlsafe(32)
    link = ReviewLink(
        studio_id=asset.studio_id,
        media_asset_id=asset.id,
        token_hash=hash_token(secret, token),
        prefix=token[: len(LINK_PREFIX) + 8],
        expires_at=expires_at,
        created_by_token_id=principal.token_id,
        created_at=now,
    )
    await rows.add_link(tx.session, link)
    if asset.status in (MediaStatus.INGESTED, MediaStatus.CHANGES_REQUESTED):
        asset.status = MediaStatus.IN_REVIEW
        asset.version += 1
        await tx.session.flush()
    return CreatedLink(link, token, asset)


def _usable(link: ReviewLink | None, now: datetime) -> ReviewLink:
    if link is None:
        raise NotFound("This review link does not exist.")
    if link.decided_at is not None:
        raise LinkGone("This review link was used already.")
    if link.expires_at <= now:
        raise LinkGone("This review link has expired.")
    return link


async def view(uow: UnitOfWork, secret: str, token: str, now: datetime) -> ReviewView:
    """The page's content (NotFound: unknown token; LinkGone: expired or used)."""
    if not token.startswith(LINK_PREFIX) or len(token) > 200:
        raise NotFound("This review link does not exist.")
    async with uow.read() as session:
        link = _usable(await rows.link_by_hash(session, hash_token(secret, token)), now)
        asset = await rows.media_in_studio(session, _Studio(link.studio_id), link.media_asset_id)
        assert asset is not None
        project = await project_rows.get_in_studio(session, _Studio(link.studio_id), asset.project_id)
    assert project is not None
    return ReviewView(project.name, asset.name, asset.size_megabytes, link.expires_at, csrf_for(secret, token))


@dataclass(frozen=True)
class _Studio:
    studio_id: int


async def decide(
    uow: UnitOfWork, secret: str, token: str, decision: str, comment: str | None, csrf: str, now: datetime
) -> ReviewLink:
    """Record the reviewer's decision, once (Invalid: bad form; NotFound; LinkGone)."""
    if not token.startswith(LINK_PREFIX) or len(token) > 200:
        raise NotFound("This review link does not exist.")
    if not hmac.compare_digest(csrf, csrf_for(secret, token)):
        raise Invalid("The form is stale or forged; open the link again.", field="csrf")
    if decision not in DECISIONS:
        raise Invalid("Choose APPROVED or CHANGES_REQUESTED.", field="decision")
    note = v.text(comment, "comment", max_length=MAX_COMMENT, required=False)
    digest = hash_token(secret, token)
    async with uow.read() as session:
        found = _usable(await rows.link_by_hash(session, digest), now)

    async def work(tx: Tx) -> ReviewLink:
        # Read again under the lock: of two submits racing, the second finds the link used.
        link = _usable(await rows.link_by_hash(tx.session, digest, lock=True), now)
        link.decision, link.comment, link.decided_at = decision, note, now
        asset = await rows.media_for_update(tx.session, link.media_asset_id)
        assert asset is not None
        before = asset.status
        asset.status = DECISIONS[decision]
        asset.version += 1
        done = decision == "APPROVED"
        tasks = []
        if asset.booking_id is not None:
            tasks = await rows.review_tasks_of_booking(tx.session, asset.studio_id, asset.booking_id)
            for task in tasks:
                if task.status != TaskStatus.DONE:
                    task.status = TaskStatus.DONE if done else TaskStatus.BLOCKED
                    task.completed_at = now if done else None
                    task.updated_at = now
                    task.version += 1
        await tx.session.flush()
        tx.audit(
            "reviewDecided",
            f"MediaAsset:{asset.id}",
            {"status": before.value},
            {"status": asset.status.value, "decision": decision, "comment": note},
        )
        tx.emit(
            DomainEvent(
                PROJECTS,
                "ReviewDecided",
                {"projectId": asset.project_id, "mediaAssetId": asset.id, "decision": decision},
            )
        )
        plan_changed(tx, asset.project_id, [asset.booking_id])
        return link

    return await uow.run(work, studio_id=found.studio_id, actor=f"review:{found.prefix}", name="Review link")
