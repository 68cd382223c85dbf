"""Station mode: what a scan means at this cage counter, switched by configuration or by command cards.

Command cards (printed barcodes or tags):
  `CS:MODE:CHECKOUT`, `CS:MODE:RETURN`, `CS:MODE:AUDIT`  switch mode (a mode card clears the booking);
  `CS:BOOKING:<booking id>`  checks out to that booking (a booking's pick-list code);
  `CS:AUDIT:<audit id>`  records audit scans for that audit;
  `CS:CONDITION:WORN`, `CS:CONDITION:DAMAGED`  (RETURN mode only) the next return is in that condition,
  then returns are OK again; `CS:CONDITION:OK` cancels it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .reads import Read

COMMAND_PREFIX = "CS:"


class Mode(StrEnum):
    """What a scanned item means."""

    CHECKOUT = "CHECKOUT"
    RETURN = "RETURN"
    AUDIT = "AUDIT"


class Condition(StrEnum):
    """The condition an item comes back in (`returnAsset`'s `condition`)."""

    OK = "OK"
    WORN = "WORN"
    DAMAGED = "DAMAGED"


@dataclass(frozen=True)
class StationState:
    """The station's mode, the booking or audit it works for, and the condition of the next return.

    `condition` is set by a condition card in RETURN mode and applies to one return scan only.
    """

    mode: Mode = Mode.RETURN
    booking_id: str | None = None
    audit_id: str | None = None
    condition: Condition | None = None

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-ready form, for the outbox's state table."""
        return {
            "mode": self.mode.value,
            "booking_id": self.booking_id,
            "audit_id": self.audit_id,
            "condition": self.condition.value if self.condition else None,
        }

    @classmethod
    def from_dict(cls, value: dict[str, str | None]) -> StationState:
        """Inverse of `to_dict`."""
        mode = Mode(value.get("mode") or Mode.RETURN)
        condition = value.get("condition")
        return cls(
            mode,
            value.get("booking_id"),
            value.get("audit_id"),
            Condition(condition) if condition and mode is Mode.RETURN else None,
        )

    def after_scan(self) -> StationState:
        """The state once an item scan is saved: a condition card is used up by the return it applied to."""
        return replace(self, condition=None) if self.condition is not None else self


@dataclass(frozen=True)
class ModeChanged:
    """A command card was scanned."""

    state: StationState
    read: Read


@dataclass(frozen=True)
class ConditionSet:
    """A condition card was scanned in RETURN mode: it applies to the next return."""

    state: StationState
    read: Read


@dataclass(frozen=True)
class ItemScan:
    """An item scanned in the current mode: this goes to the outbox."""

    state: StationState
    read: Read

    @property
    def condition(self) -> Condition | None:
        """What a return is sent with (OK unless a condition card came first); None for other modes."""
        if self.state.mode is not Mode.RETURN:
            return None
        return self.state.condition or Condition.OK


@dataclass(frozen=True)
class LocalRefusal:
    """A scan the station refuses before it reaches the server."""

    reason: str
    read: Read


StationEvent = ModeChanged | ConditionSet | ItemScan | LocalRefusal


def parse_command(code: str, current: StationState) -> StationState | str:
    """The state a command card switches to, or the reason it is not a valid card."""
    parts = code[len(COMMAND_PREFIX) :].split(":", 1)
    verb = parts[0].strip().upper()
    arg = parts[1].strip() if len(parts) == 2 else ""
    if verb == "MODE":
        try:
            mode = Mode(arg.upper())
        except ValueError:
            return f"unknown mode {arg!r}"
        audit_id = current.audit_id if mode is Mode.AUDIT else None
        return StationState(mode=mode, audit_id=audit_id)
    if verb == "BOOKING" and arg:
        return StationState(mode=Mode.CHECKOUT, booking_id=arg)
    if verb == "AUDIT" and arg:
        return StationState(mode=Mode.AUDIT, audit_id=arg)
    if verb == "CONDITION":
        try:
            condition = Condition(arg.upper())
        except ValueError:
            return f"unknown condition {arg!r}"
        if current.mode is not Mode.RETURN:
            return f"condition cards are for returns (mode is {current.mode.value}): scan CS:MODE:RETURN first"
        return replace(current, condition=None if condition is Condition.OK else condition)
    return "unknown command card"


def _is_condition_card(code: str) -> bool:
    return code[len(COMMAND_PREFIX) :].split(":", 1)[0].strip().upper() == "CONDITION"


class Station:
    """Interprets each debounced read in the current mode."""

    def __init__(self, state: StationState | None = None) -> None:
        self.state = state or StationState()

    def handle(self, read: Read) -> StationEvent:
        """Command cards change the state; other codes become item scans in the current mode."""
        if read.code.upper().startswith(COMMAND_PREFIX):
            result = parse_command(read.code, self.state)
            if isinstance(result, str):
                return LocalRefusal(result, read)
            self.state = result
            return ConditionSet(result, read) if _is_condition_card(read.code) else ModeChanged(result, read)
        if self.state.mode is Mode.AUDIT and not self.state.audit_id:
            return LocalRefusal("no audit chosen: scan an audit card (CS:AUDIT:<id>)", read)
        return ItemScan(self.state, read)
