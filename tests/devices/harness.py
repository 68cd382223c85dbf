"""Helpers shared by the agent's tests: test-speed configuration and the agent's printed lines."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from devices.scanner_agent.agent import Agent, AgentConfig

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

RunAgent = Callable[..., AbstractAsyncContextManager[Agent]]


def fast_config(tmp_path: Path, **overrides: Any) -> AgentConfig:
    """An agent configuration with test-speed timings and an outbox in `tmp_path`."""
    values: dict[str, Any] = {"port": "loop://", "outbox": str(tmp_path / "outbox.db"), **FAST, **overrides}
    return AgentConfig(**values)


def output(agent: Agent) -> list[str]:
    """The lines the agent printed."""
    out = agent.display.out
    assert isinstance(out, io.StringIO)
    return out.getvalue().splitlines()


class TimedScreen(io.StringIO):
    """The agent's screen, noting when each line was printed."""

    def __init__(self) -> None:
        super().__init__()
        self.printed: list[tuple[float, str]] = []

    def write(self, text: str) -> int:
        at = time.monotonic()
        self.printed.extend((at, line) for line in text.splitlines())
        return super().write(text)

    def lines(self) -> list[str]:
        """Every line printed so far."""
        return [line for _, line in self.printed]

    def when(self, line: str) -> float:
        """When `line` was first printed (monotonic clock)."""
        return next(at for at, printed in self.printed if printed == line)
