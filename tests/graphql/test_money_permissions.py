"""Who sees and changes money, role by role: crew never see rates, costs or budgets; producers only
their own projects' money and never costs; devices nothing."""

from __future__ import annotations

import pytest

from db.models import Role
from server.schema.ids import to_global_id
from tests.alloc_support import Catalogue, at, build, create
from tests.conftest import StudioFixture
from tests.graphql.test_money_downloads import invoiced
from tests.money_support import CREATE_INVOICE, ISSUE, PAID, VOID, price_catalogue

STAFF = (Role.ADMIN, Role.COORDINATOR)
NOBODY = (Role.CREW, Role.SCANNER, Role.DISPLAY)

READ = """query($mine: ID!, $other: ID!) {
  mine: budget(projectId: $mine) { estimate { amount } estimateCost { amount } lines { costRate { amount } } }
  other: budget(projectId: $other) { estimate { amount } }
  projects { edges { node { name budget { estimate { amount } } } } }
  invoices { edges { node { total { amount } project { name } } } }
  rates { unit }
  utilization(input: {start: "2031-03-03T00:00:00Z", end: "2031-03-10T00:00:00Z"}) { total { revenue { amount } } }
}"""


async def setup(studio: StudioFixture) -> tuple[Catalogue, dict, dict]:
    cat = await build(studio)
    await price_catalogue(cat)
    # Sam (the CREW token's user) works on the producer's project, so crew can see that project.
    await create(cat, start=at(2, 10), end=at(2, 12), allocations=[{"resourceId": cat.gid("Sam Okafor")}])
    mine = await invoiced(cat)
    other = await invoiced(cat, title="Elsewhere", project=cat.other_project)
    return cat, mine, other


async def test_reading_money_by_role(studio: StudioFixture) -> None:
    cat, mine, other = await setup(studio)
    for role in Role:
        data = await studio.data(READ, {"mine": cat.project, "other": cat.other_project}, role=role)
        check_read(role, data)
        query = "query($id: ID!) { node(id: $id) { ... on Invoice { total { amount } } } }"
        seen = [(await studio.data(query, {"id": inv["id"]}, role=role))["node"] for inv in (mine, other)]
        expected = {
            Role.ADMIN: [{"total": {"amount": "170.00"}}] * 2,
            Role.COORDINATOR: [{"total": {"amount": "170.00"}}] * 2,
            Role.PRODUCER: [{"total": {"amount": "170.00"}}, None],
        }
        assert seen == expected.get(role, [None, None]), role


def check_read(role: Role, data: dict) -> None:
    projects = {e["node"]["name"]: e["node"]["budget"] for e in data["projects"]["edges"]}
    invoices = sorted(e["node"]["project"]["name"] for e in data["invoices"]["edges"])
    if role in STAFF:
        assert data["mine"]["estimate"] == {"amount": "250.00"}  # 2 h of Studio A (170.00) + 2 h of Sam (80.00)
        assert data["mine"]["estimateCost"] == {"amount": "110.00"}
        assert {ln["costRate"]["amount"] for ln in data["mine"]["lines"]} == {"30.00", "25.00"}
        assert data["other"] == {"estimate": {"amount": "170.00"}}
        assert projects == {
            "Founders Unfiltered": {"estimate": {"amount": "250.00"}},
            "Other show": {"estimate": {"amount": "170.00"}},
        }
        assert invoices == ["Founders Unfiltered", "Other show"]
        assert len(data["rates"]) == 10
        # Two completed sessions; Sam's call is only a HOLD, which utilization does not count.
        assert data["utilization"]["total"]["revenue"] == {"amount": "340.00"}
    elif role == Role.PRODUCER:
        # Bill figures of their own project; costs hidden; the other project is not theirs.
        assert data["mine"]["estimate"] == {"amount": "250.00"}
        assert data["mine"]["estimateCost"] is None
        assert {ln["costRate"] is None for ln in data["mine"]["lines"]} == {True}
        assert data["other"] is None
        assert projects == {"Founders Unfiltered": {"estimate": {"amount": "250.00"}}}
        assert invoices == ["Founders Unfiltered"]
        assert data["rates"] == []
        assert data["utilization"] is None
    else:
        assert (data["mine"], data["other"], data["rates"], data["utilization"]) == (None, None, [], None)
        assert invoices == []
        # Crew see the project they work on, never its money; devices see no projects.
        assert projects == ({"Founders Unfiltered": None} if role == Role.CREW else {})


@pytest.mark.parametrize("role", list(Role))
async def test_changing_money_by_role(studio: StudioFixture, role: Role) -> None:
    cat, mine, _ = await setup(studio)
    may = role in STAFF
    budget_change = await studio.data(
        """mutation($input: SetProjectBudgetInput!) { setProjectBudget(input: $input) { __typename
             ... on UserError { code } } }""",
        {"input": {"projectId": cat.project, "approvedBudget": "1.00"}},
        role=role,
    )
    assert budget_change["setProjectBudget"]["__typename"] == ("ProjectBudgetSet" if may else "ForbiddenError")
    for op, name in ((ISSUE, "issueInvoice"), (CREATE_INVOICE, "createInvoice")):
        target = cat.project if name == "createInvoice" else mine["id"]
        result = (await studio.data(op, {"id": target}, role=role))[name]
        if may:
            assert result["__typename"] in ("InvoiceChanged", "ValidationError")
        else:
            assert (result["__typename"], result["code"]) == ("ForbiddenError", "FORBIDDEN")
    if not may:
        # Nothing changed: the budget and the draft are as they were.
        data = await studio.data(
            "query($id: ID!) { budget(projectId: $id) { approved { amount } } }", {"id": cat.project}
        )
        assert data["budget"]["approved"] == {"amount": "50000.00"}
        node = await studio.data("query($id: ID!) { node(id: $id) { ... on Invoice { status } } }", {"id": mine["id"]})
        assert node["node"] == {"status": "DRAFT"}


async def test_other_studios_never_see_each_others_money(studio: StudioFixture, other_studio: StudioFixture) -> None:
    cat, mine, _ = await setup(studio)
    for role in Role:
        assert (
            await other_studio.data(
                "query($p: ID!, $i: ID!) { budget(projectId: $p) { estimate { amount } } node(id: $i) { id } }",
                {"p": cat.project, "i": mine["id"]},
                role=role,
            )
        ) == {"budget": None, "node": None}
        foreign = (await other_studio.data(ISSUE, {"id": mine["id"]}, role=role))["issueInvoice"]
        assert foreign["code"] in ("NOT_FOUND", "FORBIDDEN")
    for op, name in ((PAID, "markInvoicePaid"), (VOID, "voidInvoice")):
        result = (await other_studio.data(op, {"id": mine["id"]}))[name]
        assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND")
    assert to_global_id("Invoice", 1)
