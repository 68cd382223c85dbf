"""Session templates (validation, who creates and lists) and recurring series (DST, FAIL/SKIP, cancel)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from db.models import Role
from tests.alloc_support import at, booking_input, build, create, iso
from tests.conftest import StudioFixture
from tests.graphql.slots_support import CANCEL_SERIES, SERIES, template

TASKS = [
    {"title": "Prep", "kind": "PREP", "offsetMinutes": -120},
    {"title": "Ingest", "kind": "INGEST", "dependsOn": [0]},
    {"title": "Edit", "kind": "EDIT", "offsetMinutes": 1440, "role": "editor", "dependsOn": [1]},
]


async def test_a_coordinator_creates_a_template_and_producers_list_it(studio: StudioFixture) -> None:
    cat = await build(studio)
    made = await template(
        studio,
        name="Interview with video",
        durationMinutes=120,
        needs=[
            {"kind": "ROOM", "category": "video studio", "minCapacity": 4},
            {"kind": "CREW", "role": "technical producer"},
            {"kind": "EQUIPMENT", "kitId": cat.kit("Camera package A")},
            {"kind": "ROOM", "category": "edit bay", "offsetMinutes": 120, "durationMinutes": 90},
        ],
        tasks=TASKS,
    )
    assert made["__typename"] == "SessionTemplateCreated", made
    t = made["template"]
    assert t["needs"][2]["kit"] == {"name": "Camera package A"}
    assert t["needs"][1]["durationMinutes"] == 120 and t["needs"][3]["offsetMinutes"] == 120
    assert [task["dependsOn"] for task in t["tasks"]] == [[], [0], [1]]
    for role in (Role.ADMIN, Role.COORDINATOR, Role.PRODUCER):
        listed = await studio.data("{ sessionTemplates { id name } }", role=role)
        assert listed["sessionTemplates"] == [{"id": t["id"], "name": "Interview with video"}]
    for role in (Role.CREW, Role.DISPLAY, Role.SCANNER):
        body = await studio.gql("{ sessionTemplates { id } }", role=role)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("role", [Role.PRODUCER, Role.CREW, Role.DISPLAY, Role.SCANNER])
async def test_only_coordinators_and_admins_create(studio: StudioFixture, role: Role) -> None:
    made = await template(studio, role=role, name="X", durationMinutes=60, needs=[{"kind": "ROOM"}])
    assert made["__typename"] == "ForbiddenError"
    assert (await studio.data("{ sessionTemplates { id } }"))["sessionTemplates"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tasks": [{"title": "A", "kind": "EDIT", "dependsOn": [1]},
                    {"title": "B", "kind": "EDIT", "dependsOn": [0]}]}, "tasks[0].dependsOn"),
        ({"tasks": [{"title": "A", "kind": "EDIT", "dependsOn": [3]}]}, "tasks[0].dependsOn"),
        ({"tasks": [{"title": "A", "kind": "EDIT", "dependsOn": [0]}]}, "tasks[0].dependsOn"),
        ({"needs": [{"kind": "ROOM", "quantity": 0}]}, "needs[0].quantity"),
        ({"needs": [{"kind": "ROOM", "durationMinutes": -5}]}, "needs[0].durationMinutes"),
        ({"needs": [{"kind": "EQUIPMENT"}]}, "needs[0].category"),
        ({"needs": [{"kind": "ROOM", "role": "editor"}]}, "needs[0].role"),
        ({"needs": []}, "needs"),
        ({"durationMinutes": 0}, "durationMinutes"),
        ({"name": "  "}, "name"),
    ],
)  # fmt: skip
async def test_bad_templates_are_refused(studio: StudioFixture, change: dict[str, Any], field: str) -> None:
    ask = {"name": "T", "durationMinutes": 60, "needs": [{"kind": "ROOM"}], **change}
    made = await template(studio, **ask)
    assert (made["__typename"], made["field"]) == ("ValidationError", field), made
    assert (await studio.data("{ sessionTemplates { id } }"))["sessionTemplates"] == []


async def test_a_template_name_is_unique_and_foreign_resources_are_not_found(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    other = await build(other_studio)
    assert (await template(studio, name="T", durationMinutes=60, needs=[{"kind": "ROOM"}]))["__typename"] == (
        "SessionTemplateCreated"
    )
    again = await template(studio, name="t", durationMinutes=60, needs=[{"kind": "ROOM"}])
    assert (again["__typename"], again["field"]) == ("ValidationError", "name")
    foreign = await template(
        studio, name="U", durationMinutes=60, needs=[{"kind": "ROOM", "resourceId": other.gid("Studio A")}]
    )
    assert foreign["__typename"] == "NotFoundError"


def _utc(*args: int) -> str:
    return datetime(*args, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_weekly_series_keeps_ten_oclock_london_across_both_dst_changes(studio: StudioFixture) -> None:
    cat = await build(studio)
    room = [{"resourceId": cat.gid("Studio C")}]
    # Thursday 20 March 2031, 10:00 GMT; the clocks go forward on Sunday 30 March.
    spring = booking_input(cat, datetime(2031, 3, 20, 10, tzinfo=UTC), datetime(2031, 3, 20, 12, tzinfo=UTC), room)
    made = (await studio.data(SERIES, {"input": {"booking": spring, "rrule": "FREQ=WEEKLY;COUNT=4"}}))[
        "createBookingSeries"
    ]
    assert made["__typename"] == "BookingSeriesCreated", made
    assert [(b["start"], b["end"]) for b in made["series"]["bookings"]] == [
        (_utc(2031, 3, 20, 10), _utc(2031, 3, 20, 12)),
        (_utc(2031, 3, 27, 10), _utc(2031, 3, 27, 12)),
        (_utc(2031, 4, 3, 9), _utc(2031, 4, 3, 11)),  # 10:00 BST
        (_utc(2031, 4, 10, 9), _utc(2031, 4, 10, 11)),
    ]
    assert {b["series"]["id"] for b in made["series"]["bookings"]} == {made["series"]["id"]}
    # Thursday 16 October 2031, 10:00 BST; the clocks go back on Sunday 26 October.
    autumn = booking_input(cat, datetime(2031, 10, 16, 9, tzinfo=UTC), datetime(2031, 10, 16, 10, tzinfo=UTC), room)
    made = (
        await studio.data(SERIES, {"input": {"booking": autumn, "rrule": "RRULE:FREQ=WEEKLY;UNTIL=20311031T000000Z"}})
    )["createBookingSeries"]
    assert made["__typename"] == "BookingSeriesCreated", made
    assert [b["start"] for b in made["series"]["bookings"]] == [
        _utc(2031, 10, 16, 9),
        _utc(2031, 10, 23, 9),
        _utc(2031, 10, 30, 10),  # 10:00 GMT
    ]


async def test_fail_names_every_clashing_occurrence_and_books_nothing_skip_books_the_rest(
    studio: StudioFixture,
) -> None:
    cat = await build(studio)
    taken = await create(cat, start=at(14, 10), end=at(14, 11), allocations=[{"resourceId": cat.gid("Booth")}])
    assert taken["__typename"] == "BookingCreated"
    first = booking_input(cat, at(0, 10), at(0, 12), [{"resourceId": cat.gid("Booth")}])
    failed = (await studio.data(SERIES, {"input": {"booking": first, "rrule": "FREQ=WEEKLY;COUNT=4"}}))[
        "createBookingSeries"
    ]
    assert failed["__typename"] == "ConflictError", failed
    assert {c["occurrenceStart"] for c in failed["conflicts"]} == {at(14, 10).strftime("%Y-%m-%dT%H:%M:%SZ")}
    listed = await studio.data("{ bookings(first: 50) { edges { node { id } } } }")
    assert len(listed["bookings"]["edges"]) == 1  # nothing written
    skipped = (
        await studio.data(SERIES, {"input": {"booking": first, "rrule": "FREQ=WEEKLY;COUNT=4", "onConflict": "SKIP"}})
    )["createBookingSeries"]
    assert skipped["__typename"] == "BookingSeriesCreated", skipped
    assert len(skipped["series"]["bookings"]) == 3
    assert [s["start"] for s in skipped["skipped"]] == [at(14, 10).strftime("%Y-%m-%dT%H:%M:%SZ")]
    # Cancelling from the third week cancels the occurrences from then on.
    cancelled = (
        await studio.data(CANCEL_SERIES, {"input": {"seriesId": skipped["series"]["id"], "from": iso(at(14, 0))}})
    )["cancelBookingSeries"]
    assert cancelled["__typename"] == "BookingSeriesCancelled", cancelled
    assert [c["start"] for c in cancelled["cancelled"]] == [at(21, 10).strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert [b["status"] for b in cancelled["series"]["bookings"]] == ["HOLD", "HOLD", "CANCELLED"]


@pytest.mark.parametrize(
    ("rule", "extra"),
    [
        ("FREQ=WEEKLY", {}),
        ("FREQ=HOURLY;COUNT=3", {}),
        ("FREQ=DAILY;COUNT=367", {}),
        ("FREQ=DAILY;UNTIL=20330101T000000Z", {}),
        ("FREQ=SOMETIMES;COUNT=2", {}),
        ("nonsense", {}),
        ("FREQ=WEEKLY;COUNT=2;BYHOUR=9,11", {}),
        ("FREQ=WEEKLY;COUNT=2", {"exceptions": ["2031-03-04T10:00:00Z"]}),
    ],
)
async def test_bad_rules_and_exceptions_are_refused(studio: StudioFixture, rule: str, extra: dict[str, Any]) -> None:
    cat = await build(studio)
    first = booking_input(cat, at(0, 10), at(0, 12), [{"resourceId": cat.gid("Booth")}])
    answer = (await studio.data(SERIES, {"input": {"booking": first, "rrule": rule, **extra}}))["createBookingSeries"]
    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] in ("rrule", "exceptions[0]")
    listed = await studio.data("{ bookings(first: 50) { edges { node { id } } } }")
    assert listed["bookings"]["edges"] == []


async def test_an_exception_leaves_its_occurrence_out(studio: StudioFixture) -> None:
    cat = await build(studio)
    first = booking_input(cat, at(0, 10), at(0, 12), [{"resourceId": cat.gid("Booth")}])
    answer = (
        await studio.data(
            SERIES,
            {"input": {"booking": first, "rrule": "FREQ=DAILY;COUNT=3", "exceptions": [iso(at(1, 10))]}},
        )
    )["createBookingSeries"]
    assert [b["start"] for b in answer["series"]["bookings"]] == [
        at(0, 10).strftime("%Y-%m-%dT%H:%M:%SZ"),
        at(2, 10).strftime("%Y-%m-%dT%H:%M:%SZ"),
    ]


@pytest.mark.parametrize("role", [Role.CREW, Role.DISPLAY, Role.SCANNER])
async def test_crew_and_devices_may_not_create_series(studio: StudioFixture, role: Role) -> None:
    cat = await build(studio)
    first = booking_input(cat, at(0, 10), at(0, 12), [{"resourceId": cat.gid("Booth")}])
    answer = await studio.gql(SERIES, {"input": {"booking": first, "rrule": "FREQ=DAILY;COUNT=2"}}, role=role)
    assert answer["data"]["createBookingSeries"]["__typename"] == "ForbiddenError"
