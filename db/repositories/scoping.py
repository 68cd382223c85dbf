"""Who may read what: every read starts from a statement this module builds for the caller.

Two levels, both failing closed (no scope, no rows):

- `scoped(model, scope)`: the caller's studio, nothing else. For reads a service narrows further
  itself (a row about to be changed, checked by the service's own rule).
- `readable(model, scope)`: the rows of that model the caller's role may read (netbox's
  `restrict(user, "view")`, polar's `get_readable_statement`). Staff read the whole studio; a
  producer the projects it produces and their bookings; crew the bookings they are called on and
  those bookings' projects; a display the sessions in its location's rooms; a scanner the bookings
  with gear at its cage and the audits of its cage. Money rows only to the roles that read money;
  webhooks and their deliveries only to administrators.
  with gear at its cage and the audits of its cage. Money rows only to the roles that read money.
  Calendar feeds: staff every feed of the studio (to revoke a leaver's), a person their own,
  devices none.
  A client (the portal's CLIENT role) reads its own client, that client's projects and their
  bookings, of those bookings only the room allocations, and of the catalogue only rooms: never
  crew, gear, money or another client's name. A client is read by whoever reads one of its projects.
  Notifications: only their own recipient's.
  A model with no rule here is studio-wide.

The roles of each rule are spelled out below; `tests/unit/test_read_scopes.py` checks them against
the permission table of `server.services.permissions`, and `tests/graphql/test_visibility.py`
walks every `Node` type and list query with every role against them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, false, select

from db.models import (
    Allocation,
    Audit,
    Booking,
    BookingSeries,
    CalendarFeed,
    Client,
    Invoice,
    Kit,
    MediaAsset,
    Milestone,
    Notification,
    Project,
    Rate,
    Resource,
    ResourceKind,
    Role,
    SessionTemplate,
    Task,
    Webhook,
    WebhookDelivery,
)

T = TypeVar("T")


class Scope(Protocol):
    """Anything that names the studio a caller belongs to (the services' Principal)."""

    @property
    def studio_id(self) -> int: ...


class RoleScope(Scope, Protocol):
    """A scope that also knows the caller's role, user and (devices) location."""

    @property
    def role(self) -> Role: ...

    @property
    def user_id(self) -> int | None: ...

    @property
    def location_id(self) -> int | None: ...

    @property
    def client_id(self) -> int | None: ...


STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})
# Who may read each kind of row at all (the rest of the studio's rows are open to every role).
CATALOGUE_READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CREW, Role.SCANNER})
MONEY_READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRODUCER})
RATE_READERS = STAFF
AUDIT_READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.SCANNER})
WEBHOOK_READERS = frozenset({Role.ADMIN})
# People (not devices) own calendar feeds.
FEED_OWNERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CREW})
# Templates are the studio's packages: the people who plan sessions read them.
TEMPLATE_READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CLIENT})
# Rooms (and their availability) are read by the catalogue's readers and by the client portal.
ROOM_READERS = CATALOGUE_READERS | {Role.CLIENT}
# The production plan: producers their projects' tasks, milestones and media; crew the tasks assigned
# to them and those tasks' milestones; a client its projects' milestones (never tasks or risks); media
# only to the people who plan.
PLAN_READERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRODUCER, Role.CREW, Role.CLIENT})
PLAN_MANAGERS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.PRODUCER})


def scoped(model: type[T], scope: Scope | None) -> Select[T]:
    """`SELECT model` limited to the scope's studio; fails closed without a scope."""
    stmt = select(model)
    if scope is None:
        return stmt.where(false())
    column: Any = model.studio_id  # type: ignore[attr-defined]
    return stmt.where(column == scope.studio_id)


def readable(model: type[T], scope: RoleScope | None) -> Select[T]:
    """`SELECT model` limited to the rows the caller's role may read."""
    stmt = scoped(model, scope)
    if scope is None:
        return stmt
    rule = _RULES.get(model)
    return stmt if rule is None else rule(stmt, scope)


def narrowed_catalogue(scope: RoleScope | None) -> bool:
    """Whether resources named by the rows a caller sees must still pass `readable` (the client
    portal: rooms only). Other callers read any resource such a row names (a display its board's rooms)."""
    return scope is not None and scope.role == Role.CLIENT


def allocations_shown(scope: RoleScope | None) -> Select[Allocation]:
    """Allocations of bookings the caller already sees: all of them, except that the client portal
    sees only the rooms."""
    if scope is not None and scope.role == Role.CLIENT:
        return readable(Allocation, scope)
    return scoped(Allocation, scope)


def sees_every_booking(scope: RoleScope | None, location_id: int | None = None) -> bool:
    """Whether `readable(Booking)` is the whole studio for this caller (staff), or, given a
    location, every booking in its rooms (staff, and a display of that location)."""
    if scope is None:
        return False
    if scope.role in STAFF:
        return True
    return location_id is not None and scope.role == Role.DISPLAY and scope.location_id == location_id


# Which parts of a scope the rules below read besides its studio and role: a user for these roles,
# a location for those, a client for the client portal. Keep `read_class` in step when a rule starts
# reading another part.
USER_SCOPED = frozenset({Role.PRODUCER, Role.CREW})
LOCATION_SCOPED = frozenset({Role.DISPLAY, Role.SCANNER})


def read_class(scope: RoleScope) -> tuple[int, str, int | None, int | None, int | None]:
    """What `readable` depends on: two scopes with the same class read exactly the same rows (of every
    model but the `PERSONAL` ones, which are their recipient's alone and never shared by class)."""
    user = scope.user_id if scope.role in USER_SCOPED else None
    location = scope.location_id if scope.role in LOCATION_SCOPED else None
    client = scope.client_id if scope.role == Role.CLIENT else None
    return (scope.studio_id, scope.role.value, user, location, client)


def _bookings(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role == Role.CLIENT:
        return stmt.where(Booking.project_id.in_(_clients_projects(scope)))
    if scope.role == Role.PRODUCER:
        return stmt.where(Booking.project_id.in_(_produced(scope))) if scope.user_id else stmt.where(false())
    if scope.role == Role.CREW:
        return stmt.where(Booking.id.in_(_called(scope))) if scope.user_id else stmt.where(false())
    if scope.role in (Role.DISPLAY, Role.SCANNER):
        kinds = (ResourceKind.ROOM,) if scope.role == Role.DISPLAY else (ResourceKind.EQUIPMENT, ResourceKind.STOCK)
        here = (
            select(Allocation.booking_id)
            .join(Resource, Resource.id == Allocation.resource_id)
            .where(
                Allocation.studio_id == scope.studio_id,
                Resource.location_id == scope.location_id,
                Resource.kind.in_(kinds),
            )
        )
        return stmt.where(Booking.id.in_(here))
    return stmt


def _allocations(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    # An allocation is readable exactly when its booking is.
    if scope.role in STAFF:
        return stmt
    stmt = stmt.where(Allocation.booking_id.in_(readable(Booking, scope).with_only_columns(Booking.id)))
    if scope.role == Role.CLIENT:
        # Of its bookings a client sees the rooms, never the crew or the gear.
        rooms = select(Resource.id).where(Resource.studio_id == scope.studio_id, Resource.kind == ResourceKind.ROOM)
        stmt = stmt.where(Allocation.resource_id.in_(rooms))
    return stmt


def _projects(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role == Role.CLIENT:
        return stmt.where(Project.id.in_(_clients_projects(scope)))
    if scope.role == Role.PRODUCER:
        return stmt.where(Project.producer_id == scope.user_id) if scope.user_id else stmt.where(false())
    if scope.role == Role.CREW:
        assigned = select(Booking.project_id).where(Booking.id.in_(_called(scope)))
        return stmt.where(Project.id.in_(assigned)) if scope.user_id else stmt.where(false())
    if scope.role in (Role.SCANNER, Role.DISPLAY):
        return stmt.where(false())
    return stmt


def _invoices(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role not in MONEY_READERS:
        return stmt.where(false())
    if scope.role in STAFF:
        return stmt
    return stmt.where(Invoice.project_id.in_(readable(Project, scope).with_only_columns(Project.id)))


def _audits(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role not in AUDIT_READERS:
        return stmt.where(false())
    return stmt.where(Audit.location_id == scope.location_id) if scope.role == Role.SCANNER else stmt


def _calendar_feeds(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role in STAFF:
        return stmt
    if scope.role in FEED_OWNERS and scope.user_id is not None:
        return stmt.where(CalendarFeed.owner_id == scope.user_id)
    return stmt.where(false())


def _series(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    # A series is readable exactly when its project is; its bookings keep their own rule.
    if scope.role in STAFF:
        return stmt
    return stmt.where(BookingSeries.project_id.in_(readable(Project, scope).with_only_columns(Project.id)))


def _resources(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role in CATALOGUE_READERS:
        return stmt
    if scope.role in ROOM_READERS:
        return stmt.where(Resource.kind == ResourceKind.ROOM)
    return stmt.where(false())


def _clients(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role in STAFF:
        return stmt
    if scope.role == Role.CLIENT:
        return stmt.where(Client.id == scope.client_id) if scope.client_id else stmt.where(false())
    owners = readable(Project, scope).where(Project.client_id.is_not(None)).with_only_columns(Project.client_id)
    return stmt.where(Client.id.in_(owners))


def _notifications(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    # A notification is its recipient's alone, whatever their role.
    return stmt.where(Notification.user_id == scope.user_id) if scope.user_id else stmt.where(false())


def _tasks(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role in STAFF:
        return stmt
    if scope.role == Role.PRODUCER and scope.user_id:
        return stmt.where(Task.project_id.in_(_produced(scope)))
    if scope.role == Role.CREW and scope.user_id:
        return stmt.where(Task.assignee_id.in_(_me_as_crew(scope)))
    return stmt.where(false())


def _milestones(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role in STAFF:
        return stmt
    if scope.role == Role.PRODUCER and scope.user_id:
        return stmt.where(Milestone.project_id.in_(_produced(scope)))
    if scope.role == Role.CREW and scope.user_id:
        mine = select(Task.milestone_id).where(
            Task.studio_id == scope.studio_id, Task.assignee_id.in_(_me_as_crew(scope))
        )
        return stmt.where(Milestone.id.in_(mine))
    if scope.role == Role.CLIENT and scope.client_id:
        theirs = select(Project.id).where(Project.studio_id == scope.studio_id, Project.client_id == scope.client_id)
        return stmt.where(Milestone.project_id.in_(theirs))
    return stmt.where(false())


def _media(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
    if scope.role in STAFF:
        return stmt
    if scope.role == Role.PRODUCER and scope.user_id:
        return stmt.where(MediaAsset.project_id.in_(_produced(scope)))
    return stmt.where(false())


def _me_as_crew(scope: RoleScope) -> Select[Any]:
    return select(Resource.id).where(Resource.studio_id == scope.studio_id, Resource.user_id == scope.user_id)


def _only(roles: frozenset[Role]) -> Callable[[Select[Any], RoleScope], Select[Any]]:
    def rule(stmt: Select[Any], scope: RoleScope) -> Select[Any]:
        return stmt if scope.role in roles else stmt.where(false())

    return rule


def _clients_projects(scope: RoleScope) -> Select[Any]:
    if not scope.client_id:
        return select(Project.id).where(false())
    return select(Project.id).where(Project.studio_id == scope.studio_id, Project.client_id == scope.client_id)


def _produced(scope: RoleScope) -> Select[Any]:
    return select(Project.id).where(Project.studio_id == scope.studio_id, Project.producer_id == scope.user_id)


def _called(scope: RoleScope) -> Select[Any]:
    return (
        select(Allocation.booking_id)
        .join(Resource, Resource.id == Allocation.resource_id)
        .where(Resource.user_id == scope.user_id, Allocation.studio_id == scope.studio_id)
    )


_RULES: dict[type, Callable[[Select[Any], RoleScope], Select[Any]]] = {
    Booking: _bookings,
    Allocation: _allocations,
    Project: _projects,
    Invoice: _invoices,
    Audit: _audits,
    CalendarFeed: _calendar_feeds,
    Rate: _only(RATE_READERS),
    Resource: _resources,
    Client: _clients,
    Notification: _notifications,
    Kit: _only(CATALOGUE_READERS),
    Webhook: _only(WEBHOOK_READERS),
    WebhookDelivery: _only(WEBHOOK_READERS),
    SessionTemplate: _only(TEMPLATE_READERS),
    BookingSeries: _series,
    Task: _tasks,
    Milestone: _milestones,
    MediaAsset: _media,
}


# Rows that belong to one person whatever their role: a live feed of them follows its recipient,
# not a viewer class.
PERSONAL: frozenset[type] = frozenset({Notification})


def read_rules() -> frozenset[type]:
    """The models with a rule of their own (the rest are studio-wide)."""
    return frozenset(_RULES)
