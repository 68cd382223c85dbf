"""The lines a person at the cage reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from devices.scanner_agent.client import Applied, Rejected
from devices.scanner_agent.display import applied_line, mode_line, rejected_line, short_time
from devices.scanner_agent.outbox import Batch, Entry
from devices.scanner_agent.station import Mode, StationState


def batch(op: str, *codes: str) -> Batch:
    entries = tuple(
        Entry(i, f"k{i}", op, code, None, None, "barcode", code, "", "pending", None, 0, None, None)
        for i, code in enumerate(codes)
    )
    return Batch("k0", op, entries)


NOW = datetime.fromisoformat("2025-06-03T09:00:00+00:00").astimezone()


def test_check_out_line_with_booking_and_due_time() -> None:
    due = NOW.replace(hour=14, minute=0).isoformat()
    outcome = Applied(
        "AssetCheckedOut",
        {"asset": {"name": "SM7B #2", "code": "MIC-0002"}, "booking": {"title": "Interview"}, "dueAt": due},
    )
    assert (
        applied_line(batch("CHECKOUT", "MIC-0002"), outcome, NOW) == '✔ OUT  SM7B #2 (MIC-0002) → "Interview" due 14:00'
    )


def test_due_another_day_names_the_day() -> None:
    later = NOW.replace(hour=10, minute=30) + timedelta(days=2)
    assert short_time(later.isoformat(), NOW) == f"{later:%a} {later.day} {later:%b} 10:30"


def test_return_line_falls_back_to_the_scanned_code() -> None:
    assert applied_line(batch("RETURN", "urn:epc:id:giai:4012345.98765"), Applied("AssetReturned", {})) == (
        "✔ IN   urn:epc:id:giai:4012345.98765"
    )


def test_refusal_line() -> None:
    outcome = Rejected("ForbiddenError", "FORBIDDEN", "not allocated to this booking", {})
    assert rejected_line(batch("CHECKOUT", "MIC-0009"), outcome) == "✖ REFUSED  MIC-0009: not allocated to this booking"
    assert (
        rejected_line(batch("AUDIT", "T1", "T2"), outcome) == "✖ REFUSED  2 audit scans: not allocated to this booking"
    )


def test_mode_lines() -> None:
    assert mode_line(StationState(Mode.CHECKOUT, booking_id="B1")) == "▶ MODE CHECKOUT  booking B1"
    assert mode_line(StationState(Mode.CHECKOUT)) == "▶ MODE CHECKOUT  (no booking: the server picks it)"
    assert mode_line(StationState(Mode.AUDIT)) == "▶ MODE AUDIT  (scan an audit card)"
    assert mode_line(StationState(Mode.RETURN)) == "▶ MODE RETURN"
