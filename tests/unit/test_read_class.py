"""`read_class` names everything the read rules look at: scopes of one class read the same rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.dialects import postgresql

from db.models import Role
from db.repositories.scoping import PERSONAL, read_class, read_rules, readable


@dataclass(frozen=True)
class FakeScope:
    studio_id: int
    role: Role
    user_id: int | None
    location_id: int | None
    client_id: int | None = None


def sql(model: type, scope: FakeScope) -> str:
    return str(readable(model, scope).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("role", list(Role))
def test_scopes_of_one_class_read_the_same_rows_of_every_model(role: Role) -> None:
    variants = [
        FakeScope(1, role, user, location, client)
        for user in (None, 7, 8)
        for location in (None, 3, 4)
        for client in (None, 5, 6)
    ]
    by_class: dict[object, list[FakeScope]] = {}
    for scope in variants:
        by_class.setdefault(read_class(scope), []).append(scope)
    for scopes in by_class.values():
        for model in read_rules() - PERSONAL:
            assert len({sql(model, s) for s in scopes}) == 1, (role, model)


@pytest.mark.parametrize("role", list(Role))
def test_scopes_of_different_classes_differ_somewhere(role: Role) -> None:
    # The class is no coarser than the rules: two classes of a role read differently somewhere.
    variants = [
        FakeScope(1, role, user, location, client) for user in (7, 8) for location in (3, 4) for client in (5, 6)
    ]
    classes = {read_class(s): s for s in variants}
    models = sorted(read_rules() - PERSONAL, key=lambda m: m.__name__)
    seen = [tuple(sql(model, s) for model in models) for s in classes.values()]
    assert len(set(seen)) == len(seen), role
