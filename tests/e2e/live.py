"""The whole cage path as a person runs it: the CLI, `callsheet serve` (uvicorn) on a free port, the scanner
agent as its own process, and a simulated reader on a pseudo-terminal.

The database is a fresh SQLite file, or a scratch PostgreSQL database when the suite runs on
PostgreSQL (`CALLSHEET_TEST_DATABASE_URL`); Redis is used when `CALLSHEET_TEST_REDIS_URL` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
from sqlalchemy.engine import URL, make_url

from tests.conftest import TEST_SECRET

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
STUDIO = "Riverside Studios"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], T], *, timeout: float = 20.0, every: float = 0.1, what: str = "condition") -> T:
    """Poll until `check()` returns something truthy."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@contextlib.contextmanager
def scratch_database(tmp: Path) -> Iterator[str]:
    """A fresh database URL of the backend under test, removed afterwards."""
    raw = os.environ.get("CALLSHEET_TEST_DATABASE_URL")
    if not raw or not raw.startswith("postgres"):
        yield f"sqlite:///{tmp / 'callsheet.db'}"
        return
    name = f"callsheet_e2e_{uuid.uuid4().hex[:10]}"
    url = make_url(raw).set(drivername="postgresql")
    _admin_sql(url, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_sql(url: URL, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, password=url.password, database="postgres"
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@dataclass
class Deployment:
    """A configured Callsheet: environment, the server process, and an admin's GraphQL access."""

    tmp: Path
    database_url: str
    port: int = field(default_factory=free_port)
    server: subprocess.Popen[bytes] | None = None
    admin_token: str = ""

    @property
    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "CALLSHEET_DATABASE_URL": self.database_url,
            "CALLSHEET_SECRET": TEST_SECRET,
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CALLSHEET_REDIS_URL", None)
        if os.environ.get("CALLSHEET_TEST_REDIS_URL"):
            env["CALLSHEET_REDIS_URL"] = os.environ["CALLSHEET_TEST_REDIS_URL"]
        return env

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def cli(self, *args: str) -> str:
        """Run `callsheet ...`; its standard output."""
        done = subprocess.run(
            [sys.executable, "-m", "server.cli", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def token(self, role: str, *extra: str) -> str:
        """`callsheet token create`: the token is alone on the last line."""
        return self.cli("token", "create", "--role", role, "--studio", STUDIO, *extra).strip().splitlines()[-1]

    def setup(self) -> None:
        self.cli("migrate")
        self.cli("studio", "create", STUDIO, "--timezone", "Europe/London", "--currency", "GBP", "--location", "Cage")
        self.admin_token = self.token("ADMIN", "--name", "Ada Admin")

    def start(self) -> None:
        log = (self.tmp / "server.log").open("ab")
        self.server = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._healthy, timeout=30, what="the server to answer /healthz")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(5)
        self.server = None

    def _healthy(self) -> bool:
        if self.server is not None and self.server.poll() is not None:
            raise AssertionError("the server exited:\n" + (self.tmp / "server.log").read_text())
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        response = httpx.post(
            self.url,
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token or self.admin_token}"},
            timeout=10,
        )
        body = response.json()
        assert "errors" not in body, body
        return dict(body["data"])


@dataclass
class AgentProcess:
    """`python -m devices.scanner_agent scanner run` against a port, with test-speed timings."""

    tmp: Path
    port: str
    server: str
    token: str
    process: subprocess.Popen[bytes] | None = None

    @property
    def outbox(self) -> Path:
        return self.tmp / "outbox.db"

    @property
    def log(self) -> Path:
        return self.tmp / "agent.log"

    def start(self) -> None:
        args = [
            sys.executable,
            "-m",
            "devices.scanner_agent",
            "scanner",
            "run",
            "--port",
            self.port,
            "--reader",
            "barcode",
            "--server",
            self.server,
            "--token",
            self.token,
            "--outbox",
            str(self.outbox),
            "--debounce",
            "0.3",
            "--idle-flush",
            "0.05",
            "--retry-initial",
            "0.05",
            "--retry-max",
            "0.3",
            "--reopen-max",
            "0.5",
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def states(self) -> dict[str, int]:
        """Scans per outbox state (read from the agent's SQLite outbox)."""
        if not self.outbox.exists():
            return {}
        with contextlib.closing(sqlite3.connect(self.outbox, timeout=5)) as db:
            try:
                return dict(db.execute("SELECT state, COUNT(*) FROM scans GROUP BY state").fetchall())
            except sqlite3.OperationalError:
                return {}

    def scans(self) -> list[dict[str, Any]]:
        with contextlib.closing(sqlite3.connect(self.outbox, timeout=5)) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT key, op, code, state, result FROM scans ORDER BY id")]

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def result_of(scan: dict[str, Any]) -> dict[str, Any]:
    return json.loads(scan["result"]) if scan.get("result") else {}
