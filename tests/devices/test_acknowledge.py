"""Deadlines of saved scans: the saved line comes once, only when the outcome has not."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from devices.scanner_agent.acknowledge import Acknowledgements
from devices.scanner_agent.display import Display
from devices.scanner_agent.outbox import Batch, Outbox

from .fakes import wait_until


def screen(acks: Acknowledgements) -> list[str]:
    out = acks.display.out
    assert isinstance(out, io.StringIO)
    return out.getvalue().splitlines()


async def test_a_scan_answered_in_time_gets_no_saved_line_and_a_late_one_gets_one(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    acks = Acknowledgements(outbox, Display(io.StringIO()), late_after=0.05)
    prompt = outbox.add("RETURN", "MIC-0001", source="barcode", raw="MIC-0001")
    late = outbox.add("CHECKOUT", "MIC-0002", source="barcode", raw="MIC-0002")
    acks.expect(prompt, 1)
    acks.expect(late, 2)
    acks.answered(Batch(prompt.key, prompt.op, (prompt,)))
    await wait_until(lambda: acks.late == 1, what="the deadline")
    await asyncio.sleep(0.1)
    acks.answered(Batch(late.key, late.op, (late,)))
    outbox.close()
    assert screen(acks) == ["⋯ OUT  MIC-0002  saved, 2 waiting for the server"]
    assert (acks.late, acks.waiting()) == (1, 0)


async def test_a_failed_request_shows_its_scans_saved_at_once_and_a_count_that_fails_keeps_the_saved_one(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    acks = Acknowledgements(outbox, Display(io.StringIO()), late_after=10.0)
    first = outbox.add("AUDIT", "TAG-1", source="rfid", raw="TAG-1", audit_id="A1")
    second = outbox.add("AUDIT", "TAG-2", source="rfid", raw="TAG-2", audit_id="A1")
    acks.expect(first, 1)
    acks.expect(second, 2)
    outbox.close()  # counting the queue now fails
    acks.unanswered(Batch(first.key, first.op, (first, second)))
    assert screen(acks) == [
        "⋯ AUDIT TAG-1  saved, 2 waiting for the server",
        "⋯ AUDIT TAG-2  saved, 2 waiting for the server",
    ]
    assert (acks.late, acks.waiting()) == (0, 0)


async def test_stopping_forgets_every_deadline(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    acks = Acknowledgements(outbox, Display(io.StringIO()), late_after=0.02)
    acks.expect(outbox.add("RETURN", "MIC-0001", source="barcode", raw="MIC-0001"), 1)
    acks.cancel()
    await asyncio.sleep(0.1)
    outbox.close()
    assert (screen(acks), acks.waiting()) == ([], 0)
