"""Actuals from what really happened: the session buttons, the cage's custody records, overruns,
crew overtime and late returns, priced to the cent."""

from __future__ import annotations

from datetime import datetime, timedelta

from db.models import BookingStatus, CustodyRecord, Project, Role
from server.services.allocation.commands import AllocationRequest, CreateBooking
from server.services.money import budgets
from server.services.money.estimates import ProjectMoney
from server.services.money.pricing import quantity_decimal
from server.services.principal import Principal
from server.services.uow import Tx
from tests.alloc_support import Catalogue, at, build
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue

HOUR = timedelta(hours=1)


def staff(studio: StudioFixture) -> Principal:
    return Principal(token_id=None, studio_id=studio.id, role=Role.COORDINATOR, name="Coordinator One")


async def book(cat: Catalogue, start: datetime, end: datetime, *names: str) -> int:
    cmd = CreateBooking(
        project_id=cat.project_id,
        title="Session",
        start=start,
        end=end,
        status=BookingStatus.CONFIRMED,
        allocations=tuple(AllocationRequest(resource_id=cat.ids[n]) for n in names),
    )
    outcome = await cat.studio.runtime.allocation.create_booking(staff(cat.studio), cmd)
    return outcome.booking.id


async def custody(
    cat: Catalogue, booking_id: int, name: str, out: datetime, due: datetime, back: datetime | None
) -> None:
    """A custody record as the cage writes it (written directly: these times are not now)."""

    async def work(tx: Tx) -> None:
        tx.session.add(
            CustodyRecord(
                studio_id=cat.studio.id, resource_id=cat.ids[name], booking_id=booking_id, custodian="Session",
                checked_out_at=out, due_at=due, returned_at=back,
            )
        )  # fmt: skip

    await cat.studio.runtime.uow.run(work, studio_id=cat.studio.id)


async def money_at(cat: Catalogue, now: datetime) -> ProjectMoney:
    async with cat.studio.runtime.uow.read() as session:
        project = await session.get(Project, cat.project_id)
        assert project is not None
        found = await budgets.budgets(session, staff(cat.studio), [project.id], now)
    return found[project.id]


def lines(money: ProjectMoney, actual: bool = True) -> dict[str, tuple[str, int]]:
    """description -> (quantity, bill minor) of the actual (or estimate) lines."""
    chosen = money.actual_lines if actual else money.estimate_lines
    return {ln.description: (str(quantity_decimal(ln.quantity)), ln.bill_minor) for ln in chosen}


async def test_the_cage_stands_in_for_the_session_buttons(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    booking = await book(cat, at(1, 10), at(1, 12), "Studio A", "SM7B 1", "SM7B 2", "Sam Okafor")
    # Gear collected half an hour early; one mic back 15 minutes late (inside the 30-minute grace),
    # the other a day and 21 hours late.
    await custody(cat, booking, "SM7B 2", at(1, 9.5), at(1, 12), at(1, 12.25))
    await custody(cat, booking, "SM7B 1", at(1, 9.5), at(1, 12), at(3, 9))
    money = await money_at(cat, at(5, 0))
    assert money.estimate_minor == 17000 + 8000 + 1500 + 1500
    assert lines(money) == {
        # The session ended with the last on-time return (12:15); the early pick-up bills no room.
        "Studio A": ("2.25", 19125),
        "Sam Okafor": ("2.25", 9000),
        "SM7B 1": ("1", 1500),
        "SM7B 2": ("1", 1500),
        "SM7B 1 - late return": ("2", 2000),
    }
    assert money.actual_minor == 33125
    assert money.remaining_minor == 5_000_000 - 33125


async def test_a_running_session_bills_to_now_with_crew_overtime(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    booking = await book(cat, at(1, 8), at(1, 17), "Sam Okafor", "SM7B 1")
    allocation, principal = studio.runtime.allocation, staff(studio)
    await allocation.start_booking(principal, booking, at(1, 8))
    await custody(cat, booking, "SM7B 1", at(1, 8), at(1, 17), None)
    # Two hours past the planned end: 11 hours, 3 of them overtime at 150% of 40.00; the mic is
    # still out, two hours overdue: one started day of late fee so far.
    money = await money_at(cat, at(1, 19))
    assert lines(money) == {
        "Sam Okafor": ("8", 32000),
        "Sam Okafor - overtime": ("3", 18000),
        "SM7B 1": ("1", 1500),
        "SM7B 1 - late return": ("1", 1000),
    }
    # The next morning the fee has grown to two days; the session still bills to now.
    later = await money_at(cat, at(2, 18))
    assert lines(later)["SM7B 1 - late return"] == ("2", 2000)
    # 34 hours: a first day of 24 (16 over) and a second of 10 (2 over).
    assert lines(later)["Sam Okafor - overtime"] == ("18", 108000)


async def test_the_session_buttons_win_over_the_cage(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    booking = await book(cat, at(1, 10), at(1, 12), "Studio A", "SM7B 2")
    allocation, principal = studio.runtime.allocation, staff(studio)
    await custody(cat, booking, "SM7B 2", at(1, 9), at(1, 12), at(1, 12.25))
    await allocation.start_booking(principal, booking, at(1, 9.75))
    await allocation.complete_booking(principal, booking, at(1, 13))
    money = await money_at(cat, at(5, 0))
    # Started at 09:45 by the button (billed), ended at 13:00 by the button (not the 12:15 return).
    assert lines(money)["Studio A"] == ("3.25", 27625)
    assert money.actual_minor == 27625 + 1500


async def test_bookings_that_never_started_have_no_actuals(studio: StudioFixture) -> None:
    cat = await build(studio)
    await price_catalogue(cat)
    await book(cat, at(1, 10), at(1, 12), "Studio A")
    money = await money_at(cat, at(5, 0))
    assert (money.estimate_minor, money.actual_minor, money.actual_lines) == (17000, 0, [])
