"""Shared setup of the money tests: a rate card over the allocation tests' catalogue, and the operations."""

from __future__ import annotations

from typing import Any

from db.models import Role
from server.schema.ids import to_global_id
from tests.alloc_support import Catalogue

SET_RATE = """
mutation($input: SetRateInput!) { setRate(input: $input) { __typename
  ... on RateSet { unit costRate { amount currency } billRate { amount currency }
      rate { id category unit dayCapHours overtimeAfterHours overtimeMultiplier lateFeePerDay { amount }
             validFrom validUntil resource { name } } }
  ... on UserError { code message } ... on ValidationError { field } } }
"""

BUDGET = """
query($id: ID!) { budget(projectId: $id) {
  approved { amount currency } estimate { amount currency } actual { amount } remaining { amount }
  estimateCost { amount }
  lines { description kind quantity unit rate { amount } amount { amount } costRate { amount } cost { amount }
          priced resource { name } booking { title } }
  actualLines { description kind quantity unit amount { amount } }
  scopeChanges { delta { amount } overBudget reason actor booking { title } }
  history { previous { amount } approved { amount } reason actor }
} }
"""

SET_BUDGET = """
mutation($input: SetProjectBudgetInput!) { setProjectBudget(input: $input) { __typename
  ... on ProjectBudgetSet { budget { approved { amount } estimate { amount } remaining { amount } } }
  ... on UserError { code message } ... on ValidationError { field } } }
"""

ADD = """
mutation($input: AddAllocationsInput!) { addAllocations(input: $input) { __typename
  ... on AllocationsAdded { booking { id allocations { id } } }
  ... on BudgetExceededError { code message overBy { amount currency } }
  ... on UserError { code message } } }
"""

INVOICE_FIELDS = """
  id number status total { amount currency } issuedAt paidAt voidedAt csvUrl htmlUrl
  lines { id description quantity unit rate { amount } amount { amount } }
"""


def invoice_op(name: str, args: str, params: str) -> str:
    return f"""
mutation({params}) {{ {name}({args}) {{ __typename
  ... on InvoiceChanged {{ invoice {{ {INVOICE_FIELDS} }} }}
  ... on UserError {{ code message }} ... on ValidationError {{ field }} }} }}
"""


CREATE_INVOICE = invoice_op("createInvoice", "projectId: $id", "$id: ID!")
ISSUE = invoice_op("issueInvoice", "id: $id", "$id: ID!")
PAID = invoice_op("markInvoicePaid", "id: $id", "$id: ID!")
VOID = invoice_op("voidInvoice", "id: $id", "$id: ID!")
REMOVE_LINE = invoice_op("removeInvoiceLine", "id: $id", "$id: ID!")
ADD_LINE = invoice_op("addInvoiceLine", "input: $input", "$input: AddInvoiceLineInput!")

# The studio's rate card for the catalogue of `tests.alloc_support` (bill / cost, GBP).
RATE_CARD: list[dict[str, Any]] = [
    {"category": "podcast studio", "unit": "HOUR", "billRate": "85.00", "costRate": "30.00", "dayCapHours": 8},
    {"category": "edit bay", "unit": "HOUR", "billRate": "30.00", "costRate": "8.00"},
    {"category": "microphone", "unit": "DAY", "billRate": "15.00", "costRate": "2.00"},
    {"category": "camera", "unit": "DAY", "billRate": "250.00", "costRate": "40.00"},
    {"category": "lens", "unit": "DAY", "billRate": "90.00", "costRate": "15.00"},
    {"category": "cable", "unit": "DAY", "billRate": "2.50", "costRate": "0.40"},
    {
        "category": "crew",
        "unit": "HOUR",
        "billRate": "40.00",
        "costRate": "25.00",
        "overtimeAfterHours": 8,
        "overtimeMultiplier": "1.5",
    },
]
# Resources priced on their own (over their category).
OWN_RATES: dict[str, dict[str, Any]] = {
    "Jordan Blake": {"unit": "HOUR", "billRate": "45.00", "costRate": "28.00"},
    "Mina Haddad": {"unit": "HOUR", "billRate": "55.00", "costRate": "35.00"},
    "SM7B 1": {"unit": "DAY", "billRate": "15.00", "costRate": "2.00", "lateFeePerDay": "10.00"},
}


async def set_rate(cat: Catalogue, role: Role = Role.COORDINATOR, **input: Any) -> dict[str, Any]:
    body = await cat.studio.gql(SET_RATE, {"input": input}, role=role)
    assert "errors" not in body, body
    return body["data"]["setRate"]


async def price_catalogue(cat: Catalogue) -> None:
    """Set the whole rate card above; every rate must be accepted."""
    for rate in RATE_CARD:
        assert (await set_rate(cat, **rate))["__typename"] == "RateSet"
    for name, rate in OWN_RATES.items():
        assert (await set_rate(cat, resourceId=cat.gid(name), **rate))["__typename"] == "RateSet"


async def budget(cat: Catalogue, role: Role = Role.COORDINATOR, project: str | None = None) -> Any:
    return (await cat.studio.data(BUDGET, {"id": project or cat.project}, role=role))["budget"]


async def set_budget(cat: Catalogue, amount: str | None, role: Role = Role.COORDINATOR, **extra: Any) -> Any:
    variables = {"input": {"projectId": cat.project, "approvedBudget": amount, **extra}}
    return (await cat.studio.data(SET_BUDGET, variables, role=role))["setProjectBudget"]


def booking_gid(pk: int) -> str:
    return to_global_id("Booking", pk)
