"""Documents and helpers of the production plan tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from db.models import Role
from server.schema.ids import parse_global_id
from tests.alloc_support import Catalogue, iso
from tests.conftest import StudioFixture

TASK_FIELDS = "id title kind status dueAt completedAt version assignee { name } booking { id } dependsOn { id title }"
MILESTONE_FIELDS = "id name dueAt status deliveredAt risks version tasks { id title status }"

CREATE_TASK = f"""
mutation($input: CreateTaskInput!) {{
  createTask(input: $input) {{
    __typename
    ... on TaskCreated {{ task {{ {TASK_FIELDS} }} }}
    ... on UserError {{ code message }}
    ... on ValidationError {{ field }}
  }}
}}
"""

UPDATE_TASK = f"""
mutation($input: UpdateTaskInput!) {{
  updateTask(input: $input) {{
    __typename
    ... on TaskUpdated {{ task {{ {TASK_FIELDS} }} }}
    ... on StaleVersionError {{ currentVersion }}
    ... on UserError {{ code message }}
    ... on ValidationError {{ field }}
  }}
}}
"""

CREATE_MILESTONE = f"""
mutation($input: CreateMilestoneInput!) {{
  createMilestone(input: $input) {{
    __typename
    ... on MilestoneCreated {{ milestone {{ {MILESTONE_FIELDS} }} }}
    ... on UserError {{ code message }}
    ... on ValidationError {{ field }}
  }}
}}
"""

DELIVER = f"""
mutation($id: ID!, $v: Int) {{
  deliverMilestone(id: $id, expectedVersion: $v) {{
    __typename
    ... on MilestoneDelivered {{ milestone {{ {MILESTONE_FIELDS} }} }}
    ... on StaleVersionError {{ currentVersion }}
    ... on UserError {{ code message }}
  }}
}}
"""

PLAN = f"""
query($id: ID!) {{
  node(id: $id) {{
    ... on Project {{ tasks {{ {TASK_FIELDS} }} milestones {{ {MILESTONE_FIELDS} }} }}
  }}
}}
"""

NODES = {
    kind: f"query($id: ID!) {{ node(id: $id) {{ __typename ... on {kind} {{ {fields} }} }} }}"
    for kind, fields in (
        ("Task", TASK_FIELDS),
        ("Milestone", MILESTONE_FIELDS),
        ("Booking", f"id start end tasks {{ {TASK_FIELDS} }}"),
    )
}

MOVE = """
mutation($input: MoveBookingInput!) {
  moveBooking(input: $input) {
    __typename
    ... on MoveImpact { fits milestonesAtRisk { id name status risks } }
    ... on BookingMoved { booking { id start end version } }
    ... on UserError { code message }
  }
}
"""


async def task(cat: Catalogue, role: Role = Role.COORDINATOR, **input: Any) -> dict[str, Any]:
    """createTask on the catalogue's project (unless given), answered with its result member."""
    input.setdefault("projectId", cat.project)
    input.setdefault("kind", "OTHER")
    for key in ("dueAt",):
        if isinstance(input.get(key), datetime):
            input[key] = iso(input[key])
    body = await cat.studio.gql(CREATE_TASK, {"input": input}, role=role)
    assert "errors" not in body, body
    return body["data"]["createTask"]  # type: ignore[no-any-return]


async def new_task(cat: Catalogue, **input: Any) -> dict[str, Any]:
    made = await task(cat, **input)
    assert made["__typename"] == "TaskCreated", made
    return made["task"]  # type: ignore[no-any-return]


async def update(studio: StudioFixture, role: Role = Role.COORDINATOR, **input: Any) -> dict[str, Any]:
    for key in ("dueAt",):
        if isinstance(input.get(key), datetime):
            input[key] = iso(input[key])
    body = await studio.gql(UPDATE_TASK, {"input": input}, role=role)
    assert "errors" not in body, body
    return body["data"]["updateTask"]  # type: ignore[no-any-return]


async def milestone(cat: Catalogue, name: str, due: datetime, role: Role = Role.COORDINATOR) -> dict[str, Any]:
    body = await cat.studio.gql(
        CREATE_MILESTONE, {"input": {"projectId": cat.project, "name": name, "dueAt": iso(due)}}, role=role
    )
    assert "errors" not in body, body
    return body["data"]["createMilestone"]  # type: ignore[no-any-return]


async def node(studio: StudioFixture, gid: str, role: Role = Role.ADMIN) -> Any:
    parsed = parse_global_id(gid)
    assert parsed is not None
    return (await studio.data(NODES[parsed[0]], {"id": gid}, role=role))["node"]


async def plan(cat: Catalogue, role: Role = Role.ADMIN) -> Any:
    return (await cat.studio.data(PLAN, {"id": cat.project}, role=role))["node"]


CREATE_STORAGE = """
mutation($input: CreateResourceInput!) {
  createResource(input: $input) { __typename ... on ResourceCreated { resource { id kind quantity } } }
}"""

MEDIA_FIELDS = (
    "id name sizeMegabytes status version storage { name } booking { id } reviewLinks { url decision comment }"
)

REGISTER = f"""
mutation($input: RegisterMediaAssetInput!) {{
  registerMediaAsset(input: $input) {{
    __typename
    ... on MediaAssetRegistered {{ warnings mediaAsset {{ {MEDIA_FIELDS} }} }}
    ... on UserError {{ code message }}
    ... on ValidationError {{ field }}
  }}
}}
"""

REVIEW_LINK = f"""
mutation($input: CreateReviewLinkInput!) {{
  createReviewLink(input: $input) {{
    __typename
    ... on ReviewLinkCreated {{ link {{ url expiresAt decision }} mediaAsset {{ {MEDIA_FIELDS} }} }}
    ... on UserError {{ code message }}
    ... on ValidationError {{ field }}
  }}
}}
"""

MEDIA = f"query($id: ID!) {{ node(id: $id) {{ ... on Project {{ mediaAssets {{ {MEDIA_FIELDS} }} }} }} }}"


async def storage(studio: StudioFixture, name: str, gigabytes: int) -> str:
    made = await studio.data(CREATE_STORAGE, {"input": {"kind": "STORAGE", "name": name, "quantity": gigabytes}})
    assert made["createResource"]["__typename"] == "ResourceCreated", made
    assert made["createResource"]["resource"]["kind"] == "STORAGE"
    return str(made["createResource"]["resource"]["id"])


async def register(cat: Catalogue, volume: str, size: int, role: Role = Role.COORDINATOR, **extra: Any) -> Any:
    variables = {
        "input": {"projectId": cat.project, "storageId": volume, "name": "Footage", "sizeMegabytes": size, **extra}
    }
    body = await cat.studio.gql(REGISTER, variables, role=role)
    assert "errors" not in body, body
    return body["data"]["registerMediaAsset"]


async def media(cat: Catalogue) -> list[dict[str, Any]]:
    return (await cat.studio.data(MEDIA, {"id": cat.project}))["node"]["mediaAssets"]  # type: ignore[no-any-return]


async def reviewable(cat: Catalogue) -> tuple[str, str, str]:
    """A booking with a REVIEW task, its cut on a volume and a week-long review link: (task, asset, url)."""
    from tests.alloc_support import at, create

    made = await create(cat, start=at(0, 10), end=at(0, 12), allocations=[{"resourceId": cat.gid("Studio A")}])
    booking = made["booking"]["id"]
    review_task = await new_task(cat, title="Client review", kind="REVIEW", bookingId=booking)
    volume = await storage(cat.studio, "Review share", 2000)
    asset = (await register(cat, volume, 2400, name="Episode 12 cut", bookingId=booking))["mediaAsset"]
    expires = iso(datetime.now(UTC) + timedelta(days=7))
    link = (await cat.studio.data(REVIEW_LINK, {"input": {"mediaAssetId": asset["id"], "expiresAt": expires}}))[
        "createReviewLink"
    ]["link"]
    return review_task["id"], asset["id"], link["url"]
