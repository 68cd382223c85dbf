"""Slot keys: what a slot books, signed with the server secret and valid for a short while.

`<payload>.<signature>`: the payload is base64url JSON (studio, window, allocations, expiry); the
signature is HMAC-SHA256 over it with the server secret. `bookSlot` trusts nothing else: a key that
does not verify, belongs to another studio or has expired is refused, and the booking itself is
checked again like any other (the slot may have been taken since it was offered).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.services.allocation.commands import AllocationRequest
from server.services.errors import Invalid

KEY_LIFETIME = timedelta(minutes=15)
MAX_KEY_LENGTH = 8000


@dataclass(frozen=True)
class SlotContent:
    studio_id: int
    start: datetime
    end: datetime
    allocations: tuple[AllocationRequest, ...]
    expires: datetime


def _sign(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"slot:{body}".encode(), hashlib.sha256).hexdigest()


def encode(secret: str, content: SlotContent) -> str:
    payload: dict[str, Any] = {
        "s": content.studio_id,
        "b": content.start.isoformat(),
        "e": content.end.isoformat(),
        "x": int(content.expires.timestamp()),
        "a": [
            [a.resource_id, a.kit_id, a.quantity, a.start.isoformat() if a.start else None,
             a.end.isoformat() if a.end else None, a.role]
            for a in content.allocations
        ],
    }  # fmt: skip
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{_sign(secret, body)}"


def decode(secret: str, key: str, studio_id: int, now: datetime) -> SlotContent:
    """The content of a key this server signed for this studio, still valid at `now`."""
    stale = Invalid("This slot key is not valid; find slots again.", field="slotKey")
    if not isinstance(key, str) or len(key) > MAX_KEY_LENGTH or key.count(".") != 1:
        raise stale
    body, signature = key.split(".")
    if not hmac.compare_digest(signature, _sign(secret, body)):
        raise stale
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        content = SlotContent(
            studio_id=int(payload["s"]),
            start=datetime.fromisoformat(payload["b"]),
            end=datetime.fromisoformat(payload["e"]),
            allocations=tuple(
                AllocationRequest(
                    resource_id=r,
                    kit_id=k,
                    quantity=int(q),
                    start=datetime.fromisoformat(s) if s else None,
                    end=datetime.fromisoformat(e) if e else None,
                    role=role,
                )
                for r, k, q, s, e, role in payload["a"]
            ),
            expires=datetime.fromtimestamp(int(payload["x"]), tz=now.tzinfo),
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise stale from None
    if content.studio_id != studio_id:
        raise stale
    if content.expires <= now:
        raise Invalid("This slot key has expired; find slots again.", field="slotKey")
    return content
