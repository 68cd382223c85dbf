"""Typed errors returned as members of mutation result unions (never raised to the client)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from server.schema.execution import report_beside
from server.schema.types.money import Money
from server.services import errors as domain
from server.services.allocation.alternatives import Sought, Suggestions

if TYPE_CHECKING:
    from server.schema.types.catalogue import Kit, Resource
    from server.schema.types.scheduling import Booking


@strawberry.interface(description="An expected refusal the client can act on.")
class UserError:
    code: str = strawberry.field(description="Stable UPPER_SNAKE code, e.g. CONFLICT, NOT_FOUND.")
    message: str = strawberry.field(description="A sentence for a person.")


@strawberry.type(description="The input cannot succeed as given.")
class ValidationError(UserError):
    field: str | None = strawberry.field(default=None, description="The input field at fault, if one is.")


@strawberry.type(description="The thing does not exist, or the caller may not know it exists.")
class NotFoundError(UserError):
    pass


@strawberry.type(description="The caller's role does not allow this.")
class ForbiddenError(UserError):
    pass


@strawberry.type(description="The object is not in a state that allows this change.")
class InvalidTransitionError(UserError):
    pass


@strawberry.type(description="The idempotency key was used before with a different input.")
class IdempotencyMismatchError(UserError):
    pass


@strawberry.type(description="The object changed since the version the client expected; nothing was changed.")
class StaleVersionError(UserError):
    current_version: int = strawberry.field(description="The object's version now: read it again, then retry.")


@strawberry.type(description="The change would take the project's estimate above its approved budget.")
class BudgetExceededError(UserError):
    over_by: Money = strawberry.field(description="How far above the approved budget.")


@strawberry.type(description="An existing claim that collides with the request.")
class Conflict:
    start: datetime = strawberry.field(description="Start of the clashing claim.")
    end: datetime = strawberry.field(description="End of the clashing claim.")
    resource_id: strawberry.Private[int]
    booking_id: strawberry.Private[int | None]
    occurrence_start: datetime | None = strawberry.field(
        default=None, description="In a series: the start of the occurrence that clashed."
    )

    @strawberry.field(description="The resource that is taken.")
    async def resource(
        self, info: strawberry.Info
    ) -> Annotated[Resource, strawberry.lazy("server.schema.types.catalogue")]:
        from server.schema.types.catalogue import Resource

        row = await info.context.loaders.resources_by_id.load(self.resource_id)
        return Resource.from_model(row)

    @strawberry.field(description="The booking holding it; null for a block or where the caller may not see it.")
    async def booking(
        self, info: strawberry.Info
    ) -> Annotated[Booking, strawberry.lazy("server.schema.types.scheduling")] | None:
        if self.booking_id is None:
            return None
        from server.schema.types.scheduling import Booking

        row = await info.context.loaders.visible_bookings_by_id.load(self.booking_id)
        return None if row is None else Booking.from_model(row)


class Offer:
    """A refusal's alternatives: given (ids), or searched for (`sought`) once, by the first field
    that asks, after the refused transaction has ended; a client that asks for none costs no search.

    A failed search is reported as an error at the field that asked, which answers an empty list
    meanwhile: the field is non-null, and its error must not null the refusal it belongs to."""

    def __init__(
        self, sought: Sought | None = None, resource_ids: list[int] | None = None, kit_ids: list[int] | None = None
    ) -> None:
        self.sought = sought
        self._given = (resource_ids or [], kit_ids or [])
        self._search: asyncio.Future[Suggestions] | None = None

    async def _ids(self, info: strawberry.Info) -> tuple[list[int], list[int]]:
        if self.sought is None:
            return self._given
        if self._search is None:
            self._search = asyncio.ensure_future(info.context.runtime.allocation.alternatives(self.sought))
        try:
            # Shielded: two fields share the search, and one of them being cancelled must not end it.
            found = await asyncio.shield(self._search)
        except Exception as exc:
            report_beside(info, exc)
            return [], []
        # The search read the rows already: the loaders serve them (where the caller's reads allow).
        info.context.loaders.known(found.resources, found.kits)
        return [r.id for r in found.resources], [k.id for k in found.kits]

    async def resources(self, info: strawberry.Info) -> list[Resource]:
        from server.schema.types.catalogue import Resource

        rows = await info.context.loaders.resources_by_id.load_many((await self._ids(info))[0])
        return [Resource.from_model(r) for r in rows if r is not None]

    async def kits(self, info: strawberry.Info) -> list[Kit]:
        from server.schema.types.catalogue import Kit

        rows = await info.context.loaders.kits_by_id.load_many((await self._ids(info))[1])
        return [Kit.from_model(r) for r in rows if r is not None]


@strawberry.type(description="The request clashes with existing bookings or blocks.")
class ConflictError(UserError):
    conflicts: list[Conflict] = strawberry.field(description="Every clash.")
    offer: strawberry.Private[Offer] = strawberry.field(default_factory=Offer)

    @strawberry.field(description="Free resources of the same category / skill in the asked window.")
    async def alternatives(
        self, info: strawberry.Info
    ) -> list[Annotated[Resource, strawberry.lazy("server.schema.types.catalogue")]]:
        return await self.offer.resources(info)

    @strawberry.field(description="Free kits made of the same kinds of items, where a kit clashed.")
    async def alternative_kits(
        self, info: strawberry.Info
    ) -> list[Annotated[Kit, strawberry.lazy("server.schema.types.catalogue")]]:
        return await self.offer.kits(info)


AnyUserError = (
    ValidationError
    | NotFoundError
    | ForbiddenError
    | InvalidTransitionError
    | IdempotencyMismatchError
    | BudgetExceededError
    | ConflictError
    | StaleVersionError
)


def from_domain(exc: domain.DomainError) -> AnyUserError:
    """The API error type of a domain error."""
    if isinstance(exc, domain.Conflict):
        return ConflictError(
            code=exc.code,
            message=exc.message,
            conflicts=[
                Conflict(
                    start=c.start,
                    end=c.end,
                    resource_id=c.resource_id,
                    booking_id=c.booking_id,
                    occurrence_start=c.occurrence_start,
                )
                for c in exc.clashes
            ],
            offer=Offer(exc.sought, exc.alternative_ids, exc.alternative_kit_ids),
        )
    if isinstance(exc, domain.StaleVersion):
        return StaleVersionError(code=exc.code, message=exc.message, current_version=exc.current_version)
    if isinstance(exc, domain.BudgetExceeded):
        return BudgetExceededError(
            code=exc.code, message=exc.message, over_by=Money.of(exc.over_by_minor, exc.currency)
        )
    if isinstance(exc, domain.Invalid):
        return ValidationError(code=exc.code, message=exc.message, field=exc.field)
    if isinstance(exc, domain.NotFound):
        return NotFoundError(code=exc.code, message=exc.message)
    if isinstance(exc, domain.Forbidden | domain.Unauthenticated):
        return ForbiddenError(code="FORBIDDEN", message=exc.message)
    if isinstance(exc, domain.InvalidTransition):
        return InvalidTransitionError(code=exc.code, message=exc.message)
    if isinstance(exc, domain.IdempotencyMismatch):
        return IdempotencyMismatchError(code=exc.code, message=exc.message)
    raise TypeError(f"unmapped domain error {type(exc).__name__}")
