"""The lines a person at the cage reads."""

from __future__ import annotations

from datetime import datetime, timedelta

from devices.scanner_agent.client import Applied, Rejected
from devices.scanner_agent.display import applied_line, missing_lines, mode_line, rejected_line, saved_line, short_time
from devices.scanner_agent.outbox import Batch, Entry
from devices.scanner_agent.station import Condition, Mode, StationState


def batch(op: str, *codes: str, condition: str | None = None) -> Batch:
    entries = tuple(
        Entry(i, f"k{i}", op, code, None, None, condition, "barcode", code, "", "pending", None, 0, None, None)
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
    assert mode_line(StationState(Mode.RETURN, condition=Condition.DAMAGED)) == "▶ MODE RETURN  next return: DAMAGED"
    assert mode_line(StationState(Mode.RETURN, condition=Condition.WORN)) == "▶ MODE RETURN  next return: WORN"


def test_kit_check_out_is_one_line_with_a_line_per_component_left_behind() -> None:
    due = NOW.replace(hour=14, minute=0).isoformat()
    items = [{"name": name, "code": code} for name, code in [("Body", "CAM-001"), ("Lens", "LENS-001"), ("Mic", "M-1")]]
    outcome = Applied(
        "AssetCheckedOut",
        {
            "asset": items[0],
            "booking": {"title": "Episode 12"},
            "dueAt": due,
            "kit": {"name": "Camera package A", "code": "KIT-CAM-A"},
            "items": items,
            "missing": [
                {"reason": "in maintenance", "resource": {"name": "Tripod A", "code": "TRI-001"}},
                {"reason": "already out", "resource": None},
            ],
        },
    )
    assert applied_line(batch("CHECKOUT", "KIT-CAM-A"), outcome, NOW) == (
        '✔ OUT  Camera package A: 3 items → "Episode 12" due 14:00'
    )
    assert missing_lines(outcome) == [
        "⚠ NOT OUT  Tripod A (TRI-001): in maintenance",
        "⚠ NOT OUT  a component: already out",
    ]


def test_an_item_check_out_has_no_missing_lines() -> None:
    outcome = Applied("AssetCheckedOut", {"asset": {"name": "SM7B", "code": "M-1"}, "kit": None, "missing": []})
    assert applied_line(batch("CHECKOUT", "M-1"), outcome, NOW) == "✔ OUT  SM7B (M-1)"
    assert missing_lines(outcome) == []


def test_return_lines_name_a_condition_other_than_ok() -> None:
    tripod = {"name": "Tripod A", "code": "TRI-001", "custody": "MAINTENANCE"}
    damaged = Applied("AssetReturned", {"asset": tripod, "condition": "DAMAGED"})
    assert applied_line(batch("RETURN", "TRI-001", condition="DAMAGED"), damaged) == (
        "✔ IN   Tripod A (TRI-001)  DAMAGED, to maintenance"
    )
    worn = Applied("AssetReturned", {"asset": {**tripod, "custody": "IN_CAGE"}, "condition": "WORN"})
    assert applied_line(batch("RETURN", "TRI-001", condition="WORN"), worn) == "✔ IN   Tripod A (TRI-001)  WORN"
    ok = Applied("AssetReturned", {"asset": {**tripod, "custody": "IN_CAGE"}, "condition": "OK"})
    assert applied_line(batch("RETURN", "TRI-001", condition="OK"), ok) == "✔ IN   Tripod A (TRI-001)"
    (entry,) = batch("RETURN", "TRI-001", condition="DAMAGED").entries
    assert saved_line(entry, 2) == "⋯ IN   TRI-001  DAMAGED  saved, 2 waiting for the server"
