"""The process-wide live views: restarted after an unexpected failure."""

from __future__ import annotations

import pytest

from server.background import live


async def test_a_failing_live_view_is_restarted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "RETRY_DELAY", 0.01)
    runs: list[int] = []

    async def flaky() -> None:
        runs.append(1)
        if len(runs) < 3:
            raise RuntimeError("boom")

    await live.supervised(flaky)
    assert len(runs) == 3
