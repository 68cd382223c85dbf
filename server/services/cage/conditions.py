"""The condition an item comes back in, and the notes that go with it."""

from __future__ import annotations

from db.models import Condition
from server.services.errors import Invalid

MAX_NOTES = 2000


def parse_condition(value: str | None) -> Condition:
    """OK (the default), WORN or DAMAGED."""
    if value is None or not value.strip():
        return Condition.OK
    try:
        return Condition(value.strip().upper())
    except ValueError:
        raise Invalid("condition must be OK, WORN or DAMAGED.", field="condition") from None


def parse_release_condition(value: str | None) -> Condition:
    """The condition of a repaired item: OK (the default) or WORN."""
    state = parse_condition(value)
    if state == Condition.DAMAGED:
        raise Invalid("A released item is OK or WORN; a damaged one stays in maintenance.", field="condition")
    return state


def clean_notes(value: str | None) -> str | None:
    """Trimmed notes (line breaks allowed), or None."""
    if value is None or not value.strip():
        return None
    notes = value.strip()
    if len(notes) > MAX_NOTES:
        raise Invalid(f"notes may be at most {MAX_NOTES} characters.", field="notes")
    if any(ord(c) < 32 and c not in "\n\t" for c in notes):
        raise Invalid("notes may not contain control characters.", field="notes")
    return notes
