"""The Relay Node interface and connection plumbing."""

from __future__ import annotations

import base64

import strawberry

from server.services.errors import Invalid


@strawberry.interface(description="An object with a global ID.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global ID.")


@strawberry.type(description="Relay pagination state.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether another page follows.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last edge on this page.")


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:{pk}".encode()).decode()


def decode_cursor(cursor: str | None) -> int | None:
    """The key after which a page starts; a malformed cursor is a validation error."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        prefix, _, pk = raw.partition(":")
        if prefix != "cursor" or not pk.isdigit():
            raise ValueError
        return int(pk)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("Malformed cursor.", field="after") from None


def page_size(first: int | None, maximum: int, default: int = 50) -> int:
    """The page size asked for, refused outside 1..maximum."""
    if first is None:
        return min(default, maximum)
    if not 1 <= first <= maximum:
        raise Invalid(f"first must be between 1 and {maximum}.", field="first")
    return first
