"""CPU of the HTTP and GraphQL layers alone: a createBooking answered without the database.

    .venv/bin/python -m bench.layers [--requests 6000]

The one-statement baseline's app (`bench.minimal_app`: the server's middleware, token
authentication, `CallsheetGraphQL` and the production schema's extensions and execution context),
but its createBooking answers BookingCreated at once. Requests are the contention benchmark's
mutation with two allocations, called straight on the ASGI app (no client, no socket), so the CPU
of this process is the layers' own: Starlette, the view, parsing the body, Strawberry and
graphql-core, the extensions, the metrics and (with `--logs json`) the access log. Token
authentication is answered by the token cache after the first request. Prints the median and the
lowest of twenty rounds' CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from bench.contention import MUTATION
from bench.demo_setup import demo_studio
from bench.minimal_app import BookingCreated, ConflictError, MinimalBooking, baseline_schema
from server.config import Settings
from server.http import BodySizeLimit, CallsheetGraphQL, RuntimeRef
from server.observe import Observed
from server.runtime import Runtime
from server.schema.scheduling.inputs import CreateBookingInput

ROUNDS = 20


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_booking(self, info: strawberry.Info, input: CreateBookingInput) -> BookingCreated | ConflictError:
        info.context.require_principal()
        return BookingCreated(booking=MinimalBooking(id=strawberry.ID("Qm9va2luZzox")))


def create_app(settings: Settings, runtime: Runtime) -> Starlette:
    schema = baseline_schema(settings, Mutation)
    return Starlette(
        routes=[Route("/graphql", CallsheetGraphQL(RuntimeRef(runtime), settings, schema), methods=["POST"])],
        middleware=[
            Middleware(Observed, enabled=settings.metrics),
            Middleware(BodySizeLimit, max_bytes=settings.limits.max_body_bytes),
        ],
    )


async def main(n: int) -> None:
    async with demo_studio(mode="production") as loaded:
        settings, runtime, token = loaded.settings, loaded.runtime, loaded.token
        app = create_app(settings, runtime)
        allocations = [{"resourceId": "UmVzb3VyY2U6MQ=="}, {"resourceId": "UmVzb3VyY2U6Mg=="}]
        variables = {
            "i": {
                "projectId": "UHJvamVjdDox",
                "title": "Contended",
                "start": "2026-01-05T10:00:00+00:00",
                "end": "2026-01-05T12:00:00+00:00",
                "status": "CONFIRMED",
                "allocations": allocations,
            }
        }
        body = json.dumps({"query": MUTATION, "variables": variables}).encode()
        headers = [
            (b"host", b"bench"),
            (b"accept", b"*/*"),
            (b"authorization", b"Bearer " + token.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ]
        answers: list[bytes] = []

        async def one() -> None:
            scope: dict[str, Any] = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": "/graphql",
                "raw_path": b"/graphql",
                "query_string": b"",
                "root_path": "",
                "headers": list(headers),
                "client": ("127.0.0.1", 50000),
                "server": ("bench", 80),
            }
            sent = False

            async def receive() -> dict[str, Any]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await asyncio.Event().wait()
                raise AssertionError("unreachable")

            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.body":
                    answers.append(message["body"])

            await app(scope, receive, send)

        for _ in range(200):  # warm: the token cache, the parser and validation caches
            await one()
        assert b'"BookingCreated"' in answers[-1], answers[-1]
        per_round = max(1, n // ROUNDS)
        cpu = []
        for _ in range(ROUNDS):
            started = time.process_time()
            for _ in range(per_round):
                await one()
            cpu.append((time.process_time() - started) / per_round * 1e6)
    print(f"layers CPU per createBooking: median {statistics.median(cpu):.0f} us, lowest round {min(cpu):.0f} us")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--logs", choices=("json", "text"), default=None, help="with the access log configured")
    args = parser.parse_args()
    if args.logs is not None:
        from server.telemetry import logs

        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the lines are formatted and written, then dropped
        logs.configure(args.logs)
    asyncio.run(main(args.requests))
