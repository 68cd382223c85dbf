"""Small input checks shared by the services; each raises `Invalid` naming the field."""

from __future__ import annotations

import re
from datetime import datetime

from server.services.errors import Invalid


def text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str | None:
    """Trimmed text within bounds; empty counts as missing."""
    if value is None:
        if required:
            raise Invalid(f"{field} is required.", field=field)
        return None
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise Invalid(f"{field} may not be empty.", field=field)
        return None
    if len(cleaned) > max_length:
        raise Invalid(f"{field} may be at most {max_length} characters.", field=field)
    if any(ord(c) < 32 for c in cleaned):
        raise Invalid(f"{field} may not contain control characters.", field=field)
    return cleaned


def required_text(value: str | None, field: str, *, max_length: int) -> str:
    result = text(value, field, max_length=max_length, required=True)
    assert result is not None
    return result


def int_range(value: int | None, field: str, *, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not low <= value <= high:
        raise Invalid(f"{field} must be between {low} and {high}.", field=field)
    return value


def window(start: datetime, end: datetime, field: str = "end") -> None:
    """A half-open window must have its end after its start; both carry an offset."""
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field=field)
    if end <= start:
        raise Invalid("The end must be after the start.", field=field)


def unique_list(values: list[str], field: str, *, max_items: int, max_length: int) -> list[str]:
    """Distinct trimmed strings, order kept."""
    if len(values) > max_items:
        raise Invalid(f"{field} may hold at most {max_items} entries.", field=field)
    out: list[str] = []
    for v in values:
        item = required_text(v, field, max_length=max_length)
        if item.lower() not in (o.lower() for o in out):
            out.append(item)
    return out


_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


def check_email(value: str, field: str = "email") -> str:
    """An e-mail address as given (trimmed), or Invalid: one @, a dotted domain, no spaces."""
    address = value.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise Invalid("Give an e-mail address like name@example.com.", field=field)
    return address
