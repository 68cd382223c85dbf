"""The SQLite outbox: durable before acknowledgement, ordered, audit batches sealed under one key."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from devices.scanner_agent.outbox import APPLIED, PENDING, REJECTED, Outbox


def add(outbox: Outbox, op: str, code: str, booking_id: str | None = None, audit_id: str | None = None) -> str:
    return outbox.add(op, code, source="barcode", raw=code, booking_id=booking_id, audit_id=audit_id).key


def test_scan_is_committed_and_visible_to_another_connection(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    key = add(outbox, "RETURN", "MIC-1")
    uuid.UUID(key)
    other = sqlite3.connect(tmp_path / "outbox.db")
    assert other.execute("SELECT key, op, code, state FROM scans").fetchall() == [(key, "RETURN", "MIC-1", PENDING)]
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()
    outbox.close()


def test_batches_come_in_scan_order_and_survive_a_reopen(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    keys = [add(outbox, "CHECKOUT", f"MIC-{i}", booking_id="B1") for i in range(3)]
    outbox.close()
    outbox = Outbox(tmp_path / "outbox.db")
    sent = []
    while (batch := outbox.next_batch()) is not None:
        assert batch.key == batch.entries[0].key
        sent.append((batch.key, batch.codes, batch.entries[0].booking_id))
        outbox.mark_applied(batch, {"__typename": "AssetCheckedOut"})
    assert sent == [(keys[i], [f"MIC-{i}"], "B1") for i in range(3)]
    assert outbox.counts() == {PENDING: 0, APPLIED: 3, REJECTED: 0}


def test_failed_attempt_keeps_the_batch_at_the_head(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    first = add(outbox, "RETURN", "MIC-1")
    add(outbox, "RETURN", "MIC-2")
    batch = outbox.next_batch()
    assert batch is not None
    outbox.mark_failed_attempt(batch, "ConnectError")
    again = outbox.next_batch()
    assert again is not None and again.key == first
    assert (again.entries[0].attempts, again.entries[0].last_error) == (1, "ConnectError")


def test_rejected_scans_are_kept_and_not_sent_again(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    add(outbox, "RETURN", "MIC-9")
    batch = outbox.next_batch()
    assert batch is not None
    outbox.mark_rejected(batch, {"__typename": "NotFoundError"}, "NOT_FOUND: no such asset")
    assert outbox.next_batch() is None
    (entry,) = outbox.entries(REJECTED)
    assert (entry.code, entry.last_error, entry.result_json) == (
        "MIC-9",
        "NOT_FOUND: no such asset",
        {"__typename": "NotFoundError"},
    )


def test_consecutive_audit_scans_are_sealed_into_one_batch(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    keys = [add(outbox, "AUDIT", code, audit_id="A1") for code in ("T1", "T2", "T1", "T3")]
    add(outbox, "AUDIT", "T4", audit_id="A2")
    batch = outbox.next_batch()
    assert batch is not None
    assert (batch.key, batch.op, batch.codes, len(batch.entries)) == (keys[0], "AUDIT", ["T1", "T2", "T3"], 4)
    # A scan after sealing does not join the sealed batch, so a retry sends exactly the same codes.
    add(outbox, "AUDIT", "T5", audit_id="A1")
    outbox.close()
    outbox = Outbox(tmp_path / "outbox.db")
    retry = outbox.next_batch()
    assert retry is not None and (retry.key, retry.codes) == (keys[0], ["T1", "T2", "T3"])
    outbox.mark_applied(retry, {})
    after = [outbox.next_batch()]
    assert after[0] is not None and (after[0].codes, after[0].entries[0].audit_id) == (["T4"], "A2")


def test_applied_history_is_pruned_rejections_are_not(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db", keep_applied=2)
    add(outbox, "RETURN", "BAD")
    batch = outbox.next_batch()
    assert batch is not None
    outbox.mark_rejected(batch, {}, "NOT_FOUND: x")
    for i in range(5):
        add(outbox, "RETURN", f"MIC-{i}")
        batch = outbox.next_batch()
        assert batch is not None
        outbox.mark_applied(batch, {})
    assert [entry.code for entry in outbox.entries()] == ["BAD", "MIC-3", "MIC-4"]


def test_agent_state_round_trip(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    assert outbox.get_state("station") is None
    outbox.set_state("station", {"mode": "AUDIT"})
    outbox.set_state("station", {"mode": "RETURN"})
    value, updated_at = outbox.get_state("station") or ({}, "")
    assert value == {"mode": "RETURN"}
    assert updated_at.endswith("+00:00")


def test_a_condition_is_stored_with_its_scan_and_the_station_state_in_the_same_transaction(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.set_state("station", {"mode": "RETURN", "condition": "DAMAGED"})
    entry = outbox.add(
        "RETURN", "TRI-001", source="barcode", raw="TRI-001", condition="DAMAGED", state=("station", {"mode": "RETURN"})
    )
    outbox.close()
    outbox = Outbox(tmp_path / "outbox.db")
    assert outbox.get(entry.id) == entry
    assert entry.condition == "DAMAGED"
    saved = outbox.get_state("station")
    assert saved is not None and saved[0] == {"mode": "RETURN"}


def test_a_failed_scan_insert_leaves_the_station_state_as_it_was(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.db")
    outbox.set_state("station", {"mode": "RETURN", "condition": "DAMAGED"})
    outbox._db.execute("CREATE TRIGGER no_scans BEFORE INSERT ON scans BEGIN SELECT RAISE(FAIL, 'disk full'); END")
    with pytest.raises(sqlite3.IntegrityError):
        outbox.add("RETURN", "TRI-001", source="barcode", raw="TRI-001", condition="DAMAGED", state=("station", {}))
    saved = outbox.get_state("station")
    assert saved is not None and saved[0] == {"mode": "RETURN", "condition": "DAMAGED"}
    assert outbox.entries() == []


def test_an_outbox_from_before_condition_cards_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE scans (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, op TEXT NOT NULL,"
        " code TEXT NOT NULL, booking_id TEXT, audit_id TEXT, source TEXT NOT NULL, raw TEXT NOT NULL,"
        " scanned_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', batch_key TEXT,"
        " attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, result TEXT, finished_at TEXT);"
        "INSERT INTO scans (key, op, code, source, raw, scanned_at) VALUES ('k1', 'RETURN', 'MIC-1', 'barcode',"
        " 'MIC-1', '2025-06-03T09:00:00.000+00:00');"
    )
    db.close()
    outbox = Outbox(path)
    batch = outbox.next_batch()
    assert batch is not None and (batch.key, batch.entries[0].code, batch.entries[0].condition) == ("k1", "MIC-1", None)
    assert outbox.add("RETURN", "MIC-2", source="barcode", raw="MIC-2", condition="WORN").condition == "WORN"
    outbox.close()
