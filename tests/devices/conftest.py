"""Fixtures for the scanner agent's tests: fast timings, a fake cage, a loop:// port and a running agent."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import serial

from devices.scanner_agent.agent import Agent, AgentConfig

from .fakes import FakeCage, wait_until

FAST = {
    "server": "http://cage.test/graphql",
    "token": "scanner-token",
    "debounce": 0.5,
    "gone_after": 0.3,
    "poll_interval": 0.05,
    "idle_flush": 0.05,
    "retry_initial": 0.01,
    "retry_max": 0.05,
    "reopen_initial": 0.02,
    "reopen_max": 0.1,
    "state_every": 0.1,
}


def fast_config(tmp_path: Path, **overrides: Any) -> AgentConfig:
    """An agent configuration with test-speed timings and an outbox in `tmp_path`."""
    values: dict[str, Any] = {"port": "loop://", "outbox": str(tmp_path / "outbox.db"), **FAST, **overrides}
    return AgentConfig(**values)


@pytest.fixture
def cage() -> FakeCage:
    return FakeCage()


@pytest.fixture
def loop_port() -> serial.SerialBase:
    """A pyserial loopback port: what the test writes, the agent reads."""
    return serial.serial_for_url("loop://", timeout=0.05)


RunAgent = Callable[..., AbstractAsyncContextManager[Agent]]


@pytest.fixture
def run_agent(tmp_path: Path, cage: FakeCage) -> RunAgent:
    """`async with run_agent(port=..., **config) as agent:` runs an agent until the block ends."""

    @asynccontextmanager
    async def run(
        open_port: Callable[[], serial.SerialBase] | None = None, wait_for_reader: bool = True, **overrides: Any
    ) -> AsyncIterator[Agent]:
        agent = Agent(
            fast_config(tmp_path, **overrides), out=io.StringIO(), transport=cage.transport(), open_port=open_port
        )
        task = asyncio.create_task(agent.run())
        try:
            await wait_until(lambda: agent._sender is not None or task.done(), what="agent start")
            if wait_for_reader:
                await wait_until(lambda: agent.reader_connected or task.done(), what="reader")
            yield agent
        finally:
            agent.stop()
            await task

    return run


def output(agent: Agent) -> list[str]:
    """The lines the agent printed."""
    out = agent.display.out
    assert isinstance(out, io.StringIO)
    return out.getvalue().splitlines()
