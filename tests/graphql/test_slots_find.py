"""findSlots and bookSlot through the API: exact slots on a small studio, the key, refusals."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from db.models import Role
from tests.alloc_support import Catalogue, at, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.slots_support import BOOK, find, template

PODCAST = [
    {"kind": "ROOM", "category": "podcast studio"},
    {"kind": "CREW", "role": "recording engineer"},
]


async def _sam_busy_ten_to_noon(cat: Catalogue) -> None:
    made = await create(cat, start=at(0, 10), end=at(0, 12), allocations=[{"resourceId": cat.gid("Sam Okafor")}])
    assert made["__typename"] == "BookingCreated", made


def z(value: Any) -> str:
    """A time as the API writes it."""
    return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _names(slot: dict[str, Any]) -> list[tuple[int, str]]:
    return [(a["need"], a["resource"]["name"]) for a in slot["assignments"]]


async def test_earliest_aligned_starts_with_the_smallest_room_and_the_free_engineer(studio: StudioFixture) -> None:
    cat = await build(studio)
    await _sam_busy_ten_to_noon(cat)
    body = await find(
        studio, needs=PODCAST, durationMinutes=120, **{"from": iso(at(0, 9))}, until=iso(at(0, 14)), stepMinutes=60
    )
    slots = body["data"]["findSlots"]
    assert [(s["start"], s["end"]) for s in slots] == [
        (z(at(0, 12)), z(at(0, 14))),
        (z(at(0, 13)), z(at(0, 15))),
    ]
    assert _names(slots[0]) == [(0, "Studio B"), (1, "Sam Okafor")]
    assert slots[0]["assignments"][1]["role"] == "recording engineer"
    assert slots[0]["estimate"] is None  # no project asked


async def test_min_capacity_location_and_opening_hours(studio: StudioFixture) -> None:
    cat = await build(studio)
    needs = [{"kind": "ROOM", "category": "podcast studio", "minCapacity": 5}]
    body = await find(studio, needs=needs, durationMinutes=60, **{"from": iso(at(0, 17))}, until=iso(at(1, 10)))
    slots = body["data"]["findSlots"]
    # 18:00 is the last start that ends by 19:00; the next day opens at 09:00.
    assert [s["start"] for s in slots] == [z(at(0, 17)), z(at(0, 17.5)), z(at(0, 18)), z(at(1, 9)), z(at(1, 9.5))]
    assert {a["resource"]["name"] for s in slots for a in s["assignments"]} == {"Studio A"}
    assert cat.ids


async def test_template_with_kit_quantity_and_edit_bay_after(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await template(
        studio,
        name="Interview",
        durationMinutes=120,
        needs=[
            {"kind": "ROOM", "category": "video studio"},
            {"kind": "EQUIPMENT", "category": "microphone", "quantity": 2},
            {"kind": "EQUIPMENT", "kitId": cat.kit("Camera package A")},
            {"kind": "ROOM", "category": "edit bay", "offsetMinutes": 120, "durationMinutes": 90},
        ],
    )
    assert made["__typename"] == "SessionTemplateCreated", made
    # The first edit bay is taken right after 10:00-12:00, the second is free.
    taken = await create(cat, start=at(0, 12), end=at(0, 14), allocations=[{"resourceId": cat.gid("Edit Bay 1")}])
    assert taken["__typename"] == "BookingCreated"
    body = await find(
        studio,
        templateId=made["template"]["id"],
        projectId=cat.project,
        **{"from": iso(at(0, 10))},
        until=iso(at(0, 11)),
        first=1,
    )
    (slot,) = body["data"]["findSlots"]
    assert slot["start"] == z(at(0, 10))
    assert _names(slot) == [
        (0, "Studio C"),
        (1, "SM7B 1"),
        (1, "SM7B 2"),
        (2, "Camera body A"),
        (2, "Lens A"),
        (3, "Edit Bay 2"),
    ]
    bay = slot["assignments"][-1]
    assert (bay["start"], bay["end"]) == (z(at(0, 12)), z(at(0, 13.5)))
    assert slot["estimate"] == {"amount": "0.00", "currency": "GBP"}
    booked = await studio.gql(BOOK, {"input": {"projectId": cat.project, "slotKey": slot["key"], "title": "Take 1"}})
    result = booked["data"]["bookSlot"]
    assert result["__typename"] == "BookingCreated", result
    assert sorted(a["resource"]["name"] for a in result["booking"]["allocations"]) == sorted(n for _, n in _names(slot))
    again = await studio.gql(BOOK, {"input": {"projectId": cat.project, "slotKey": slot["key"], "title": "Take 2"}})
    assert again["data"]["bookSlot"]["__typename"] == "ConflictError"


async def test_a_forged_or_foreign_key_is_a_validation_error(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    cat = await build(studio)
    body = await find(studio, needs=PODCAST, durationMinutes=60, **{"from": iso(at(0, 9))}, until=iso(at(0, 12)))
    key = body["data"]["findSlots"][0]["key"]
    payload, signature = key.split(".")
    for forged in (payload + "." + "0" * len(signature), payload[:-2] + "." + signature, "nonsense"):
        answer = await studio.gql(BOOK, {"input": {"projectId": cat.project, "slotKey": forged, "title": "x"}})
        assert answer["data"]["bookSlot"] == {
            "__typename": "ValidationError",
            "code": "VALIDATION",
            "message": "This slot key is not valid; find slots again.",
            "field": "slotKey",
        }
    other = await build(other_studio)
    answer = await other_studio.gql(BOOK, {"input": {"projectId": other.project, "slotKey": key, "title": "x"}})
    assert answer["data"]["bookSlot"]["__typename"] == "ValidationError"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"until": iso(at(0, 9))}, "until"),
        ({"until": iso(at(32, 9))}, "until"),
        ({"first": 21}, "first"),
        ({"stepMinutes": 4}, "stepMinutes"),
        ({"stepMinutes": 241}, "stepMinutes"),
        ({"needs": [{"kind": "ROOM", "quantity": 0}]}, "needs[0].quantity"),
        ({"needs": [{"kind": "ROOM", "durationMinutes": 0}]}, "needs[0].durationMinutes"),
        ({"durationMinutes": 0}, "durationMinutes"),
    ],
)
async def test_bad_input_is_refused(studio: StudioFixture, change: dict[str, Any], field: str) -> None:
    await build(studio)
    ask = {"needs": PODCAST, "durationMinutes": 60, "from": iso(at(0, 9)), "until": iso(at(1, 9)), **change}
    body = await find(studio, **ask)
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, error


async def test_foreign_ids_read_as_not_found(studio: StudioFixture, other_studio: StudioFixture) -> None:
    await build(studio)
    other = await build(other_studio)
    made = await template(other_studio, name="Theirs", durationMinutes=60, needs=[{"kind": "ROOM"}])
    window = {"from": iso(at(0, 9)), "until": iso(at(1, 9))}
    for ask in (
        {"templateId": made["template"]["id"]},
        {"needs": [{"kind": "ROOM", "resourceId": other.gid("Studio A")}], "durationMinutes": 60},
        {"needs": PODCAST, "durationMinutes": 60, "projectId": other.project},
    ):
        body = await find(studio, **ask, **window)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", (ask, body)


@pytest.mark.parametrize("role", [Role.CREW, Role.DISPLAY, Role.SCANNER])
async def test_crew_and_devices_may_not_find_or_book(studio: StudioFixture, role: Role) -> None:
    cat = await build(studio)
    window = {"from": iso(at(0, 9)), "until": iso(at(1, 9))}
    body = await find(studio, role=role, needs=PODCAST, durationMinutes=60, **window)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    key = (await find(studio, needs=PODCAST, durationMinutes=60, **window))["data"]["findSlots"][0]["key"]
    answer = await studio.gql(BOOK, {"input": {"projectId": cat.project, "slotKey": key, "title": "x"}}, role=role)
    assert answer["data"]["bookSlot"]["__typename"] == "ForbiddenError"


async def test_producer_sees_the_estimate_and_books_on_its_project(studio: StudioFixture) -> None:
    cat = await build(studio)
    window = {"from": iso(at(0, 9)), "until": iso(at(1, 9))}
    body = await find(studio, role=Role.PRODUCER, needs=PODCAST, durationMinutes=60, projectId=cat.project, **window)
    slot = body["data"]["findSlots"][0]
    assert slot["estimate"] is not None
    foreign = await find(studio, role=Role.PRODUCER, needs=PODCAST, durationMinutes=60, projectId=cat.other_project,
                         **window)  # fmt: skip
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    answer = await studio.gql(
        BOOK, {"input": {"projectId": cat.project, "slotKey": slot["key"], "title": "x"}}, role=Role.PRODUCER
    )
    assert answer["data"]["bookSlot"]["__typename"] == "BookingCreated"


async def test_twenty_concurrent_bookings_of_one_key_make_exactly_one(studio: StudioFixture) -> None:
    cat = await build(studio)
    body = await find(studio, needs=PODCAST, durationMinutes=120, **{"from": iso(at(1, 9))}, until=iso(at(1, 12)))
    key = body["data"]["findSlots"][0]["key"]

    async def one(i: int) -> str:
        answer = await studio.gql(BOOK, {"input": {"projectId": cat.project, "slotKey": key, "title": f"Try {i}"}})
        return str(answer["data"]["bookSlot"]["__typename"])

    outcomes = Counter(await asyncio.gather(*(one(i) for i in range(20))))
    assert outcomes == Counter({"BookingCreated": 1, "ConflictError": 19})
    listed = await studio.data(
        "query($f: BookingFilter) { bookings(filter: $f, first: 50) { edges { node { id } } } }",
        {"f": {"start": iso(at(1, 0)), "end": iso(at(1, 0) + timedelta(days=1))}},
    )
    assert len(listed["bookings"]["edges"]) == 1


async def test_among_equal_starts_crew_who_stay_in_the_room_that_day_come_first(studio: StudioFixture) -> None:
    cat = await build(studio)
    edit = [{"kind": "ROOM", "category": "edit bay"}, {"kind": "CREW", "role": "editor"}]
    ask = {"needs": edit, "durationMinutes": 60, "from": iso(at(0, 11)), "until": iso(at(0, 12)), "first": 1}
    # Given no calls that day: the edit bay first by name, the editor first by the usual order.
    before = (await find(studio, **ask))["data"]["findSlots"]
    (_, room), (_, usual) = _names(before[0])
    other = ({"Mina Haddad", "Theo Lindqvist"} - {usual}).pop()
    assert room == "Edit Bay 1"
    # When the usual editor works in Studio A that morning and the other one in Edit Bay 1,
    for who, where in ((usual, "Studio A"), (other, room)):
        allocations = [{"resourceId": cat.gid(who)}, {"resourceId": cat.gid(where)}]
        made = await create(cat, start=at(0, 9), end=at(0, 10), allocations=allocations)
        assert made["__typename"] == "BookingCreated", made
    # then the slot at 11:00 keeps the other editor in Edit Bay 1 (no change of room that day).
    after = (await find(studio, **ask))["data"]["findSlots"]
    assert [s["start"] for s in after] == [z(at(0, 11))]
    assert _names(after[0]) == [(0, "Edit Bay 1"), (1, other)]
    # A day later, with no calls, the usual order is back.
    later = {**ask, "from": iso(at(1, 11)), "until": iso(at(1, 12))}
    assert _names((await find(studio, **later))["data"]["findSlots"][0]) == [(0, "Edit Bay 1"), (1, usual)]
