"""The Starlette application: GraphQL over HTTP and websockets at /graphql, and /healthz."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from db.repositories import health
from server.api import build_schema
from server.background.live import LiveViews
from server.background.mail import Mailer
from server.background.sweeper import Sweeper
from server.background.webhooks import Dispatching
from server.calendar_routes import calendar_routes
from server.config import Settings
from server.display.routes import routes as display_routes
from server.http import BodySizeLimit, CallsheetGraphQL, RuntimeRef
from server.invoice_routes import invoice_routes
from server.observe import Observed, metrics_routes
from server.review_routes import review_routes
from server.runtime import Runtime
from server.telemetry import logs, metrics
from server.websocket import Connections, RawSend

log = logging.getLogger(__name__)


def create_app(settings: Settings, runtime: Runtime | None = None) -> Starlette:
    """Build the app; it opens its own runtime in the lifespan unless one is given (tests share one)."""
    schema = build_schema(settings.limits, production=settings.production, metrics=settings.metrics)
    ref = RuntimeRef(runtime)
    graphql = CallsheetGraphQL(ref, settings, schema)

    async def healthz(request: Request) -> JSONResponse:
        rt = ref.runtime
        database_ok = True
        try:
            async with rt.uow.read() as session:
                await health.ping(session)
        except Exception:
            log.exception("health check: database unreachable")
            database_ok = False
        bus_ok = await rt.bus.healthy()
        body = {
            "status": "ok" if database_ok and bus_ok else "degraded",
            "database": {"ok": database_ok, "dialect": rt.database.dialect},
            "bus": {"ok": bus_ok, "kind": rt.bus.name},
        }
        sweeper = getattr(request.app.state, "sweeper", None)
        if sweeper is not None:
            body["sweeper"] = {"leader": sweeper.leader}
        return JSONResponse(body, status_code=200 if database_ok and bus_ok else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        own = runtime is None
        rt = runtime if runtime is not None else await Runtime.open(settings)
        ref.set(rt)
        app.state.runtime = rt
        # The app that opened the runtime is a real server and stands for sweeper (tests share one
        # runtime between apps and drive the sweeper themselves).
        sweeper = Sweeper.for_runtime(rt) if own else None
        # A real server keeps the collector's full passes away from its thousands of sockets.
        connections = Connections.of_loop() if own else None
        if connections is not None:
            connections.hold()
        dispatcher = None
        mailer = None
        if sweeper is not None:
            app.state.sweeper = sweeper
            sweeper.start()
            # Notification e-mail is sent by the sweeper's leader only (when CALLSHEET_SMTP_URL is set).
            leader = sweeper
            mailer = Mailer(rt, is_leader=lambda: leader.leader)
            mailer.start()
        if own and settings.webhook_dispatcher != "off":
            # `off`: `callsheet serve` sends webhooks from a process of its own (or one runs elsewhere).
            dispatcher = Dispatching(rt)
            dispatcher.start()
        try:
            yield
        finally:
            if mailer is not None:
                await mailer.stop()
            if dispatcher is not None:
                await dispatcher.stop()
            if sweeper is not None:
                await sweeper.stop()
            await LiveViews.of(rt.uow).close()
            if connections is not None:
                connections.release_heap()
            if own:
                await rt.close()
                metrics.forget_worker(settings.metrics_dir)

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            *invoice_routes(ref, settings),
            *calendar_routes(ref, settings),
            *metrics_routes(ref, settings),
            *display_routes(ref),
            *review_routes(ref),
        ],
        middleware=[
            Middleware(RawSend),
            Middleware(Observed, enabled=settings.metrics),
            Middleware(BodySizeLimit, max_bytes=settings.limits.max_body_bytes),
        ],
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """App factory for multi-worker serving: each worker reads the settings and sets up its logs itself."""
    settings = Settings.from_env()
    logs.configure(settings.log_format)
    return create_app(settings)
