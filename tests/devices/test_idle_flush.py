"""The idle flush: a line without terminator ends when the wire has been quiet, never while its rest is queued."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import serial

from devices.scanner_agent.agent import Agent
from devices.scanner_agent.reader import Connected, Data, Disconnected, Idle, ReaderEvent, SerialReader
from devices.scanner_agent.reads import Read

from .fakes import wait_until, wait_until_sync
from .harness import fast_config


class ScriptedPort:
    """A port whose reads return scripted chunks, each after moving a fake clock on; then it is unplugged."""

    def __init__(self, clock: list[float], steps: list[tuple[float, bytes]]) -> None:
        self.clock = clock
        self.steps = list(steps)
        self.timeout: float | None = None

    @property
    def in_waiting(self) -> int:
        return 0

    def read(self, size: int = 1) -> bytes:
        if not self.steps:
            raise serial.SerialException("unplugged")
        at, data = self.steps.pop(0)
        self.clock[0] = at
        return data

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


def read_events(steps: list[tuple[float, bytes]], idle_after: float) -> list[ReaderEvent]:
    """What the reader thread reports for a scripted port, on a fake clock."""
    clock = [0.0]
    events: list[ReaderEvent] = []
    ports = iter([ScriptedPort(clock, steps)])

    def open_port() -> ScriptedPort:
        return next(ports)

    reader = SerialReader("scripted", open_port, events.append, idle_after=idle_after, clock=lambda: clock[0])  # type: ignore[arg-type]
    reader.start()
    try:
        wait_until_sync(lambda: any(isinstance(event, Disconnected) for event in events), what="the script to end")
    finally:
        reader.stop()
    return events[: next(i for i, event in enumerate(events) if isinstance(event, Disconnected))]


async def consume(tmp_path: Path, events: list[ReaderEvent], idle_flush: float = 0.02) -> list[str]:
    """The codes the agent decodes from reader events that were all queued before it got to them."""
    agent = Agent(fast_config(tmp_path, idle_flush=idle_flush), out=io.StringIO())
    codes: list[str] = []

    def handle_reads(reads: list[Read], now: float) -> None:
        codes.extend(read.code for read in reads)

    agent._handle_reads = handle_reads  # type: ignore[method-assign]
    queue: asyncio.Queue[ReaderEvent] = asyncio.Queue()
    for event in events:
        queue.put_nowait(event)
    task = asyncio.create_task(agent._consume(queue))
    try:
        await wait_until(queue.empty, what="the queue to be consumed")
        # Longer than the idle time: a flush that was going to happen has happened.
        await asyncio.sleep(idle_flush * 5)
    finally:
        task.cancel()
    return codes


async def test_a_line_whose_rest_is_already_queued_is_not_split_however_late_the_loop_is(tmp_path: Path) -> None:
    # Read off the wire a millisecond apart, a second before the busy event loop got to them.
    then = time.monotonic() - 1.0
    queued: list[ReaderEvent] = [Data(b"B", then), Data(b"ENCH-0192\r", then + 0.001)]
    assert await consume(tmp_path, queued) == ["BENCH-0192"]


def test_quiet_time_is_measured_from_the_last_byte_and_reported_after_it() -> None:
    steps = [
        (10.0, b"B"),
        (10.5, b"ENCH-0192\r"),  # the rest of the line, half the idle time later: no flush between
        (11.5, b""),
        (12.5, b""),  # two seconds since the last byte: quiet
        (13.0, b""),  # still quiet, but reported once
        (13.5, b"MIC-"),
        (15.0, b"0004"),  # a slow scanner: 1.5 s between bytes is not quiet yet
        (16.0, b""),
        (17.0, b""),
    ]
    assert read_events(steps, idle_after=2.0) == [
        Connected("scripted"),
        Data(b"B", 10.0),
        Data(b"ENCH-0192\r", 10.5),
        Idle(12.5),
        Data(b"MIC-", 13.5),
        Data(b"0004", 15.0),
        Idle(17.0),
    ]


async def test_an_idle_event_completes_a_line_without_terminator_in_order(tmp_path: Path) -> None:
    events: list[ReaderEvent] = [
        Connected("scripted"),
        Data(b"B", 10.0),
        Data(b"ENCH-0192", 10.5),
        Idle(12.5),
        Data(b"MIC-", 13.5),
        Data(b"0004", 15.0),
        Idle(17.0),
    ]
    assert await consume(tmp_path, events) == ["BENCH-0192", "MIC-0004"]


def test_the_read_timeout_is_short_enough_for_the_idle_time() -> None:
    reader = SerialReader("x", lambda: serial.serial_for_url("loop://"), lambda event: None, idle_after=0.02)
    assert reader._read_timeout == 0.01
    assert SerialReader("x", lambda: serial.serial_for_url("loop://"), lambda event: None)._read_timeout == 0.05
