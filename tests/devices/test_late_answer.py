"""A server that accepts the connection and then says nothing: the cage screen still answers every scan at once."""

from __future__ import annotations

import time

import serial

from devices.scanner_agent.agent import AgentConfig
from devices.scanner_agent.outbox import PENDING

from .fakes import FakeCage, wait_until
from .harness import RunAgent, TimedScreen
from .stalling import StallingServer

LATE_AFTER = AgentConfig.late_after


def scan(port: serial.SerialBase, *codes: str) -> None:
    port.write(b"".join(code.encode() + b"\r\n" for code in codes))


async def test_a_scan_the_hung_server_does_not_answer_shows_saved_within_a_second_then_its_late_outcome(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    screen = TimedScreen()
    async with (
        StallingServer(cage) as server,
        run_agent(open_port=lambda: loop_port, out=screen, http=True, server=server.url) as agent,
    ):
        scan(loop_port, "MIC-0001")
        await wait_until(lambda: agent.sender.sent == 1, what="a prompt answer")

        server.freeze()
        scanned = time.monotonic()
        scan(loop_port, "MIC-0002")
        saved = "⋯ IN   MIC-0002  saved, 1 waiting for the server"
        await wait_until(lambda: saved in screen.lines(), within=1.0, what="the late scan shown as saved")
        assert LATE_AFTER <= screen.when(saved) - scanned < 1.0
        assert server.held == 1
        assert [entry.code for entry in agent.outbox.entries(PENDING)] == ["MIC-0002"]

        # The agent goes on while the request hangs: another scan, and a line too long to be a code.
        loop_port.write(b"X" * 300 + b"\r\n")
        scanned = time.monotonic()
        scan(loop_port, "MIC-0003")
        also_saved = "⋯ IN   MIC-0003  saved, 2 waiting for the server"
        await wait_until(lambda: also_saved in screen.lines(), within=1.0, what="the next scan shown as saved")
        assert screen.when(also_saved) - scanned < 1.0
        assert agent.decoder.stats()["overlong_lines"] == 1
        assert server.held == 1
        assert [entry.code for entry in agent.outbox.entries(PENDING)] == ["MIC-0002", "MIC-0003"]

        server.thaw()
        await wait_until(lambda: agent.outbox.depth() == 0, what="the outbox to drain")
        keys = [entry.key for entry in agent.outbox.entries()]
    assert screen.lines() == [
        "▶ MODE RETURN",
        "✔ READER READY  loop://",
        "⋯ IN   MIC-0001  saved, 1 waiting for the server",
        "✔ IN   Item MIC-0001 (MIC-0001)",
        saved,
        also_saved,
        "✔ IN   Item MIC-0002 (MIC-0002)",
        "✔ IN   Item MIC-0003 (MIC-0003)",
    ]
    assert server.received == keys
    assert cage.applied_order == keys
    assert cage.applied_codes() == ["MIC-0001", "MIC-0002", "MIC-0003"]
