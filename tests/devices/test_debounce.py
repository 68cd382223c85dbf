"""Debounce windows and RFID presence, driven by an explicit clock."""

from __future__ import annotations

from devices.scanner_agent.debounce import Debouncer, Presence


def test_same_code_within_the_window_is_one_read() -> None:
    debouncer = Debouncer(window=2.0)
    assert [debouncer.accept("MIC-1", t) for t in (0.0, 0.5, 1.9)] == [True, False, False]
    assert debouncer.suppressed == 2


def test_window_slides_while_the_code_keeps_coming() -> None:
    debouncer = Debouncer(window=2.0)
    assert [debouncer.accept("MIC-1", t) for t in (0.0, 1.5, 3.0, 4.5, 6.6)] == [True, False, False, False, True]


def test_other_codes_are_independent() -> None:
    debouncer = Debouncer(window=2.0)
    assert [debouncer.accept(code, 0.1) for code in ("A", "B", "A", "C", "B")] == [True, True, False, True, False]


def test_reset_makes_the_next_read_new() -> None:
    debouncer = Debouncer(window=2.0)
    assert debouncer.accept("A", 0.0)
    debouncer.reset()
    assert debouncer.accept("A", 0.1)


def test_memory_is_bounded() -> None:
    debouncer = Debouncer(window=2.0, max_codes=100)
    for i in range(1000):
        debouncer.accept(f"code-{i}", i * 0.001)
    assert len(debouncer._last_seen) <= 101
    assert not debouncer.accept("code-999", 1.0)


def test_a_tag_reported_20_times_a_second_is_one_arrival() -> None:
    presence = Presence(gone_after=1.0)
    arrivals = [presence.seen("TAG", i / 20) for i in range(100)]
    assert arrivals.count(True) == 1
    assert arrivals[0] is True
    assert presence.repeats == 99


def test_a_tag_is_gone_after_the_quiet_period_and_then_arrives_again() -> None:
    presence = Presence(gone_after=1.0)
    assert presence.seen("A", 0.0)
    assert presence.seen("B", 0.5)
    assert presence.expire(0.9) == []
    assert presence.expire(1.0) == ["A"]
    assert presence.present() == ["B"]
    assert presence.expire(1.6) == ["B"]
    assert presence.seen("A", 2.0)


def test_a_sighting_keeps_the_tag_present() -> None:
    presence = Presence(gone_after=1.0)
    presence.seen("A", 0.0)
    presence.seen("B", 0.1)
    presence.seen("A", 0.8)
    assert presence.expire(1.2) == ["B"]
    assert presence.present() == ["A"]
