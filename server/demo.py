"""A demo studio a coordinator recognises: four studios, two booths, two edit bays, gear, crew, a week.

Loading it twice adds nothing twice: every object is looked up by name first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from db.models import BookingStatus, Project, RateUnit, Resource, ResourceKind, Role, TaskKind, User
from db.repositories import bookings as booking_rows
from db.repositories import money as money_rows
from db.repositories import projects as project_rows
from db.repositories import resources as resource_rows
from db.repositories import templates as template_rows
from db.repositories import tenancy
from server.services import kits, projects, resources, studios
from server.services.allocation import bookings as allocation
from server.services.allocation.budget import BudgetPolicy
from server.services.allocation.commands import AllocationRequest, CreateBooking
from server.services.errors import Conflict
from server.services.money import rates as money_rates
from server.services.principal import Principal
from server.services.resources import ResourceFields
from server.services.slots import templates
from server.services.slots.needs import NeedSpec, TaskSpec
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
    # Storage pools in GB: the footage NAS and the share review copies are served from.
    Spec(
        ResourceKind.STORAGE, "NAS volume 1", POST, ResourceFields(name="NAS volume 1", category="nas", quantity=40_000)
    ),
    Spec(
        ResourceKind.STORAGE,
        "Review share",
        POST,
        ResourceFields(name="Review share", category="review", quantity=2_000),
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

# The demo's client: its projects are the ones the CLIENT token's portal shows.
DEMO_CLIENT = "Brightwave Media"

# Demo principals, one per role; the crew token belongs to the engineer Sam Okafor, the client token
# to a person at Brightwave Media.
DEMO_TOKENS: list[tuple[Role, str, str | None]] = [
    (Role.ADMIN, "Ada Admin", None),
    (Role.COORDINATOR, "Casey Coordinator", None),
    (Role.PRODUCER, "Pat Producer", None),
    (Role.CREW, "Sam Okafor", None),
    (Role.SCANNER, "Cage scanner", CAGE),
    (Role.DISPLAY, "Main floor display", MAIN_FLOOR),
    (Role.CLIENT, "Robin at Brightwave", None),
]


async def load_demo(tx: Tx, budget: BudgetPolicy) -> int:
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
    await _demo_templates(tx, admin)
    producer = await _ensure_user(tx, studio.id, "Pat Producer", Role.PRODUCER)
    crew_user = await _ensure_user(tx, studio.id, "Sam Okafor", Role.CREW)
    by_name["Sam Okafor"].user_id = crew_user.id
    project = await _ensure_project(tx, admin, "Founders Unfiltered S2", DEMO_CLIENT, Decimal("12000.00"))
    project.producer_id = producer.id
    await tx.session.flush()
    brand = await _ensure_project(tx, admin, "Brightwave brand film", DEMO_CLIENT, Decimal("8000.00"))
    await _demo_rates(tx, admin, by_name)
    await _demo_week(tx, admin, studio.timezone, by_name, {"founders": project.id, "brand": brand.id}, budget)
    return studio.id


async def _demo_templates(tx: Tx, admin: Principal) -> None:
    """The packages the studio sells, so findSlots answers the moment the demo starts."""
    kit = next(k for k in await resource_rows.kits(tx.session, admin) if k.name == "Camera package A")
    wanted = [
        templates.CreateTemplate(
            name="Interview with video",
            duration_minutes=120,
            needs=(
                NeedSpec(ResourceKind.ROOM, category="video studio", min_capacity=4),
                NeedSpec(ResourceKind.CREW, role="technical producer"),
                NeedSpec(ResourceKind.EQUIPMENT, category="microphone", quantity=2),
                NeedSpec(ResourceKind.EQUIPMENT, kit_id=kit.id),
                NeedSpec(ResourceKind.ROOM, category="edit bay", offset_minutes=120, duration_minutes=90),
            ),
            tasks=(
                TaskSpec("Prep the set and the camera package", TaskKind.PREP, -60, "technical producer"),
                TaskSpec("Ingest the footage", TaskKind.INGEST, 60, "technical producer", (0,)),
                TaskSpec("First cut", TaskKind.EDIT, 24 * 60, None, (1,)),
                TaskSpec("Client review", TaskKind.REVIEW, 3 * 24 * 60, None, (2,)),
            ),
        ),
        templates.CreateTemplate(
            name="Social clip",
            duration_minutes=60,
            needs=(
                NeedSpec(ResourceKind.CREW, role="editor", skills=("social clips",)),
                NeedSpec(ResourceKind.ROOM, category="edit bay"),
            ),
            tasks=(TaskSpec("Deliver the clip", TaskKind.DELIVERY, 60, "editor"),),
        ),
    ]
    for cmd in wanted:
        if await template_rows.template_by_name(tx.session, admin, cmd.name) is None:
            await templates.create_template(tx, admin, cmd)


@dataclass(frozen=True)
class Session:
    """One booking of the demo week: local day (0 = Monday) and hours, project, status, allocations."""

    title: str
    project: str
    day: int
    start: float
    end: float
    status: BookingStatus
    # (resource or kit name, role, (start, end) local hours if not the booking's, quantity)
    wants: tuple[tuple[str, str | None, tuple[float, float] | None, int], ...]


def _w(name: str, role: str | None = None, hours: tuple[float, float] | None = None, qty: int = 1) -> tuple:  # type: ignore[type-arg]
    return (name, role, hours, qty)


C, H = BookingStatus.CONFIRMED, BookingStatus.HOLD
WEEK: list[Session] = [
    Session("Brightwave branded shoot", "brand", 0, 8, 13, C,
            (_w("Studio C"), _w("Camera package A"), _w("Riley Chen", "recording engineer"))),
    # The seed story: the interview wanted Camera package A, which the shoot has; B was free.
    Session("Founders Unfiltered S2: interview with remote guests", "founders", 0, 11, 13, C,
            (_w("Studio B"), _w("Shure SM7B #1"), _w("Shure SM7B #2"), _w("Jordan Blake", "technical producer"),
             _w("Edit Bay 1", None, (13, 14.5)), _w("Camera package B"))),
    Session("Founders Unfiltered S2: episode 4 recording", "founders", 0, 14, 16, C,
            (_w("Studio A"), _w("Shure SM7B #3"), _w("Shure SM7B #4"), _w("Sam Okafor", "recording engineer"))),
    Session("Brightwave voice-over", "brand", 1, 10, 12, C,
            (_w("Vocal Booth 1"), _w("Riley Chen", "recording engineer"))),
    Session("Founders Unfiltered S2: social clips", "founders", 1, 13, 17, C,
            (_w("Edit Bay 2"), _w("Mina Haddad", "social clips"))),
    Session("Founders Unfiltered S2: episode 5 recording", "founders", 2, 10, 13, H,
            (_w("Studio A"), _w("XLR cable 5 m", qty=6), _w("Sam Okafor", "recording engineer"))),
    Session("Brightwave product demo shoot", "brand", 3, 9, 12, H,
            (_w("Studio D"), _w("Camera package C"))),
    Session("Founders Unfiltered S2: episode 6 recording", "founders", 4, 10, 12, C,
            (_w("Studio B"), _w("Shure SM7B #1"), _w("Sam Okafor", "recording engineer"))),
    Session("Founders Unfiltered S2: episode 4-6 edit", "founders", 4, 13, 16, H,
            (_w("Edit Bay 1"), _w("Theo Lindqvist", "editor"))),
]  # fmt: skip


async def _demo_week(
    tx: Tx,
    admin: Principal,
    timezone: str,
    by_name: dict[str, Resource],
    projects_by_key: dict[str, int],
    budget: BudgetPolicy,
) -> None:
    """A realistic week of sessions from next Monday, booked through the allocation engine.

    A session whose title its project already has is skipped, so loading twice books nothing twice.
    """
    tz = ZoneInfo(timezone)
    today = datetime.now(tz).date()
    monday = today + timedelta(days=7 - today.weekday())
    kits_by_name = {k.name: k.id for k in await resource_rows.kits(tx.session, admin)}

    def local(day: int, hour: float) -> datetime:
        base = datetime.combine(monday + timedelta(days=day), time(0), tzinfo=tz)
        return (base + timedelta(hours=hour)).astimezone(UTC)

    for s in WEEK:
        project_id = projects_by_key[s.project]
        if await booking_rows.by_project_and_title(tx.session, admin.studio_id, project_id, s.title):
            continue
        wants = []
        for name, role, hours, qty in s.wants:
            window = (local(s.day, hours[0]), local(s.day, hours[1])) if hours else (None, None)
            if name in kits_by_name:
                wants.append(AllocationRequest(kit_id=kits_by_name[name], start=window[0], end=window[1]))
            else:
                wants.append(
                    AllocationRequest(
                        resource_id=by_name[name].id, quantity=qty, role=role, start=window[0], end=window[1]
                    )
                )
        command = CreateBooking(
            project_id=project_id,
            title=s.title,
            start=local(s.day, s.start),
            end=local(s.day, s.end),
            status=s.status,
            allocations=tuple(wants),
            allow_over_budget=True,
        )
        try:
            await allocation.create_booking(tx, admin, command, datetime.now(UTC), budget)
        except Conflict:
            # Something else already holds the slot (an edited demo studio): leave that session out.
            continue


# The rate card in GBP: (category or resource name, unit, bill, cost, terms). Rooms by the hour with a
# day cap, gear by the day with a late-return fee, crew by the hour with overtime after a long day.
HOURLY_ROOM: dict[str, Any] = {"day_cap_hours": 8}
CREW_OVERTIME: dict[str, Any] = {"overtime_after_hours": 10, "overtime_multiplier": Decimal("1.5")}
RATE_CARD: list[tuple[str, RateUnit, str, str, dict[str, Any]]] = [
    ("podcast studio", RateUnit.HOUR, "85.00", "30.00", HOURLY_ROOM),
    ("video studio", RateUnit.HOUR, "140.00", "55.00", HOURLY_ROOM),
    ("vocal booth", RateUnit.HOUR, "45.00", "15.00", HOURLY_ROOM),
    ("edit bay", RateUnit.HOUR, "30.00", "8.00", {}),
    ("microphone", RateUnit.DAY, "15.00", "2.00", {"late_fee_per_day": Decimal("10.00")}),
    ("camera", RateUnit.DAY, "250.00", "40.00", {"late_fee_per_day": Decimal("75.00")}),
    ("lens", RateUnit.DAY, "90.00", "15.00", {"late_fee_per_day": Decimal("30.00")}),
    ("tripod", RateUnit.DAY, "25.00", "4.00", {"late_fee_per_day": Decimal("10.00")}),
    ("cable", RateUnit.DAY, "2.50", "0.40", {}),
    ("engineer", RateUnit.HOUR, "45.00", "28.00", CREW_OVERTIME),
    ("technical producer", RateUnit.HOUR, "55.00", "35.00", CREW_OVERTIME),
    ("editor", RateUnit.HOUR, "50.00", "32.00", CREW_OVERTIME),
    (
        "Mina Haddad",
        RateUnit.HOUR,
        "55.00",
        "35.00",
        {"overtime_after_hours": 8, "overtime_multiplier": Decimal("1.5")},
    ),
]


async def _demo_rates(tx: Tx, admin: Principal, by_name: dict[str, Resource]) -> None:
    """The rate card; a resource or category that already has a rate keeps it (it may have been edited)."""
    for target, unit, bill, cost, terms in RATE_CARD:
        resource = by_name.get(target)
        resource_id, category = (resource.id, None) if resource is not None else (None, target)
        if await money_rows.rates_for_target(tx.session, admin, resource_id, category):
            continue
        command = money_rates.SetRate(
            unit=unit, bill_rate=Decimal(bill), cost_rate=Decimal(cost), resource_id=resource_id, category=category
        )
        await money_rates.set_rate(tx, admin, replace(command, **terms))


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


async def load(uow: UnitOfWork, budget: BudgetPolicy) -> int:
    """Load the demo in one transaction, its bookings under the given budget policy."""
    return await uow.run(lambda tx: load_demo(tx, budget), studio_id=None, actor="demo loader")
