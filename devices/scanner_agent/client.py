"""The GraphQL client of the agent: posts cage mutations and sorts each answer into applied, rejected or retry.

Only a typed result decides a scan for good: the success type means applied, a `UserError` member
of the union (NotFoundError, InvalidTransitionError, ...) means rejected. Everything else (network
errors, timeouts, 5xx, 429, a masked server error, a token the server refuses, a schema the server
does not know yet) leaves the scan queued to be retried, because none of it says the scan was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

CHECK_OUT = """
mutation($input: CheckOutAssetInput!) {
  checkOutAsset(input: $input) {
    __typename
    ... on AssetCheckedOut {
      asset { id name code custody }
      booking { id title }
      dueAt
      kit { id name code }
      items { id name code }
      missing { reason resource { id name code } }
    }
    ... on UserError { code message }
  }
}
"""

RETURN = """
mutation($input: ReturnAssetInput!) {
  returnAsset(input: $input) {
    __typename
    ... on AssetReturned { asset { id name code custody } condition }
    ... on UserError { code message }
  }
}
"""

RECORD_AUDIT_SCANS = """
mutation($input: RecordAuditScansInput!) {
  recordAuditScans(input: $input) {
    __typename
    ... on UserError { code message }
  }
}
"""

_RETRYABLE_STATUS = {408, 425, 429}
_AUTH_CODES = {"UNAUTHENTICATED", "FORBIDDEN"}


@dataclass(frozen=True)
class Applied:
    """The server applied the mutation; `result` is the success object."""

    typename: str
    result: dict[str, Any]


@dataclass(frozen=True)
class Rejected:
    """The server refused the mutation with a typed error: final, do not resend."""

    typename: str
    code: str
    message: str
    result: dict[str, Any]


Outcome = Applied | Rejected


class RetryableError(Exception):
    """The request did not get a definitive answer; `auth` when the server refused the token."""

    def __init__(self, reason: str, *, auth: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.auth = auth


class CallsheetClient:
    """Posts the cage mutations to one Callsheet `/graphql` endpoint with a SCANNER token."""

    def __init__(
        self,
        url: str,
        token: str | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url
        self._http = httpx.AsyncClient(headers=headers, transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def check_out(self, code: str, booking_id: str | None, idempotency_key: str) -> Outcome:
        """`checkOutAsset` for one scanned code."""
        payload = {"code": code, "bookingId": booking_id, "idempotencyKey": idempotency_key}
        return await self._mutate(CHECK_OUT, "checkOutAsset", payload)

    async def return_asset(self, code: str, condition: str, idempotency_key: str) -> Outcome:
        """`returnAsset` for one scanned code, in the condition it came back in (OK, WORN or DAMAGED)."""
        payload = {"code": code, "condition": condition, "idempotencyKey": idempotency_key}
        return await self._mutate(RETURN, "returnAsset", payload)

    async def record_audit_scans(self, audit_id: str, codes: list[str], idempotency_key: str) -> Outcome:
        """`recordAuditScans` for a batch of codes seen during an audit."""
        payload = {"auditId": audit_id, "codes": codes, "idempotencyKey": idempotency_key}
        return await self._mutate(RECORD_AUDIT_SCANS, "recordAuditScans", payload)

    async def _mutate(self, query: str, field: str, variables_input: dict[str, Any]) -> Outcome:
        try:
            response = await self._http.post(self.url, json={"query": query, "variables": {"input": variables_input}})
        except httpx.HTTPError as exc:
            raise RetryableError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        status = response.status_code
        if status >= 500 or status in _RETRYABLE_STATUS:
            raise RetryableError(f"HTTP {status}")
        if status in (401, 403):
            raise RetryableError(f"HTTP {status}: the server refused the token", auth=True)
        try:
            body = response.json()
        except ValueError as exc:
            raise RetryableError(f"HTTP {status}: answer is not JSON") from exc
        result = (body.get("data") or {}).get(field) if isinstance(body, dict) else None
        if isinstance(result, dict) and isinstance(result.get("__typename"), str):
            if isinstance(result.get("code"), str):
                return Rejected(result["__typename"], result["code"], str(result.get("message", "")), result)
            return Applied(result["__typename"], result)
        errors = body.get("errors") if isinstance(body, dict) else None
        first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        code = (first.get("extensions") or {}).get("code")
        message = str(first.get("message") or f"HTTP {status}: no result")
        raise RetryableError(f"{code}: {message}" if code else message, auth=code in _AUTH_CODES)
