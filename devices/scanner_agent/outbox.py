"""The local outbox: every scan is committed here before it is acknowledged, then sent in order.

SQLite in WAL mode with `synchronous=FULL`: a scan acknowledged at the counter survives the agent
being killed and the machine losing power. Rows move `pending` -> `applied` | `rejected`; rejected
rows are kept for the cage to see, applied ones are pruned beyond a recent history.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PENDING = "pending"
APPLIED = "applied"
REJECTED = "rejected"
AUDIT = "AUDIT"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    op TEXT NOT NULL,
    code TEXT NOT NULL,
    booking_id TEXT,
    audit_id TEXT,
    condition TEXT,
    source TEXT NOT NULL,
    raw TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    batch_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS scans_by_state ON scans (state, id);
CREATE TABLE IF NOT EXISTS agent_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def utcnow() -> str:
    """Now, ISO-8601 UTC with offset."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Entry:
    """One scan in the outbox."""

    id: int
    key: str
    op: str
    code: str
    booking_id: str | None
    audit_id: str | None
    condition: str | None
    source: str
    raw: str
    scanned_at: str
    state: str
    batch_key: str | None
    attempts: int
    last_error: str | None
    result: str | None

    @property
    def result_json(self) -> dict[str, Any]:
        """The server's answer as stored, or an empty dict."""
        return json.loads(self.result) if self.result else {}


@dataclass(frozen=True)
class Batch:
    """What one request sends: a single check-out or return, or a run of audit scans."""

    key: str
    op: str
    entries: tuple[Entry, ...]

    @property
    def codes(self) -> list[str]:
        """The codes, each once, in scan order."""
        return list(dict.fromkeys(entry.code for entry in self.entries))


class Outbox:
    """The SQLite outbox; use from one thread (the agent's event loop)."""

    def __init__(self, path: str | Path, keep_applied: int = 10_000) -> None:
        self.path = str(path)
        self.keep_applied = keep_applied
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(scans)")}
        if "condition" not in columns:
            # An outbox written before condition cards: its returns were all OK.
            self._db.execute("ALTER TABLE scans ADD COLUMN condition TEXT")

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def add(
        self,
        op: str,
        code: str,
        *,
        source: str,
        raw: str,
        booking_id: str | None = None,
        audit_id: str | None = None,
        condition: str | None = None,
        state: tuple[str, Any] | None = None,
    ) -> Entry:
        """Commit a scan with a fresh idempotency key; when this returns the scan is durable.

        `state` (a name and value, as for `set_state`) is written in the same transaction, so a
        condition card is used up exactly when the return it applies to is saved.
        """
        key = str(uuid.uuid4())
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO scans (key, op, code, booking_id, audit_id, condition, source, raw, scanned_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, op, code, booking_id, audit_id, condition, source, raw, utcnow()),
            )
            if state is not None:
                self._put_state(db, *state)
        entry = self.get(int(cursor.lastrowid or 0))
        assert entry is not None
        return entry

    def get(self, entry_id: int) -> Entry | None:
        """One scan by id."""
        row = self._db.execute("SELECT * FROM scans WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def next_batch(self, max_audit_codes: int = 200) -> Batch | None:
        """The oldest pending scan, with the audit scans that follow it when it is one.

        An audit batch is sealed (its rows get the first row's key as `batch_key`) before it is
        sent, so a retry after a crash sends the same codes under the same idempotency key.
        """
        head_row = self._db.execute("SELECT * FROM scans WHERE state = ? ORDER BY id LIMIT 1", (PENDING,)).fetchone()
        if head_row is None:
            return None
        head = _entry(head_row)
        if head.batch_key is not None:
            rows = self._db.execute(
                "SELECT * FROM scans WHERE state = ? AND batch_key = ? ORDER BY id", (PENDING, head.batch_key)
            ).fetchall()
            return Batch(head.batch_key, head.op, tuple(_entry(row) for row in rows))
        if head.op != AUDIT:
            return Batch(head.key, head.op, (head,))
        entries = []
        for row in self._db.execute(
            "SELECT * FROM scans WHERE state = ? AND id >= ? ORDER BY id LIMIT ?",
            (PENDING, head.id, max_audit_codes),
        ).fetchall():
            entry = _entry(row)
            if entry.op != AUDIT or entry.audit_id != head.audit_id or entry.batch_key is not None:
                break
            entries.append(entry)
        with self._write() as db:
            db.executemany("UPDATE scans SET batch_key = ? WHERE id = ?", [(head.key, entry.id) for entry in entries])
        sealed = self._db.execute("SELECT * FROM scans WHERE batch_key = ? ORDER BY id", (head.key,)).fetchall()
        return Batch(head.key, head.op, tuple(_entry(row) for row in sealed))

    def mark_applied(self, batch: Batch, result: dict[str, Any]) -> None:
        """The server applied the batch."""
        self._finish(batch, APPLIED, result, None)

    def mark_rejected(self, batch: Batch, result: dict[str, Any], error: str) -> None:
        """The server refused the batch for good: keep it for the cage to see, never resend it."""
        self._finish(batch, REJECTED, result, error)

    def mark_failed_attempt(self, batch: Batch, error: str) -> None:
        """A send failed in a way worth retrying; the batch stays pending."""
        with self._write() as db:
            db.executemany(
                "UPDATE scans SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [(error, entry.id) for entry in batch.entries],
            )

    def _finish(self, batch: Batch, state: str, result: dict[str, Any], error: str | None) -> None:
        now = utcnow()
        payload = json.dumps(result)
        with self._write() as db:
            db.executemany(
                "UPDATE scans SET state = ?, result = ?, last_error = ?, finished_at = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                [(state, payload, error, now, entry.id) for entry in batch.entries],
            )
            if state == APPLIED:
                # Applied history is only for display; rejected rows stay until someone looks.
                db.execute(
                    "DELETE FROM scans WHERE state = ? AND id <= ("
                    " SELECT id FROM scans WHERE state = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (APPLIED, APPLIED, self.keep_applied),
                )

    def counts(self) -> dict[str, int]:
        """Scans per state."""
        counts = {PENDING: 0, APPLIED: 0, REJECTED: 0}
        for row in self._db.execute("SELECT state, COUNT(*) FROM scans GROUP BY state"):
            counts[row[0]] = row[1]
        return counts

    def depth(self) -> int:
        """Scans waiting to be sent."""
        row = self._db.execute("SELECT COUNT(*) FROM scans WHERE state = ?", (PENDING,)).fetchone()
        return int(row[0])

    def entries(self, state: str | None = None, limit: int | None = None, newest_first: bool = False) -> list[Entry]:
        """Scans, optionally of one state, in scan order (or newest first)."""
        order = "DESC" if newest_first else "ASC"
        query = "SELECT * FROM scans" + (" WHERE state = ?" if state else "") + f" ORDER BY id {order}"
        params: tuple[Any, ...] = (state,) if state else ()
        if limit is not None:
            query += " LIMIT ?"
            params += (limit,)
        return [_entry(row) for row in self._db.execute(query, params)]

    def set_state(self, name: str, value: Any) -> None:
        """Store a piece of agent state (station mode, reader health) for restarts and `scanner status`."""
        with self._write() as db:
            self._put_state(db, name, value)

    @staticmethod
    def _put_state(db: sqlite3.Connection, name: str, value: Any) -> None:
        db.execute(
            "INSERT INTO agent_state (name, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (name, json.dumps(value), utcnow()),
        )

    def get_state(self, name: str) -> tuple[Any, str] | None:
        """A stored piece of agent state and when it was written."""
        row = self._db.execute("SELECT value, updated_at FROM agent_state WHERE name = ?", (name,)).fetchone()
        return (json.loads(row[0]), row[1]) if row else None


def _entry(row: sqlite3.Row) -> Entry:
    fields = dict(zip(row.keys(), tuple(row), strict=True))
    del fields["finished_at"]
    return Entry(**fields)
