"""What the operators see: `/metrics` and one access-log line per HTTP request.

`Observed` wraps the whole app: it gives every request its id (`X-Request-Id`, the client's own if it
sends a plain one), counts and times it by route, and logs it with the method, the path (secrets
redacted, no query string), the status, the duration and, for GraphQL, the operation, its outcome
and the principal. Websockets are counted while open.

`/metrics` answers an ADMIN bearer token or `CALLSHEET_METRICS_TOKEN`; 401 without either, 403 for
other roles.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db.models import Role
from server.config import Settings
from server.http import RuntimeRef, unauthenticated
from server.schema.error_log import OPERATION, OUTCOME, REQUEST_ID
from server.services.auth import authenticate, parse_bearer
from server.telemetry import metrics
from server.telemetry.logs import redact

access = logging.getLogger("callsheet.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
ROUTES = ("/graphql", "/healthz", "/metrics", "/calendar", "/invoices", "/display", "/review")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(path: str) -> str:
    """The route label of a path: one of ROUTES, or "other" (never the path itself)."""
    for route in ROUTES:
        if path == route or path.startswith(route + "/"):
            return route
    return "other"


def request_id_of(scope: Scope) -> str:
    given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
    return given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)


class Observed:
    """ASGI middleware: request ids, HTTP metrics and the access log (see the module docstring)."""

    def __init__(self, app: ASGIApp, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope.setdefault("state", {}).setdefault(REQUEST_ID, request_id_of(scope))
            if not self.enabled:
                await self.app(scope, receive, send)
                return
            metrics.WEBSOCKETS.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                metrics.WEBSOCKETS.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        rid = state.setdefault(REQUEST_ID, request_id_of(scope))
        started = metrics.clock()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            elapsed = metrics.clock() - started
            route = route_of(scope["path"])
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            if self.enabled:
                metrics.record_http(route, method, status, elapsed)
            if access.isEnabledFor(logging.INFO):
                _log(scope, state, rid, method, status, elapsed)


def _log(scope: Scope, state: dict[str, Any], rid: str, method: str, status: int, elapsed: float) -> None:
    principal = state.get("principal")
    path = redact(scope["path"])
    access.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "request_id": rid,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 2),
            "operation": state.get(OPERATION),
            "outcome": state.get(OUTCOME) or ("success" if status < 400 else f"HTTP_{status}"),
            "principal_id": getattr(principal, "token_id", None),
            "role": principal.role.value if principal is not None else None,
        },
    )


def metrics_routes(ref: RuntimeRef, settings: Settings) -> list[Route]:
    """`/metrics`, bound to the app's runtime."""

    async def scrape(request: Request) -> Response:
        if not settings.metrics:
            return Response("Metrics are off.\n", status_code=404, media_type="text/plain")
        token = parse_bearer(request.headers.get("authorization"))
        if token is None:
            return unauthenticated()
        if settings.metrics_token is None or not hmac.compare_digest(token, settings.metrics_token):
            principal = await authenticate(ref.runtime.uow, settings.secret, token, ref.runtime.tokens)
            if principal is None:
                return unauthenticated()
            request.scope["state"]["principal"] = principal
            if principal.role != Role.ADMIN:
                return Response("Only administrators may read metrics.\n", status_code=403, media_type="text/plain")
        # Read at the scrape: the dispatcher may run in another process.
        metrics.WEBHOOK_BACKLOG.set(await ref.runtime.webhooks.backlog())
        body = metrics.exposition(settings.metrics_dir)
        return Response(body, media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})

    return [Route("/metrics", scrape, methods=["GET"])]
