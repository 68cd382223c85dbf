"""Studios (tenants) and their locations; administered from the command line."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.models import InvoiceCounter, Location, Studio
from db.repositories import tenancy
from server.events.types import RESOURCES, DomainEvent
from server.services import validation as v
from server.services.currency import check_currency
from server.services.errors import Invalid
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork


def check_timezone(name: str) -> str:
    """An IANA time zone name, or a validation error."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"Unknown time zone {name!r}.", field="timezone") from None
    return name


async def ensure_studio(tx: Tx, name: str, timezone: str = "UTC", currency: str = "EUR") -> tuple[Studio, bool]:
    """The studio of this name, created if missing; also whether it was created."""
    clean = v.required_text(name, "name", max_length=120)
    existing = await tenancy.studio_by_name(tx.session, clean)
    if existing is not None:
        return existing, False
    studio = Studio(
        name=clean,
        timezone=check_timezone(timezone),
        currency=check_currency(currency),
        opening_hours={},
    )
    tx.session.add(studio)
    await tx.session.flush()
    tx.session.add(InvoiceCounter(studio_id=studio.id, next_number=1))
    return studio, True


async def ensure_location(tx: Tx, studio_id: int, name: str) -> Location:
    """The studio's location of this name, created if missing."""
    clean = v.required_text(name, "name", max_length=120)
    existing = await tenancy.location_by_name(tx.session, studio_id, clean)
    if existing is not None:
        return existing
    location = Location(studio_id=studio_id, name=clean)
    tx.session.add(location)
    await tx.session.flush()
    tx.emit(DomainEvent(RESOURCES, "LocationCreated", {"locationId": location.id}), studio_id)
    return location


async def of_caller(uow: UnitOfWork, principal: Principal) -> tuple[Studio, Location | None]:
    """The caller's studio and, for a device, the location it is bound to."""
    async with uow.read() as session:
        studio = await tenancy.studio(session, principal)
        location = await tenancy.location(session, principal, principal.location_id) if principal.location_id else None
    assert studio is not None  # a principal exists only for a studio that does
    return studio, location
