"""A server that accepts the connection and then says nothing: the cage screen still answers every scan at once."""

from __future__ import annotations

import asyncio
import time

import serial
from serial.urlhandler.protocol_loop import Serial as LoopSerial

from devices.scanner_agent.agent import AgentConfig
from devices.scanner_agent.outbox import PENDING
from devices.scanner_agent.station import Mode
from devices.scanner_agent.uhf import encode_inventory_answer

from .fakes import FakeCage, wait_until
from .harness import RunAgent, TimedScreen, output
from .stalling import StallingServer

LATE_AFTER = AgentConfig.late_after
GIAI_EPC = bytes.fromhex("3414F4E4E4000000000181CD")
EPC_313 = bytes.fromhex("000000000000000000000313")


class AnswersOnly(LoopSerial):
    """A loop:// RFID reader that hears none of the agent's polls: only the frames a test injects are read."""

    def write(self, data: bytes) -> int:  # type: ignore[override]
        return len(data)

    def inject(self, data: bytes) -> None:
        super().write(data)


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


async def test_a_late_answer_that_never_comes_ends_in_the_read_timeout_and_the_queue_drains_when_the_server_does(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    screen = TimedScreen()
    async with (
        StallingServer(cage) as server,
        run_agent(open_port=lambda: loop_port, out=screen, http=True, server=server.url, request_timeout=1.5) as agent,
    ):
        scan(loop_port, "MIC-0001")
        await wait_until(lambda: agent.sender.sent == 1, what="a prompt answer")
        server.freeze()
        scanned = time.monotonic()
        scan(loop_port, "MIC-0002")
        saved = "⋯ IN   MIC-0002  saved, 1 waiting for the server"
        await wait_until(lambda: saved in screen.lines(), within=1.0, what="the late scan shown as saved")
        await wait_until(lambda: agent.sender.online is False, within=3.0, what="the read timeout")
        (unreachable,) = [line for line in screen.lines() if line.startswith("⚠")]
        assert screen.when(unreachable) - scanned >= 1.5
        scan(loop_port, "MIC-0003")
        also_saved = "⋯ IN   MIC-0003  saved, 2 waiting for the server"
        await wait_until(lambda: also_saved in screen.lines(), within=1.0, what="the next scan shown as saved")
        server.thaw()
        await wait_until(lambda: agent.outbox.depth() == 0, what="the outbox to drain")
        keys = [entry.key for entry in agent.outbox.entries()]
    assert screen.lines() == [
        "▶ MODE RETURN",
        "✔ READER READY  loop://",
        "⋯ IN   MIC-0001  saved, 1 waiting for the server",
        "✔ IN   Item MIC-0001 (MIC-0001)",
        saved,
        "⚠ SERVER UNREACHABLE  ReadTimeout; 1 waiting, retrying",
        also_saved,
        "✔ SERVER BACK  2 waiting",
        "✔ IN   Item MIC-0002 (MIC-0002)",
        "✔ IN   Item MIC-0003 (MIC-0003)",
    ]
    # The request that timed out is applied too when the server wakes up; its key makes it the same check-in.
    assert server.received.count(keys[1]) >= 2
    assert cage.applied_order == keys
    assert cage.applied_codes() == ["MIC-0001", "MIC-0002", "MIC-0003"]


async def test_a_hung_server_restarted_drops_the_request_and_the_retry_applies_the_scan_once(
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
        scan(loop_port, "MIC-0002")
        await wait_until(lambda: agent.acks.late == 1, within=1.0, what="the late scan shown as saved")
        server.thaw(answer=False)
        await wait_until(lambda: agent.outbox.depth() == 0, what="the outbox to drain")
        keys = [entry.key for entry in agent.outbox.entries()]
    assert screen.lines() == [
        "▶ MODE RETURN",
        "✔ READER READY  loop://",
        "⋯ IN   MIC-0001  saved, 1 waiting for the server",
        "✔ IN   Item MIC-0001 (MIC-0001)",
        "⋯ IN   MIC-0002  saved, 1 waiting for the server",
        "⚠ SERVER UNREACHABLE  RemoteProtocolError: Server disconnected without sending a response.; "
        "1 waiting, retrying",
        "✔ SERVER BACK  1 waiting",
        "✔ IN   Item MIC-0002 (MIC-0002)",
    ]
    assert server.received == [keys[0], keys[1], keys[1]]
    assert cage.keys() == [keys[0], keys[1]]
    assert cage.applied_codes() == ["MIC-0001", "MIC-0002"]


async def test_a_prompt_answer_is_the_only_line_a_scan_gets(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    cage.refuse("MIC-0009", "not checked out")
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "MIC-0001")
        await wait_until(lambda: agent.sender.sent == 1, what="the first answer")
        scan(loop_port, "MIC-0002")
        await wait_until(lambda: agent.sender.sent == 2, what="a prompt answer")
        scan(loop_port, "MIC-0009")
        await wait_until(lambda: agent.sender.rejected == 1, what="a prompt refusal")
        await asyncio.sleep(LATE_AFTER * 2)
        assert (agent.acks.waiting(), agent.acks.late) == (0, 0)
    assert output(agent)[2:] == [
        "⋯ IN   MIC-0001  saved, 1 waiting for the server",
        "✔ IN   Item MIC-0001 (MIC-0001)",
        "✔ IN   Item MIC-0002 (MIC-0002)",
        "✖ REFUSED  MIC-0009: not checked out",
    ]


async def test_a_prompt_failure_shows_the_scan_saved_at_once_then_the_failure(
    run_agent: RunAgent, cage: FakeCage, loop_port: serial.SerialBase
) -> None:
    async with run_agent(open_port=lambda: loop_port) as agent:
        scan(loop_port, "MIC-0001")
        await wait_until(lambda: agent.sender.sent == 1, what="the first answer")
        cage.status = 503
        scan(loop_port, "MIC-0002")
        await wait_until(lambda: agent.sender.online is False, what="the failure")
        assert (agent.acks.waiting(), agent.acks.late) == (0, 0)
        cage.status = None
        await wait_until(lambda: agent.outbox.depth() == 0, what="the retry")
    assert output(agent)[4:] == [
        "⋯ IN   MIC-0002  saved, 1 waiting for the server",
        "⚠ SERVER UNREACHABLE  HTTP 503; 1 waiting, retrying",
        "✔ SERVER BACK  1 waiting",
        "✔ IN   Item MIC-0002 (MIC-0002)",
    ]


async def test_rfid_garbage_while_the_server_hangs_is_dropped_and_counted_and_the_next_tag_shows_saved(
    run_agent: RunAgent, cage: FakeCage
) -> None:
    port = AnswersOnly("loop://", timeout=0.05)
    screen = TimedScreen()
    async with (
        StallingServer(cage) as server,
        run_agent(
            open_port=lambda: port, out=screen, http=True, server=server.url, reader="uhf", mode=Mode.CHECKOUT
        ) as agent,
    ):
        port.inject(encode_inventory_answer([GIAI_EPC]))
        await wait_until(lambda: agent.sender.sent == 1, what="a prompt answer")
        server.freeze()
        corrupted = bytearray(encode_inventory_answer([GIAI_EPC]))
        corrupted[7] ^= 0x01
        scanned = time.monotonic()
        port.inject(b"\x13\x00noise" + bytes(corrupted) + encode_inventory_answer([EPC_313]))
        saved = "⋯ OUT  000000000000000000000313  saved, 1 waiting for the server"
        await wait_until(lambda: saved in screen.lines(), within=1.0, what="the tag shown as saved")
        assert screen.when(saved) - scanned < 1.0
        assert (agent.decoder.stats()["frames"], agent.decoder.stats()["bad_frames"]) == (2, 1)
        server.thaw()
        await wait_until(lambda: agent.outbox.depth() == 0, what="the outbox to drain")
    assert screen.lines()[3:] == [
        "✔ OUT  Item urn:epc:id:giai:4012345.98765 (urn:epc:id:giai:4012345.98765) due 14:00",
        saved,
        "✔ OUT  Item 000000000000000000000313 (000000000000000000000313) due 14:00",
    ]
    assert cage.applied_codes() == ["urn:epc:id:giai:4012345.98765", "000000000000000000000313"]
