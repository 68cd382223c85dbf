"""The GraphQL endpoint: authentication, the websocket handshake and the request-size guard."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from server.config import Settings
from server.runtime import Runtime
from server.schema.context import Context
from server.services.auth import authenticate, parse_bearer
from server.websocket import CallsheetTransportWS


def unauthenticated() -> Response:
    body = {"errors": [{"message": "Authentication required.", "extensions": {"code": "UNAUTHENTICATED"}}]}
    return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer realm="callsheet"'})


class RuntimeRef:
    """Where the app's runtime will be once the lifespan has opened it."""

    def __init__(self, runtime: Runtime | None = None) -> None:
        self._runtime = runtime

    def set(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the app's lifespan has not started")
        return self._runtime


class CallsheetGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view with Callsheet's principal in the context."""

    graphql_transport_ws_handler_class = CallsheetTransportWS

    def __init__(self, ref: RuntimeRef, settings: Settings, schema: BaseSchema) -> None:
        super().__init__(
            schema,
            graphql_ide=None if settings.production else "graphiql",
            allow_queries_via_get=True,  # GET runs queries only; Strawberry refuses mutations over GET
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.limits.max_subscriptions,
            allowed_origins=settings.allowed_origins,
            keep_alive=True,
            keep_alive_interval=15,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.ref = ref
        self.settings = settings

    @property
    def runtime(self) -> Runtime:
        return self.ref.runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if _is_operation(request):
                token = parse_bearer(request.headers.get("authorization"))
                principal = await authenticate(self.runtime.uow, self.settings.secret, token)
                if principal is None:
                    await unauthenticated()(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
        await super().__call__(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        principal = request.scope.get("state", {}).get("principal")
        return Context(
            runtime=self.runtime, principal=principal, config=self.settings, request=request, response=response
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        token = parse_bearer(raw) if isinstance(raw, str) else None
        principal = await authenticate(self.runtime.uow, self.settings.secret, token)
        if principal is None:
            raise ConnectionRejectionError()
        context.principal = principal
        return None


def _is_operation(request: Request) -> bool:
    """POSTs and GETs carrying a query are operations; a bare GET is the IDE page."""
    return request.method == "POST" or (request.method == "GET" and "query" in request.query_params)


class BodySizeLimit:
    """Refuse request bodies above the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = json.dumps({"errors": [{"message": "Request body too large.", "extensions": {"code": "TOO_LARGE"}}]})
        await Response(body, status_code=413, media_type="application/json")(scope, receive, send)


class _TooLarge(Exception):
    pass
