"""Who may use the cage: every cage mutation for every role, without a token, from another studio, and a
scanner at another location. Refusals change nothing (a scanner's refused scan is only logged)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from db.models import CustodyState, Role
from server.services.cage.audits import finish_audit, start_audit
from server.services.cage.checkout import check_out
from server.services.cage.returns import return_asset
from tests.conftest import StudioFixture
from tests.graphql import cage_queries as q
from tests.integration import cage_support as cs

ALL_ROLES = list(Role)
CAGE_ROLES = {Role.ADMIN, Role.COORDINATOR, Role.SCANNER}
STAFF = {Role.ADMIN, Role.COORDINATOR}


def _k() -> str:
    return uuid.uuid4().hex


async def _gql(
    studio: StudioFixture, role: Role | None, doc: str, input_: dict[str, Any], token: str | None = None
) -> Any:
    body = await studio.gql(doc, {"input": input_}, role=role, token=token)
    return body


def _typename(body: dict[str, Any]) -> str:
    data = body["data"]
    (value,) = data.values()
    return str(value["__typename"])


# Each case sets the scene (as an admin, through the services) and returns the mutation to try.
Case = Callable[[StudioFixture], Awaitable[tuple[str, dict[str, Any], int | None]]]


async def _booking_check_out(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    item = await cs.item(studio, code="P-OUT")
    booking = await cs.booking(studio, items=[item])
    return q.CHECK_OUT, {"code": "P-OUT", "bookingId": q.gid("Booking", booking), "idempotencyKey": _k()}, item


async def _ad_hoc_check_out(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    item = await cs.item(studio, code="P-ADHOC")
    return q.CHECK_OUT, {"code": "P-ADHOC", "idempotencyKey": _k()}, item


async def _return(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    item = await cs.item(studio, code="P-RET")
    admin = await cs.principal(studio)
    await check_out(studio.runtime.uow, admin, code="P-RET", booking_id=None, key=_k())
    return q.RETURN, {"code": "P-RET", "condition": "OK", "idempotencyKey": _k()}, item


async def _release(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    item = await cs.item(studio, code="P-REL")
    admin = await cs.principal(studio)
    await check_out(studio.runtime.uow, admin, code="P-REL", booking_id=None, key=_k())
    await return_asset(
        studio.runtime.uow, admin, code="P-REL", condition="DAMAGED", notes=None, missing_accessories=None, key=_k()
    )
    return q.RELEASE, {"id": q.gid("Resource", item), "idempotencyKey": _k()}, item


async def _start_audit(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    return q.START_AUDIT, {"locationId": q.gid("Location", studio.locations["Cage"]), "idempotencyKey": _k()}, None


async def _record_scans(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    await cs.item(studio, code="P-AUD")
    audit = await start_audit(
        studio.runtime.uow, await cs.principal(studio), location_id=studio.locations["Cage"], key=_k()
    )
    return q.RECORD_AUDIT_SCANS, {"auditId": q.gid("Audit", audit), "codes": ["P-AUD"], "idempotencyKey": _k()}, None


async def _finish_audit(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    audit = await start_audit(
        studio.runtime.uow, await cs.principal(studio), location_id=studio.locations["Cage"], key=_k()
    )
    return q.FINISH_AUDIT, {"auditId": q.gid("Audit", audit), "idempotencyKey": _k()}, None


async def _mark_missing(studio: StudioFixture) -> tuple[str, dict[str, Any], int | None]:
    item = await cs.item(studio, code="P-MISS")
    admin = await cs.principal(studio)
    audit = await start_audit(studio.runtime.uow, admin, location_id=studio.locations["Cage"], key=_k())
    await finish_audit(studio.runtime.uow, admin, audit_id=audit, key=_k())
    return q.MARK_MISSING, {"auditId": q.gid("Audit", audit), "idempotencyKey": _k()}, item


CASES: dict[str, tuple[Case, set[Role], str]] = {
    "checkOutAsset": (_booking_check_out, CAGE_ROLES, "AssetCheckedOut"),
    "checkOutAsset ad hoc": (_ad_hoc_check_out, STAFF, "AssetCheckedOut"),
    "returnAsset": (_return, CAGE_ROLES, "AssetReturned"),
    "releaseAsset": (_release, STAFF, "AssetReleased"),
    "startAudit": (_start_audit, CAGE_ROLES, "AuditStarted"),
    "recordAuditScans": (_record_scans, CAGE_ROLES, "AuditScansRecorded"),
    "finishAudit": (_finish_audit, CAGE_ROLES, "AuditFinished"),
    "markMissing": (_mark_missing, CAGE_ROLES, "AssetsMarkedMissing"),
}


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value)
@pytest.mark.parametrize("operation", list(CASES))
async def test_permission_matrix(studio: StudioFixture, operation: str, role: Role) -> None:
    scene, allowed_roles, success = CASES[operation]
    doc, input_, item = await scene(studio)
    before = await cs.snapshot(studio, item) if item is not None else None

    body = await _gql(studio, role, doc, input_)

    if role in allowed_roles:
        assert _typename(body) == success, body
        return
    assert _typename(body) == "ForbiddenError", body
    (value,) = body["data"].values()
    assert value["code"] == "FORBIDDEN"
    if item is not None:
        after = await cs.snapshot(studio, item)
        assert before is not None and (after.custody, after.records, after.blocks) == (
            before.custody,
            before.records,
            before.blocks,
        )
        # A scanner's refused ad hoc scan is a scan, and it is logged; other roles are not cage devices.
        logged = role == Role.SCANNER and operation == "checkOutAsset ad hoc"
        assert after.scans == before.scans + (1 if logged else 0)


@pytest.mark.parametrize("operation", list(CASES))
async def test_no_token_is_unauthenticated(studio: StudioFixture, operation: str) -> None:
    scene, _, _ = CASES[operation]
    doc, input_, _ = await scene(studio)
    response = await studio.http.post("/graphql", json={"query": doc, "variables": {"input": input_}})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("operation", list(CASES))
async def test_other_studio_finds_nothing(studio: StudioFixture, other_studio: StudioFixture, operation: str) -> None:
    scene, _, _ = CASES[operation]
    doc, input_, item = await scene(studio)
    before = await cs.snapshot(studio, item) if item is not None else None

    body = await _gql(other_studio, Role.ADMIN, doc, input_)

    assert _typename(body) == "NotFoundError", body
    if item is not None:
        assert await cs.snapshot(studio, item) == before


@pytest.mark.parametrize(
    "operation", ["checkOutAsset", "returnAsset", "recordAuditScans", "finishAudit", "markMissing"]
)
async def test_scanner_at_another_location_is_forbidden(studio: StudioFixture, operation: str) -> None:
    scene, _, _ = CASES[operation]
    doc, input_, item = await scene(studio)
    token, _ = await studio.mint(Role.SCANNER, location="Post", name="Post scanner")
    before = await cs.snapshot(studio, item) if item is not None else None

    body = await _gql(studio, None, doc, input_, token=token)

    assert _typename(body) == "ForbiddenError", body
    if item is not None:
        after = await cs.snapshot(studio, item)
        assert before is not None and (after.custody, after.records) == (before.custody, before.records)


async def test_scanner_may_not_start_an_audit_elsewhere(studio: StudioFixture) -> None:
    body = await studio.gql(
        q.START_AUDIT,
        {"input": {"locationId": q.gid("Location", studio.locations["Post"]), "idempotencyKey": _k()}},
        role=Role.SCANNER,
    )
    assert q.result(body, "startAudit")["__typename"] == "ForbiddenError"


@pytest.mark.parametrize("role", ALL_ROLES, ids=lambda r: r.value)
async def test_reads_follow_the_catalogue_permission(studio: StudioFixture, role: Role) -> None:
    item = await cs.item(studio, "Readable mic", code="P-READ")
    elsewhere = await cs.item(studio, "Post mic", code="P-POST", at="Post")
    by_code = await studio.gql(q.ASSET_BY_CODE, {"code": "P-READ"}, role=role)
    history = await studio.gql(q.ASSET_HISTORY, {"id": q.gid("Resource", item)}, role=role)
    other = await studio.gql(q.ASSET_BY_CODE, {"code": "P-POST"}, role=role)
    other_history = await studio.gql(q.ASSET_HISTORY, {"id": q.gid("Resource", elsewhere)}, role=role)
    # Displays read no catalogue; the client portal reads rooms only, never gear.
    reads = role not in (Role.DISPLAY, Role.CLIENT)
    assert (by_code["data"]["assetByCode"] is not None) is reads
    assert (history["data"]["assetHistory"] is not None) is reads
    # A scanner reads only the gear of its own location.
    assert (other["data"]["assetByCode"] is not None) is (reads and role != Role.SCANNER)
    assert (other_history["data"]["assetHistory"] is not None) is (reads and role != Role.SCANNER)


async def test_reads_never_cross_studios(studio: StudioFixture, other_studio: StudioFixture) -> None:
    item = await cs.item(other_studio, code="THEIR-READ")
    assert (await studio.data(q.ASSET_BY_CODE, {"code": "THEIR-READ"}))["assetByCode"] is None
    assert (await studio.data(q.ASSET_HISTORY, {"id": q.gid("Resource", item)}))["assetHistory"] is None


async def test_refused_role_leaves_the_item_in_the_cage(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="P-CREW")
    booking = await cs.booking(studio, items=[item])
    body = await studio.gql(
        q.CHECK_OUT,
        {"input": {"code": "P-CREW", "bookingId": q.gid("Booking", booking), "idempotencyKey": _k()}},
        role=Role.CREW,
    )
    assert q.result(body, "checkOutAsset")["code"] == "FORBIDDEN"
    assert (await cs.resource(studio, item)).custody == CustodyState.IN_CAGE
