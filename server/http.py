"""The GraphQL endpoint: authentication, the websocket handshake and the request guards.

Every answer of the endpoint is GraphQL JSON: a request the server cannot read (not UTF-8, not
JSON, not an object, nested too deep, a batch) is a 400 with `{"errors": [...]}`, never a plain-text
page or a 500. Answers are `application/json` unless the client prefers
`application/graphql-response+json` (GraphQL over HTTP); then a request refused before execution
(parse, validation, variables) is a 400 without `data`. Each request carries an `X-Request-Id`,
echoed in the response and named in the log.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.base import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from server import json_body
from server.config import Settings
from server.runtime import Runtime
from server.schema.context import Context
from server.schema.error_log import REQUEST_ID
from server.schema.requests import is_request_error
from server.services.auth import authenticate, parse_bearer
from server.websocket import CallsheetTransportWS

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def response_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the client prefers it, else `application/json`."""
    quality = {GRAPHQL_RESPONSE: 0.0, JSON: 0.0}
    for part in (accept or JSON).split(","):
        media, *params = (p.strip().lower() for p in part.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media in quality:
            quality[media] = max(quality[media], q)
        elif media in ("*/*", "application/*"):
            quality[JSON] = max(quality[JSON], q)
    return GRAPHQL_RESPONSE if 0 < quality[GRAPHQL_RESPONSE] >= quality[JSON] else JSON


def refused(status: int, message: str, media_type: str = JSON, request_id: str | None = None) -> Response:
    """A request the endpoint cannot take, as a GraphQL error body."""
    body = {"errors": [{"message": message, "extensions": {"code": _HTTP_CODES.get(status, "BAD_REQUEST")}}]}
    headers = {"X-Request-Id": request_id} if request_id else None
    return Response(json.dumps(body), status_code=status, media_type=media_type, headers=headers)


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
        if scope["type"] not in ("http", "websocket"):
            await super().__call__(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = state.get(REQUEST_ID)
        if request_id is None:
            given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
            request_id = state[REQUEST_ID] = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
        if scope["type"] == "websocket":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if _is_operation(request):
            token = parse_bearer(request.headers.get("authorization"))
            principal = await authenticate(self.runtime.uow, self.settings.secret, token, self.runtime.tokens)
            if principal is None:
                await unauthenticated()(scope, receive, send)
                return
            scope["state"]["principal"] = principal
        try:
            response = await self.run(request)
        except HTTPException as exc:
            media_type = response_media_type(request.headers.get("accept"))
            response = refused(exc.status_code, exc.reason, media_type, request_id)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """Bodies and the `variables`/`extensions` parameters of a GET: JSON objects, read strictly."""
        try:
            value = json_body.decode(data)
        except json_body.UnreadableJson as exc:
            raise HTTPException(400, str(exc)) from None
        if not isinstance(value, dict | list):  # a list is a batch, refused by Strawberry as such
            raise HTTPException(400, f"Expected a JSON object, found {json_body.describe(value)}.")
        return value

    def decode_json(self, data: str | bytes) -> object:
        """Websocket messages: the same strict reading; Strawberry closes the socket on a JSONDecodeError."""
        try:
            return json_body.decode(data)
        except json_body.UnreadableJson as exc:
            raise json.JSONDecodeError(str(exc), "", 0) from None

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        sub_response.headers["X-Request-Id"] = request.scope["state"][REQUEST_ID]
        request.scope["state"]["sub_response"] = sub_response
        return sub_response

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        sub_response: Response = request.scope["state"]["sub_response"]
        if sub_response.media_type == GRAPHQL_RESPONSE and is_request_error(result):
            # GraphQL over HTTP: a request error has no `data` entry and a 4xx status.
            processed.pop("data", None)
            sub_response.status_code = 400
        return processed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = GRAPHQL_RESPONSE
        return response

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        principal = request.scope.get("state", {}).get("principal")
        return Context(
            runtime=self.runtime, principal=principal, config=self.settings, request=request, response=response
        )

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization")
        token = parse_bearer(raw) if isinstance(raw, str) else None
        principal = await authenticate(self.runtime.uow, self.settings.secret, token, self.runtime.tokens)
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
