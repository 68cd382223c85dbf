"""The catalogue through GraphQL: what works, and every kind of bad input with its exact error."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from db.models import Role
from server.schema.ids import to_global_id
from tests.conftest import StudioFixture
from tests.graphql.catalogue_ops import (
    COUNTS,
    CREATE_KIT,
    CREATE_PROJECT,
    CREATE_RESOURCE,
    RETIRE_RESOURCE,
    UPDATE_KIT,
    UPDATE_RESOURCE,
)


async def create(studio: StudioFixture, **fields: Any) -> dict[str, Any]:
    body = await studio.data(CREATE_RESOURCE, {"input": fields})
    return body["createResource"]


async def test_creates_each_kind_with_its_fields(studio: StudioFixture) -> None:
    cage = to_global_id("Location", studio.locations["Cage"])
    mic = await create(
        studio, kind="EQUIPMENT", name="Shure SM7B #1", category="microphone", code="MIC-0001",
        epc="3414f4e4e4000000000181cd", locationId=cage,
    )  # fmt: skip
    pool = await create(studio, kind="STOCK", name="XLR 5 m", quantity=24, unit="cable")
    engineer = await create(studio, kind="CREW", name="Sam", skills=["recording engineer", "Mixing", "mixing"])
    room = await create(studio, kind="ROOM", name="Studio B", category="podcast studio", setupMinutes=15)

    assert mic["resource"] | {"id": None} == {
        "id": None, "kind": "EQUIPMENT", "name": "Shure SM7B #1", "category": "microphone", "code": "MIC-0001",
        "epc": "3414F4E4E4000000000181CD", "quantity": 1, "skills": [], "custody": "IN_CAGE", "setupMinutes": 0,
        "location": {"name": "Cage"},
    }  # fmt: skip
    assert pool["resource"]["quantity"] == 24 and pool["resource"]["custody"] is None
    assert engineer["resource"]["skills"] == ["recording engineer", "Mixing"]
    assert room["resource"]["setupMinutes"] == 15


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"kind": "ROOM", "name": ""}, "name", "VALIDATION"),
        ({"kind": "ROOM", "name": "   "}, "name", "VALIDATION"),
        ({"kind": "ROOM", "name": "x" * 121}, "name", "VALIDATION"),
        ({"kind": "ROOM", "name": "bad\x07name"}, "name", "VALIDATION"),
        ({"kind": "STOCK", "name": "Cables", "quantity": -3}, "quantity", "VALIDATION"),
        ({"kind": "STOCK", "name": "Cables", "quantity": 0}, "quantity", "VALIDATION"),
        ({"kind": "ROOM", "name": "Studio", "quantity": 2}, "quantity", "VALIDATION"),
        ({"kind": "ROOM", "name": "Studio", "setupMinutes": -5}, "setupMinutes", "VALIDATION"),
        ({"kind": "ROOM", "name": "Studio", "code": "R-1"}, "code", "VALIDATION"),
        ({"kind": "EQUIPMENT", "name": "Mic", "epc": "not-hex"}, "epc", "VALIDATION"),
        ({"kind": "EQUIPMENT", "name": "Mic", "skills": ["x"]}, "skills", "VALIDATION"),
        ({"kind": "CREW", "name": "Sam", "weeklyHourCap": 500}, "weeklyHourCap", "VALIDATION"),
    ],
)
async def test_bad_resource_input_is_refused_with_its_field(
    studio: StudioFixture, fields: dict[str, Any], field: str, code: str
) -> None:
    before = await studio.data(COUNTS)
    result = await create(studio, **fields)
    assert (result["__typename"], result["code"], result["field"]) == ("ValidationError", code, field)
    assert await studio.data(COUNTS) == before


async def test_duplicate_asset_tag_is_refused(studio: StudioFixture) -> None:
    await create(studio, kind="EQUIPMENT", name="Mic 1", code="MIC-1")
    result = await create(studio, kind="EQUIPMENT", name="Mic 2", code="MIC-1")
    assert (result["code"], result["field"]) == ("VALIDATION", "code")


async def test_same_asset_tag_in_another_studio_is_fine(studio: StudioFixture, other_studio: StudioFixture) -> None:
    await create(studio, kind="EQUIPMENT", name="Mic 1", code="MIC-1")
    result = await create(other_studio, kind="EQUIPMENT", name="Mic 1", code="MIC-1")
    assert result["__typename"] == "ResourceCreated"


@pytest.mark.parametrize(
    "location_id",
    [
        "not-an-id",
        base64.urlsafe_b64encode(b"Location:999999999").decode(),
        to_global_id("Resource", 1),
        "",
    ],
)
async def test_unknown_malformed_and_wrong_type_ids_read_as_not_found(studio: StudioFixture, location_id: str) -> None:
    result = await create(studio, kind="ROOM", name="Studio", locationId=location_id)
    assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND")


async def test_location_of_another_studio_reads_as_not_found(
    studio: StudioFixture, other_studio: StudioFixture
) -> None:
    foreign = to_global_id("Location", other_studio.locations["Cage"])
    result = await create(studio, kind="ROOM", name="Studio", locationId=foreign)
    assert (result["__typename"], result["message"]) == ("NotFoundError", "No such location.")


async def test_update_changes_only_given_fields(studio: StudioFixture) -> None:
    made = await create(studio, kind="STOCK", name="XLR", category="cable", quantity=10)
    body = await studio.data(UPDATE_RESOURCE, {"input": {"id": made["resource"]["id"], "quantity": 12}})
    assert body["updateResource"]["resource"] | {"id": None} == {
        "id": None, "name": "XLR", "category": "cable", "quantity": 12,
    }  # fmt: skip


async def test_retire_twice_is_an_invalid_transition(studio: StudioFixture) -> None:
    made = await create(studio, kind="EQUIPMENT", name="Mic", code="M-1")
    first = await studio.data(RETIRE_RESOURCE, {"id": made["resource"]["id"]})
    second = await studio.data(RETIRE_RESOURCE, {"id": made["resource"]["id"]})
    assert first["retireResource"]["resource"]["custody"] == "RETIRED"
    assert second["retireResource"]["code"] == "INVALID_TRANSITION"
    listed = await studio.data("{ resources(first: 10) { edges { node { id } } } }")
    assert listed["resources"]["edges"] == []


async def test_kits_group_equipment_only_once(studio: StudioFixture) -> None:
    a = (await create(studio, kind="EQUIPMENT", name="Camera A", code="CAM-A"))["resource"]["id"]
    b = (await create(studio, kind="EQUIPMENT", name="Tripod A", code="TRI-A"))["resource"]["id"]
    room = (await create(studio, kind="ROOM", name="Studio"))["resource"]["id"]

    made = await studio.data(CREATE_KIT, {"input": {"name": "Camera package A", "code": "KIT-A", "itemIds": [a, b]}})
    again = await studio.data(CREATE_KIT, {"input": {"name": "Other", "itemIds": [b]}})
    twice = await studio.data(CREATE_KIT, {"input": {"name": "Dup", "itemIds": [a, a]}})
    not_gear = await studio.data(CREATE_KIT, {"input": {"name": "Room kit", "itemIds": [room]}})
    empty = await studio.data(CREATE_KIT, {"input": {"name": "Empty", "itemIds": []}})
    label_is_tag = await studio.data(CREATE_KIT, {"input": {"name": "Tagged", "code": "CAM-A", "itemIds": []}})

    assert made["createKit"]["kit"]["items"] == [{"name": "Camera A"}, {"name": "Tripod A"}]
    assert (again["createKit"]["code"], again["createKit"]["field"]) == ("VALIDATION", "itemIds")
    assert (twice["createKit"]["code"], twice["createKit"]["field"]) == ("VALIDATION", "itemIds")
    assert (not_gear["createKit"]["code"], not_gear["createKit"]["field"]) == ("VALIDATION", "itemIds")
    assert (empty["createKit"]["code"], empty["createKit"]["field"]) == ("VALIDATION", "itemIds")
    assert (label_is_tag["createKit"]["code"], label_is_tag["createKit"]["field"]) == ("VALIDATION", "code")
    assert [k["name"] for k in (await studio.data("{ kits { name } }"))["kits"]] == ["Camera package A"]

    kit_id = made["createKit"]["kit"]["id"]
    updated = await studio.data(UPDATE_KIT, {"input": {"id": kit_id, "itemIds": [b]}})
    assert updated["updateKit"]["kit"]["items"] == [{"name": "Tripod A"}]


async def test_projects_validate_money_and_currency(studio: StudioFixture) -> None:
    ok = await studio.data(
        CREATE_PROJECT, {"input": {"name": "S2", "clientName": "Brightwave", "approvedBudget": "12000.50"}}
    )
    negative = await studio.data(CREATE_PROJECT, {"input": {"name": "S3", "approvedBudget": "-1"}})
    fraction = await studio.data(CREATE_PROJECT, {"input": {"name": "S4", "approvedBudget": "1.005"}})
    currency = await studio.data(CREATE_PROJECT, {"input": {"name": "S5", "currency": "XXX"}})
    foreign = await studio.data(CREATE_PROJECT, {"input": {"name": "S6", "currency": "USD"}})
    duplicate = await studio.data(CREATE_PROJECT, {"input": {"name": "S2"}})
    non_numeric = await studio.gql(CREATE_PROJECT, {"input": {"name": "S7", "approvedBudget": "lots"}})

    assert ok["createProject"]["project"] | {"id": None} == {
        "id": None, "name": "S2", "currency": "GBP", "clientName": "Brightwave",
    }  # fmt: skip
    assert [
        (r["createProject"]["code"], r["createProject"]["field"]) for r in (negative, fraction, currency, foreign)
    ] == [
        ("VALIDATION", "approvedBudget"),
        ("VALIDATION", "approvedBudget"),
        ("VALIDATION", "currency"),
        ("VALIDATION", "currency"),
    ]
    assert (duplicate["createProject"]["code"], duplicate["createProject"]["field"]) == ("VALIDATION", "name")
    assert non_numeric["data"] is None and "errors" in non_numeric


async def test_producer_sees_only_own_projects(studio: StudioFixture) -> None:
    await studio.data(CREATE_PROJECT, {"input": {"name": "Coordinator's"}}, role=Role.COORDINATOR)
    await studio.data(CREATE_PROJECT, {"input": {"name": "Producer's"}}, role=Role.PRODUCER)
    await studio.data(CREATE_PROJECT, {"input": {"name": "Acme's", "clientName": "Acme Records"}})
    query = "{ projects(first: 10) { edges { node { name } } } }"

    seen = {
        role: [e["node"]["name"] for e in (await studio.data(query, role=role))["projects"]["edges"]] for role in Role
    }
    assert seen == {
        Role.ADMIN: ["Coordinator's", "Producer's", "Acme's"],
        Role.COORDINATOR: ["Coordinator's", "Producer's", "Acme's"],
        Role.PRODUCER: ["Producer's"],
        Role.CREW: [],
        Role.SCANNER: [],
        Role.DISPLAY: [],
        # The client portal: its own client's projects only.
        Role.CLIENT: ["Acme's"],
    }


async def test_resource_filters_and_pagination(studio: StudioFixture) -> None:
    for i in range(5):
        await create(studio, kind="ROOM", name=f"Studio {i}", category="podcast studio" if i % 2 else "edit bay")
    await create(studio, kind="EQUIPMENT", name="SM7B", code="MIC-9", model="Shure SM7B")
    query = """query($first: Int, $after: String, $filter: ResourceFilter, $kind: ResourceKind) {
      resources(first: $first, after: $after, filter: $filter, kind: $kind) {
        edges { node { name } cursor } pageInfo { hasNextPage endCursor } } }"""

    page1 = (await studio.data(query, {"first": 2, "kind": "ROOM"}))["resources"]
    page2 = (await studio.data(query, {"first": 2, "kind": "ROOM", "after": page1["pageInfo"]["endCursor"]}))[
        "resources"
    ]
    edit = (await studio.data(query, {"filter": {"category": "EDIT BAY"}}))["resources"]
    text = (await studio.data(query, {"filter": {"text": "shure"}}))["resources"]
    wild = (await studio.data(query, {"filter": {"text": "%"}}))["resources"]

    assert [e["node"]["name"] for e in page1["edges"]] == ["Studio 0", "Studio 1"]
    assert page1["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["name"] for e in page2["edges"]] == ["Studio 2", "Studio 3"]
    assert [e["node"]["name"] for e in edit["edges"]] == ["Studio 0", "Studio 2", "Studio 4"]
    assert [e["node"]["name"] for e in text["edges"]] == ["SM7B"]
    assert wild["edges"] == []


@pytest.mark.parametrize(("first", "after"), [(0, None), (-1, None), (201, None), (10, "garbage!")])
async def test_bad_page_arguments_are_input_errors(studio: StudioFixture, first: int, after: str | None) -> None:
    body = await studio.gql(
        "query($first: Int, $after: String) { resources(first: $first, after: $after) { edges { cursor } } }",
        {"first": first, "after": after},
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=0, max_size=200))
async def test_any_name_is_either_stored_trimmed_or_refused(studio: StudioFixture, name: str) -> None:
    assume("\x00" not in name)  # NUL never reaches a resolver: test_malformed_requests.py
    result = await create(studio, kind="ROOM", name=name, category="hypothesis")
    cleaned = name.strip()
    if cleaned and len(cleaned) <= 120 and not any(ord(c) < 32 for c in cleaned):
        assert result["resource"]["name"] == cleaned
    else:
        assert (result["code"], result["field"]) == ("VALIDATION", "name")
