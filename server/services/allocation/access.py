"""Who may change which booking: staff any; producers their own projects'; nobody else.

A booking the caller may not see reads as not found; a project of the studio that is not the
producer's own is forbidden (the producer may know it exists, not book on it).
"""

from __future__ import annotations

from collections.abc import Sequence

from db.models import Booking, Project, Resource, Role, Studio
from db.repositories import bookings as booking_rows
from db.repositories import projects as project_rows
from server.services import versions
from server.services.errors import Forbidden, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx


async def project_for_booking(tx: Tx, principal: Principal, project_id: int) -> tuple[Project, Studio]:
    """The project a new booking goes on, if the caller may book on it, and the caller's studio."""
    project, studio, _ = await project_and_resources_for_booking(tx, principal, project_id, ())
    return project, studio


async def project_and_resources_for_booking(
    tx: Tx, principal: Principal, project_id: int, resource_ids: Sequence[int]
) -> tuple[Project, Studio, dict[int, Resource]]:
    """`project_for_booking`, and the studio's resources among `resource_ids` (for
    `claims.resolve`), read in the same round trip: every createBooking needs the studio's policies."""
    require(principal, Action.HOLD)
    found = await project_rows.get_with_studio_and_resources(tx.session, principal, project_id, resource_ids)
    if found is None:
        raise NotFound("No such project.")
    project, studio, resources = found
    if principal.role == Role.PRODUCER and project.producer_id != principal.user_id:
        raise Forbidden("Producers book on their own projects only.")
    return project, studio, {r.id: r for r in resources}


async def booking_for_change(
    tx: Tx, principal: Principal, booking_id: int, expected_version: int | None, *, claim: bool = True
) -> Booking:
    """The booking row, locked, if the caller may change it; with `claim`, at its next version
    (refused with StaleVersion when `expected_version` is given and no longer current)."""
    require(principal, Action.SCHEDULE)
    if await booking_rows.get_visible(tx.session, principal, booking_id) is None:
        raise NotFound("No such booking.")
    if claim:
        await versions.claim(tx, Booking, principal.studio_id, booking_id, expected_version)
    booking = await booking_rows.lock(tx.session, principal.studio_id, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    return booking
