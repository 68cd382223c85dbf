"""Global IDs as clients see them (base64 of `Type:id`), for what services hand outside GraphQL
(webhook payloads); `server.schema.ids` parses them."""

from __future__ import annotations

import base64


def to_global_id(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")
