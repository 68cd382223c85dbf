"""Expected versions: no change silently overwrites another.

One table covers every mutation that changes an existing entity. Given the entity at version v:
the change with `expectedVersion: v` succeeds and the entity reads at v + 1; the same change with
an old version answers StaleVersionError carrying the current version, and the entity reads exactly
as before. The table is checked against the schema's Mutation fields, so a new mutation that changes
an existing entity without taking `expectedVersion` fails here until it is guarded (or listed below
as a creation or a scan fact, with the reason).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLNonNull, GraphQLUnionType

from db import models
from db.repositories import webhooks as webhook_rows
from db.types import utcnow
from server.api import build_schema
from server.schema.ids import parse_global_id, to_global_id
from server.services.allocation import holds
from server.services.uow import Tx
from tests.alloc_support import Catalogue, at, build, create, iso
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue

# Mutations that take no expected version, and why.
NOT_EDITS: dict[str, str] = {
    "createResource": "creates",
    "createKit": "creates",
    "createProject": "creates",
    "createBooking": "creates",
    "blockResource": "creates a block",
    "createInvoice": "creates a draft",
    "createApiToken": "creates a token",
    "startAudit": "creates an audit",
    "checkOutAsset": "a scan fact; idempotency keys guard it, and it bumps the item's and booking's versions",
    "returnAsset": "a scan fact; idempotency keys guard it, and it bumps the item's and booking's versions",
    "recordAuditScans": "scan facts of a running audit",
    "releaseAsset": "a cage desk scan (idempotency key), allowed only from MAINTENANCE; bumps the item's version",
    "finishAudit": "concludes the scan facts of an audit, once (idempotency key)",
    "markMissing": "applies a finished audit's scan facts to items still IN_CAGE (idempotency key); bumps them",
    "revokeApiToken": "a credential, not part of the operating record; revoking is final and idempotent",
    "createWebhook": "creates",
    "createCalendarFeed": "creates",
    "createSessionTemplate": "creates",
    "bookSlot": "creates a booking",
    "createBookingSeries": "creates a series and its bookings",
    "cancelBookingSeries": "cancels the occurrences not yet started, each bumping its booking's version; "
    "the series itself has no editable fields",
    "revokeCalendarFeed": "a secret link, not part of the operating record; revoking is final, like a token's",
    "redeliverWebhook": "queues a delivery again; the delivery log is the system's record, not an edit",
    "challengeHold": "leaves the challenger as it is; the holds it challenges belong to other projects, whose "
    "versions the challenger cannot know: each gets a deadline and a bumped version, so its own holder's "
    "next guarded edit sees the challenge",
    "createClient": "creates",
    "requestBooking": "creates a REQUESTED booking",
    "markNotificationsRead": "the caller's own inbox, not the operating record; reading is final and idempotent",
    "createTask": "creates",
    "createMilestone": "creates",
    "registerMediaAsset": "creates",
    "createReviewLink": "creates a link; the asset's status follows it and its decision, not an edit of the client's",
}

READ = """
query($id: ID!) { node(id: $id) { __typename
  ... on Booking { version title status start end holdExpiresAt actualStart actualEnd
                   allocations { id start end resource { id } } }
  ... on Resource { version name category custody retired }
  ... on Kit { version name code items { id } }
  ... on Project { version name budget { version approved { amount } } }
  ... on Rate { version unit billRate { amount } costRate { amount } validFrom validUntil }
  ... on Invoice { version invoiceStatus: status number total { amount } lines { id amount { amount } } }
  ... on Block { version active start end }
  ... on Webhook { version url active }
  ... on Task { version title taskStatus: status dueAt }
  ... on Milestone { version name deliveredAt }
} }
"""


def op(field: str, args: str, params: str = "") -> str:
    return f"""
mutation($v: Int{params}) {{ {field}({args}) {{ __typename
  ... on StaleVersionError {{ code message currentVersion }}
  ... on UserError {{ code message }} }} }}
"""


async def node(studio: StudioFixture, gid: str) -> dict[str, Any]:
    kind, pk = parse_global_id(gid) or ("", 0)
    if kind == "Block":
        # Blocks are reached through their resource, not `node`; read the row itself.
        async with studio.runtime.uow.read() as session:
            row = await session.get(models.Block, pk, populate_existing=True)
            assert row is not None
            return {"version": row.version, "active": row.active, "start": row.start_at, "end": row.end_at}
    found = (await studio.data(READ, {"id": gid}))["node"]
    assert found is not None, gid
    return found


async def run(studio: StudioFixture, doc: str, variables: dict[str, Any]) -> dict[str, Any]:
    data = await studio.data(doc, variables)
    (answer,) = data.values()
    return answer


async def booking(cat: Catalogue, status: str = "HOLD", day: int = 1, **extra: Any) -> str:
    made = await create(
        cat,
        start=at(day, 10),
        end=at(day, 12),
        status=status,
        allocations=[{"resourceId": cat.gid("Studio A")}, {"resourceId": cat.gid("SM7B 1")}],
        **extra,
    )
    assert made["__typename"] == "BookingCreated", made
    return str(made["booking"]["id"])


START = op("startBooking", "id: $id, at: $at, expectedVersion: $v", ", $id: ID!, $at: DateTime")
END = op("completeBooking", "id: $id, at: $at, expectedVersion: $v", ", $id: ID!, $at: DateTime")
RENAME = op("updateBooking", 'input: {id: $id, title: "Renamed", expectedVersion: $v}', ", $id: ID!")


async def started(cat: Catalogue) -> str:
    gid = await booking(cat, "CONFIRMED")
    assert (await run(cat.studio, START, {"id": gid, "at": iso(at(1, 10))}))["__typename"] == "BookingStarted"
    return gid


async def draft(cat: Catalogue) -> str:
    """A draft invoice of a completed session in Studio A."""
    await price_catalogue(cat)
    gid = await started(cat)
    assert (await run(cat.studio, END, {"id": gid, "at": iso(at(1, 12))}))["__typename"] == "BookingCompleted"
    doc = "mutation($id: ID!) { createInvoice(projectId: $id) { ... on InvoiceChanged { invoice { id } } } }"
    return str((await cat.studio.data(doc, {"id": cat.project}))["createInvoice"]["invoice"]["id"])


ADD_LINE = op(
    "addInvoiceLine",
    'input: {invoiceId: $id, description: "Rush fee", quantity: "1", unitPrice: "10.00", expectedVersion: $v}',
    ", $id: ID!",
)


async def manual_line(cat: Catalogue, invoice: str) -> str:
    """Add a manual line (the invoice moves to its next version); returns the line's id."""
    assert (await run(cat.studio, ADD_LINE, {"id": invoice}))["__typename"] == "InvoiceChanged"
    doc = "query($id: ID!) { node(id: $id) { ... on Invoice { lines { id description } } } }"
    lines = (await cat.studio.data(doc, {"id": invoice}))["node"]["lines"]
    return str(next(ln["id"] for ln in lines if ln["description"] == "Rush fee"))


async def issued(cat: Catalogue) -> str:
    gid = await draft(cat)
    doc = op("issueInvoice", "id: $id, expectedVersion: $v", ", $id: ID!")
    assert (await run(cat.studio, doc, {"id": gid}))["__typename"] == "InvoiceChanged"
    return gid


@dataclass(frozen=True)
class Case:
    """One guarded mutation: `setup` returns the watched entity's id and the mutation's variables."""

    doc: str
    setup: Callable[[Catalogue], Awaitable[tuple[str, dict[str, Any]]]]
    success: str
    # The change removes what it names (a line, an allocation, a draft): the stale attempt goes first,
    # against a version the setup made old.
    stale_first: bool = False
    deletes: bool = False


async def _resource(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    return cat.gid("Studio A"), {"id": cat.gid("Studio A")}


async def _spare_item(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    return cat.gid("SM7B 3"), {"id": cat.gid("SM7B 3")}


async def _kit(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    return cat.kit("Camera package B"), {"id": cat.kit("Camera package B")}


async def _hold(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await booking(cat)
    return gid, {"id": gid}


REQUEST = """mutation($input: RequestBookingInput!) { requestBooking(input: $input) {
  __typename ... on BookingRequested { booking { id } } } }"""


async def _requested(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    variables = {
        "projectId": cat.project,
        "title": "Asked for",
        "start": iso(at(2, 10)),
        "end": iso(at(2, 12)),
        "allocations": [{"resourceId": cat.gid("Studio A")}],
    }
    made = (await cat.studio.data(REQUEST, {"input": variables}))["requestBooking"]
    assert made["__typename"] == "BookingRequested", made
    gid = str(made["booking"]["id"])
    return gid, {"id": gid}


async def _confirmed(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await booking(cat, "CONFIRMED")
    return gid, {"id": gid, "at": iso(at(1, 10))}


async def _started(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await started(cat)
    return gid, {"id": gid, "at": iso(at(1, 12))}


async def _allocation(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await booking(cat)
    assert (await run(cat.studio, RENAME, {"id": gid}))["__typename"] == "BookingUpdated"
    doc = "query($id: ID!) { node(id: $id) { ... on Booking { allocations { id resource { name } } } } }"
    allocations = (await cat.studio.data(doc, {"id": gid}))["node"]["allocations"]
    mic = next(a["id"] for a in allocations if a["resource"]["name"] == "SM7B 1")
    return gid, {"id": mic}


async def _block(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    doc = """mutation($id: ID!, $s: DateTime!, $e: DateTime!) {
      blockResource(input: {resourceId: $id, start: $s, end: $e, reason: "repair"}) {
        ... on ResourceBlocked { block { id } } } }"""
    made = await cat.studio.data(doc, {"id": cat.gid("Studio B"), "s": iso(at(2, 9)), "e": iso(at(2, 17))})
    gid = made["blockResource"]["block"]["id"]
    return gid, {"id": gid}


SET_RATE_DOC = """mutation($input: SetRateInput!) { setRate(input: $input) { ... on RateSet { rate { id } } } }"""


async def _rate(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    first = {"category": "podcast studio", "unit": "HOUR", "billRate": "85.00", "costRate": "30.00"}
    gid = (await cat.studio.data(SET_RATE_DOC, {"input": first}))["setRate"]["rate"]["id"]
    return gid, {}


async def _project(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    return cat.project, {"id": cat.project}


async def _draft(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await draft(cat)
    return gid, {"id": gid}


async def _draft_line(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await draft(cat)
    return gid, {"id": await manual_line(cat, gid)}


async def _old_draft(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await draft(cat)
    await manual_line(cat, gid)
    return gid, {"id": gid}


async def _issued(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    gid = await issued(cat)
    return gid, {"id": gid}


async def _disabled_webhook(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    """A webhook the system has since disabled (its receiver answered 410): an old version is left behind."""
    made = await cat.studio.data(
        'mutation { createWebhook(input: {url: "https://example.com/hook", events: ["*"]}) {'
        " ... on WebhookCreated { webhook { id } } } }"
    )
    gid = made["createWebhook"]["webhook"]["id"]
    pk = (parse_global_id(gid) or ("", 0))[1]

    async def gone(tx: Tx) -> None:
        await webhook_rows.deactivate(tx.session, pk)

    await cat.studio.runtime.uow.run(gone, studio_id=cat.studio.id)
    return gid, {"id": gid}


ID = ", $id: ID!"


async def _task(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    made = await cat.studio.data(
        'mutation($p: ID!) { createTask(input: {projectId: $p, title: "Ingest", kind: INGEST}) '
        "{ ... on TaskCreated { task { id } } } }",
        {"p": cat.project},
    )
    gid = made["createTask"]["task"]["id"]
    return gid, {"id": gid}


async def _milestone(cat: Catalogue) -> tuple[str, dict[str, Any]]:
    made = await cat.studio.data(
        'mutation($p: ID!, $due: DateTime!) { createMilestone(input: {projectId: $p, name: "Episode 12 live", '
        "dueAt: $due}) { ... on MilestoneCreated { milestone { id } } } }",
        {"p": cat.project, "due": iso(at(3, 12))},
    )
    gid = made["createMilestone"]["milestone"]["id"]
    return gid, {"id": gid}


CASES: dict[str, Case] = {
    "updateTask": Case(
        op("updateTask", "input: {id: $id, status: BLOCKED, expectedVersion: $v}", ID), _task, "TaskUpdated"
    ),
    "deliverMilestone": Case(
        op("deliverMilestone", "id: $id, expectedVersion: $v", ID), _milestone, "MilestoneDelivered"
    ),
    "updateResource": Case(
        op("updateResource", 'input: {id: $id, name: "Studio A (east)", expectedVersion: $v}', ID),
        _resource,
        "ResourceUpdated",
    ),
    "retireResource": Case(op("retireResource", "id: $id, expectedVersion: $v", ID), _spare_item, "ResourceRetired"),
    "updateKit": Case(
        op("updateKit", 'input: {id: $id, name: "Camera package B2", expectedVersion: $v}', ID), _kit, "KitUpdated"
    ),
    "updateBooking": Case(RENAME, _hold, "BookingUpdated"),
    "addAllocations": Case(
        op(
            "addAllocations",
            "input: {bookingId: $id, allocations: [{resourceId: $mic}], expectedVersion: $v}",
            ID + ", $mic: ID!",
        ),
        lambda cat: _with(_hold(cat), mic=cat.gid("SM7B 2")),
        "AllocationsAdded",
    ),
    "removeAllocation": Case(
        op("removeAllocation", "id: $id, expectedVersion: $v", ID), _allocation, "AllocationRemoved", stale_first=True
    ),
    "confirmBooking": Case(op("confirmBooking", "id: $id, expectedVersion: $v", ID), _hold, "BookingConfirmed"),
    "cancelBooking": Case(op("cancelBooking", "id: $id, expectedVersion: $v", ID), _hold, "BookingCancelled"),
    "startBooking": Case(START, _confirmed, "BookingStarted"),
    "completeBooking": Case(END, _started, "BookingCompleted"),
    "startSession": Case(
        op("startSession", "id: $id, at: $at, expectedVersion: $v", ID + ", $at: DateTime"),
        _confirmed,
        "BookingStarted",
    ),
    "endSession": Case(
        op("endSession", "id: $id, at: $at, expectedVersion: $v", ID + ", $at: DateTime"), _started, "BookingCompleted"
    ),
    "moveBooking": Case(
        op(
            "moveBooking",
            "input: {id: $id, start: $s, end: $e, expectedVersion: $v}",
            ID + ", $s: DateTime!, $e: DateTime!",
        ),
        lambda cat: _with(_hold(cat), s=iso(at(3, 14)), e=iso(at(3, 16))),
        "BookingMoved",
    ),
    "unblockResource": Case(op("unblockResource", "id: $id, expectedVersion: $v", ID), _block, "ResourceUnblocked"),
    "setRate": Case(
        op(
            "setRate",
            'input: {category: "podcast studio", unit: HOUR, billRate: "95.00", costRate: "30.00", '
            "expectedVersion: $v}",
        ),
        _rate,
        "RateSet",
    ),
    "setProjectBudget": Case(
        op("setProjectBudget", 'input: {projectId: $id, approvedBudget: "60000", expectedVersion: $v}', ID),
        _project,
        "ProjectBudgetSet",
    ),
    "addInvoiceLine": Case(ADD_LINE, _draft, "InvoiceChanged"),
    "removeInvoiceLine": Case(
        op("removeInvoiceLine", "id: $id, expectedVersion: $v", ID), _draft_line, "InvoiceChanged", stale_first=True
    ),
    "discardInvoice": Case(
        op("discardInvoice", "id: $id, expectedVersion: $v", ID),
        _old_draft,
        "InvoiceDiscarded",
        stale_first=True,
        deletes=True,
    ),
    "deleteWebhook": Case(
        op("deleteWebhook", "id: $id, expectedVersion: $v", ID),
        _disabled_webhook,
        "WebhookDeleted",
        stale_first=True,
        deletes=True,
    ),
    "issueInvoice": Case(op("issueInvoice", "id: $id, expectedVersion: $v", ID), _draft, "InvoiceChanged"),
    "markInvoicePaid": Case(op("markInvoicePaid", "id: $id, expectedVersion: $v", ID), _issued, "InvoiceChanged"),
    "voidInvoice": Case(op("voidInvoice", "id: $id, expectedVersion: $v", ID), _issued, "InvoiceChanged"),
    "approveBooking": Case(
        op("approveBooking", "input: {id: $id, expectedVersion: $v}", ID), _requested, "BookingApproved"
    ),
    "declineBooking": Case(
        op("declineBooking", 'input: {id: $id, reason: "Studio closed", expectedVersion: $v}', ID),
        _requested,
        "BookingDeclined",
    ),
}


async def _with(setup: Awaitable[tuple[str, dict[str, Any]]], **more: Any) -> tuple[str, dict[str, Any]]:
    gid, variables = await setup
    return gid, {**variables, **more}


def _takes_expected_version(field: Any) -> bool:
    """As an argument (id-only mutations) or inside the input."""
    if "expectedVersion" in field.args:
        return True
    for arg in field.args.values():
        kind = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
        if isinstance(kind, GraphQLInputObjectType) and "expectedVersion" in kind.fields:
            return True
    return False


def test_every_mutation_that_changes_an_entity_takes_an_expected_version() -> None:
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    fields = mutation.fields
    unaccounted = sorted(set(fields) - set(CASES) - set(NOT_EDITS))
    assert unaccounted == [], (
        f"guard these with expectedVersion (and a case here) or list them in NOT_EDITS: {unaccounted}"
    )
    assert sorted(set(CASES) | set(NOT_EDITS)) == sorted(fields), "the table names a mutation the schema lacks"
    assert not set(CASES) & set(NOT_EDITS)
    for name in CASES:
        assert _takes_expected_version(fields[name]), f"{name} takes no expectedVersion"
        result = fields[name].type.of_type
        assert isinstance(result, GraphQLUnionType)
        assert "StaleVersionError" in {t.name for t in result.types}, f"{name} cannot answer StaleVersionError"
    for name in NOT_EDITS:
        assert not _takes_expected_version(fields[name]), f"{name} takes expectedVersion but is listed as no edit"


@pytest.mark.parametrize("name", sorted(CASES))
async def test_current_version_changes_and_an_old_one_changes_nothing(studio: StudioFixture, name: str) -> None:
    case = CASES[name]
    cat = await build(studio)
    gid, variables = await case.setup(cat)
    before = await node(studio, gid)
    v = before["version"]
    if case.stale_first:
        assert v >= 2, "the setup must leave an old version behind"
        stale = await run(studio, case.doc, {**variables, "v": v - 1})
        assert stale == {
            "__typename": "StaleVersionError",
            "code": "STALE_VERSION",
            "message": stale["message"],
            "currentVersion": v,
        }
        assert await node(studio, gid) == before
    done = await run(studio, case.doc, {**variables, "v": v})
    assert done["__typename"] == case.success, done
    if case.deletes:
        assert (await studio.data(READ, {"id": gid}))["node"] is None
        return
    after = await node(studio, gid)
    assert after["version"] == v + 1
    if name == "setProjectBudget":
        assert after["budget"]["version"] == v + 1
    if not case.stale_first:
        stale = await run(studio, case.doc, {**variables, "v": v})
        assert (stale["__typename"], stale["code"], stale["currentVersion"]) == (
            "StaleVersionError",
            "STALE_VERSION",
            v + 1,
        )
        assert await node(studio, gid) == after


@pytest.mark.parametrize("name", ["updateBooking", "updateResource", "setProjectBudget", "issueInvoice"])
async def test_without_an_expected_version_the_change_applies_as_before(studio: StudioFixture, name: str) -> None:
    case = CASES[name]
    cat = await build(studio)
    gid, variables = await case.setup(cat)
    v = (await node(studio, gid))["version"]
    done = await run(studio, case.doc, variables)
    assert done["__typename"] == case.success, done
    assert (await node(studio, gid))["version"] == v + 1


MOVE = CASES["moveBooking"].doc


async def test_two_concurrent_moves_with_the_same_version_one_wins(studio: StudioFixture) -> None:
    cat = await build(studio)
    gid = await booking(cat)
    for round_ in range(50):
        v = (await node(studio, gid))["version"]
        day = 2 + round_ % 5
        a = {"id": gid, "v": v, "s": iso(at(day, 9)), "e": iso(at(day, 11))}
        b = {"id": gid, "v": v, "s": iso(at(day, 14)), "e": iso(at(day, 16))}
        answers = await asyncio.gather(run(studio, MOVE, a), run(studio, MOVE, b))
        kinds = sorted(x["__typename"] for x in answers)
        assert kinds == ["BookingMoved", "StaleVersionError"], (round_, answers)
        loser = next(x for x in answers if x["__typename"] == "StaleVersionError")
        assert loser["currentVersion"] == v + 1
        now = await node(studio, gid)
        assert now["version"] == v + 1
        winner = a if answers[0]["__typename"] == "BookingMoved" else b
        moved = [datetime.fromisoformat(now[k].replace("Z", "+00:00")) for k in ("start", "end")]
        assert moved == [datetime.fromisoformat(winner[k]) for k in ("s", "e")]


CONFIRM = CASES["confirmBooking"].doc


async def test_a_hold_expired_by_the_sweeper_refuses_a_confirm_based_on_the_copy_before(
    studio: StudioFixture,
) -> None:
    cat = await build(studio)
    expires = utcnow() + timedelta(minutes=5)
    gid = await booking(cat, holdExpiresAt=iso(expires))
    seen = await node(studio, gid)
    assert (seen["status"], seen["version"]) == ("HOLD", 1)

    async def sweep(tx: Tx) -> list[int]:
        return await holds.expire_holds(tx, expires + timedelta(minutes=1))

    expired = await studio.runtime.uow.run(sweep, studio_id=None)
    assert gid in {to_global_id("Booking", i) for i in expired}
    after = await node(studio, gid)
    assert (after["status"], after["version"]) == ("EXPIRED", 2)
    refused = await run(studio, CONFIRM, {"id": gid, "v": seen["version"]})
    assert (refused["__typename"], refused["code"], refused["currentVersion"]) == (
        "StaleVersionError",
        "STALE_VERSION",
        2,
    )
    assert await node(studio, gid) == after
