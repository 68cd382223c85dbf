"""Shared setup of the allocation benchmarks: a fresh database, a studio with a token, bulk rows,
and a real server process (`callsheet serve`) to talk to over HTTP on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import asyncpg
import httpx

from db.migrate import upgrade
from db.models import Role
from server.config import Settings
from server.runtime import Runtime
from server.services import auth, projects, studios
from server.services.principal import Principal

SECRET = "bench-secret-" + "x" * 32
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")


def raw_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fresh_pg(name: str) -> str:
    """Drop and create a PostgreSQL database; returns its SQLAlchemy URL (migrated)."""
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = pg_url(name)
    await asyncio.to_thread(upgrade, url)
    return url


async def studio_with_token(url: str, role: Role = Role.COORDINATOR) -> tuple[int, int, str]:
    """(studio id, project id, token) in a new studio of the database."""
    runtime = await Runtime.open(Settings(database_url=url, secret=SECRET))
    try:

        async def work(tx):  # type: ignore[no-untyped-def]
            studio, _ = await studios.ensure_studio(tx, "Bench studio", "Europe/London", "GBP")
            tx.studio_id = studio.id
            await studios.ensure_location(tx, studio.id, "Main floor")
            admin = Principal(token_id=None, studio_id=studio.id, role=Role.ADMIN, name="bench")
            project = await projects.create_project(tx, admin, "Bench project", None, Decimal("1000000"), None)
            minted = await auth.create_token(tx, SECRET, studio_id=studio.id, role=role, name="bench client")
            return studio.id, project.id, minted.token

        return await runtime.uow.run(work, studio_id=None)
    finally:
        await runtime.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(
    url: str,
    pids: list[int] | None = None,
    extra_env: dict[str, str] | None = None,
    *,
    module: str = "server.cli",
    args: tuple[str, ...] = ("serve",),
) -> Iterator[str]:
    """`callsheet serve` (one worker unless `args` say otherwise; or another server `module`) on a
    free loopback port; yields its base URL (and appends the process id to `pids`, for CPU accounting).
    CALLSHEET_REDIS_URL is taken from `extra_env` only."""
    port = free_port()
    env = {**os.environ, "CALLSHEET_DATABASE_URL": url, "CALLSHEET_SECRET": SECRET, "CALLSHEET_MODE": "production"}
    env.pop("CALLSHEET_REDIS_URL", None)
    env.update(extra_env or {})
    # The log goes to a file: a pipe nobody reads fills up (the access log writes a line per
    # request) and then blocks the server mid-request.
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args, "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        if pids is not None:
            pids.append(proc.pid)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                log.seek(0)
                raise RuntimeError("server did not start: " + log.read(2000).decode())
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """`cpu_seconds` of a process and all its descendants alive now (uvicorn's workers)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += cpu_seconds(p)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


async def backend_pids(dsn: str, database: str) -> list[int]:
    """PostgreSQL backends connected to one database (a server's pool), for CPU accounting."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database
        )
        return [int(r["pid"]) for r in rows]
    finally:
        await conn.close()


def summary(times: list[float]) -> tuple[float, float]:
    """(p50, p99) in milliseconds."""
    return statistics.median(times) * 1000, statistics.quantiles(times, n=100)[98] * 1000


async def overlapping_pairs(dsn: str) -> int:
    """Active claims on one resource whose windows overlap, by a SQL self-join (must be 0)."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(
            await conn.fetchval(
                """SELECT count(*) FROM occupancies a JOIN occupancies b
                   ON a.resource_id = b.resource_id AND a.id < b.id
                   WHERE a.active AND b.active AND a.start_at < b.end_at AND b.start_at < a.end_at"""
            )
        )
    finally:
        await conn.close()
