"""Every read starts from a statement already narrowed to the caller's studio; no scope, no rows."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, false, select

T = TypeVar("T")


class Scope(Protocol):
    """Anything that names the studio a caller belongs to (the services' Principal)."""

    @property
    def studio_id(self) -> int: ...


def scoped(model: type[T], scope: Scope | None) -> Select[T]:
    """`SELECT model` limited to the scope's studio; fails closed without a scope."""
    stmt = select(model)
    if scope is None:
        return stmt.where(false())
    column: Any = model.studio_id  # type: ignore[attr-defined]
    return stmt.where(column == scope.studio_id)
