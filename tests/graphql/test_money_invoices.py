"""Invoices: drafts and their edits, issuing, paying, voiding, and the refusals that keep them honest."""

from __future__ import annotations

from typing import Any

import pytest

from server.schema.ids import to_global_id
from tests.alloc_support import at, build, create
from tests.conftest import StudioFixture
from tests.graphql.test_money_downloads import invoiced
from tests.money_support import ADD_LINE, CREATE_INVOICE, ISSUE, PAID, REMOVE_LINE, VOID, price_catalogue

DISCARD = """mutation($id: ID!) { discardInvoice(id: $id) { __typename
  ... on InvoiceDiscarded { id } ... on UserError { code message } } }"""
LIST = """query($filter: InvoiceFilter, $first: Int, $after: String) {
  invoices(filter: $filter, first: $first, after: $after) {
    edges { node { number status total { amount } } } pageInfo { hasNextPage endCursor } } }"""


async def run(studio: StudioFixture, op: str, name: str, **variables: Any) -> dict[str, Any]:
    return (await studio.data(op, variables))[name]


async def test_nothing_billable_and_unknown_projects(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    # A confirmed booking that has not happened yet is not billable.
    await create(
        cat, start=at(1, 10), end=at(1, 12), status="CONFIRMED", allocations=[{"resourceId": cat.gid("Studio A")}]
    )
    nothing = await run(studio, CREATE_INVOICE, "createInvoice", id=cat.project)
    assert (nothing["__typename"], nothing["code"], nothing["field"]) == (
        "ValidationError",
        "NOTHING_BILLABLE",
        "projectId",
    )
    for bad in (to_global_id("Project", 10**9), to_global_id("Resource", cat.ids["Studio A"]), "garbage"):
        missing = await run(studio, CREATE_INVOICE, "createInvoice", id=bad)
        assert (missing["__typename"], missing["code"]) == ("NotFoundError", "NOT_FOUND")
    assert (await studio.data(LIST))["invoices"]["edges"] == []


async def test_draft_edits_and_billing_each_line_once(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    draft = await invoiced(cat)
    (room,) = draft["lines"]
    # A manual line: 1.5 x 33.33 = 49.995, rounded half-up to 50.00.
    fee = {"invoiceId": draft["id"], "description": "Rush fee", "quantity": "1.5", "unitPrice": "33.33", "unit": "HOUR"}
    added = (await run(studio, ADD_LINE, "addInvoiceLine", input=fee))["invoice"]
    assert added["total"]["amount"] == "220.00"
    assert added["lines"][-1] == {
        "id": added["lines"][-1]["id"],
        "description": "Rush fee",
        "quantity": "1.5",
        "unit": "HOUR",
        "rate": {"amount": "33.33"},
        "amount": {"amount": "50.00"},
    }
    # Taking the room off makes it billable again, on a second draft.
    removed = (await run(studio, REMOVE_LINE, "removeInvoiceLine", id=room["id"]))["invoice"]
    assert (removed["total"]["amount"], len(removed["lines"])) == ("50.00", 1)
    second = (await run(studio, CREATE_INVOICE, "createInvoice", id=cat.project))["invoice"]
    assert (second["total"]["amount"], [ln["description"] for ln in second["lines"]]) == (
        "170.00",
        ["Session: Studio A"],
    )
    assert (await run(studio, DISCARD, "discardInvoice", id=second["id"])) == {
        "__typename": "InvoiceDiscarded",
        "id": second["id"],
    }
    gone = await studio.data("query($id: ID!) { node(id: $id) { id } }", {"id": second["id"]})
    assert gone["node"] is None
    third = (await run(studio, CREATE_INVOICE, "createInvoice", id=cat.project))["invoice"]
    assert third["total"]["amount"] == "170.00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "0.00001"}, "quantity"),
        ({"quantity": "1000000"}, "quantity"),
        ({"unitPrice": "-5"}, "unitPrice"),
        ({"unitPrice": "1.005"}, "unitPrice"),
        ({"description": "  "}, "description"),
        ({"unit": ""}, "unit"),
    ],
)
async def test_bad_manual_lines_change_nothing(studio: StudioFixture, change: dict[str, str], field: str) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    draft = await invoiced(cat)
    line = {"invoiceId": draft["id"], "description": "Extra", "quantity": "1", "unitPrice": "10", **change}
    refused = await run(studio, ADD_LINE, "addInvoiceLine", input=line)
    assert (refused["__typename"], refused["code"], refused["field"]) == ("ValidationError", "VALIDATION", field)
    node = await studio.data(
        "query($id: ID!) { node(id: $id) { ... on Invoice { total { amount } lines { id } } } }", {"id": draft["id"]}
    )
    assert node["node"] == {"total": {"amount": "170.00"}, "lines": [{"id": draft["lines"][0]["id"]}]}


async def test_issued_invoices_are_immutable_and_transitions_are_checked(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    draft = await invoiced(cat)
    not_yet = await run(studio, PAID, "markInvoicePaid", id=draft["id"])
    assert (not_yet["__typename"], not_yet["code"]) == ("InvalidTransitionError", "INVALID_TRANSITION")
    not_yet = await run(studio, VOID, "voidInvoice", id=draft["id"])
    assert (not_yet["__typename"], not_yet["code"]) == ("InvalidTransitionError", "INVALID_TRANSITION")

    issued = (await run(studio, ISSUE, "issueInvoice", id=draft["id"]))["invoice"]
    assert (issued["number"], issued["status"]) == (1, "ISSUED")
    for op, name, args in (
        (ISSUE, "issueInvoice", {"id": draft["id"]}),
        (REMOVE_LINE, "removeInvoiceLine", {"id": draft["lines"][0]["id"]}),
        (
            ADD_LINE,
            "addInvoiceLine",
            {"input": {"invoiceId": draft["id"], "description": "x", "quantity": "1", "unitPrice": "1"}},
        ),
        (DISCARD, "discardInvoice", {"id": draft["id"]}),
    ):
        refused = await run(studio, op, name, **args)
        assert (refused["__typename"], refused["code"]) == ("InvalidTransitionError", "INVOICE_IMMUTABLE"), name

    # Voiding frees the work for a new invoice, which gets the next number.
    voided = (await run(studio, VOID, "voidInvoice", id=draft["id"]))["invoice"]
    assert (voided["status"], voided["number"], voided["total"]["amount"]) == ("VOID", 1, "170.00")
    again = (await run(studio, CREATE_INVOICE, "createInvoice", id=cat.project))["invoice"]
    reissued = (await run(studio, ISSUE, "issueInvoice", id=again["id"]))["invoice"]
    assert (reissued["number"], reissued["total"]["amount"]) == (2, "170.00")
    paid = (await run(studio, PAID, "markInvoicePaid", id=again["id"]))["invoice"]
    assert paid["status"] == "PAID"
    refused = await run(studio, VOID, "voidInvoice", id=again["id"])
    assert (refused["__typename"], refused["code"]) == ("InvalidTransitionError", "INVALID_TRANSITION")

    listing = await studio.data(LIST, {"first": 1})
    assert listing["invoices"]["edges"] == [{"node": {"number": 2, "status": "PAID", "total": {"amount": "170.00"}}}]
    assert listing["invoices"]["pageInfo"]["hasNextPage"] is True
    rest = await studio.data(LIST, {"first": 5, "after": listing["invoices"]["pageInfo"]["endCursor"]})
    assert [e["node"]["status"] for e in rest["invoices"]["edges"]] == ["VOID"]
    voids = await studio.data(LIST, {"filter": {"statuses": ["VOID"], "projectId": cat.project}})
    assert [e["node"]["number"] for e in voids["invoices"]["edges"]] == [1]


async def test_an_emptied_draft_cannot_be_issued(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    draft = await invoiced(cat)
    await run(studio, REMOVE_LINE, "removeInvoiceLine", id=draft["lines"][0]["id"])
    refused = await run(studio, ISSUE, "issueInvoice", id=draft["id"])
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "NOTHING_BILLABLE")
    node = await studio.data(
        "query($id: ID!) { node(id: $id) { ... on Invoice { status number } } }", {"id": draft["id"]}
    )
    assert node["node"] == {"status": "DRAFT", "number": None}
