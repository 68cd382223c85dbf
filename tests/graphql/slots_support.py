"""Documents and helpers of the slots tests."""

from __future__ import annotations

from typing import Any

from db.models import Role
from tests.conftest import StudioFixture

CREATE_TEMPLATE = """
mutation($input: CreateSessionTemplateInput!) {
  createSessionTemplate(input: $input) {
    __typename
    ... on SessionTemplateCreated { template { id name durationMinutes
        needs { kind category skills role minCapacity quantity offsetMinutes durationMinutes
                resource { name } kit { name } }
        tasks { title kind offsetMinutes role dependsOn } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}
"""

FIND = """
query($input: FindSlotsInput!) {
  findSlots(input: $input) {
    key start end warnings estimate { amount currency }
    assignments { need quantity start end role resource { name } }
  }
}
"""

BOOK = """
mutation($input: BookSlotInput!) {
  bookSlot(input: $input) {
    __typename
    ... on BookingCreated { booking { id start end allocations { resource { name } start end role } } }
    ... on ConflictError { code conflicts { resource { name } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}
"""

SERIES = """
mutation($input: CreateBookingSeriesInput!) {
  createBookingSeries(input: $input) {
    __typename
    ... on BookingSeriesCreated { series { id rrule bookings { id start end series { id } } } skipped { start end } }
    ... on ConflictError { code message conflicts { occurrenceStart start end resource { name } } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}
"""

CANCEL_SERIES = """
mutation($input: CancelBookingSeriesInput!) {
  cancelBookingSeries(input: $input) {
    __typename
    ... on BookingSeriesCancelled { series { id bookings { start status } } cancelled { id start status } }
    ... on UserError { code message }
  }
}
"""


async def find(studio: StudioFixture, role: Role = Role.COORDINATOR, **input: Any) -> dict[str, Any]:
    return await studio.gql(FIND, {"input": input}, role=role)


async def template(studio: StudioFixture, role: Role = Role.COORDINATOR, **input: Any) -> dict[str, Any]:
    body = await studio.gql(CREATE_TEMPLATE, {"input": input}, role=role)
    assert "errors" not in body, body
    return body["data"]["createSessionTemplate"]
