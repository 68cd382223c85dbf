"""Fixtures for the scanner agent's tests: a fake cage, a loop:// port and a running agent."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import serial

from devices.scanner_agent.agent import Agent

from .fakes import FakeCage, wait_until
from .harness import RunAgent, fast_config


@pytest.fixture
def cage() -> FakeCage:
    return FakeCage()


@pytest.fixture
def loop_port() -> serial.SerialBase:
    """A pyserial loopback port: what the test writes, the agent reads."""
    return serial.serial_for_url("loop://", timeout=0.05)


@pytest.fixture
def run_agent(tmp_path: Path, cage: FakeCage) -> RunAgent:
    """`async with run_agent(port=..., **config) as agent:` runs an agent until the block ends.

    With `http=True` the agent talks to `server` over real HTTP instead of the in-process fake cage.
    """

    @asynccontextmanager
    async def run(
        open_port: Callable[[], serial.SerialBase] | None = None,
        wait_for_reader: bool = True,
        out: io.StringIO | None = None,
        http: bool = False,
        **overrides: Any,
    ) -> AsyncIterator[Agent]:
        agent = Agent(
            fast_config(tmp_path, **overrides),
            out=out if out is not None else io.StringIO(),
            transport=None if http else cage.transport(),
            open_port=open_port,
        )
        task = asyncio.create_task(agent.run())
        try:
            await wait_until(lambda: agent.started or task.done(), what="agent start")
            if wait_for_reader:
                await wait_until(lambda: agent.reader_connected or task.done(), what="reader")
            yield agent
        finally:
            agent.stop()
            await task

    return run
