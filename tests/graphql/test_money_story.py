"""The seed story's money, through GraphQL alone: estimate, a guarded scope change, actuals, a paid invoice."""

from __future__ import annotations

from db.models import Role
from tests.alloc_support import at, booking_input, build, create, iso
from tests.conftest import StudioFixture
from tests.money_support import (
    ADD,
    ADD_LINE,
    CREATE_INVOICE,
    ISSUE,
    PAID,
    REMOVE_LINE,
    budget,
    price_catalogue,
    set_budget,
)

CONFIRM = "mutation($id: ID!) { confirmBooking(id: $id) { __typename } }"
START = "mutation($id: ID!, $at: DateTime) { startSession(id: $id, at: $at) { __typename } }"
QUOTE = """query($input: QuoteInput!) { quote(input: $input) {
  lines { description quantity rate { amount } amount { amount } }
  total { amount } estimateBefore { amount } estimateAfter { amount } overBy { amount } } }"""
END = "mutation($id: ID!, $at: DateTime) { endSession(id: $id, at: $at) { __typename } }"


def amounts(lines: list[dict]) -> dict[str, str]:
    return {ln["description"]: ln["amount"]["amount"] for ln in lines}


async def test_from_estimate_to_paid_invoice(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    set_ = await set_budget(cat, "900.00", reason="client PO 4471")
    assert set_["__typename"] == "ProjectBudgetSet"

    # The interview session: Studio B 11:00-13:00, two SM7Bs, a technical producer, 90 minutes of
    # edit bay after it, and camera package B.
    created = await create(
        cat,
        start=at(1, 11),
        end=at(1, 13),
        title="Founders interview",
        allocations=[
            {"resourceId": cat.gid("Studio B")},
            {"resourceId": cat.gid("SM7B 1")},
            {"resourceId": cat.gid("SM7B 2")},
            {"resourceId": cat.gid("Jordan Blake"), "role": "technical producer"},
            {"resourceId": cat.gid("Edit Bay 1"), "start": iso(at(1, 13)), "end": iso(at(1, 14.5))},
            {"kitId": cat.kit("Camera package B")},
        ],
    )
    assert created["__typename"] == "BookingCreated", created
    booking_id = created["booking"]["id"]

    money = await budget(cat)
    assert amounts(money["lines"]) == {
        "Studio B": "170.00",
        "SM7B 1": "15.00",
        "SM7B 2": "15.00",
        "Jordan Blake (technical producer)": "90.00",
        "Camera body B": "250.00",
        "Lens B": "90.00",
        "Edit Bay 1": "45.00",
    }
    assert money["estimate"] == {"amount": "675.00", "currency": "GBP"}
    assert money["estimateCost"] == {"amount": "187.00"}
    assert money["approved"] == {"amount": "900.00", "currency": "GBP"}
    assert money["remaining"] == {"amount": "225.00"}
    assert money["actual"] == {"amount": "0.00"}
    studio_b = next(ln for ln in money["lines"] if ln["description"] == "Studio B")
    assert studio_b == {
        "description": "Studio B",
        "kind": "BASE",
        "quantity": "2",
        "unit": "HOUR",
        "rate": {"amount": "85.00"},
        "amount": {"amount": "170.00"},
        "costRate": {"amount": "30.00"},
        "cost": {"amount": "60.00"},
        "priced": True,
        "resource": {"name": "Studio B"},
        "booking": {"title": "Founders interview"},
    }
    assert (await studio.data(CONFIRM, {"id": booking_id}, role=Role.PRODUCER))["confirmBooking"] == {
        "__typename": "BookingConfirmed"
    }

    # The social-clip package: three hours of the editor and of an edit bay, the next morning.
    social = {
        "bookingId": booking_id,
        "allocations": [
            {"resourceId": cat.gid("Mina Haddad"), "role": "editor", "start": iso(at(2, 9)), "end": iso(at(2, 12))},
            {"resourceId": cat.gid("Edit Bay 2"), "start": iso(at(2, 9)), "end": iso(at(2, 12))},
        ],
    }
    # Its cost shows before anyone asks for it, to the cent the change will add.
    quoted = (await studio.data(QUOTE, {"input": social}, role=Role.PRODUCER))["quote"]
    assert quoted == {
        "lines": [
            {
                "description": "Mina Haddad (editor)",
                "quantity": "3",
                "rate": {"amount": "55.00"},
                "amount": {"amount": "165.00"},
            },
            {"description": "Edit Bay 2", "quantity": "3", "rate": {"amount": "30.00"}, "amount": {"amount": "90.00"}},
        ],
        "total": {"amount": "255.00"},
        "estimateBefore": {"amount": "675.00"},
        "estimateAfter": {"amount": "930.00"},
        "overBy": {"amount": "30.00"},
    }
    refused = (await studio.data(ADD, {"input": social}, role=Role.COORDINATOR))["addAllocations"]
    assert refused["__typename"] == "BudgetExceededError"
    assert (refused["code"], refused["overBy"]) == ("BUDGET_EXCEEDED", {"amount": "30.00", "currency": "GBP"})
    # The producer may not approve the overrun either.
    social_approved = {"input": {**social, "allowOverBudget": True}}
    by_producer = (await studio.data(ADD, social_approved, role=Role.PRODUCER))["addAllocations"]
    assert by_producer["__typename"] == "BudgetExceededError"
    assert by_producer["overBy"]["amount"] == "30.00"
    assert "may not approve" in by_producer["message"]
    # Nothing changed.
    unchanged = await budget(cat)
    assert unchanged["estimate"]["amount"] == "675.00"
    assert len(unchanged["lines"]) == 7
    assert [c["delta"]["amount"] for c in unchanged["scopeChanges"]] == ["675.00"]

    # The coordinator approves it.
    approved = (await studio.data(ADD, social_approved, role=Role.COORDINATOR))["addAllocations"]
    assert approved["__typename"] == "AllocationsAdded", approved
    money = await budget(cat)
    assert money["estimate"]["amount"] == "930.00"
    assert money["remaining"]["amount"] == "-30.00"
    mina = next(ln for ln in money["lines"] if ln["resource"]["name"] == "Mina Haddad")
    assert (mina["quantity"], mina["unit"], mina["rate"], mina["amount"]) == (
        "3",
        "HOUR",
        {"amount": "55.00"},
        {"amount": "165.00"},
    )
    assert money["scopeChanges"] == [
        {
            "delta": {"amount": "675.00"},
            "overBudget": False,
            "reason": "createBooking: Founders interview",
            "actor": "coordinator:Coordinator One",
            "booking": {"title": "Founders interview"},
        },
        {
            "delta": {"amount": "255.00"},
            "overBudget": True,
            "reason": "addAllocations: Founders interview",
            "actor": "coordinator:Coordinator One",
            "booking": {"title": "Founders interview"},
        },
    ]
    assert money["history"] == [
        {"previous": None, "approved": {"amount": "50000.00"}, "reason": "initial budget", "actor": "admin:setup"},
        {
            "previous": {"amount": "50000.00"},
            "approved": {"amount": "900.00"},
            "reason": "client PO 4471",
            "actor": "coordinator:Coordinator One",
        },
    ]

    # The session starts fifteen minutes early and overruns by half an hour: room and crew bill it.
    assert (await studio.data(START, {"id": booking_id, "at": iso(at(1, 10.75))}))["startSession"] == {
        "__typename": "BookingStarted"
    }
    assert (await studio.data(END, {"id": booking_id, "at": iso(at(1, 13.5))}))["endSession"] == {
        "__typename": "BookingCompleted"
    }
    money = await budget(cat)
    actual = amounts(money["actualLines"])
    assert actual["Studio B"] == "233.75"
    assert actual["Jordan Blake (technical producer)"] == "123.75"
    assert money["actual"]["amount"] == "1027.50"
    assert money["estimate"]["amount"] == "930.00"
    assert money["remaining"]["amount"] == "-127.50"

    # The invoice bills what really happened.
    draft = (await studio.data(CREATE_INVOICE, {"id": cat.project}))["createInvoice"]
    assert draft["__typename"] == "InvoiceChanged", draft
    invoice = draft["invoice"]
    assert (invoice["status"], invoice["number"], invoice["total"]) == (
        "DRAFT",
        None,
        {"amount": "1027.50", "currency": "GBP"},
    )
    assert len(invoice["lines"]) == 9
    room = next(ln for ln in invoice["lines"] if ln["description"] == "Founders interview: Studio B")
    assert (room["quantity"], room["unit"], room["rate"], room["amount"]) == (
        "2.75",
        "HOUR",
        {"amount": "85.00"},
        {"amount": "233.75"},
    )
    issued = (await studio.data(ISSUE, {"id": invoice["id"]}))["issueInvoice"]["invoice"]
    assert (issued["status"], issued["number"], issued["total"]["amount"]) == ("ISSUED", 1, "1027.50")

    # An issued invoice never changes; nothing is left to bill.
    edit = (await studio.data(REMOVE_LINE, {"id": room["id"]}))["removeInvoiceLine"]
    assert (edit["__typename"], edit["code"]) == ("InvalidTransitionError", "INVOICE_IMMUTABLE")
    extra = {"input": {"invoiceId": invoice["id"], "description": "Rush fee", "quantity": "1", "unitPrice": "50"}}
    edit = (await studio.data(ADD_LINE, extra))["addInvoiceLine"]
    assert (edit["__typename"], edit["code"]) == ("InvalidTransitionError", "INVOICE_IMMUTABLE")
    again = (await studio.data(CREATE_INVOICE, {"id": cat.project}))["createInvoice"]
    assert (again["__typename"], again["code"], again["field"]) == ("ValidationError", "NOTHING_BILLABLE", "projectId")

    paid = (await studio.data(PAID, {"id": invoice["id"]}))["markInvoicePaid"]["invoice"]
    assert (paid["status"], paid["number"], paid["total"]["amount"], len(paid["lines"])) == ("PAID", 1, "1027.50", 9)
    assert paid["paidAt"] is not None
    listing = await studio.data("{ invoices { edges { node { number status total { amount } } } } }")
    assert listing["invoices"]["edges"] == [{"node": {"number": 1, "status": "PAID", "total": {"amount": "1027.50"}}}]


async def test_move_dry_run_prices_the_move(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    created = await create(
        cat,
        start=at(1, 10),
        end=at(1, 12),
        allocations=[{"resourceId": cat.gid("Studio A")}, {"resourceId": cat.gid("Jordan Blake")}],
    )
    move = """
    mutation($input: MoveBookingInput!) { moveBooking(input: $input) { __typename
      ... on MoveImpact { costChange { amount currency } fits }
      ... on BookingMoved { costChange { amount } } ... on UserError { code message } } }
    """
    # Two hours become three: one more hour of the room (85.00) and of Jordan (45.00).
    longer = {"id": created["booking"]["id"], "start": iso(at(1, 10)), "end": iso(at(1, 13)), "dryRun": True}
    impact = (await studio.data(move, {"input": longer}))["moveBooking"]
    assert impact == {"__typename": "MoveImpact", "costChange": {"amount": "130.00", "currency": "GBP"}, "fits": True}
    assert (await budget(cat))["estimate"]["amount"] == "260.00"
    moved = (await studio.data(move, {"input": {**longer, "dryRun": False}}))["moveBooking"]
    assert moved == {"__typename": "BookingMoved", "costChange": {"amount": "130.00"}}
    money = await budget(cat)
    assert money["estimate"]["amount"] == "390.00"
    assert [(c["delta"]["amount"], c["reason"]) for c in money["scopeChanges"]] == [
        ("260.00", "createBooking: Session"),
        ("130.00", "moveBooking: Session"),
    ]


async def test_refused_create_leaves_nothing_behind(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await set_budget(cat, "100.00")
    body = await studio.gql(
        """mutation($input: CreateBookingInput!) { createBooking(input: $input) { __typename
             ... on BudgetExceededError { code overBy { amount currency } } } }""",
        {"input": booking_input(cat, at(1, 10), at(1, 12), [{"resourceId": cat.gid("Studio A")}])},
        role=Role.COORDINATOR,
    )
    assert body["data"]["createBooking"] == {
        "__typename": "BudgetExceededError",
        "code": "BUDGET_EXCEEDED",
        "overBy": {"amount": "70.00", "currency": "GBP"},
    }
    listing = await studio.data("{ bookings { edges { node { title } } } }")
    assert listing["bookings"]["edges"] == []
    money = await budget(cat)
    assert (money["estimate"]["amount"], money["scopeChanges"]) == ("0.00", [])


async def test_quotes_for_a_new_booking_and_their_refusals(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    query = """query($input: QuoteInput!) { quote(input: $input) {
      lines { description amount { amount } costRate { amount } booking { id } }
      total { amount } overBy { amount } } }"""
    new = {
        "projectId": cat.project,
        "start": iso(at(1, 10)),
        "end": iso(at(1, 12)),
        "allocations": [{"kitId": cat.kit("Camera package A")}, {"resourceId": cat.gid("XLR cables"), "quantity": 3}],
    }
    quoted = (await studio.data(query, {"input": new}))["quote"]
    assert quoted == {
        "lines": [
            {
                "description": "Camera body A",
                "amount": {"amount": "250.00"},
                "costRate": {"amount": "40.00"},
                "booking": None,
            },
            {"description": "Lens A", "amount": {"amount": "90.00"}, "costRate": {"amount": "15.00"}, "booking": None},
            {
                "description": "XLR cables x 3",
                "amount": {"amount": "7.50"},
                "costRate": {"amount": "0.40"},
                "booking": None,
            },
        ],
        "total": {"amount": "347.50"},
        "overBy": None,
    }
    # Nothing was booked.
    assert (await studio.data("{ bookings { edges { node { id } } } }"))["bookings"]["edges"] == []
    # Producers see bill figures of their own projects only; crew and devices see no prices.
    producer = (await studio.data(query, {"input": new}, role=Role.PRODUCER))["quote"]
    assert producer["total"] == {"amount": "347.50"} and producer["lines"][0]["costRate"] is None
    elsewhere = await studio.gql(query, {"input": {**new, "projectId": cat.other_project}}, role=Role.PRODUCER)
    assert elsewhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    for role in (Role.CREW, Role.SCANNER, Role.DISPLAY):
        assert (await studio.data(query, {"input": new}, role=role)) == {"quote": None}
    for bad in (
        {**new, "end": iso(at(1, 9))},
        {**new, "start": None},
        {**new, "bookingId": None, "projectId": None},
        {**new, "allocations": []},
    ):
        assert (await studio.gql(query, {"input": bad}))["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_removals_and_cancellations_are_scope_changes_too(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await set_budget(cat, "100.00")
    made = await create(
        cat,
        start=at(1, 10),
        end=at(1, 12),
        allocations=[{"resourceId": cat.gid("Studio A")}, {"resourceId": cat.gid("Jordan Blake")}],
        allowOverBudget=True,
    )
    jordan = next(a for a in made["booking"]["allocations"] if a["resource"]["name"] == "Jordan Blake")
    remove = "mutation($id: ID!) { removeAllocation(id: $id) { __typename } }"
    # Taking something off an over-budget project is never refused.
    assert (await studio.data(remove, {"id": jordan["id"]}))["removeAllocation"] == {"__typename": "AllocationRemoved"}
    cancel = "mutation($id: ID!) { cancelBooking(id: $id) { __typename } }"
    assert (await studio.data(cancel, {"id": made["booking"]["id"]}))["cancelBooking"] == {
        "__typename": "BookingCancelled"
    }
    money = await budget(cat)
    assert money["estimate"]["amount"] == "0.00"
    assert [(c["delta"]["amount"], c["overBudget"], c["reason"]) for c in money["scopeChanges"]] == [
        ("260.00", True, "createBooking: Session"),
        ("-90.00", False, "removeAllocation: Session"),
        ("-170.00", False, "cancelBooking: Session"),
    ]
