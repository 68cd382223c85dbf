"""Utilization over a week: bookable and booked hours, revenue and cost per resource and category, idle gear."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from db.models import Studio
from server.services.uow import Tx
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue

FIGURES = "bookableHours bookedHours utilization revenue { amount } cost { amount }"
QUERY = f"""query($input: UtilizationInput!) {{ utilization(input: $input) {{
  start end currency
  resources {{ resource {{ name }} figures {{ {FIGURES} }} }}
  categories {{ kind category resourceCount figures {{ {FIGURES} }} }}
  total {{ {FIGURES} }}
  idle {{ name }}
}} }}"""
WEEK = {"start": "2031-03-03T00:00:00Z", "end": "2031-03-10T00:00:00Z"}


def figures(bookable: str, booked: str, percent: str | None, revenue: str, cost: str) -> dict[str, Any]:
    return {
        "bookableHours": bookable,
        "bookedHours": booked,
        "utilization": percent,
        "revenue": {"amount": revenue},
        "cost": {"amount": cost},
    }


async def test_a_week_of_rooms_gear_and_crew(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    confirmed = {"status": "CONFIRMED"}
    await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio A")}], **confirmed)
    await create(cat, start=at(2, 10), end=at(2, 14), allocations=[{"resourceId": cat.gid("Studio A")}], **confirmed)
    # Sunday night into Monday: two of its four hours fall in the week (outside opening hours).
    await create(cat, start=at(6, 22), end=at(7, 2), allocations=[{"resourceId": cat.gid("Studio A")}], **confirmed)
    # A hold is tentative: it does not count.
    await create(cat, start=at(1, 10), end=at(1, 12), allocations=[{"resourceId": cat.gid("Studio B")}])
    await create(
        cat,
        start=at(3, 9),
        end=at(3, 19),
        allocations=[{"resourceId": cat.gid("Sam Okafor")}, {"resourceId": cat.gid("XLR cables"), "quantity": 4}],
        **confirmed,
    )
    report = (await studio.data(QUERY, {"input": WEEK}))["utilization"]
    by_name = {r["resource"]["name"]: r["figures"] for r in report["resources"]}
    # Studio A: 8 of 50 opening hours; 170 + 340 + half of 340 billed; cost 30.00 an hour likewise.
    assert by_name["Studio A"] == figures("50", "8", "16.0", "680.00", "240.00")
    assert by_name["Studio B"] == figures("50", "0", "0.0", "0.00", "0.00")
    # Sam: 10 hours, 2 of them overtime at 150% (8 x 40.00 + 2 x 60.00; cost 8 x 25.00 + 2 x 37.50).
    assert by_name["Sam Okafor"] == figures("50", "10", "20.0", "440.00", "275.00")
    # The pool of ten cables: 500 unit-hours bookable, 4 cables for 10 hours booked, one day each.
    assert by_name["XLR cables"] == figures("500", "40", "8.0", "10.00", "1.60")
    categories = {(c["kind"], c["category"]): (c["resourceCount"], c["figures"]) for c in report["categories"]}
    assert categories[("ROOM", "podcast studio")] == (2, figures("100", "8", "8.0", "680.00", "240.00"))
    assert categories[("CREW", "crew")] == (4, figures("200", "10", "5.0", "440.00", "275.00"))
    idle = {r["name"] for r in report["idle"]}
    assert "Studio B" in idle and "Studio A" not in idle and "Sam Okafor" not in idle and "XLR cables" not in idle
    assert report["total"]["revenue"] == {"amount": "1130.00"}
    assert (report["currency"], report["start"], report["end"]) == ("GBP", WEEK["start"], WEEK["end"])


async def test_filters_and_the_studios_own_opening_hours(studio: StudioFixture) -> None:
    cat = await build(studio)

    async def open_saturdays(tx: Tx) -> None:
        hours = {"mon": ["08:00-20:00"], "sat": ["10:00-14:00"]}
        await tx.session.execute(update(Studio).where(Studio.id == studio.id).values(opening_hours=hours))

    await studio.runtime.uow.run(open_saturdays, studio_id=studio.id)
    report = (await studio.data(QUERY, {"input": {**WEEK, "kind": "ROOM", "category": "Podcast Studio"}}))[
        "utilization"
    ]
    assert [r["resource"]["name"] for r in report["resources"]] == ["Studio A", "Studio B"]
    assert report["total"] == figures("32", "0", "0.0", "0.00", "0.00")
    assert [r["name"] for r in report["idle"]] == ["Studio A", "Studio B"]
    del cat


async def test_bad_periods_are_refused(studio: StudioFixture) -> None:
    for period, code in (
        ({"start": "2031-03-10T00:00:00Z", "end": "2031-03-03T00:00:00Z"}, "BAD_USER_INPUT"),
        ({"start": "2031-01-01T00:00:00Z", "end": "2032-03-01T00:00:00Z"}, "BAD_USER_INPUT"),
    ):
        body = await studio.gql(QUERY, {"input": period})
        assert body["errors"][0]["extensions"]["code"] == code
    naive = await studio.gql(QUERY, {"input": {"start": "2031-03-03T00:00:00", "end": "2031-03-10T00:00:00Z"}})
    assert "offset" in naive["errors"][0]["message"]
