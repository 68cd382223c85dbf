"""The read scopes' role sets agree with the permission table, so the two never drift apart."""

from __future__ import annotations

from db.models import Role
from db.repositories import scoping
from server.services.permissions import GRANTS, Action


def _granted(action: Action) -> frozenset[Role]:
    return frozenset(role for role, actions in GRANTS.items() if action in actions)


def test_the_role_sets_of_the_read_scopes_are_the_permission_tables() -> None:
    assert _granted(Action.READ_CATALOGUE) == scoping.CATALOGUE_READERS
    assert _granted(Action.READ_MONEY) == scoping.MONEY_READERS
    assert _granted(Action.MANAGE_MONEY) == scoping.RATE_READERS
    assert _granted(Action.AUDIT_CAGE) == scoping.AUDIT_READERS
    assert _granted(Action.MANAGE_WEBHOOKS) == scoping.WEBHOOK_READERS
    assert _granted(Action.FOLLOW_CALENDAR) == scoping.FEED_OWNERS
    assert _granted(Action.READ_TEMPLATES) == scoping.TEMPLATE_READERS
    assert _granted(Action.READ_ROOMS) == scoping.ROOM_READERS
    assert _granted(Action.READ_PLAN) == scoping.PLAN_READERS
    assert _granted(Action.MANAGE_PLAN) == scoping.PLAN_MANAGERS
    assert frozenset({Role.ADMIN, Role.COORDINATOR}) == scoping.STAFF


def test_a_caller_without_a_scope_reads_nothing() -> None:
    for model in scoping.read_rules():
        sql = str(scoping.readable(model, None).compile(compile_kwargs={"literal_binds": True}))
        assert "false" in sql.lower() or "0 = 1" in sql or "1 != 1" in sql, sql
