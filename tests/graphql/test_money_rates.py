"""setRate: precedence, validity periods, and every kind of bad input refused with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from db.models import Role
from tests.alloc_support import at, build, create, iso
from tests.conftest import StudioFixture
from tests.money_support import SET_RATE, budget, set_rate

RATES = """query($resourceId: ID, $category: String) { rates(resourceId: $resourceId, category: $category) {
  category unit billRate { amount } costRate { amount } validFrom validUntil resource { name } } }"""


async def rate_card(studio: StudioFixture, **filters: Any) -> list[dict[str, Any]]:
    return (await studio.data(RATES, filters))["rates"]


async def test_set_rate_returns_the_rate_in_the_studio_currency(studio: StudioFixture) -> None:
    cat = await build(studio)
    result = await set_rate(
        cat,
        resourceId=cat.gid("Jordan Blake"),
        unit="DAY",
        billRate="400",
        costRate="300.5",
        overtimeAfterHours=10,
        overtimeMultiplier="1.5",
    )
    assert result["__typename"] == "RateSet"
    assert (result["unit"], result["costRate"], result["billRate"]) == (
        "DAY",
        {"amount": "300.50", "currency": "GBP"},
        {"amount": "400.00", "currency": "GBP"},
    )
    rate = result["rate"]
    assert (rate["resource"], rate["category"], rate["overtimeAfterHours"], rate["overtimeMultiplier"]) == (
        {"name": "Jordan Blake"},
        None,
        10,
        "1.5",
    )


async def test_resource_rate_wins_and_category_rate_is_the_fallback(studio: StudioFixture) -> None:
    cat = await build(studio)
    await set_rate(cat, category="Microphone", unit="DAY", billRate="15", costRate="2")
    await set_rate(cat, resourceId=cat.gid("SM7B 1"), unit="DAY", billRate="20", costRate="3")
    await create(
        cat,
        start=at(1, 10),
        end=at(1, 12),
        allocations=[{"resourceId": cat.gid(n)} for n in ("SM7B 1", "SM7B 2", "Studio A")],
    )
    lines = {ln["description"]: (ln["amount"]["amount"], ln["priced"]) for ln in (await budget(cat))["lines"]}
    # Studio A has no rate at all: listed, unpriced, at zero.
    assert lines == {"SM7B 1": ("20.00", True), "SM7B 2": ("15.00", True), "Studio A": ("0.00", False)}


async def test_validity_periods_supersede_replace_and_refuse_overlaps(studio: StudioFixture) -> None:
    cat = await build(studio)
    await set_rate(cat, category="edit bay", unit="HOUR", billRate="30", costRate="8")
    # A new open-ended rate from April closes the old one there.
    april = iso(at(30, 0))
    assert (await set_rate(cat, category="edit bay", unit="HOUR", billRate="35", costRate="9", validFrom=april))[
        "__typename"
    ] == "RateSet"
    card = await rate_card(studio, category="edit bay")
    assert [(r["billRate"]["amount"], r["validFrom"], r["validUntil"]) for r in card] == [
        ("30.00", None, "2031-04-02T00:00:00Z"),
        ("35.00", "2031-04-02T00:00:00Z", None),
    ]
    # The same validity again replaces that rate.
    await set_rate(cat, category="Edit Bay", unit="HOUR", billRate="36", costRate="9", validFrom=april)
    assert [r["billRate"]["amount"] for r in await rate_card(studio, category="edit bay")] == ["30.00", "36.00"]
    # A bounded period inside an existing one overlaps it.
    refused = await set_rate(
        cat, category="edit bay", unit="HOUR", billRate="50", costRate="9", validFrom=iso(at(40, 0)),
        validUntil=iso(at(41, 0)),
    )  # fmt: skip
    assert (refused["__typename"], refused["code"], refused["field"]) == ("ValidationError", "VALIDATION", "validFrom")
    assert "Overlaps the rate valid from 2031-04-02" in refused["message"]
    assert [r["billRate"]["amount"] for r in await rate_card(studio, category="edit bay")] == ["30.00", "36.00"]
    # Estimates pick the rate valid when each allocation starts.
    await create(cat, start=at(29, 10), end=at(29, 12), allocations=[{"resourceId": cat.gid("Edit Bay 1")}])
    await create(cat, start=at(30, 10), end=at(30, 12), allocations=[{"resourceId": cat.gid("Edit Bay 1")}])
    assert [ln["amount"]["amount"] for ln in (await budget(cat))["lines"]] == ["60.00", "72.00"]


BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"billRate": "-1"}, "billRate", "may not be negative"),
    ({"costRate": "-0.01"}, "costRate", "may not be negative"),
    ({"billRate": "NaN"}, "billRate", "finite"),
    ({"billRate": "12.345"}, "billRate", "at most 2 decimal places"),
    ({"currency": "XYZ"}, "currency", "Unknown currency"),
    ({"currency": "EUR"}, "currency", "in GBP"),
    ({"category": None}, "resourceId", "exactly one"),
    ({"resourceId": "RESOURCE"}, "resourceId", "exactly one"),
    ({"category": "   "}, "category", "may not be empty"),
    ({"unit": "DAY", "dayCapHours": 8}, "dayCapHours", "hourly rates only"),
    ({"dayCapHours": 0}, "dayCapHours", "between 1 and 24"),
    ({"overtimeAfterHours": 8}, "overtimeAfterHours", "needs both"),
    ({"overtimeAfterHours": 8, "overtimeMultiplier": "0.5"}, "overtimeMultiplier", "between 1 and 4"),
    ({"overtimeAfterHours": 8, "overtimeMultiplier": "1.333"}, "overtimeMultiplier", "two decimal places"),
    ({"unit": "FLAT", "overtimeAfterHours": 8, "overtimeMultiplier": "1.5"}, "overtimeAfterHours", "hourly and day"),
    ({"dayCapHours": 8, "overtimeAfterHours": 8, "overtimeMultiplier": "1.5"}, "dayCapHours", "not both"),
    ({"lateFeePerDay": "-5"}, "lateFeePerDay", "may not be negative"),
    ({"validFrom": "2031-03-05T00:00:00Z", "validUntil": "2031-03-04T00:00:00Z"}, "validUntil", "after the start"),
]


@pytest.mark.parametrize(("change", "field", "text"), BAD_INPUTS)
async def test_bad_rates_are_refused_and_nothing_changes(
    studio: StudioFixture, change: dict[str, Any], field: str, text: str
) -> None:
    cat = await build(studio)
    good = {"category": "camera", "unit": "HOUR", "billRate": "10", "costRate": "5"}
    if change.get("resourceId") == "RESOURCE":
        change = {**change, "resourceId": cat.gid("Camera body A")}
    result = await set_rate(cat, **{**good, **change})
    assert (result["__typename"], result["code"], result["field"]) == ("ValidationError", "VALIDATION", field)
    assert text in result["message"]
    assert await rate_card(studio) == []


async def test_non_numeric_amounts_never_reach_the_service(studio: StudioFixture) -> None:
    cat = await build(studio)
    body = await studio.gql(
        SET_RATE, {"input": {"category": "camera", "unit": "HOUR", "billRate": "ten pounds", "costRate": "5"}}
    )
    assert body["data"] is None and "billRate" in body["errors"][0]["message"]
    assert await rate_card(studio) == []
    del cat


async def test_late_fees_are_for_equipment_and_unknown_resources_are_not_found(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    cat = await build(studio)
    room = await set_rate(
        cat, resourceId=cat.gid("Studio A"), unit="HOUR", billRate="1", costRate="1", lateFeePerDay="5"
    )
    assert (room["code"], room["field"]) == ("VALIDATION", "lateFeePerDay")
    other = await build(other_studio)
    foreign = await set_rate(cat, resourceId=other.gid("Studio A"), unit="HOUR", billRate="1", costRate="1")
    assert (foreign["__typename"], foreign["code"]) == ("NotFoundError", "NOT_FOUND")
    assert await rate_card(studio) == []


@pytest.mark.parametrize("role", list(Role))
async def test_only_admins_and_coordinators_set_and_read_rates(studio: StudioFixture, role: Role) -> None:
    cat = await build(studio)
    result = await set_rate(cat, role=role, category="camera", unit="DAY", billRate="250", costRate="40")
    may = role in (Role.ADMIN, Role.COORDINATOR)
    assert result["__typename"] == ("RateSet" if may else "ForbiddenError")
    if not may:
        assert result["code"] == "FORBIDDEN"
        await set_rate(cat, category="camera", unit="DAY", billRate="250", costRate="40")
    card = (await studio.data(RATES, {}, role=role))["rates"]
    assert len(card) == (1 if may else 0)
