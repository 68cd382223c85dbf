"""The composition root wires the budget guard into every way a booking can be made.

Each entry point books the same session on a project whose approved budget it would exceed, and
each is refused with nothing written: over HTTP, as a mutation over the websocket, and in a fresh
process that builds the runtime as the CLI and the demo loader do and imports nothing else.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from typing import Any

from sqlalchemy import func, select

from db.models import Booking, Project, Resource, Role
from tests.alloc_support import CREATE, at, booking_input, build
from tests.conftest import StudioFixture
from tests.money_support import price_catalogue, set_budget
from tests.realtime.support import WsClient


async def _over_budget(studio: StudioFixture) -> dict[str, Any]:
    """A catalogue priced, a budget of 10.00 and a two-hour Studio A session (170.00) to book."""
    cat = await build(studio)
    await price_catalogue(cat)
    await set_budget(cat, "10.00")
    return booking_input(cat, at(1, 10), at(1, 12), [{"resourceId": cat.gid("Studio A")}], title="Over budget")


async def _bookings(studio: StudioFixture) -> int:
    async with studio.runtime.uow.read() as session:
        return int(await session.scalar(select(func.count()).where(Booking.studio_id == studio.id)) or 0)


async def test_http_refuses_a_booking_over_budget(studio: StudioFixture) -> None:
    request = await _over_budget(studio)
    body = await studio.gql(CREATE, {"input": request}, role=Role.COORDINATOR)
    assert body["data"]["createBooking"]["__typename"] == "BudgetExceededError", body
    assert body["data"]["createBooking"]["code"] == "BUDGET_EXCEEDED"
    assert await _bookings(studio) == 0


async def test_a_mutation_over_the_websocket_refuses_a_booking_over_budget(
    studio: StudioFixture, live_server: str
) -> None:
    request = await _over_budget(studio)
    async with WsClient.connect(live_server, token=studio.tokens[Role.COORDINATOR]) as ws:
        await ws.subscribe("book", CREATE, {"input": request})
        data = await ws.next("book")
    assert data["createBooking"]["__typename"] == "BudgetExceededError", data
    assert await _bookings(studio) == 0


# A process of its own: only the runtime is imported, exactly as `callsheet serve`, the demo loader
# and the CLI build it, so the guard cannot be there because a test happened to import money.
FRESH_PROCESS = textwrap.dedent(
    """
    import asyncio, json, sys
    from datetime import datetime

    from db.models import Role
    from server.config import Limits, Settings
    from server.runtime import Runtime
    from server.services.allocation.commands import AllocationRequest, CreateBooking
    from server.services.errors import BudgetExceeded
    from server.services.principal import Principal

    async def main(args):
        settings = Settings(database_url=args["url"], redis_url=None, secret="x" * 40, limits=Limits())
        runtime = await Runtime.open(settings)
        try:
            principal = Principal(token_id=None, studio_id=args["studio"], role=Role.COORDINATOR, name="cli")
            cmd = CreateBooking(
                project_id=args["project"],
                title="Over budget",
                start=datetime.fromisoformat(args["start"]),
                end=datetime.fromisoformat(args["end"]),
                allocations=(AllocationRequest(resource_id=args["room"]),),
            )
            try:
                await runtime.allocation.create_booking(principal, cmd)
                outcome = "booked"
            except BudgetExceeded as exc:
                outcome = exc.code
            print(json.dumps({"outcome": outcome, "guard": type(runtime.budget).__name__}))
        finally:
            await runtime.close()

    asyncio.run(main(json.loads(sys.argv[1])))
    """
)


async def test_a_process_that_builds_the_runtime_refuses_a_booking_over_budget(studio: StudioFixture) -> None:
    await _over_budget(studio)
    cat = await _ids(studio)
    args = {
        "url": studio.runtime.settings.database_url,
        "studio": studio.id,
        "project": cat["project"],
        "room": cat["room"],
        "start": at(2, 10).isoformat(),
        "end": at(2, 12).isoformat(),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        FRESH_PROCESS,
        json.dumps(args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("CALLSHEET_")},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    result = json.loads(out.decode().strip().splitlines()[-1])
    assert result["outcome"] == "BUDGET_EXCEEDED", result
    assert result["guard"] == "BudgetGuard"
    assert await _bookings(studio) == 0


async def _ids(studio: StudioFixture) -> dict[str, int]:
    """The ids of the project with the budget and of Studio A (built by `_over_budget`)."""
    async with studio.runtime.uow.read() as session:
        project = await session.scalar(
            select(Project.id).where(Project.studio_id == studio.id, Project.name == "Founders Unfiltered")
        )
        room = await session.scalar(
            select(Resource.id).where(Resource.studio_id == studio.id, Resource.name == "Studio A")
        )
    assert project is not None and room is not None
    return {"project": project, "room": room}
