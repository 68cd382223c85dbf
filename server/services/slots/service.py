"""The slots slice's entry points: templates, `findSlots`, `bookSlot` and series.

`SlotService` is built by the composition root with the allocation engine (bookSlot books through
it, so a slot is booked exactly like `createBooking`: conflicts, idempotency, budget, events), the
budget policy that engine was given (series book inside one transaction of their own) and the server
secret that signs slot keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from db.models import Booking, BookingSeries, BookingStatus, SessionTemplate
from db.repositories import templates as rows
from db.repositories import tenancy
from db.types import utcnow
from server.services import idempotency
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.commands import CreateBooking, Outcome
from server.services.allocation.service import AllocationService
from server.services.allocation.windows import Window
from server.services.errors import NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.slots import keys, search, series, templates
from server.services.slots.search import Slot, SlotQuery
from server.services.slots.series import CreateSeries, SeriesOutcome
from server.services.slots.templates import CreateTemplate
from server.services.uow import Tx, UnitOfWork


@dataclass(frozen=True)
class BookSlot:
    project_id: int
    slot_key: str
    title: str
    status: BookingStatus = BookingStatus.HOLD
    idempotency_key: str | None = None
    allow_over_budget: bool = False
    queue_if_taken: bool = False
    template_id: int | None = None


class SlotService:
    def __init__(self, uow: UnitOfWork, allocation: AllocationService, budget: BudgetPolicy, secret: str) -> None:
        self.uow = uow
        self.allocation = allocation
        self.budget = budget
        self.secret = secret

    # Templates

    async def create_template(self, principal: Principal, cmd: CreateTemplate) -> SessionTemplate:
        """A new session template."""
        return await self.uow.run_as(principal, lambda tx: templates.create_template(tx, principal, cmd))

    async def templates(self, principal: Principal) -> list[SessionTemplate]:
        """The studio's templates, by name."""
        require(principal, Action.READ_TEMPLATES)
        async with self.uow.read() as session:
            return await rows.templates(session, principal)

    # Slots

    async def find_slots(self, principal: Principal, query: SlotQuery) -> list[Slot]:
        """The earliest slots at which every need of the session can be met."""
        async with self.uow.read() as session:
            return await search.find_slots(
                session, principal, query, utcnow(), secret=self.secret, postgres=self.uow.database.is_postgres
            )

    async def book_slot(self, principal: Principal, cmd: BookSlot) -> Outcome:
        """Book exactly the resources of a slot key, through the allocation engine."""
        require(principal, Action.HOLD)
        content = keys.decode(self.secret, cmd.slot_key, principal.studio_id, utcnow())
        booking = CreateBooking(
            project_id=cmd.project_id,
            title=cmd.title,
            start=content.start,
            end=content.end,
            status=cmd.status,
            allocations=content.allocations,
            idempotency_key=cmd.idempotency_key,
            allow_over_budget=cmd.allow_over_budget,
            queue_if_taken=cmd.queue_if_taken,
            template_id=cmd.template_id,
        )
        return await self.allocation.create_booking(principal, booking)

    # Series

    async def create_series(self, principal: Principal, cmd: CreateSeries) -> SeriesOutcome:
        """Book every occurrence of a rule in one transaction (FAIL or SKIP on clashes)."""
        now = utcnow()

        async def work(tx: Tx) -> SeriesOutcome:
            studio = await tenancy.studio(tx.session, principal)
            if studio is None:
                raise NotFound("No such studio.")
            return await series.create_series(tx, principal, cmd, ZoneInfo(studio.timezone), now, self.budget)

        key = cmd.booking.idempotency_key
        if key is None:
            return await self.uow.run_as(principal, work)

        async def as_result(tx: Tx) -> dict[str, Any]:
            made = await work(tx)
            return {
                "seriesId": made.series.id,
                "skipped": [[w.start.isoformat(), w.end.isoformat()] for w in made.skipped],
                "warnings": made.warnings,
            }

        request = {
            "booking": cmd.booking.canonical(),
            "rrule": cmd.rrule,
            "exceptions": [e.isoformat() for e in cmd.exceptions],
            "onConflict": cmd.on_conflict.value,
        }
        result, _ = await idempotency.run_once(
            self.uow,
            studio_id=principal.studio_id,
            key=key,
            operation="createBookingSeries",
            request=request,
            work=as_result,
            actor=principal.actor,
            token_id=principal.token_id,
        )
        async with self.uow.read() as session:
            found = await rows.series_by_ids(session, principal, [int(result["seriesId"])])
            if not found:
                raise NotFound("No such series.")
            made_bookings = await rows.visible_bookings_of_series(session, principal, [found[0].id])
        skipped = [Window(datetime.fromisoformat(s), datetime.fromisoformat(e)) for s, e in result["skipped"]]
        return SeriesOutcome(found[0], made_bookings, skipped, list(result["warnings"]))

    async def cancel_series(
        self, principal: Principal, series_id: int, start: datetime | None
    ) -> tuple[BookingSeries, list[Booking]]:
        """Cancel the series' occurrences not yet started, from `start` on."""
        now = utcnow()
        return await self.uow.run_as(
            principal, lambda tx: series.cancel_series(tx, principal, series_id, start, now, self.budget)
        )

    # Reads behind the loaders

    async def series_by_ids(self, principal: Principal | None, ids: Sequence[int]) -> list[BookingSeries]:
        async with self.uow.read() as session:
            return await rows.series_by_ids(session, principal, ids)

    async def bookings_of_series(self, principal: Principal | None, ids: Sequence[int]) -> list[Booking]:
        async with self.uow.read() as session:
            return await rows.visible_bookings_of_series(session, principal, ids)
