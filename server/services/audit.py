"""The audit log: one entry per mutation and per system transition, kept on the event table.

An entry is an event row of topic `audit`, written by the unit of work in the transaction of the
change (so a refused or failed mutation, rolled back, leaves none):

- a mutation's entry: the unit of work watches the ORM flushes of its transaction and records the
  fields each row changed; the entry names the mutation (set by the GraphQL layer around the call,
  `acting`), the caller, and the before/after values of its main entity (`PRIMARY` decides which);
- a system transition's entry (a hold expired, gear overdue): recorded by the service that makes
  it with `Tx.audit`, as the system.

Entries are append-only: nothing updates or deletes an event row. Money fields (`...Minor`) are
shown only to roles that may read money.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

AUDIT_TOPIC = "audit"
SYSTEM_ACTOR = "system"

# Which changed row a mutation's entry is about, when it changed several: the first of these kinds.
PRIMARY = (
    "Booking",
    "Invoice",
    "Project",
    "Resource",
    "Kit",
    "Rate",
    "Block",
    "Location",
    "Audit",
    "ApiToken",
    "Webhook",
    "Client",
    "Studio",
)
# Never recorded: keys, bookkeeping and secrets.
SKIPPED_FIELDS = frozenset({"id", "studio_id", "created_at", "updated_at", "salt", "token_hash", "code_hash"})
# Rows that are bookkeeping of another row's change, never the subject of an entry.
SKIPPED_MODELS = frozenset({"Event", "IdempotencyRecord", "Occupancy", "WebhookDelivery", "InvoiceCounter"})

_action: ContextVar[str | None] = ContextVar("callsheet_audit_action", default=None)


@contextmanager
def acting(action: str) -> Iterator[None]:
    """Name the mutation whose transactions run inside this block (the GraphQL layer sets it)."""
    token = _action.set(action)
    try:
        yield
    finally:
        _action.reset(token)


def current_action() -> str | None:
    return _action.get()


@functools.lru_cache(maxsize=1024)
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def plain(value: Any) -> Any:
    """A JSON value for a column value."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool | list | dict):
        return value
    return str(value)


@dataclass
class Change:
    """What one row's fields were and became over the transaction."""

    entity: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    created: bool = False
    deleted: bool = False


class ChangeRecorder:
    """Watches a session's flushes and keeps, per row, the first `before` and the last `after`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.changes: dict[str, Change] = {}
        event.listen(session, "after_flush", self._after_flush)
        session.info[_RECORDER] = self

    def close(self) -> None:
        event.remove(self.session, "after_flush", self._after_flush)
        self.session.info.pop(_RECORDER, None)

    def _after_flush(self, session: Session, _context: Any) -> None:
        for obj in session.new:
            self._note(obj, created=True)
        for obj in session.dirty:
            if session.is_modified(obj, include_collections=False):
                self._note(obj)
        for obj in session.deleted:
            self._note(obj, deleted=True)

    def _note(self, obj: Any, *, created: bool = False, deleted: bool = False) -> None:
        kind = type(obj).__name__
        if kind in SKIPPED_MODELS:
            return
        state = inspect(obj)
        # New rows have their keys once inserted but join the identity map only after the flush.
        key = state.mapper.primary_key_from_instance(obj)
        if not key or key[0] is None:
            return
        entity = f"{kind}:{key[0]}"
        change = self.changes.setdefault(entity, Change(entity, created=created))
        change.deleted = change.deleted or deleted
        for attr in state.mapper.column_attrs:
            name = attr.key
            if name in SKIPPED_FIELDS:
                continue
            if created or deleted:
                value = state.dict.get(name)
                if value is not None:
                    (change.before if deleted else change.after)[camel(name)] = plain(value)
                continue
            # Only changed rows need their history (building it per column is the dear part).
            history = state.attrs[name].history
            if not history.has_changes():
                continue
            label = camel(name)
            if label not in change.before and label not in change.after:
                change.before[label] = plain(history.deleted[0]) if history.deleted else None
            change.after[label] = plain(history.added[0]) if history.added else None

    def primary(self) -> Change | None:
        """The change an entry is about: the first of `PRIMARY`'s kinds, else the first recorded."""
        if not self.changes:
            return None
        for kind in PRIMARY:
            for entity, change in self.changes.items():
                if entity.split(":", 1)[0] == kind:
                    return change
        return next(iter(self.changes.values()))


_RECORDER = "audit.recorder"


def record_created(session: Session, rows: Sequence[Any]) -> None:
    """Note rows written outside the ORM's flush (one-statement inserts) as the flush would have."""
    recorder = session.info.get(_RECORDER)
    if isinstance(recorder, ChangeRecorder):
        for obj in rows:
            recorder._note(obj, created=True)


@dataclass(frozen=True)
class Entry:
    """An audit entry before it becomes an event row."""

    action: str
    entity: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    system: bool = False


def mutation_entry(action: str, recorder: ChangeRecorder) -> Entry | None:
    """The entry of a mutation's transaction (None when it changed no row)."""
    change = recorder.primary()
    if change is None:
        return None
    if change.created:
        return Entry(action, change.entity, None, change.after)
    if change.deleted:
        return Entry(action, change.entity, change.before, None)
    changed = [k for k in change.after if change.before.get(k) != change.after[k]]
    return Entry(
        action, change.entity, {k: change.before.get(k) for k in changed}, {k: change.after[k] for k in changed}
    )


def is_money_field(name: str) -> bool:
    return name.endswith("Minor")


def redact_money(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """The values without their money fields (for roles that may not read money)."""
    if values is None:
        return None
    return {k: v for k, v in values.items() if not is_money_field(k)}
