"""Random sequences of create / add / move / cancel / block against a plain in-memory model.

After every step: no two blocking claims overlap on a unit resource (checked by a SQL self-join),
no pool is over-committed (swept from the database), and the database agrees with the model on
every booking's status. Each step's outcome (landed or conflict) must be the one the model
predicts. Runs on the suite's backend (SQLite by default, PostgreSQL when configured).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule
from sqlalchemy import select

from db.models import BLOCKING_STATUSES, Allocation, Booking, Resource, ResourceKind, Role
from db.repositories import occupancy
from server.config import Settings
from server.runtime import Runtime
from server.services import projects, resources, studios
from server.services.allocation.commands import (
    AddAllocations,
    AllocationRequest,
    BlockResource,
    CreateBooking,
    MoveBooking,
)
from server.services.allocation.sweep import peak
from server.services.allocation.windows import Window
from server.services.errors import Conflict
from server.services.principal import Principal
from server.services.resources import ResourceFields

DAY = datetime(2032, 6, 7, 8, tzinfo=UTC)
POOL = 6
UNITS = ["Room", "Buffered", "Mic", "Crew"]
BUFFERS = {"Room": (0, 0), "Buffered": (15, 15), "Mic": (0, 0), "Crew": (0, 0), "Pool": (0, 0)}


def slot(i: int) -> datetime:
    return DAY + timedelta(minutes=30 * i)


@dataclass
class ModelBooking:
    status: str
    window: Window
    claims: dict[str, int] = field(default_factory=dict)  # name -> quantity


class Engine:
    """The real service on its own event loop (hypothesis drives it synchronously)."""

    def __init__(self, cfg: Settings) -> None:
        self.loop = asyncio.Runner()
        self.rt = self.loop.run(Runtime.open(cfg))

    def run(self, coro):  # type: ignore[no-untyped-def]
        return self.loop.run(coro)

    def close(self) -> None:
        self.loop.run(self.rt.close())
        self.loop.close()


ENGINE: Engine | None = None
OUTCOMES: Counter[str] = Counter()


class Scheduling(RuleBasedStateMachine):
    bookings = Bundle("bookings")
    blocks = Bundle("blocks")

    def __init__(self) -> None:
        super().__init__()
        assert ENGINE is not None
        self.e = ENGINE
        self.model: dict[int, ModelBooking] = {}
        self.model_blocks: dict[int, tuple[str, Window]] = {}
        self.ids, self.studio_id, self.project_id = self.e.run(self._setup())
        self.p = Principal(token_id=None, studio_id=self.studio_id, role=Role.COORDINATOR, name="machine")

    async def _setup(self) -> tuple[dict[str, int], int, int]:
        async def work(tx):  # type: ignore[no-untyped-def]
            studio, _ = await studios.ensure_studio(tx, f"Machine {uuid.uuid4().hex[:10]}", "Europe/London", "GBP")
            tx.studio_id = studio.id
            admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="setup")
            specs = {
                "Room": (ResourceKind.ROOM, {}),
                "Buffered": (ResourceKind.ROOM, {"setup_minutes": 15, "teardown_minutes": 15}),
                "Mic": (ResourceKind.EQUIPMENT, {"code": "M1"}),
                "Crew": (ResourceKind.CREW, {"skills": ["engineer"]}),
                "Pool": (ResourceKind.STOCK, {"quantity": POOL}),
            }
            ids = {}
            for name, (kind, extra) in specs.items():
                row = await resources.create_resource(tx, admin, kind, ResourceFields(name=name, **extra))
                ids[name] = row.id
            project = await projects.create_project(tx, admin, "Machine project", None, Decimal("1"), None)
            return ids, studio.id, project.id

        return await self.e.rt.uow.run(work, studio_id=None)

    # Model predictions

    def _claims_of(self, exclude: int | None = None) -> list[tuple[str, Window, int]]:
        out = []
        for bid, b in self.model.items():
            if b.status in ("HOLD", "CONFIRMED") and bid != exclude:
                out += [(name, b.window, q) for name, q in b.claims.items()]
        return out

    def _fits(self, wanted: dict[str, int], window: Window, exclude: int | None = None) -> bool:
        existing = self._claims_of(exclude)
        for name, q in wanted.items():
            if name == "Pool":
                uses = [(w, n) for r, w, n in existing if r == "Pool"]
                if peak(uses, window) + q > POOL:
                    return False
                continue
            setup, teardown = BUFFERS[name]
            mine = window.buffered(setup, teardown)
            if any(r == name and w.buffered(setup, teardown).overlaps(mine) for r, w, _ in existing):
                return False
            if any(r == name and w.overlaps(mine) for r, w in self.model_blocks.values()):
                return False
        return True

    def _requests(self, wanted: dict[str, int]) -> tuple[AllocationRequest, ...]:
        return tuple(
            AllocationRequest(resource_id=self.ids[n], quantity=q, role="engineer" if n == "Crew" else None)
            for n, q in wanted.items()
        )

    # Rules

    @rule(
        target=bookings,
        names=st.sets(st.sampled_from([*UNITS, "Pool"]), min_size=1, max_size=3),
        start=st.integers(0, 16),
        length=st.integers(1, 6),
        qty=st.integers(1, POOL),
        confirmed=st.booleans(),
    )
    def create(self, names: set[str], start: int, length: int, qty: int, confirmed: bool) -> int:
        wanted = {n: (qty if n == "Pool" else 1) for n in sorted(names)}
        window = Window(slot(start), slot(start + length))
        expected = self._fits(wanted, window)
        cmd = CreateBooking(
            project_id=self.project_id,
            title="b",
            start=window.start,
            end=window.end,
            status=Booking.status.type.enum_class("CONFIRMED" if confirmed else "HOLD"),  # type: ignore[attr-defined]
            allocations=self._requests(wanted),
        )
        try:
            outcome = self.e.run(self.e.rt.allocation.create_booking(self.p, cmd))
        except Conflict:
            assert not expected, f"model says {wanted} fits {window}"
            OUTCOMES["create refused"] += 1
            return -1
        assert expected, f"model says {wanted} does not fit {window}"
        OUTCOMES["create landed"] += 1
        self.model[outcome.booking.id] = ModelBooking("CONFIRMED" if confirmed else "HOLD", window, wanted)
        return outcome.booking.id

    @rule(booking=bookings, name=st.sampled_from([*UNITS, "Pool"]), qty=st.integers(1, 3))
    def add(self, booking: int, name: str, qty: int) -> None:
        b = self.model.get(booking)
        if b is None or name in b.claims:
            return
        wanted = {name: qty if name == "Pool" else 1}
        cmd = AddAllocations(booking_id=booking, allocations=self._requests(wanted))
        active = b.status in ("HOLD", "CONFIRMED")
        expected = active and self._fits(wanted, b.window)
        try:
            self.e.run(self.e.rt.allocation.add_allocations(self.p, cmd))
        except Conflict:
            assert active and not expected
            return
        except Exception as exc:  # InvalidTransition on a finished booking
            assert not active, exc
            return
        assert expected
        OUTCOMES["add landed"] += 1
        b.claims.update(wanted)

    @rule(booking=bookings, start=st.integers(0, 16))
    def move(self, booking: int, start: int) -> None:
        b = self.model.get(booking)
        if b is None:
            return
        window = Window(slot(start), slot(start) + b.window.duration)
        active = b.status in ("HOLD", "CONFIRMED")
        expected = active and self._fits(b.claims, window, exclude=booking)
        cmd = MoveBooking(booking_id=booking, start=window.start, end=window.end)
        try:
            self.e.run(self.e.rt.allocation.move_booking(self.p, cmd))
        except Conflict:
            assert active and not expected
            return
        except Exception as exc:
            assert not active, exc
            return
        assert expected
        OUTCOMES["move landed"] += 1
        b.window = window

    @rule(booking=consumes(bookings))
    def cancel(self, booking: int) -> None:
        b = self.model.get(booking)
        if b is None:
            return
        try:
            self.e.run(self.e.rt.allocation.cancel_booking(self.p, booking))
        except Exception as exc:
            assert b.status not in ("HOLD", "CONFIRMED"), exc
            return
        b.status = "CANCELLED"

    @rule(target=blocks, name=st.sampled_from(UNITS), start=st.integers(0, 18), length=st.integers(1, 4))
    def block(self, name: str, start: int, length: int) -> int:
        window = Window(slot(start), slot(start + length))
        # A block clashes with claims' buffered windows and other blocks.
        setup, teardown = BUFFERS[name]
        clash = any(r == name and w.buffered(setup, teardown).overlaps(window) for r, w, _ in self._claims_of()) or any(
            r == name and w.overlaps(window) for r, w in self.model_blocks.values()
        )
        cmd = BlockResource(resource_id=self.ids[name], start=window.start, end=window.end, reason="repair")
        try:
            row = self.e.run(self.e.rt.allocation.block_resource(self.p, cmd))
        except Conflict:
            assert clash
            return -1
        assert not clash
        OUTCOMES["block landed"] += 1
        self.model_blocks[row.id] = (name, window)
        return row.id

    @rule(block=consumes(blocks))
    def unblock(self, block: int) -> None:
        if block not in self.model_blocks:
            return
        self.e.run(self.e.rt.allocation.unblock_resource(self.p, block))
        del self.model_blocks[block]

    # Invariants

    @invariant()
    def database_agrees_and_holds_the_guarantees(self) -> None:
        async def read():  # type: ignore[no-untyped-def]
            async with self.e.rt.uow.read() as s:
                pairs = await occupancy.overlapping_pairs(s, self.studio_id)
                rows = (
                    await s.execute(select(Booking.id, Booking.status).where(Booking.studio_id == self.studio_id))
                ).all()
                uses = (
                    await s.execute(
                        select(Allocation.start_at, Allocation.end_at, Allocation.quantity)
                        .join(Booking, Booking.id == Allocation.booking_id)
                        .join(Resource, Resource.id == Allocation.resource_id)
                        .where(
                            Booking.studio_id == self.studio_id,
                            Booking.status.in_(BLOCKING_STATUSES),
                            Resource.kind == ResourceKind.STOCK,
                        )
                    )
                ).all()
            return pairs, rows, uses

        pairs, rows, uses = self.e.run(read())
        assert pairs == 0
        spans = [(Window(s, e), q) for s, e, q in uses]
        whole = Window(DAY - timedelta(days=1), DAY + timedelta(days=2))
        assert peak(spans, whole) <= POOL
        assert {i: s.value for i, s in rows} == {i: b.status for i, b in self.model.items()}


def test_random_schedules_keep_the_guarantees(settings: Settings) -> None:
    global ENGINE
    from db.migrate import upgrade

    upgrade(settings.database_url)
    ENGINE = Engine(settings)
    try:
        Scheduling.TestCase.settings = hyp_settings
        Scheduling.TestCase().runTest()
        # The run exercised both outcomes of the interesting rules.
        assert OUTCOMES["create landed"] and OUTCOMES["create refused"], OUTCOMES
        print(dict(OUTCOMES))
    finally:
        ENGINE.close()
        ENGINE = None


hyp_settings = settings(
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
