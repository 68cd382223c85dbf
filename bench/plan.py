"""`Project.milestones` with status and risks on a large plan, on SQLite.

    .venv/bin/python -m bench.plan [--requests 400] [--bookings 40] [--tasks 300] [--milestones 8]

Loads the demo studio into a fresh SQLite database and gives one project a plan: `--bookings`
confirmed sessions (each with a crew member and an edit bay after it), `--tasks` tasks over them in
chains of five (INGEST, EDIT, REVIEW, DELIVERY, OTHER; assigned to the demo crew, due after their
session) and `--milestones` milestones sharing the tasks, some due before their tasks so risks are
found. Then asks, over HTTP through the app, for the project's milestones with status and risks
("milestones"), the same with every milestone's tasks ("with tasks", 300 of them), and a baseline
query of the same project's name, interleaved; reports wall p50/p99 and CPU p50 of each and the
number of SQL statements one "with tasks" query costs.
Target: milestones p50 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import event, select

from bench.demo_setup import demo_studio
from db.models import (
    Allocation,
    Booking,
    BookingStatus,
    Milestone,
    Project,
    Resource,
    ResourceKind,
    Task,
    TaskDependency,
    TaskKind,
    TaskStatus,
)
from server.app import create_app
from server.schema.ids import to_global_id
from server.services.uow import Tx, UnitOfWork

MILESTONES = """query($id: ID!) { node(id: $id) { ... on Project {
  milestones { id name status risks tasks { id status } } } } }"""
# What a delivery board shows: each milestone's status and why, without its tasks.
BOARD = """query($id: ID!) { node(id: $id) { ... on Project {
  milestones { id name dueAt status risks } } } }"""
BASELINE = "query($id: ID!) { node(id: $id) { ... on Project { id name } } }"
KINDS = [TaskKind.INGEST, TaskKind.EDIT, TaskKind.REVIEW, TaskKind.DELIVERY, TaskKind.OTHER]
START = datetime(2031, 3, 3, 9, tzinfo=UTC)


async def build_plan(
    uow: UnitOfWork, studio_id: int, project_id: int, *, bookings: int, tasks: int, milestones: int
) -> None:
    """A plan of `bookings` sessions, `tasks` tasks in chains of five and `milestones` milestones."""

    async def work(tx: Tx) -> None:
        s = tx.session
        resources = list((await s.scalars(select(Resource).where(Resource.studio_id == studio_id))).all())
        crew = [r for r in resources if r.kind == ResourceKind.CREW]
        bays = [r for r in resources if r.kind == ResourceKind.ROOM and (r.category or "") == "edit bay"]
        sessions = []
        for n in range(bookings):
            start = START + timedelta(days=n // 4, hours=(n % 4) * 2)
            b = Booking(
                studio_id=studio_id,
                project_id=project_id,
                title=f"Session {n}",
                start_at=start,
                end_at=start + timedelta(hours=2),
                status=BookingStatus.CONFIRMED,
                version=1,
            )
            s.add(b)
            sessions.append(b)
        await s.flush()
        for n, b in enumerate(sessions):
            s.add(
                Allocation(
                    studio_id=studio_id,
                    booking_id=b.id,
                    resource_id=crew[n % len(crew)].id,
                    quantity=1,
                    start_at=b.start_at,
                    end_at=b.end_at,
                    role="editor",
                )
            )
            s.add(
                Allocation(
                    studio_id=studio_id,
                    booking_id=b.id,
                    resource_id=bays[n % len(bays)].id,
                    quantity=1,
                    start_at=b.end_at + timedelta(hours=1),
                    end_at=b.end_at + timedelta(hours=6),
                )
            )
        ms = [
            Milestone(
                studio_id=studio_id,
                project_id=project_id,
                name=f"Episode {n}",
                # Every third milestone comes before some of its tasks are due: risks to find.
                due_at=START + timedelta(days=(bookings // 4) * (n + 1) // milestones + (0 if n % 3 else 1)),
                version=1,
            )
            for n in range(milestones)
        ]
        s.add_all(ms)
        await s.flush()
        made = []
        for n in range(tasks):
            b = sessions[(n // 5) % len(sessions)]
            t = Task(
                studio_id=studio_id,
                project_id=project_id,
                booking_id=b.id,
                milestone_id=ms[(n // 5) % len(ms)].id,
                assignee_id=crew[(n // 5) % len(crew)].id if n % 5 != 2 else None,
                title=f"Task {n}",
                kind=KINDS[n % 5],
                status=TaskStatus.DONE if n % 7 == 0 else TaskStatus.TODO,
                due_at=b.end_at + timedelta(hours=2 * (n % 5)),
                version=1,
            )
            s.add(t)
            made.append(t)
        await s.flush()
        s.add_all(TaskDependency(task_id=made[n].id, depends_on_id=made[n - 1].id) for n in range(tasks) if n % 5 != 0)
        await s.flush()

    await uow.run(work, studio_id=studio_id)


async def timed(client: httpx.AsyncClient, token: str, query: str, variables: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one request; CPU counts every thread of the process (SQLite's too)."""
    start, cpu = time.perf_counter(), time.process_time()
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    assert "errors" not in response.json(), response.text
    return elapsed, used


async def main(requests: int, bookings: int, tasks: int, milestones: int) -> None:
    async with demo_studio() as loaded:
        settings, runtime, studio_id, token = loaded.settings, loaded.runtime, loaded.studio_id, loaded.token

        async def new_project(tx: Tx) -> int:
            p = Project(studio_id=studio_id, name="Plan bench", currency="GBP", version=1)
            tx.session.add(p)
            await tx.session.flush()
            return p.id

        project_id = await runtime.uow.run(new_project, studio_id=studio_id)
        await build_plan(runtime.uow, studio_id, project_id, bookings=bookings, tasks=tasks, milestones=milestones)
        variables = {"id": to_global_id("Project", project_id)}
        app = create_app(settings, runtime)
        statements: list[str] = []

        def count(conn: object, cursor: object, statement: str, *args: object) -> None:
            if not statement.startswith("UPDATE api_tokens"):
                statements.append(statement)

        results: dict[str, list[tuple[float, float]]] = {"milestones": [], "with tasks": [], "baseline": []}
        queries = {"milestones": BOARD, "with tasks": MILESTONES, "baseline": BASELINE}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client:
            for _ in range(20):
                for query in queries.values():
                    await timed(client, token, query, variables)
            engine = runtime.database.read_engine.sync_engine
            event.listen(engine, "before_cursor_execute", count)
            await timed(client, token, MILESTONES, variables)
            event.remove(engine, "before_cursor_execute", count)
            answer = (
                await client.post(
                    "/graphql",
                    json={"query": MILESTONES, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
            ).json()["data"]["node"]["milestones"]
            for _ in range(requests):
                for name, query in queries.items():
                    results[name].append(await timed(client, token, query, variables))
    at_risk = sum(1 for m in answer if m["status"] == "AT_RISK")
    risks = sum(len(m["risks"]) for m in answer)
    print(f"plan: {bookings} bookings, {tasks} tasks, {milestones} milestones ({at_risk} at risk, {risks} risks)")
    print(f"SQL statements per milestones query: {len(statements)}")
    print(f"requests per query: {requests}")
    for name, values in results.items():
        wall = [w for w, _ in values]
        p50 = statistics.median(wall) * 1000
        p99 = statistics.quantiles(wall, n=100)[98] * 1000
        cpu = statistics.median(c for _, c in values) * 1000
        print(f"{name:>10}: p50 {p50:.2f} ms  p99 {p99:.2f} ms  CPU p50 {cpu:.2f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--bookings", type=int, default=40)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--milestones", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.bookings, args.tasks, args.milestones))
