"""Station modes and command cards."""

from __future__ import annotations

from devices.scanner_agent.reads import Read
from devices.scanner_agent.station import (
    Condition,
    ConditionSet,
    ItemScan,
    LocalRefusal,
    Mode,
    ModeChanged,
    Station,
    StationState,
)


def scan(code: str) -> Read:
    return Read(code=code, source="barcode", raw=code)


def test_default_is_return() -> None:
    event = Station().handle(scan("MIC-1"))
    assert event == ItemScan(StationState(Mode.RETURN), scan("MIC-1"))


def test_booking_pick_list_switches_to_checkout_for_that_booking() -> None:
    station = Station()
    assert station.handle(scan("CS:BOOKING:Qm9va2luZzo0Mg==")) == ModeChanged(
        StationState(Mode.CHECKOUT, booking_id="Qm9va2luZzo0Mg=="), scan("CS:BOOKING:Qm9va2luZzo0Mg==")
    )
    assert station.handle(scan("MIC-1")) == ItemScan(StationState(Mode.CHECKOUT, "Qm9va2luZzo0Mg=="), scan("MIC-1"))


def test_mode_cards() -> None:
    station = Station(StationState(Mode.CHECKOUT, booking_id="B1"))
    assert isinstance(station.handle(scan("CS:MODE:RETURN")), ModeChanged)
    assert station.state == StationState(Mode.RETURN)
    station.handle(scan("cs:mode:checkout"))
    assert station.state == StationState(Mode.CHECKOUT)  # a mode card never reuses an old booking


def test_audit_needs_an_audit_id() -> None:
    station = Station()
    station.handle(scan("CS:MODE:AUDIT"))
    assert station.handle(scan("MIC-1")) == LocalRefusal(
        "no audit chosen: scan an audit card (CS:AUDIT:<id>)", scan("MIC-1")
    )
    station.handle(scan("CS:AUDIT:QXVkaXQ6MQ=="))
    assert station.handle(scan("MIC-1")) == ItemScan(StationState(Mode.AUDIT, audit_id="QXVkaXQ6MQ=="), scan("MIC-1"))


def test_unknown_cards_are_refused_and_change_nothing() -> None:
    station = Station(StationState(Mode.CHECKOUT, booking_id="B1"))
    assert station.handle(scan("CS:MODE:LUNCH")) == LocalRefusal("unknown mode 'LUNCH'", scan("CS:MODE:LUNCH"))
    assert station.handle(scan("CS:BOOKING:")) == LocalRefusal("unknown command card", scan("CS:BOOKING:"))
    assert station.state == StationState(Mode.CHECKOUT, booking_id="B1")


def test_state_round_trips_through_a_dict() -> None:
    state = StationState(Mode.AUDIT, audit_id="A1")
    assert StationState.from_dict(state.to_dict()) == state


def test_a_condition_card_applies_to_the_next_return_only() -> None:
    station = Station()
    assert station.handle(scan("CS:CONDITION:DAMAGED")) == ConditionSet(
        StationState(Mode.RETURN, condition=Condition.DAMAGED), scan("CS:CONDITION:DAMAGED")
    )
    event = station.handle(scan("TRI-001"))
    assert event == ItemScan(StationState(Mode.RETURN, condition=Condition.DAMAGED), scan("TRI-001"))
    assert isinstance(event, ItemScan) and event.condition is Condition.DAMAGED
    # The agent moves on once the scan is saved.
    assert event.state.after_scan() == StationState(Mode.RETURN)


def test_a_plain_return_is_ok_and_other_modes_send_no_condition() -> None:
    returned = Station().handle(scan("MIC-1"))
    assert isinstance(returned, ItemScan) and returned.condition is Condition.OK
    out = Station(StationState(Mode.CHECKOUT, booking_id="B1")).handle(scan("MIC-1"))
    assert isinstance(out, ItemScan) and out.condition is None


def test_condition_ok_cancels_and_a_later_card_replaces_an_earlier_one() -> None:
    station = Station()
    station.handle(scan("CS:CONDITION:DAMAGED"))
    station.handle(scan("cs:condition:worn"))
    assert station.state == StationState(Mode.RETURN, condition=Condition.WORN)
    assert station.handle(scan("CS:CONDITION:OK")) == ConditionSet(StationState(Mode.RETURN), scan("CS:CONDITION:OK"))
    assert station.state == StationState(Mode.RETURN)


def test_a_condition_card_outside_return_mode_is_refused_and_changes_nothing() -> None:
    for state in (StationState(Mode.CHECKOUT, booking_id="B1"), StationState(Mode.AUDIT, audit_id="A1")):
        station = Station(state)
        assert station.handle(scan("CS:CONDITION:DAMAGED")) == LocalRefusal(
            f"condition cards are for returns (mode is {state.mode.value}): scan CS:MODE:RETURN first",
            scan("CS:CONDITION:DAMAGED"),
        )
        assert station.state == state


def test_an_unknown_condition_is_refused_and_a_mode_card_clears_a_pending_one() -> None:
    station = Station(StationState(Mode.RETURN, condition=Condition.WORN))
    assert station.handle(scan("CS:CONDITION:BROKEN")) == LocalRefusal(
        "unknown condition 'BROKEN'", scan("CS:CONDITION:BROKEN")
    )
    assert station.state == StationState(Mode.RETURN, condition=Condition.WORN)
    assert station.handle(scan("CS:MODE:RETURN")) == ModeChanged(StationState(Mode.RETURN), scan("CS:MODE:RETURN"))


def test_a_pending_condition_round_trips_through_a_dict() -> None:
    state = StationState(Mode.RETURN, condition=Condition.DAMAGED)
    assert state.to_dict() == {"mode": "RETURN", "booking_id": None, "audit_id": None, "condition": "DAMAGED"}
    assert StationState.from_dict(state.to_dict()) == state
    # A state saved before condition cards existed.
    assert StationState.from_dict({"mode": "CHECKOUT", "booking_id": "B1", "audit_id": None}) == StationState(
        Mode.CHECKOUT, booking_id="B1"
    )
