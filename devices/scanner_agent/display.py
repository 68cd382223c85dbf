"""What the person at the cage reads: one line per scan outcome, readable at a glance."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, TextIO

from .client import Applied, Rejected
from .outbox import Batch, Entry
from .station import Condition, Mode, StationState

_VERB = {Mode.CHECKOUT.value: "OUT ", Mode.RETURN.value: "IN  ", Mode.AUDIT.value: "AUDIT"}


def verb(op: str) -> str:
    """OUT / IN / AUDIT, padded so the codes line up."""
    return _VERB.get(op, op)


def short_time(value: str | None, now: datetime | None = None) -> str | None:
    """`14:00` when the time is today (local), `Tue 3 Jun 14:00` otherwise."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value).astimezone()
    except ValueError:
        return value
    today = (now or datetime.now().astimezone()).date()
    if moment.date() == today:
        return moment.strftime("%H:%M")
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def describe_asset(asset: dict[str, Any] | None, fallback_code: str) -> str:
    """`SM7B #2 (MIC-0002)`, or the scanned code when the server sent no asset."""
    if not asset:
        return fallback_code
    name, code = asset.get("name"), asset.get("code") or fallback_code
    return f"{name} ({code})" if name else str(code)


def plural(count: int, noun: str) -> str:
    """`1 item`, `3 items`."""
    return f"{count} {noun}{'s' if count != 1 else ''}"


def condition_note(condition: str | None) -> str:
    """`` for OK (or unknown), `  DAMAGED` otherwise."""
    return f"  {condition}" if condition and condition != Condition.OK.value else ""


def applied_line(batch: Batch, outcome: Applied, now: datetime | None = None) -> str:
    """`✔ OUT  SM7B #2 (MIC-0002) → "Interview" due 14:00`; a kit label: `✔ OUT  Camera package A: 3 items → ...`."""
    entry = batch.entries[0]
    result = outcome.result
    if batch.op == Mode.AUDIT.value:
        return f"✔ AUDIT {plural(len(batch.codes), 'item')} recorded"
    kit = result.get("kit")
    if batch.op == Mode.CHECKOUT.value and kit:
        line = f"✔ {verb(batch.op)} {kit.get('name') or kit.get('code') or entry.code}: "
        line += plural(len(result.get("items") or []), "item")
    else:
        line = f"✔ {verb(batch.op)} {describe_asset(result.get('asset'), entry.code)}"
    if batch.op == Mode.RETURN.value:
        line += condition_note(result.get("condition") or entry.condition)
        if (result.get("asset") or {}).get("custody") == "MAINTENANCE":
            line += ", to maintenance"
    booking = result.get("booking") or {}
    if booking.get("title"):
        line += f' → "{booking["title"]}"'
    due = short_time(result.get("dueAt"), now)
    if due:
        line += f" due {due}"
    return line


def missing_lines(outcome: Applied) -> list[str]:
    """One line per kit component that did not go out: `⚠ NOT OUT  Tripod A (TRI-001): in maintenance`."""
    lines = []
    for missing in outcome.result.get("missing") or []:
        what = describe_asset(missing.get("resource"), "a component")
        lines.append(f"⚠ NOT OUT  {what}: {missing.get('reason') or 'no reason given'}")
    return lines


def rejected_line(batch: Batch, outcome: Rejected) -> str:
    """`✖ REFUSED  MIC-0009: not allocated to this booking`."""
    what = batch.entries[0].code if len(batch.entries) == 1 else f"{len(batch.codes)} audit scans"
    return f"✖ REFUSED  {what}: {outcome.message or outcome.code}"


def local_refusal_line(code: str, reason: str) -> str:
    """A scan the station refused itself."""
    return f"✖ REFUSED  {code}: {reason}"


def mode_line(state: StationState) -> str:
    """`▶ MODE CHECKOUT  booking <id>`."""
    line = f"▶ MODE {state.mode.value}"
    if state.mode is Mode.CHECKOUT:
        line += f"  booking {state.booking_id}" if state.booking_id else "  (no booking: the server picks it)"
    if state.mode is Mode.AUDIT:
        line += f"  audit {state.audit_id}" if state.audit_id else "  (scan an audit card)"
    if state.mode is Mode.RETURN and state.condition is not None:
        line += f"  next return: {state.condition.value}"
    return line


def saved_line(entry: Entry, depth: int) -> str:
    """Acknowledges a scan that is safe in the outbox but not yet answered by the server."""
    return f"⋯ {verb(entry.op)} {entry.code}{condition_note(entry.condition)}  saved, {depth} waiting for the server"


class Display:
    """Writes outcome lines to the terminal, flushed at once; rings the bell on refusals if asked."""

    def __init__(self, out: TextIO | None = None, bell: bool = False) -> None:
        self.out = out or sys.stdout
        self.bell = bell

    def show(self, line: str, alert: bool = False) -> None:
        """Print one line now."""
        self.out.write(("\a" if alert and self.bell else "") + line + "\n")
        self.out.flush()
