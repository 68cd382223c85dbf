"""A demo studio a coordinator recognises: four studios, two booths, two edit bays, gear, crew, a week.

Loading it twice adds nothing twice: every object is looked up by name first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from db.models import Project, ResourceKind, Role, User
from db.repositories import projects as project_rows
from db.repositories import resources as resource_rows
from db.repositories import tenancy
from server.services import kits, projects, resources, studios
from server.services.principal import Principal
from server.services.resources import ResourceFields
from server.services.uow import Tx, UnitOfWork

STUDIO = "Northside Sound & Vision"
MAIN_FLOOR, CAGE, POST = "Main floor", "Equipment cage", "Post wing"


@dataclass(frozen=True)
class Spec:
    kind: ResourceKind
    name: str
    location: str
    fields: ResourceFields


def _room(name: str, category: str, capacity: int, location: str = MAIN_FLOOR, setup: int = 15) -> Spec:
    return Spec(
        ResourceKind.ROOM,
        name,
        location,
        ResourceFields(name=name, category=category, capacity=capacity, setup_minutes=setup, teardown_minutes=15),
    )


def _item(name: str, category: str, code: str, model: str, epc: str | None = None) -> Spec:
    return Spec(
        ResourceKind.EQUIPMENT,
        name,
        CAGE,
        ResourceFields(name=name, category=category, code=code, model=model, epc=epc),
    )


def _crew(name: str, category: str, skills: list[str], cap: int = 40) -> Spec:
    return Spec(
        ResourceKind.CREW,
        name,
        MAIN_FLOOR,
        ResourceFields(name=name, category=category, skills=skills, weekly_hour_cap=cap, min_rest_minutes=11 * 60),
    )


def _giai96(reference: int) -> str:
    """A GIAI-96 EPC (filter 0, partition 5: company prefix 4012345) for an asset reference."""
    value = (0x34 << 88) | (0 << 85) | (5 << 82) | (4012345 << 58) | reference
    return f"{value:024X}"


CATALOGUE: list[Spec] = [
    _room("Studio A", "podcast studio", 6),
    _room("Studio B", "podcast studio", 4),
    _room("Studio C", "video studio", 10, setup=30),
    _room("Studio D", "video studio", 8, setup=30),
    _room("Vocal Booth 1", "vocal booth", 2, setup=0),
    _room("Vocal Booth 2", "vocal booth", 2, setup=0),
    _room("Edit Bay 1", "edit bay", 2, location=POST, setup=0),
    _room("Edit Bay 2", "edit bay", 2, location=POST, setup=0),
    *[_item(f"Shure SM7B #{i}", "microphone", f"MIC-000{i}", "Shure SM7B", _giai96(98764 + i)) for i in range(1, 5)],
    *[
        spec
        for letter, n in (("A", 1), ("B", 2), ("C", 3))
        for spec in (
            _item(f"Camera body {letter}", "camera", f"CAM-00{n}", "Sony FX6"),
            _item(f"Lens kit {letter}", "lens", f"LENS-00{n}", "Sony G Master 24-70"),
            _item(f"Tripod {letter}", "tripod", f"TRI-00{n}", "Sachtler Flowtech 75"),
        )
    ],
    Spec(
        ResourceKind.STOCK,
        "XLR cable 5 m",
        CAGE,
        ResourceFields(name="XLR cable 5 m", category="cable", quantity=24, unit="cable"),
    ),
    _crew("Sam Okafor", "engineer", ["recording engineer", "mixing", "podcast"]),
    _crew("Riley Chen", "engineer", ["recording engineer", "live sound"]),
    _crew("Jordan Blake", "technical producer", ["technical producer", "streaming", "remote guests"]),
    _crew("Mina Haddad", "editor", ["editor", "colour", "social clips"], cap=45),
    _crew("Theo Lindqvist", "editor", ["editor", "audio post"]),
]

KITS = {
    "Camera package A": ("KIT-CAM-A", ["Camera body A", "Lens kit A", "Tripod A"]),
    "Camera package B": ("KIT-CAM-B", ["Camera body B", "Lens kit B", "Tripod B"]),
    "Camera package C": ("KIT-CAM-C", ["Camera body C", "Lens kit C", "Tripod C"]),
}

# Demo principals, one per role; the crew token belongs to the engineer Sam Okafor.
DEMO_TOKENS: list[tuple[Role, str, str | None]] = [
    (Role.ADMIN, "Ada Admin", None),
    (Role.COORDINATOR, "Casey Coordinator", None),
    (Role.PRODUCER, "Pat Producer", None),
    (Role.CREW, "Sam Okafor", None),
    (Role.SCANNER, "Cage scanner", CAGE),
    (Role.DISPLAY, "Main floor display", MAIN_FLOOR),
]


async def load_demo(tx: Tx) -> int:
    """Create the demo studio's catalogue, people and project; returns the studio id."""
    studio, _ = await studios.ensure_studio(tx, STUDIO, timezone="Europe/London", currency="GBP")
    tx.studio_id = studio.id  # the events below belong to the studio just found or created
    admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="demo loader")
    locations = {name: await studios.ensure_location(tx, studio.id, name) for name in (MAIN_FLOOR, CAGE, POST)}
    by_name = {}
    for spec in CATALOGUE:
        row = await resource_rows.by_name(tx.session, admin, spec.kind, spec.name)
        if row is None:
            fields = ResourceFields(**{**spec.fields.__dict__, "location_id": locations[spec.location].id})
            row = await resources.create_resource(tx, admin, spec.kind, fields)
        by_name[spec.name] = row
    for kit_name, (code, items) in KITS.items():
        if not any(k.name == kit_name for k in await resource_rows.kits(tx.session, admin)):
            await kits.create_kit(tx, admin, kit_name, code, [by_name[i].id for i in items])
    producer = await _ensure_user(tx, studio.id, "Pat Producer", Role.PRODUCER)
    crew_user = await _ensure_user(tx, studio.id, "Sam Okafor", Role.CREW)
    by_name["Sam Okafor"].user_id = crew_user.id
    project = await _ensure_project(tx, admin, "Founders Unfiltered S2", "Brightwave Media", Decimal("12000.00"))
    project.producer_id = producer.id
    await tx.session.flush()
    return studio.id


async def _ensure_user(tx: Tx, studio_id: int, name: str, role: Role) -> User:
    user = await tenancy.user_by_name(tx.session, studio_id, name)
    if user is None:
        user = User(studio_id=studio_id, name=name, role=role)
        tx.session.add(user)
        await tx.session.flush()
    return user


async def _ensure_project(tx: Tx, admin: Principal, name: str, client: str, budget: Decimal) -> Project:
    existing = await project_rows.by_name(tx.session, admin.studio_id, name)
    if existing is not None:
        return existing
    return await projects.create_project(tx, admin, name, client, budget, None)


async def load(uow: UnitOfWork) -> int:
    """Load the demo in one transaction."""
    return await uow.run(load_demo, studio_id=None, actor="demo loader")
