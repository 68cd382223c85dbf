"""The plan slice's entry points: each change runs in one transaction; reads batch by project,
booking or milestone, with every milestone's status and risks computed at read time.

`PlanService` is built by the composition root with the unit of work and the server secret that
review-link tokens are hashed with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from db.models import MediaAsset, Milestone, ReviewLink, Task
from db.types import utcnow
from server.services.plan import facts, media, milestones, review, tasks
from server.services.plan.media import RegisterMedia
from server.services.plan.milestones import CreateMilestone
from server.services.plan.review import CreatedLink
from server.services.plan.risks import Assessment
from server.services.plan.tasks import CreateTask, UpdateTask
from server.services.principal import Principal
from server.services.uow import UnitOfWork

Assessed = tuple[Milestone, Assessment]


class PlanService:
    def __init__(self, uow: UnitOfWork, secret: str) -> None:
        self.uow = uow
        self.secret = secret

    # Changes

    async def create_task(self, principal: Principal, cmd: CreateTask) -> Task:
        """A new task."""
        now = utcnow()
        return await self.uow.run_as(principal, lambda tx: tasks.create_task(tx, principal, cmd, now))

    async def update_task(self, principal: Principal, cmd: UpdateTask) -> Task:
        """Change a task."""
        now = utcnow()
        return await self.uow.run_as(principal, lambda tx: tasks.update_task(tx, principal, cmd, now))

    async def create_milestone(self, principal: Principal, cmd: CreateMilestone) -> Assessed:
        """A new milestone, with its status."""
        now = utcnow()
        row = await self.uow.run_as(principal, lambda tx: milestones.create_milestone(tx, principal, cmd, now))
        return (await self.assess(principal, [row]))[0]

    async def deliver_milestone(
        self, principal: Principal, milestone_id: int, expected_version: int | None
    ) -> Assessed:
        """Deliver a milestone whose tasks are all DONE."""
        now = utcnow()
        row = await self.uow.run_as(
            principal, lambda tx: milestones.deliver_milestone(tx, principal, milestone_id, expected_version, now)
        )
        return (await self.assess(principal, [row]))[0]

    # Reads

    async def assess(self, principal: Principal | None, found: Sequence[Milestone]) -> list[Assessed]:
        async with self.uow.read() as session:
            return await self._assessed(session, principal, found)

    async def _assessed(
        self, session: object, principal: Principal | None, found: Sequence[Milestone]
    ) -> list[Assessed]:
        if principal is None or not found:
            return []
        made = await facts.assessed(session, principal, found, utcnow())  # type: ignore[arg-type]
        return list(zip(found, made, strict=True))

    # Media and review links

    async def register_media(self, principal: Principal, cmd: RegisterMedia) -> tuple[MediaAsset, list[str]]:
        """Record an asset on a storage volume (never past its capacity)."""
        now = utcnow()
        return await self.uow.run_as(principal, lambda tx: media.register_media(tx, principal, cmd, now))

    async def create_review_link(self, principal: Principal, media_id: int, expires_at: datetime) -> CreatedLink:
        """A one-time client review link for an asset."""
        now = utcnow()
        return await self.uow.run_as(
            principal, lambda tx: review.create_link(tx, principal, self.secret, media_id, expires_at, now)
        )

    async def review_page(self, token: str) -> review.ReviewView:
        """What the review page of a token shows (NotFound, LinkGone otherwise)."""
        return await review.view(self.uow, self.secret, token, utcnow())

    async def review_decide(self, token: str, decision: str, comment: str | None, csrf: str) -> ReviewLink:
        """The reviewer's decision, once."""
        return await review.decide(self.uow, self.secret, token, decision, comment, csrf, utcnow())
