"""Money under concurrency: the budget guard lets exactly what fits through; invoice numbers stay gap-free.

The unmarked tests run on whichever backend the suite runs on (SQLite: writers queue on BEGIN
IMMEDIATE; PostgreSQL: on the project and counter row locks); the `postgres` ones push harder.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from db.models import Booking, BookingStatus, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, Rate, RateUnit, Role
from db.types import utcnow
from server.services.allocation import bookings as booking_service
from server.services.allocation.commands import AllocationRequest, CreateBooking
from server.services.errors import BudgetExceeded, Invalid
from server.services.money import budgets, invoices, rates
from server.services.principal import Principal
from server.services.uow import Tx
from tests.alloc_support import Catalogue, at, build
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue, set_budget


def coordinator(studio: StudioFixture) -> Principal:
    return Principal(token_id=None, studio_id=studio.id, role=Role.COORDINATOR, name="Coordinator One")


def two_hours(cat: Catalogue, room: str, day: int, hour: float) -> CreateBooking:
    """Two hours of a podcast studio: 170.00 on the test rate card."""
    return CreateBooking(
        project_id=cat.project_id,
        title=f"{room} day {day} at {hour}",
        start=at(day, hour),
        end=at(day, hour + 2),
        status=BookingStatus.CONFIRMED,
        allocations=(AllocationRequest(resource_id=cat.ids[room]),),
    )


async def estimate(studio: StudioFixture, cat: Catalogue) -> tuple[int, int]:
    """(estimate in minor units, scope changes) of the test project."""
    async with studio.runtime.uow.read() as session:
        money = (await budgets.budgets(session, coordinator(studio), [cat.project_id], utcnow()))[cat.project_id]
        _, changes = await budgets.history(session, coordinator(studio), cat.project_id)
    return money.estimate_minor, len(changes)


async def race(studio: StudioFixture, commands: list[CreateBooking]) -> list[Any]:
    principal = coordinator(studio)
    return await asyncio.gather(
        *(studio.runtime.allocation.create_booking(principal, cmd) for cmd in commands), return_exceptions=True
    )


async def test_two_bookings_that_each_fit_but_not_together_one_wins(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await set_budget(cat, "200.00")
    results = await race(studio, [two_hours(cat, "Studio A", 1, 10), two_hours(cat, "Studio B", 1, 14)])
    refused = [r for r in results if isinstance(r, BudgetExceeded)]
    won = [r for r in results if not isinstance(r, BaseException)]
    assert (len(won), len(refused)) == (1, 1), results
    assert (refused[0].over_by_minor, refused[0].currency) == (14000, "GBP")
    assert await estimate(studio, cat) == (17000, 1)


async def test_a_guarded_change_waits_for_the_one_holding_the_project(studio: StudioFixture) -> None:
    """The first change holds the project until it commits; the second then sees it and is refused."""
    cat = await build(studio)
    await price_catalogue(cat)
    await set_budget(cat, "200.00")
    principal = coordinator(studio)
    uow, now = studio.runtime.uow, utcnow()
    first_written = asyncio.Event()

    async def slow(tx: Tx) -> Booking:
        outcome = await booking_service.create_booking(
            tx, principal, two_hours(cat, "Studio A", 1, 10), now, studio.runtime.budget
        )
        first_written.set()
        await asyncio.sleep(0.3)  # still inside the transaction, holding the project
        return outcome.booking

    async def second() -> Any:
        await first_written.wait()
        return await studio.runtime.allocation.create_booking(principal, two_hours(cat, "Studio B", 1, 14))

    results = await asyncio.gather(uow.run(slow, studio_id=studio.id), second(), return_exceptions=True)
    assert isinstance(results[0], Booking), results
    assert isinstance(results[1], BudgetExceeded) and results[1].over_by_minor == 14000, results
    assert await estimate(studio, cat) == (17000, 1)


@pytest.mark.postgres
async def test_many_concurrent_bookings_never_overrun_the_budget(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await set_budget(cat, "700.00")  # room for four sessions of 170.00, not five
    commands = [
        two_hours(cat, room, day, hour)
        for room in ("Studio A", "Studio B")
        for day in (1, 2, 3)
        for hour in (9, 12, 15)
    ]
    results = await race(studio, commands)
    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, BudgetExceeded)]
    assert unexpected == []
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 4
    assert await estimate(studio, cat) == (68000, 4)


async def drafts(studio: StudioFixture, cat: Catalogue, count: int) -> list[int]:
    """`count` draft invoices of one line each, written directly."""

    async def work(tx: Tx) -> list[int]:
        ids = []
        for n in range(count):
            invoice = Invoice(
                studio_id=studio.id,
                project_id=cat.project_id,
                status=InvoiceStatus.DRAFT,
                currency="GBP",
                total_minor=100,
            )
            tx.session.add(invoice)
            await tx.session.flush()
            tx.session.add(
                InvoiceLine(
                    studio_id=studio.id, invoice_id=invoice.id, source_key=f"manual:test-{invoice.id}-{n}",
                    description="Line", quantity="1", unit="EACH", rate_minor=100, amount_minor=100,
                )
            )  # fmt: skip
            ids.append(invoice.id)
        return ids

    return await studio.runtime.uow.run(work, studio_id=studio.id)


async def issue_all(studio: StudioFixture, ids: list[int]) -> list[Any]:
    principal = coordinator(studio)
    uow = studio.runtime.uow

    async def one(pk: int) -> Invoice:
        return await uow.run(lambda tx: invoices.issue_invoice(tx, principal, pk, utcnow()), studio_id=studio.id)

    return await asyncio.gather(*(one(pk) for pk in ids), return_exceptions=True)


async def counter(studio: StudioFixture) -> int:
    async with studio.runtime.uow.read() as session:
        row = await session.scalar(select(InvoiceCounter).where(InvoiceCounter.studio_id == studio.id))
    assert row is not None
    return row.next_number


async def test_concurrent_issues_get_consecutive_numbers(studio: StudioFixture) -> None:
    cat = await build(studio)
    ids = await drafts(studio, cat, 8)
    issued = await issue_all(studio, ids)
    assert sorted(i.number for i in issued) == list(range(1, 9)), issued
    assert await counter(studio) == 9


@pytest.mark.postgres
async def test_twenty_invoices_issued_concurrently_get_twenty_consecutive_numbers(studio: StudioFixture) -> None:
    cat = await build(studio)
    ids = await drafts(studio, cat, 20)
    issued = await issue_all(studio, ids)
    assert [type(i).__name__ for i in issued] == ["Invoice"] * 20
    assert sorted(i.number for i in issued) == list(range(1, 21))
    assert await counter(studio) == 21


async def test_a_rolled_back_issue_gives_its_number_back(studio: StudioFixture) -> None:
    cat = await build(studio)
    first, second = await drafts(studio, cat, 2)
    principal = coordinator(studio)

    async def issue_then_fail(tx: Tx) -> None:
        issued = await invoices.issue_invoice(tx, principal, first, utcnow())
        assert issued.number == 1
        raise RuntimeError("the transaction fails after numbering")

    with pytest.raises(RuntimeError):
        await studio.runtime.uow.run(issue_then_fail, studio_id=studio.id)
    (again,) = await issue_all(studio, [second])
    assert again.number == 1
    async with studio.runtime.uow.read() as session:
        still = await session.get(Invoice, first)
    assert still is not None and (still.status, still.number) == (InvoiceStatus.DRAFT, None)


async def test_concurrent_drafts_never_bill_a_line_twice(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    principal = coordinator(studio)
    uow = studio.runtime.uow
    made = await studio.runtime.allocation.create_booking(principal, two_hours(cat, "Studio A", 1, 10))
    await studio.runtime.allocation.start_booking(principal, made.booking.id, at(1, 10))
    await studio.runtime.allocation.complete_booking(principal, made.booking.id, at(1, 12))

    async def draft() -> Invoice:
        return await uow.run(
            lambda tx: invoices.create_invoice(tx, principal, cat.project_id, utcnow()), studio_id=studio.id
        )

    results = await asyncio.gather(*(draft() for _ in range(4)), return_exceptions=True)
    made_drafts = [r for r in results if isinstance(r, Invoice)]
    assert len(made_drafts) == 1 and made_drafts[0].total_minor == 17000, results
    assert all(isinstance(r, invoices.NothingToInvoice) for r in results if r is not made_drafts[0])


async def test_concurrent_overlapping_rates_one_wins(studio: StudioFixture) -> None:
    principal = coordinator(studio)
    uow = studio.runtime.uow

    async def one(day: int) -> Any:
        cmd = rates.SetRate(
            unit=RateUnit.HOUR,
            cost_rate=Decimal("10"),
            bill_rate=Decimal(20 + day),
            category="edit bay",
            valid_from=at(day, 0),
            valid_until=at(day + 10, 0),
        )
        return await uow.run(lambda tx: rates.set_rate(tx, principal, cmd), studio_id=studio.id)

    results = await asyncio.gather(*(one(day) for day in range(5)), return_exceptions=True)
    assert sum(1 for r in results if isinstance(r, Rate)) == 1, results
    assert all(isinstance(r, Invalid) and r.field == "validFrom" for r in results if not isinstance(r, Rate))
    async with uow.read() as session:
        assert len(await rates.rate_card(session, principal, None, "edit bay")) == 1
