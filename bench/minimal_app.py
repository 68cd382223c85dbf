"""The baseline of `bench.contention`: a booking that is one INSERT, behind the server's own layers.

    python -m bench.minimal_app --host 127.0.0.1 --port 8001   (CALLSHEET_* settings as for serve)

Served like `callsheet serve` (uvicorn with `serve_options`, the app's middleware, the runtime,
`CallsheetGraphQL` with its token authentication and the production schema's extensions and
execution context), but the schema has one mutation, `createBooking`, taking the product's
`CreateBookingInput`: it inserts one claim per resource with `INSERT ... ON CONFLICT DO NOTHING
RETURNING` into `bench_claims` (an exclusion constraint like the occupancy ledger's) and answers
BookingCreated, or ConflictError when any claim was refused (the transaction is then rolled back).
The table belongs to the benchmark database only (`create_table`); the product schema has none of this.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import strawberry
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from server.api import build_schema
from server.cli import serve_options
from server.config import Settings
from server.http import BodySizeLimit, CallsheetGraphQL, RuntimeRef
from server.observe import Observed
from server.runtime import Runtime
from server.schema.execution import CallsheetExecution, CallsheetSchema
from server.schema.ids import decode_id, to_global_id
from server.schema.scheduling.inputs import CreateBookingInput

TABLE = """CREATE TABLE IF NOT EXISTS bench_claims (
    id serial PRIMARY KEY,
    studio_id integer NOT NULL,
    resource_id integer NOT NULL,
    period tstzrange NOT NULL,
    EXCLUDE USING gist (period WITH &&, resource_id WITH =))"""

INSERT = text(
    """INSERT INTO bench_claims (studio_id, resource_id, period)
    SELECT :studio_id, r, tstzrange(:start_at, :end_at, '[)') FROM unnest(CAST(:resource_ids AS integer[])) AS r
    ON CONFLICT DO NOTHING RETURNING id"""
)


async def create_table(dsn: str) -> None:
    """The baseline's claims table, in the benchmark's database."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        await conn.execute(TABLE)
    finally:
        await conn.close()


@strawberry.interface
class UserError:
    code: str


@strawberry.type
class ConflictError(UserError):
    pass


@strawberry.type
class MinimalBooking:
    id: strawberry.ID


@strawberry.type
class BookingCreated:
    booking: MinimalBooking


class _Refused(Exception):
    pass


@strawberry.type
class Query:
    @strawberry.field
    def ok(self) -> bool:
        return True


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_booking(self, info: strawberry.Info, input: CreateBookingInput) -> BookingCreated | ConflictError:
        principal = info.context.require_principal()
        wanted = [decode_id(a.resource_id, "Resource") for a in input.allocations if a.resource_id is not None]
        params = {
            "studio_id": principal.studio_id,
            "start_at": input.start,
            "end_at": input.end,
            "resource_ids": wanted,
        }
        try:
            async with info.context.runtime.database.writer() as session, session.begin():
                ids = (await session.execute(INSERT, params)).scalars().all()
                if len(ids) != len(wanted):
                    raise _Refused
        except _Refused:
            return ConflictError(code="CONFLICT")
        return BookingCreated(booking=MinimalBooking(id=strawberry.ID(to_global_id("Booking", ids[0]))))


def baseline_schema(settings: Settings, mutation: type) -> CallsheetSchema:
    """A schema with the product's extensions, guards and execution context around `mutation`."""
    product = build_schema(settings.limits, production=settings.production, metrics=settings.metrics)
    return CallsheetSchema(
        query=Query,
        mutation=mutation,
        types=[ConflictError],
        extensions=product.given_extensions,
        guards=product.guards,
        config=product.config,
        execution_context_class=CallsheetExecution,
    )


def create_app(settings: Settings) -> Starlette:
    """The baseline app: the server's middleware and GraphQL view around the one-statement schema."""
    schema = baseline_schema(settings, Mutation)
    ref = RuntimeRef(None)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = await Runtime.open(settings)
        ref.set(runtime)
        try:
            yield
        finally:
            await runtime.close()

    graphql = CallsheetGraphQL(ref, settings, schema)
    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/healthz", _healthz)],
        middleware=[
            Middleware(Observed, enabled=settings.metrics),
            Middleware(BodySizeLimit, max_bytes=settings.limits.max_body_bytes),
        ],
        lifespan=lifespan,
    )


async def _healthz(request: object) -> object:
    from starlette.responses import JSONResponse

    return JSONResponse({"status": "ok"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    settings = Settings.from_env()
    uvicorn.run(create_app(settings), host=args.host, port=args.port, **serve_options(settings))


if __name__ == "__main__":
    main()
