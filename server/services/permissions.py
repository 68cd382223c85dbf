"""The permission table of DESIGN §7, in one place. Services ask `require(principal, action)`."""

from __future__ import annotations

import enum

from db.models import Role
from server.services.errors import Forbidden
from server.services.principal import Principal


class Action(enum.StrEnum):
    READ_CATALOGUE = "read the resource catalogue"
    MANAGE_RESOURCES = "manage resources and kits"
    MANAGE_PROJECTS = "manage projects"
    READ_PROJECTS = "read projects"
    SCHEDULE = "schedule bookings"
    HOLD = "place holds"
    BLOCK_RESOURCES = "block resources"
    OPERATE_CAGE = "check gear out and in"
    AD_HOC_CHECKOUT = "check gear out without a booking"
    AUDIT_CAGE = "audit the cage"
    READ_BOARD = "read room boards"
    READ_MONEY = "read rates, costs and budgets"
    MANAGE_MONEY = "manage rates, budgets and invoices"
    APPROVE_OVERRUN = "approve budget overruns"
    MANAGE_TOKENS = "manage API tokens"
    READ_AUDIT_LOG = "read the audit log"
    MANAGE_WEBHOOKS = "manage webhooks"
    FOLLOW_CALENDAR = "subscribe to calendar feeds"
    READ_TEMPLATES = "read session templates"
    MANAGE_TEMPLATES = "manage session templates"
    READ_ROOMS = "read rooms and their availability"
    MANAGE_CLIENTS = "manage clients"
    REQUEST_BOOKINGS = "request bookings"
    APPROVE_REQUESTS = "approve or decline booking requests"
    READ_PLAN = "read the production plan"
    MANAGE_PLAN = "plan tasks, milestones, media and review links"


# A calendar feed belongs to a person and shows only what that person may read; devices have none.
_USER_READ = {Action.READ_CATALOGUE, Action.READ_PROJECTS, Action.READ_BOARD, Action.FOLLOW_CALENDAR}

GRANTS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.COORDINATOR: frozenset(Action) - {Action.MANAGE_TOKENS, Action.MANAGE_WEBHOOKS},
    # Producers act on their own projects' bookings and money; the services narrow to those projects
    # (approving a request too: their own projects', and only to a HOLD).
    Role.PRODUCER: frozenset(
        _USER_READ
        | {
            Action.MANAGE_PROJECTS,
            Action.SCHEDULE,
            Action.HOLD,
            Action.READ_MONEY,
            Action.READ_TEMPLATES,
            Action.READ_ROOMS,
            Action.REQUEST_BOOKINGS,
            Action.APPROVE_REQUESTS,
            Action.READ_PLAN,
            Action.MANAGE_PLAN,
        }
    ),
    # Crew read and move along the tasks assigned to them (the service narrows to those).
    Role.CREW: frozenset(_USER_READ | {Action.READ_ROOMS, Action.READ_PLAN}),
    Role.SCANNER: frozenset({Action.READ_CATALOGUE, Action.READ_ROOMS, Action.OPERATE_CAGE, Action.AUDIT_CAGE}),
    Role.DISPLAY: frozenset({Action.READ_BOARD}),
    # The client portal: its own client's projects and bookings, rooms and templates (no money, no
    # crew), its projects' milestones (no tasks, no risks), and requests; the read scopes narrow each
    # to its client.
    Role.CLIENT: frozenset(
        {Action.READ_PROJECTS, Action.READ_ROOMS, Action.READ_TEMPLATES, Action.READ_PLAN, Action.REQUEST_BOOKINGS}
    ),
}


def allowed(principal: Principal | None, action: Action) -> bool:
    """Whether the principal's role grants the action (no principal: nothing)."""
    return principal is not None and action in GRANTS[principal.role]


def require(principal: Principal | None, action: Action) -> Principal:
    """The principal, or Forbidden when its role does not grant the action."""
    if principal is None or action not in GRANTS[principal.role]:
        raise Forbidden(f"Your role may not {action.value}.")
    return principal
