"""A component's one background task: started once, stopped by cancelling it and waiting for its end."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any


class OwnTask:
    """Holds at most one running task; `stop` cancels it and waits, swallowing how it ended (a
    component being stopped has nothing left to report)."""

    __slots__ = ("_task",)

    def __init__(self) -> None:
        self._task: asyncio.Task[Any] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self, run: Callable[[], Awaitable[Any]], name: str) -> None:
        """Start `run()` unless a task is already held."""
        if self._task is None:
            self._task = asyncio.create_task(_awaited(run), name=name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _awaited(run: Callable[[], Awaitable[Any]]) -> Any:
    return await run()
