"""Exactly one effect per scan: replays return the first answer (refusals included); a reused key is refused."""

from __future__ import annotations

import asyncio

import pytest

from db.models import CustodyState, Role
from server.services.cage.audits import finish_audit, record_audit_scans, start_audit
from server.services.cage.checkout import check_out
from server.services.cage.returns import return_asset
from server.services.errors import IdempotencyMismatch, Invalid, InvalidTransition, NotFound
from tests.conftest import StudioFixture
from tests.integration import cage_support as cs


async def test_replayed_check_out_returns_the_first_result_and_writes_nothing(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="IDEM-1")
    booking = await cs.booking(studio, items=[item])
    scanner = await cs.principal(studio, Role.SCANNER)
    k = cs.key()

    first = await check_out(studio.runtime.uow, scanner, code="IDEM-1", booking_id=booking, key=k)
    seq = await cs.last_seq(studio)
    before = await cs.snapshot(studio, item)
    second = await check_out(studio.runtime.uow, scanner, code="IDEM-1", booking_id=booking, key=k)

    assert second == first
    assert await cs.snapshot(studio, item) == before
    assert await cs.events(studio, seq) == []
    assert len(await cs.scans(studio, key=k)) == 1


async def test_same_key_other_input_is_a_mismatch(studio: StudioFixture) -> None:
    a, b = await cs.item(studio, code="IDEM-A"), await cs.item(studio, code="IDEM-B")
    booking = await cs.booking(studio, items=[a, b])
    scanner = await cs.principal(studio, Role.SCANNER)
    k = cs.key()
    await check_out(studio.runtime.uow, scanner, code="IDEM-A", booking_id=booking, key=k)
    before = await cs.snapshot(studio, b)
    with pytest.raises(IdempotencyMismatch):
        await check_out(studio.runtime.uow, scanner, code="IDEM-B", booking_id=booking, key=k)
    with pytest.raises(IdempotencyMismatch):
        await return_asset(
            studio.runtime.uow, scanner, code="IDEM-A", condition=None, notes=None, missing_accessories=None, key=k
        )
    assert await cs.snapshot(studio, b) == before
    assert len(await cs.scans(studio, key=k)) == 1


async def test_replayed_refusal_stays_the_same_refusal(studio: StudioFixture) -> None:
    item = await cs.item(studio, "Boom", code="IDEM-R")
    booking = await cs.booking(studio, items=[item])
    scanner = await cs.principal(studio, Role.SCANNER)
    k = cs.key()

    async def back() -> None:
        await return_asset(
            studio.runtime.uow, scanner, code="IDEM-R", condition=None, notes=None, missing_accessories=None, key=k
        )

    with pytest.raises(InvalidTransition) as first:
        await back()
    assert await cs.stored_result(studio, k) == {
        "error": {
            "code": "INVALID_TRANSITION",
            "message": "Boom is already in the cage: it was never checked out.",
            "field": None,
        }
    }
    # The item goes out; the replay of the refused return still answers as it did, and changes nothing.
    await check_out(studio.runtime.uow, scanner, code="IDEM-R", booking_id=booking, key=cs.key())
    before = await cs.snapshot(studio, item)
    with pytest.raises(InvalidTransition) as replay:
        await back()
    assert replay.value.message == first.value.message
    assert await cs.snapshot(studio, item) == before
    assert before.custody == CustodyState.CHECKED_OUT.value
    assert [s.outcome for s in await cs.scans(studio, key=k)] == ["INVALID_TRANSITION"]


async def test_replayed_unknown_code_is_recorded_once(studio: StudioFixture) -> None:
    scanner = await cs.principal(studio, Role.SCANNER)
    k = cs.key()
    for _ in range(3):
        with pytest.raises(NotFound):
            await check_out(studio.runtime.uow, scanner, code="GHOST", booking_id=None, key=k)
    assert [s.code for s in await cs.scans(studio)] == ["GHOST"]


async def test_racing_replays_apply_once(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="IDEM-RACE")
    booking = await cs.booking(studio, items=[item])
    scanner = await cs.principal(studio, Role.SCANNER)
    k = cs.key()
    results = await asyncio.gather(
        *[check_out(studio.runtime.uow, scanner, code="IDEM-RACE", booking_id=booking, key=k) for _ in range(5)]
    )
    assert all(r == results[0] for r in results)
    assert len(await cs.custody_records(studio, item)) == 1
    assert len(await cs.scans(studio, key=k)) == 1


async def test_racing_scans_of_one_item_give_one_custody(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="IDEM-TWO")
    booking = await cs.booking(studio, items=[item])
    scanner = await cs.principal(studio, Role.SCANNER)
    outcomes = await asyncio.gather(
        *[check_out(studio.runtime.uow, scanner, code="IDEM-TWO", booking_id=booking, key=cs.key()) for _ in range(4)],
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 1
    assert all(isinstance(o, InvalidTransition) for o in outcomes if isinstance(o, BaseException))
    assert len(await cs.custody_records(studio, item)) == 1
    assert (
        sorted(s.outcome for s in await cs.scans(studio, resource_id=item))
        == ["CHECKED_OUT"] + ["INVALID_TRANSITION"] * 3
    )


async def test_audit_operations_replay(studio: StudioFixture) -> None:
    item = await cs.item(studio, code="IDEM-AUD")
    scanner = await cs.principal(studio, Role.SCANNER)
    start_key, scan_key, finish_key = cs.key(), cs.key(), cs.key()
    audit = await start_audit(studio.runtime.uow, scanner, location_id=None, key=start_key)
    assert await start_audit(studio.runtime.uow, scanner, location_id=None, key=start_key) == audit
    first = await record_audit_scans(studio.runtime.uow, scanner, audit_id=audit, codes=["IDEM-AUD"], key=scan_key)
    again = await record_audit_scans(studio.runtime.uow, scanner, audit_id=audit, codes=["IDEM-AUD"], key=scan_key)
    assert again == first and first.new_count == 1
    done = await finish_audit(studio.runtime.uow, scanner, audit_id=audit, key=finish_key)
    assert await finish_audit(studio.runtime.uow, scanner, audit_id=audit, key=finish_key) == done
    assert done.found == [item]


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201])
async def test_key_is_required(studio: StudioFixture, bad: str) -> None:
    scanner = await cs.principal(studio, Role.SCANNER)
    with pytest.raises(Invalid) as caught:
        await check_out(studio.runtime.uow, scanner, code="ANY", booking_id=None, key=bad)
    assert caught.value.field == "idempotencyKey"
    assert await cs.scans(studio) == []
