"""Relay global IDs: base64 of `Type:id`. A malformed or foreign-type ID reads as not found."""

from __future__ import annotations

import base64
import binascii

from server.services.errors import NotFound
from server.services.ids import to_global_id

__all__ = ["decode_id", "decode_optional", "parse_global_id", "to_global_id"]


def parse_global_id(gid: str) -> tuple[str, int] | None:
    """(type name, primary key) of a global ID, or None if it is not one of ours."""
    if not isinstance(gid, str) or not 0 < len(gid) <= 100:
        return None
    try:
        raw = base64.urlsafe_b64decode(gid + "=" * (-len(gid) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, pk = raw.partition(":")
    if not sep or not type_name.isidentifier() or not (pk.isascii() and pk.isdigit()) or len(pk) > 19:
        return None
    value = int(pk)
    # Keys are INTEGER (32-bit on PostgreSQL): anything larger cannot name a row.
    return (type_name, value) if value < 2**31 else None


def decode_id(gid: str, expected: str | tuple[str, ...], what: str | None = None) -> int:
    """The primary key of a global ID of the expected type; NotFound otherwise (leaks nothing)."""
    parsed = parse_global_id(gid)
    types = (expected,) if isinstance(expected, str) else expected
    if parsed is None or parsed[0] not in types:
        raise NotFound(f"No such {what or types[0].lower()}.")
    return parsed[1]


def decode_optional(gid: str | None, expected: str, what: str | None = None) -> int | None:
    return None if gid is None else decode_id(gid, expected, what)
