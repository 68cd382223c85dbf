"""The cage over GraphQL: a kit out by its pick list, a damaged return, lookups by any code, history, audits."""

from __future__ import annotations

import uuid
from typing import Any

from db.models import CustodyState, Role
from tests.conftest import StudioFixture
from tests.graphql import cage_queries as q
from tests.integration import cage_support as cs

GIAI_96 = "3414F4E4E4000000000181CD"


def _k() -> str:
    return uuid.uuid4().hex


async def _mutate(
    studio: StudioFixture, doc: str, field: str, input_: dict[str, Any], role: Role = Role.SCANNER
) -> Any:
    return q.result(await studio.gql(doc, {"input": input_}, role=role), field)


async def test_kit_out_by_pick_list_then_a_damaged_return(studio: StudioFixture) -> None:
    body = await cs.item(studio, "Camera body A", code="CAM-001")
    lens = await cs.item(studio, "Lens kit A", code="LENS-001", epc=GIAI_96)
    tripod = await cs.item(studio, "Tripod A", code="TRI-001")
    kit = await cs.kit(studio, [body, lens, tripod], code="KIT-CAM-A", name="Camera package A")
    booking = await cs.booking(studio, kits_=[kit], title="Episode 12")
    later = await cs.booking(
        studio, items=[lens], start=cs.utcnow() + 10 * cs.HOUR, end=cs.utcnow() + 11 * cs.HOUR, title="Next week"
    )
    node = await studio.data(
        "query($id: ID!) { node(id: $id) { ... on Booking { pickListCode } } }", {"id": q.gid("Booking", booking)}
    )
    pick_list = node["node"]["pickListCode"]
    assert pick_list == f"CS:BOOKING:{q.gid('Booking', booking)}"
    booking_id = pick_list.removeprefix("CS:BOOKING:")
    # The tripod was scanned out on its own first.
    await _mutate(
        studio, q.CHECK_OUT, "checkOutAsset", {"code": "TRI-001", "bookingId": booking_id, "idempotencyKey": _k()}
    )

    out = await _mutate(
        studio, q.CHECK_OUT, "checkOutAsset", {"code": "]C0KIT-CAM-A", "bookingId": booking_id, "idempotencyKey": _k()}
    )

    assert out["__typename"] == "AssetCheckedOut"
    assert out["kit"] == {"name": "Camera package A"}
    assert out["booking"] == {"id": booking_id, "title": "Episode 12"}
    assert [i["name"] for i in out["items"]] == ["Camera body A", "Lens kit A"]
    assert {i["custody"] for i in out["items"]} == {"CHECKED_OUT"}
    assert out["missing"] == [
        {
            "reason": "Tripod A is already checked out.",
            "resource": {"name": "Tripod A", "custody": "CHECKED_OUT"},
        }
    ]
    assert out["asset"]["currentCustody"]["custodian"] == "Episode 12"
    assert out["asset"]["currentCustody"]["booking"] == {"title": "Episode 12"}
    assert out["dueAt"] == out["asset"]["currentCustody"]["dueAt"]

    # The lens comes back damaged by RFID: the later booking that holds it is named.
    back = await _mutate(
        studio,
        q.RETURN,
        "returnAsset",
        {
            "code": "urn:epc:id:giai:4012345.98765",
            "condition": "DAMAGED",
            "notes": "front element scratched",
            "missingAccessories": ["lens hood"],
            "idempotencyKey": _k(),
        },
    )
    assert back == {
        "__typename": "AssetReturned",
        "asset": {"name": "Lens kit A", "custody": "MAINTENANCE", "currentCustody": None},
        "condition": "DAMAGED",
        "late": False,
        "booking": {"title": "Episode 12"},
        "affectedBookings": [{"title": "Next week"}],
    }
    assert later > 0

    # Released by a coordinator after repair.
    released = await _mutate(
        studio, q.RELEASE, "releaseAsset", {"id": q.gid("Resource", lens), "idempotencyKey": _k()}, Role.COORDINATOR
    )
    assert released == {"__typename": "AssetReleased", "asset": {"name": "Lens kit A", "custody": "IN_CAGE"}}


async def test_asset_by_any_of_its_codes(studio: StudioFixture) -> None:
    await cs.item(studio, "Shure SM7B #1", code="MIC-0001", epc=GIAI_96)
    for code in (
        "MIC-0001",
        GIAI_96,
        GIAI_96.lower(),
        "urn:epc:id:giai:4012345.98765",
        "]C18004401234598765",
        "]d2\x1d8004401234598765",
        "]Q38004401234598765",
        "(8004)401234598765",
    ):
        found = (await studio.data(q.ASSET_BY_CODE, {"code": code}, role=Role.SCANNER))["assetByCode"]
        assert found is not None and found["name"] == "Shure SM7B #1", code
        assert (found["code"], found["epc"], found["custody"]) == ("MIC-0001", GIAI_96, "IN_CAGE")
    for code in ("MIC-9999", "", "KIT-NONE", "urn:epc:id:giai:4012345.98766"):
        assert (await studio.data(q.ASSET_BY_CODE, {"code": code}))["assetByCode"] is None


async def test_history_says_who_had_it_when_for_what_and_which_device(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Zoom H6", code="REC-1")
    booking = await cs.booking(studio, items=[item], title="Field recording")
    await _mutate(
        studio, q.RETURN, "returnAsset", {"code": "REC-1", "idempotencyKey": _k()}
    )  # refused: it was never out
    await _mutate(
        studio,
        q.CHECK_OUT,
        "checkOutAsset",
        {"code": "REC-1", "bookingId": q.gid("Booking", booking), "idempotencyKey": _k()},
    )
    await _mutate(
        studio,
        q.RETURN,
        "returnAsset",
        {"code": "REC-1", "condition": "WORN", "notes": "battery door loose", "idempotencyKey": _k()},
        Role.COORDINATOR,
    )

    history = (await studio.data(q.ASSET_HISTORY, {"id": q.gid("Resource", item)}))["assetHistory"]

    assert history["asset"] == {"name": "Zoom H6", "custody": "IN_CAGE"}
    (period,) = history["custody"]
    assert period["custodian"] == "Field recording"
    assert period["booking"] == {"title": "Field recording"}
    assert (period["checkedOutBy"], period["returnedBy"]) == ("Scanner One", "Coordinator One")
    assert (period["condition"], period["notes"], period["missingAccessories"], period["overdue"]) == (
        "WORN",
        "battery door loose",
        [],
        False,
    )
    assert period["since"] < period["returnedAt"]
    assert [(s["action"], s["outcome"], s["accepted"], s["device"]) for s in history["scans"]] == [
        ("RETURN", "RETURNED", True, "Coordinator One"),
        ("CHECK_OUT", "CHECKED_OUT", True, "Scanner One"),
        ("RETURN", "INVALID_TRANSITION", False, "Scanner One"),
    ]
    assert history["scans"][1]["booking"] == {"title": "Field recording"}
    assert history["scans"][1]["location"] == {"name": "Cage"}
    assert history["scans"][2]["detail"] == "Zoom H6 is already in the cage: it was never checked out."


async def test_audit_over_graphql(studio: StudioFixture) -> None:
    await cs.item(studio, "Seen mic", code="GA-1")
    await cs.item(studio, "Lost mic", code="GA-2")
    await cs.item(studio, "Wandering monitor", code="GA-3", at="Post")
    started = await _mutate(studio, q.START_AUDIT, "startAudit", {"idempotencyKey": _k()})
    audit = started["audit"]
    assert (audit["running"], audit["location"]) == (True, {"name": "Cage"})
    assert audit["cardCode"] == f"CS:AUDIT:{audit['id']}"

    scans = await _mutate(
        studio,
        q.RECORD_AUDIT_SCANS,
        "recordAuditScans",
        {"auditId": audit["id"], "codes": ["GA-1"] * 50 + ["GA-3", "??"], "idempotencyKey": _k()},
    )
    assert scans == {
        "__typename": "AuditScansRecorded",
        "seen": [{"name": "Seen mic"}, {"name": "Wandering monitor"}],
        "newlySeen": 2,
        "unresolved": ["??"],
        "audit": {"seenCount": 2},
    }
    finished = await _mutate(studio, q.FINISH_AUDIT, "finishAudit", {"auditId": audit["id"], "idempotencyKey": _k()})
    assert (finished["found"], finished["missing"], finished["unexpected"]) == (
        [{"name": "Seen mic"}],
        [{"name": "Lost mic"}],
        [{"name": "Wandering monitor"}],
    )
    assert finished["audit"]["running"] is False and finished["audit"]["missing"] == [{"name": "Lost mic"}]
    marked = await _mutate(studio, q.MARK_MISSING, "markMissing", {"auditId": audit["id"], "idempotencyKey": _k()})
    assert marked["marked"] == [{"name": "Lost mic", "custody": "MISSING"}]
    node = await studio.data("query($id: ID!) { node(id: $id) { ... on Audit { running } } }", {"id": audit["id"]})
    assert node["node"] == {"running": False}


async def test_replay_and_mismatch_over_graphql(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="GR-1")
    other = await cs.item(studio, code="GR-2")
    booking = q.gid("Booking", await cs.booking(studio, items=[item, other]))
    key = _k()
    first = await _mutate(
        studio, q.CHECK_OUT, "checkOutAsset", {"code": "GR-1", "bookingId": booking, "idempotencyKey": key}
    )
    again = await _mutate(
        studio, q.CHECK_OUT, "checkOutAsset", {"code": "GR-1", "bookingId": booking, "idempotencyKey": key}
    )
    assert again == first and first["__typename"] == "AssetCheckedOut"
    clash = await _mutate(
        studio, q.CHECK_OUT, "checkOutAsset", {"code": "GR-2", "bookingId": booking, "idempotencyKey": key}
    )
    assert (clash["__typename"], clash["code"]) == ("IdempotencyMismatchError", "IDEMPOTENCY_MISMATCH")
    assert (await cs.resource(studio, other)).custody == CustodyState.IN_CAGE


async def test_malformed_inputs_are_validation_errors(studio: StudioFixture) -> None:
    bad = await _mutate(studio, q.RETURN, "returnAsset", {"code": "X", "condition": "SHINY", "idempotencyKey": _k()})
    assert (bad["__typename"], bad["code"]) == ("ValidationError", "VALIDATION")
    empty = await _mutate(studio, q.CHECK_OUT, "checkOutAsset", {"code": " ", "idempotencyKey": _k()})
    assert empty["__typename"] == "ValidationError"
    no_key = await _mutate(studio, q.CHECK_OUT, "checkOutAsset", {"code": "X", "idempotencyKey": ""})
    assert no_key["__typename"] == "ValidationError"
    bogus_booking = await _mutate(
        studio, q.CHECK_OUT, "checkOutAsset", {"code": "X", "bookingId": "not-an-id", "idempotencyKey": _k()}
    )
    assert bogus_booking["__typename"] == "NotFoundError"
