"""The allocation engine's entry points: each runs one mutation's function in one transaction (keyed
ones through `idempotency.run_once`, so a replay returns the first result).

`AllocationService` is built once by the composition root (`server.runtime`) with the unit of work
and the budget policy it must apply; nothing it needs is looked up at import time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from db.models import Block, Booking, Resource
from db.repositories import bookings as booking_rows
from db.types import utcnow
from server.services import idempotency
from server.services.allocation import (
    alternatives,
    availability,
    blocks,
    bookings,
    challenges,
    queue,
    requests,
    transitions,
)
from server.services.allocation.alternatives import Sought, Suggestions
from server.services.allocation.bookings import MoveImpact
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.commands import (
    AddAllocations,
    ApproveBooking,
    BlockResource,
    CreateBooking,
    DeclineBooking,
    MoveBooking,
    Outcome,
    RequestBooking,
    UpdateBooking,
)
from server.services.allocation.windows import Window
from server.services.errors import NotFound
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork

T = TypeVar("T")


class AllocationService:
    """Bookings, allocations and blocks, every change under the given budget policy."""

    def __init__(self, uow: UnitOfWork, budget: BudgetPolicy) -> None:
        self.uow = uow
        self.budget = budget

    async def _run(self, principal: Principal, work: Callable[[Tx], Awaitable[T]]) -> T:
        return await self.uow.run_as(principal, work)

    async def _keyed(
        self,
        principal: Principal,
        key: str | None,
        operation: str,
        request: dict[str, Any],
        work: Callable[[Tx], Awaitable[Outcome]],
    ) -> Outcome:
        if key is None:
            return await self._run(principal, work)

        async def as_result(tx: Tx) -> dict[str, Any]:
            return (await work(tx)).to_result()

        result, _replayed = await idempotency.run_once(
            self.uow,
            studio_id=principal.studio_id,
            key=key,
            operation=operation,
            request=request,
            work=as_result,
            actor=principal.actor,
            token_id=principal.token_id,
        )
        async with self.uow.read() as session:
            booking = await booking_rows.get_visible(session, principal, int(result["bookingId"]))
        if booking is None:
            raise NotFound("No such booking.")
        return Outcome(booking, list(result["allocationIds"]), list(result["warnings"]))

    async def create_booking(self, principal: Principal, cmd: CreateBooking) -> Outcome:
        """Book a session with all its allocations, or nothing."""
        now = utcnow()
        return await self._keyed(
            principal,
            cmd.idempotency_key,
            "createBooking",
            cmd.canonical(),
            lambda tx: bookings.create_booking(tx, principal, cmd, now, self.budget),
        )

    async def add_allocations(self, principal: Principal, cmd: AddAllocations) -> Outcome:
        """Add resources to a booking, all or nothing."""
        now = utcnow()
        return await self._keyed(
            principal,
            cmd.idempotency_key,
            "addAllocations",
            cmd.canonical(),
            lambda tx: bookings.add_allocations(tx, principal, cmd, now, self.budget),
        )

    async def alternatives(self, sought: Sought) -> Suggestions:
        """What a refusal offers instead, searched in a read session of its own: the refused
        transaction has rolled back, so no lock is held meanwhile."""
        async with self.uow.read() as session:
            return await alternatives.suggest(session, sought, postgres=self.uow.database.is_postgres)

    async def update_booking(self, principal: Principal, cmd: UpdateBooking) -> Outcome:
        """Rename a booking or change its hold expiry."""
        now = utcnow()
        return await self._run(principal, lambda tx: bookings.update_booking(tx, principal, cmd, now))

    async def remove_allocation(
        self, principal: Principal, allocation_id: int, expected_version: int | None = None
    ) -> Outcome:
        """Take one allocation out of its booking (`expected_version`: the booking's)."""
        now = utcnow()
        return await self._run(
            principal,
            lambda tx: bookings.remove_allocation(tx, principal, allocation_id, expected_version, now, self.budget),
        )

    async def move_booking(self, principal: Principal, cmd: MoveBooking) -> MoveImpact:
        """Move a booking (or, with dry run, say what moving it would do)."""
        now = utcnow()
        return await self._run(principal, lambda tx: bookings.move_booking(tx, principal, cmd, now, self.budget))

    async def confirm_booking(
        self, principal: Principal, booking_id: int, expected_version: int | None = None
    ) -> Booking:
        """HOLD -> CONFIRMED."""
        now = utcnow()
        return await self._run(
            principal, lambda tx: transitions.confirm_booking(tx, principal, booking_id, expected_version, now)
        )

    async def cancel_booking(
        self, principal: Principal, booking_id: int, expected_version: int | None = None
    ) -> Booking:
        """Cancel a booking; its resources are free again."""
        now = utcnow()
        return await self._run(
            principal,
            lambda tx: transitions.cancel_booking(tx, principal, booking_id, expected_version, now, self.budget),
        )

    async def start_booking(
        self, principal: Principal, booking_id: int, at: datetime | None, expected_version: int | None = None
    ) -> Booking:
        """CONFIRMED -> IN_PROGRESS at `at` (default now)."""
        when = at or utcnow()
        return await self._run(
            principal, lambda tx: transitions.start_booking(tx, principal, booking_id, expected_version, when)
        )

    async def complete_booking(
        self, principal: Principal, booking_id: int, at: datetime | None, expected_version: int | None = None
    ) -> Booking:
        """IN_PROGRESS -> COMPLETED at `at` (default now); ended early, it promotes the holds queued
        behind the rest of its slot."""
        now = utcnow()
        when = at or now
        return await self._run(
            principal,
            lambda tx: transitions.complete_booking(
                tx, principal, booking_id, expected_version, when, now, self.budget
            ),
        )

    async def block_resource(self, principal: Principal, cmd: BlockResource) -> Block:
        """Block a resource for maintenance or time off."""
        now = utcnow()
        return await self._run(principal, lambda tx: blocks.block_resource(tx, principal, cmd, now))

    async def unblock_resource(self, principal: Principal, block_id: int, expected_version: int | None = None) -> Block:
        """Lift a block."""
        now = utcnow()
        return await self._run(
            principal, lambda tx: blocks.unblock_resource(tx, principal, block_id, expected_version, now)
        )

    async def challenge_hold(
        self, principal: Principal, booking_id: int, respond_by: datetime
    ) -> tuple[Booking, list[Booking]]:
        """Make each other project's HOLD ahead of this queued hold confirm by `respond_by`."""
        now = utcnow()
        return await self._run(
            principal, lambda tx: challenges.challenge_hold(tx, principal, booking_id, respond_by, now)
        )

    async def promote_released(
        self, tx: Tx, studio_id: int, booking_ids: list[int], now: datetime | None = None
    ) -> list[Booking]:
        """Inside a caller's transaction: the bookings let go of their claims; promote the queued
        holds behind them (under this service's budget policy). Returns the promoted holds."""
        return await queue.promote_released(tx, studio_id, booking_ids, now or utcnow(), self.budget)

    def sweep_runs(self) -> dict[str, Callable[[Tx, datetime], Awaitable[list[int]]]]:
        """The sweeper's functions of ranked holds, bound to this service's budget policy."""
        return {
            "expire_holds": queue.expire_holds_job(self.budget),
            "resolve_challenges": challenges.resolve_job(self.budget),
        }

    async def request_booking(self, principal: Principal, cmd: RequestBooking) -> Outcome:
        """A client's REQUESTED booking; it occupies nothing (`requests`)."""
        now = utcnow()
        return await self._keyed(
            principal,
            cmd.idempotency_key,
            "requestBooking",
            cmd.canonical(),
            lambda tx: requests.request_booking(tx, principal, cmd, now),
        )

    async def approve_booking(self, principal: Principal, cmd: ApproveBooking) -> Outcome:
        """REQUESTED -> HOLD or CONFIRMED through the checks of createBooking, or nothing."""
        now = utcnow()
        return await self._run(principal, lambda tx: requests.approve_booking(tx, principal, cmd, now, self.budget))

    async def decline_booking(self, principal: Principal, cmd: DeclineBooking) -> Outcome:
        """REQUESTED -> DECLINED with the reason the client reads."""
        now = utcnow()
        return await self._run(principal, lambda tx: requests.decline_booking(tx, principal, cmd, now))

    # Reads

    async def queue_positions(
        self, principal: Principal, bookings: list[Booking]
    ) -> dict[int, tuple[int | None, list[int]]]:
        """Rank and the bookings ahead of each booking (holders first)."""
        async with self.uow.read() as session:
            return await queue.positions(session, principal.studio_id, bookings, utcnow())

    async def available(
        self, principal: Principal, query: availability.AvailabilityQuery
    ) -> list[tuple[Resource, int]]:
        """Resources free for the whole window, with the quantity free (stock)."""
        async with self.uow.read() as session:
            return await availability.available(
                session, principal, query, utcnow(), postgres=self.uow.database.is_postgres
            )

    async def next_free_windows(
        self,
        principal: Principal,
        resource_id: int,
        duration_minutes: int,
        start: datetime,
        end: datetime,
        *,
        quantity: int,
        limit: int,
    ) -> list[Window]:
        """Windows in [start, end) where the resource is free for the duration, with its buffers."""
        async with self.uow.read() as session:
            return await availability.next_free_windows(
                session,
                principal,
                resource_id,
                duration_minutes,
                start,
                end,
                utcnow(),
                postgres=self.uow.database.is_postgres,
                quantity=quantity,
                limit=limit,
            )

    async def booking_page(
        self,
        principal: Principal,
        flt: booking_rows.BookingFilter,
        *,
        first: int,
        after: tuple[datetime, int] | None,
    ) -> tuple[list[Booking], bool]:
        """One page of the bookings the caller may see, by (start, id)."""
        async with self.uow.read() as session:
            return await booking_rows.page(session, principal, flt, first=first, after=after)
