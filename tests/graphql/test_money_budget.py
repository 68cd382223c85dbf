"""setProjectBudget: history, clearing, the event for live views, and bad input refused with nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import Event
from server.events.types import BOOKINGS
from server.schema.ids import to_global_id
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.money_support import SET_BUDGET, budget, price_catalogue, set_budget


async def test_budget_changes_keep_their_history_and_tell_live_views(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    changed = await set_budget(cat, "150", reason="client cut the scope")
    assert changed["budget"] == {
        "approved": {"amount": "150.00"},
        "estimate": {"amount": "170.00"},
        "remaining": {"amount": "-20.00"},
    }
    # Lowering a budget below the estimate is allowed; the next raise is not.
    more = await studio.data(
        """mutation($input: CreateBookingInput!) { createBooking(input: $input) { __typename
             ... on BudgetExceededError { overBy { amount } } } }""",
        {
            "input": {
                "projectId": cat.project,
                "title": "More",
                "start": at(2, 10).isoformat(),
                "end": at(2, 11).isoformat(),
                "allocations": [{"resourceId": cat.gid("Studio B")}],
            }
        },
    )
    assert more["createBooking"] == {"__typename": "BudgetExceededError", "overBy": {"amount": "105.00"}}
    cleared = await set_budget(cat, None, reason="open-ended retainer")
    assert cleared["budget"] == {"approved": None, "estimate": {"amount": "170.00"}, "remaining": None}
    history = (await budget(cat))["history"]
    assert [(h["previous"], h["approved"], h["reason"]) for h in history] == [
        (None, {"amount": "50000.00"}, "initial budget"),
        ({"amount": "50000.00"}, {"amount": "150.00"}, "client cut the scope"),
        ({"amount": "150.00"}, None, "open-ended retainer"),
    ]
    async with studio.runtime.uow.read() as session:
        events = (
            await session.scalars(
                select(Event).where(
                    Event.studio_id == studio.id, Event.topic == BOOKINGS, Event.type == "BudgetChanged"
                )
            )
        ).all()
    assert [e.payload for e in events] == [{"projectId": cat.project_id}] * 2


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"approvedBudget": "-1"}, "approvedBudget", "may not be negative"),
        ({"approvedBudget": "10.001"}, "approvedBudget", "at most 2 decimal places"),
        ({"approvedBudget": "Infinity"}, "approvedBudget", "finite"),
        ({"currency": "XYZ"}, "currency", "Unknown currency"),
        ({"currency": "USD"}, "currency", "in GBP"),
        ({"reason": "x" * 501}, "reason", "at most 500"),
    ],
)
async def test_bad_budgets_change_nothing(studio: StudioFixture, change: dict, field: str, text: str) -> None:
    cat = await build(studio)
    result = (await studio.data(SET_BUDGET, {"input": {"projectId": cat.project, "approvedBudget": "100", **change}}))[
        "setProjectBudget"
    ]
    assert (result["__typename"], result["code"], result["field"]) == ("ValidationError", "VALIDATION", field)
    assert text in result["message"]
    money = await budget(cat)
    assert (money["approved"]["amount"], len(money["history"])) == ("50000.00", 1)


async def test_unknown_projects_and_non_numbers(studio: StudioFixture) -> None:
    await build(studio)
    missing = (
        await studio.data(SET_BUDGET, {"input": {"projectId": to_global_id("Project", 10**9), "approvedBudget": "1"}})
    )["setProjectBudget"]
    assert (missing["__typename"], missing["code"]) == ("NotFoundError", "NOT_FOUND")
    body = await studio.gql(SET_BUDGET, {"input": {"projectId": to_global_id("Project", 1), "approvedBudget": "lots"}})
    assert body["data"] is None and "approvedBudget" in body["errors"][0]["message"]
