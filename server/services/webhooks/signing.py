"""Webhook secrets and signatures.

A webhook's secret is derived, never stored: HMAC-SHA256 of the server secret (`CALLSHEET_SECRET`)
and the webhook's random salt. The database alone cannot sign; rotating the server secret rotates
every webhook's secret (receivers must then be given new ones).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
HEADER = "Callsheet-Signature"


def new_salt() -> str:
    return secrets.token_hex(16)


@functools.lru_cache(maxsize=1024)  # one derivation per webhook, not one per delivery
def derive_secret(server_secret: str, salt: str) -> str:
    """The webhook's signing secret, shown to its creator once and re-derived to sign each delivery."""
    digest = hmac.new(server_secret.encode(), f"callsheet-webhook:{salt}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Callsheet-Signature` value: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (and the tests): recompute, compare in constant time, refuse stale stamps."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, stamp, body).split("v1=", 1)[1]
    return abs(now - stamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))
