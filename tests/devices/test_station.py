"""Station modes and command cards."""

from __future__ import annotations

from devices.scanner_agent.reads import Read
from devices.scanner_agent.station import ItemScan, LocalRefusal, Mode, ModeChanged, Station, StationState


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
