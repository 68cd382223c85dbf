"""Shared setup of the allocation tests: a small studio catalogue built through the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update

from db.models import Resource, ResourceKind, Role, Studio, User
from server.schema.ids import to_global_id
from server.services import kits, projects, resources
from server.services.principal import Principal
from server.services.resources import ResourceFields
from server.services.uow import Tx
from tests.conftest import StudioFixture

# A Monday well in the future, so holds and windows never lapse while a test runs.
MONDAY = datetime(2031, 3, 3, tzinfo=UTC)


def at(day: int, hour: float) -> datetime:
    """`day` days after MONDAY, at `hour` (fractions are minutes) UTC."""
    return MONDAY + timedelta(days=day, hours=hour)


def iso(value: datetime) -> str:
    return value.isoformat()


@dataclass
class Catalogue:
    studio: StudioFixture
    ids: dict[str, int] = field(default_factory=dict)
    kit_ids: dict[str, int] = field(default_factory=dict)
    project_id: int = 0
    other_project_id: int = 0

    def gid(self, name: str) -> str:
        return to_global_id("Resource", self.ids[name])

    def kit(self, name: str) -> str:
        return to_global_id("Kit", self.kit_ids[name])

    @property
    def project(self) -> str:
        return to_global_id("Project", self.project_id)

    @property
    def other_project(self) -> str:
        return to_global_id("Project", self.other_project_id)


def _room(name: str, category: str, capacity: int, setup: int = 0, teardown: int = 0) -> tuple[Any, ...]:
    return ResourceKind.ROOM, ResourceFields(
        name=name, category=category, capacity=capacity, setup_minutes=setup, teardown_minutes=teardown
    )


def _item(name: str, category: str, code: str) -> tuple[Any, ...]:
    return ResourceKind.EQUIPMENT, ResourceFields(name=name, category=category, code=code)


def _crew(name: str, skills: list[str], cap: int = 40, rest: int = 11 * 60) -> tuple[Any, ...]:
    return ResourceKind.CREW, ResourceFields(
        name=name, category="crew", skills=skills, weekly_hour_cap=cap, min_rest_minutes=rest
    )


SPECS = [
    _room("Studio A", "podcast studio", 6),
    _room("Studio B", "podcast studio", 4),
    _room("Studio C", "video studio", 10),
    _room("Booth", "vocal booth", 2),
    _room("Buffered Room", "buffered", 4, setup=15, teardown=15),
    _room("Edit Bay 1", "edit bay", 2),
    _room("Edit Bay 2", "edit bay", 2),
    _item("SM7B 1", "microphone", "MIC-1"),
    _item("SM7B 2", "microphone", "MIC-2"),
    _item("SM7B 3", "microphone", "MIC-3"),
    _item("Camera body A", "camera", "CAM-A"),
    _item("Lens A", "lens", "LENS-A"),
    _item("Camera body B", "camera", "CAM-B"),
    _item("Lens B", "lens", "LENS-B"),
    (ResourceKind.STOCK, ResourceFields(name="XLR cables", category="cable", quantity=10, unit="cable")),
    _crew("Jordan Blake", ["technical producer", "streaming"]),
    _crew("Mina Haddad", ["editor", "social clips"], cap=10),
    _crew("Theo Lindqvist", ["editor"]),
    _crew("Sam Okafor", ["recording engineer"]),
]


async def build(studio: StudioFixture) -> Catalogue:
    """Rooms, gear, two camera kits, a cable pool, crew (Sam linked to the CREW token's user) and
    two projects: one produced by the PRODUCER token's user, one by nobody."""
    cat = Catalogue(studio)

    async def work(tx: Tx) -> None:
        admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="setup")
        for kind, fields in SPECS:
            row = await resources.create_resource(tx, admin, kind, fields)
            cat.ids[row.name] = row.id
        for name, items in (
            ("Camera package A", ["Camera body A", "Lens A"]),
            ("Camera package B", ["Camera body B", "Lens B"]),
        ):
            kit = await kits.create_kit(tx, admin, name, None, [cat.ids[i] for i in items])
            cat.kit_ids[name] = kit.id
        mine = await projects.create_project(tx, admin, "Founders Unfiltered", "Brightwave", Decimal("50000"), None)
        other = await projects.create_project(tx, admin, "Other show", None, None, None)
        users = {u.role: u.id for u in await tx.session.scalars(select(User).where(User.studio_id == studio.id))}
        mine.producer_id = users[Role.PRODUCER]
        await tx.session.execute(
            update(Resource).where(Resource.id == cat.ids["Sam Okafor"]).values(user_id=users[Role.CREW])
        )
        cat.project_id, cat.other_project_id = mine.id, other.id
        await tx.session.flush()

    await studio.runtime.uow.run(work, studio_id=studio.id)
    return cat


async def set_policy(studio: StudioFixture, **values: Any) -> None:
    async def work(tx: Tx) -> None:
        await tx.session.execute(update(Studio).where(Studio.id == studio.id).values(**values))

    await studio.runtime.uow.run(work, studio_id=studio.id)


CREATE = """
mutation($input: CreateBookingInput!) {
  createBooking(input: $input) {
    __typename
    ... on BookingCreated { warnings booking { id title status start end
        allocations { id quantity start end role resource { id name } kit { name } } } }
    ... on ConflictError { code message conflicts { resource { name } start end booking { id title } }
        alternatives { id name } alternativeKits { id name } }
    ... on UserError { code message }
    ... on ValidationError { field }
  }
}
"""


def booking_input(
    cat: Catalogue, start: datetime, end: datetime, allocations: list[dict[str, Any]], **extra: Any
) -> dict[str, Any]:
    return {
        "projectId": extra.pop("projectId", cat.project),
        "title": extra.pop("title", "Session"),
        "start": iso(start),
        "end": iso(end),
        "allocations": allocations,
        **extra,
    }


async def create(cat: Catalogue, role: Role = Role.COORDINATOR, **kw: Any) -> dict[str, Any]:
    body = await cat.studio.gql(CREATE, {"input": booking_input(cat, **kw)}, role=role)
    assert "errors" not in body, body
    return body["data"]["createBooking"]
