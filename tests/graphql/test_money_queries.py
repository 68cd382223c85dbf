"""Budgets of a whole project list cost a constant number of SQL statements, however many projects."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import event

from db.models import Role
from server.schema.ids import to_global_id
from server.services import projects
from server.services.principal import Principal
from server.services.uow import Tx
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue

LIST = """{ projects(first: 50) { edges { node { name budget {
  estimate { amount } actual { amount } lines { description amount { amount } resource { name } booking { title } }
} } } } }"""


@contextmanager
def counting(studio: StudioFixture) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = studio.runtime.database.read_engine.sync_engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # Authentication is not the query's work: its occasional last-used stamp, and its token
        # lookup (with the BEGIN of its session), which a token remembered by the process skips.
        if statement.startswith("UPDATE api_tokens"):
            return
        if "FROM api_tokens" in statement:
            if statements and statements[-1] == "BEGIN":
                statements.pop()
            return
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def test_project_budgets_are_loaded_in_batches(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    with counting(studio) as few:
        small = await studio.data(LIST)
    assert len(small["projects"]["edges"]) == 2

    admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="setup")

    async def more(tx: Tx) -> list[int]:
        made = [await projects.create_project(tx, admin, f"Show {n}", None, Decimal(1000), None) for n in range(6)]
        return [p.id for p in made]

    ids = await studio.runtime.uow.run(more, studio_id=studio.id)
    for n, pk in enumerate(ids):
        room = ("Studio B", "Studio C", "Booth", "Edit Bay 1", "Edit Bay 2", "Buffered Room")[n]
        await create(
            cat,
            projectId=to_global_id("Project", pk),
            start=at(2, 10),
            end=at(2, 12),
            allocations=[{"resourceId": cat.gid(room)}],
        )
    with counting(studio) as many:
        large = await studio.data(LIST)
    assert len(large["projects"]["edges"]) == 8
    assert sum(1 for e in large["projects"]["edges"] if e["node"]["budget"]["lines"]) == 7
    assert len(many) == len(few), (few, many)
