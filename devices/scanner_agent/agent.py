"""The agent: reader bytes -> reads -> debounce -> station -> outbox -> acknowledgement; a sender drains the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Literal, TextIO

import httpx

from .acknowledge import DEFAULT_LATE_AFTER, Acknowledgements
from .barcode import BarcodeDecoder
from .client import CallsheetClient
from .debounce import Debouncer, Presence
from .display import Display, local_refusal_line, mode_line
from .epc import EpcLineDecoder
from .outbox import Outbox
from .reader import Backoff, Connected, Data, Disconnected, Idle, PortFactory, ReaderEvent, SerialReader, open_serial
from .reads import Decoder, Read
from .sender import Sender
from .station import ConditionSet, ItemScan, LocalRefusal, Mode, ModeChanged, Station, StationState
from .uhf import BROADCAST, UhfDecoder

ReaderKind = Literal["barcode", "uhf", "epc-lines"]
READER_KINDS: tuple[ReaderKind, ...] = ("barcode", "uhf", "epc-lines")
DEFAULT_BAUDRATE: dict[str, int] = {"barcode": 9600, "uhf": 57600, "epc-lines": 9600}
PRESENCE_TICK = 0.5  # how often RFID presence is expired while the reader is silent


@dataclass
class AgentConfig:
    """Everything the agent is told at start-up (from CLI flags and environment)."""

    port: str
    reader: ReaderKind = "barcode"
    baudrate: int | None = None
    server: str = "http://127.0.0.1:8000/graphql"
    token: str | None = None
    outbox: str = "callsheet-scanner.db"
    mode: Mode | None = None
    booking_id: str | None = None
    audit_id: str | None = None
    debounce: float = 2.0
    gone_after: float = 3.0
    poll_interval: float = 0.2
    idle_flush: float = 0.3
    address: int = BROADCAST
    retry_initial: float = 0.5
    retry_max: float = 30.0
    reopen_initial: float = 0.5
    reopen_max: float = 10.0
    request_timeout: float = 10.0
    late_after: float = DEFAULT_LATE_AFTER
    state_every: float = 5.0
    bell: bool = False


def make_decoder(kind: str, address: int = BROADCAST) -> Decoder:
    """The decoder for a reader type."""
    if kind == "barcode":
        return BarcodeDecoder()
    if kind == "uhf":
        return UhfDecoder(address)
    if kind == "epc-lines":
        return EpcLineDecoder()
    raise ValueError(f"unknown reader type {kind!r}")


class Agent:
    """One reader, one outbox, one server."""

    def __init__(
        self,
        config: AgentConfig,
        *,
        out: TextIO | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        open_port: PortFactory | None = None,
    ) -> None:
        self.config = config
        self.display = Display(out, bell=config.bell)
        self.decoder = make_decoder(config.reader, config.address)
        self.debouncer = Debouncer(config.debounce)
        self.presence = Presence(config.gone_after)
        baudrate = config.baudrate or DEFAULT_BAUDRATE[config.reader]
        self._open_port = open_port or (lambda: open_serial(config.port, baudrate))
        self._transport = transport
        self.running = False
        self.reader_connected = False
        self.reader_error: str | None = None
        self.scans = 0
        self.station = Station()
        self._stopping: asyncio.Event | None = None
        self._outbox: Outbox | None = None
        self._sender: Sender | None = None
        self._acks: Acknowledgements | None = None
        self._reported_gone = False

    @property
    def started(self) -> bool:
        """True once `run` has opened the outbox and started sending."""
        return self._sender is not None

    @property
    def outbox(self) -> Outbox:
        """The open outbox (while running)."""
        assert self._outbox is not None, "the agent is not running"
        return self._outbox

    @property
    def acks(self) -> Acknowledgements:
        """Saved scans still waiting to be shown (while running)."""
        assert self._acks is not None, "the agent is not running"
        return self._acks

    @property
    def sender(self) -> Sender:
        """The outbox sender (while running)."""
        assert self._sender is not None, "the agent is not running"
        return self._sender

    def stop(self) -> None:
        """Ask `run` to finish (safe to call from a signal handler on the loop)."""
        if self._stopping is not None:
            self._stopping.set()

    async def run(self) -> None:
        """Run until `stop()` or cancellation; the outbox is closed cleanly either way."""
        loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        config = self.config
        self._outbox = Outbox(config.outbox)
        self.running = True
        self.station = Station(self._initial_state())
        client = CallsheetClient(config.server, config.token, transport=self._transport, timeout=config.request_timeout)
        self._acks = Acknowledgements(self.outbox, self.display, config.late_after)
        backoff = Backoff(config.retry_initial, config.retry_max)
        self._sender = Sender(self.outbox, client, self.display, backoff, self._acks)
        events: asyncio.Queue[ReaderEvent] = asyncio.Queue()

        def emit(event: ReaderEvent) -> None:
            loop.call_soon_threadsafe(events.put_nowait, event)

        reader = SerialReader(
            config.port,
            self._open_port,
            emit,
            poll_command=self.decoder.poll_command(),
            poll_interval=config.poll_interval,
            idle_after=config.idle_flush,
            reopen=Backoff(config.reopen_initial, config.reopen_max),
        )
        self.display.show(mode_line(self.station.state))
        depth = self.outbox.depth()
        if depth:
            self.display.show(f"⋯ QUEUE  {depth} scans waiting from before")
        reader.start()
        tasks = [
            asyncio.create_task(self._consume(events), name="consume"),
            asyncio.create_task(self.sender.run(), name="send"),
            asyncio.create_task(self._save_state_periodically(), name="state"),
        ]
        stopping = asyncio.create_task(self._stopping.wait(), name="stopping")
        try:
            done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stopping:
                    task.result()  # a crashed task is a bug: let it show
        finally:
            for task in [stopping, *tasks]:
                task.cancel()
            await asyncio.gather(stopping, *tasks, return_exceptions=True)
            self._acks.cancel()
            await asyncio.to_thread(reader.stop)
            await client.aclose()
            self.running = False
            with contextlib.suppress(sqlite3.Error):
                self._save_state()
            self.outbox.close()

    def stats(self) -> dict[str, Any]:
        """Agent health, for `scanner status`."""
        sender = self._sender
        return {
            "pid": os.getpid(),
            "running": self.running,
            "port": self.config.port,
            "reader": self.config.reader,
            "reader_connected": self.reader_connected,
            "reader_error": self.reader_error,
            "decoder": self.decoder.stats(),
            "debounced": self.debouncer.suppressed,
            "rfid_repeats": self.presence.repeats,
            "scans": self.scans,
            "server_online": sender.online if sender else None,
            "server_error": sender.last_error if sender else None,
            "late_answers": self._acks.late if self._acks else 0,
            "depth": self.outbox.depth(),
            "station": self.station.state.to_dict(),
        }

    def _initial_state(self) -> StationState:
        config = self.config
        if config.mode or config.booking_id or config.audit_id:
            implied = Mode.CHECKOUT if config.booking_id else Mode.AUDIT if config.audit_id else Mode.RETURN
            mode = config.mode or implied
            return StationState(mode, config.booking_id, config.audit_id)
        # Without flags, carry on in the mode the last command card set (the agent may have restarted mid-job).
        saved = self.outbox.get_state("station")
        if saved is not None:
            with contextlib.suppress(ValueError, AttributeError):
                return StationState.from_dict(saved[0])
        return StationState()

    async def _consume(self, events: asyncio.Queue[ReaderEvent]) -> None:
        while True:
            event: ReaderEvent | None = None
            # Not wait_for: on 3.11 it drops a cancellation that lands as an event arrives, and stop() hangs.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PRESENCE_TICK):
                    event = await events.get()
            if isinstance(event, Data):
                self._handle_reads(self.decoder.feed(event.data), event.at)
            elif isinstance(event, Idle):
                # The reader thread saw the wire quiet, after every byte queued before this event.
                self._handle_reads(self.decoder.idle(), event.at)
            elif isinstance(event, Connected):
                self._connected(event)
            elif isinstance(event, Disconnected):
                self._disconnected(event)
            self.presence.expire(time.monotonic())

    def _connected(self, event: Connected) -> None:
        self.decoder.reset()
        self.reader_connected = True
        self.reader_error = None
        self._reported_gone = False
        self.display.show(f"✔ READER READY  {event.port}")

    def _disconnected(self, event: Disconnected) -> None:
        self.reader_connected = False
        self.reader_error = event.reason
        # Report the loss once, not on every reopen attempt.
        if not self._reported_gone:
            self._reported_gone = True
            depth = self.outbox.depth()
            self.display.show(
                f"⚠ READER GONE  {event.port}: {event.reason}; retrying ({depth} waiting to send)", alert=True
            )

    def _handle_reads(self, reads: list[Read], now: float) -> None:
        for read in reads:
            self._handle_read(read, now)

    def _handle_read(self, read: Read, now: float) -> None:
        if read.source == "rfid":
            if not self.presence.seen(read.code, now):
                return
        elif not self.debouncer.accept(read.code, now):
            return
        event = self.station.handle(read)
        if isinstance(event, ModeChanged):
            # Items already scanned count again in the new mode; the card itself stays debounced.
            self.debouncer.reset()
            self.presence.reset()
            if read.source == "rfid":
                self.presence.seen(read.code, now)
            else:
                self.debouncer.accept(read.code, now)
            with contextlib.suppress(sqlite3.Error):
                self.outbox.set_state("station", event.state.to_dict())
            self.display.show(mode_line(event.state))
        elif isinstance(event, ConditionSet):
            # The card goes with the label scanned next even if it was just read (else the card would
            # wait for a later item); RFID presence stays, or every tag on the desk would arrive again.
            if read.source != "rfid":
                self.debouncer.reset()
                self.debouncer.accept(read.code, now)
            with contextlib.suppress(sqlite3.Error):
                self.outbox.set_state("station", event.state.to_dict())
            self.display.show(mode_line(event.state))
        elif isinstance(event, LocalRefusal):
            self.display.show(local_refusal_line(read.code, event.reason), alert=True)
        elif isinstance(event, ItemScan):
            self._save_scan(event)

    def _save_scan(self, scan: ItemScan) -> None:
        state, read = scan.state, scan.read
        after = state.after_scan()
        try:
            entry = self.outbox.add(
                state.mode.value,
                read.code,
                source=read.source,
                raw=read.raw,
                booking_id=state.booking_id if state.mode is Mode.CHECKOUT else None,
                audit_id=state.audit_id if state.mode is Mode.AUDIT else None,
                condition=scan.condition.value if scan.condition else None,
                # A condition card is used up in the scan's own transaction: a restart neither loses nor reapplies it.
                state=("station", after.to_dict()) if after != state else None,
            )
        except sqlite3.Error as exc:
            # Not saved means not acknowledged, and a condition card stays for the scan again.
            self.display.show(f"✖ NOT SAVED  {read.code}: outbox error ({exc}); scan again", alert=True)
            return
        self.station.state = after
        self.scans += 1
        depth = self.outbox.depth()
        # While the server answers promptly its outcome line is the acknowledgement; when it is down,
        # busy with earlier scans, or late to answer this one, the saved line is.
        if self.sender.online is not True or depth > 1:
            self.acks.saved(entry, depth)
        else:
            self.acks.expect(entry, depth)
        self.sender.wake()

    def _save_state(self) -> None:
        self.outbox.set_state("agent", self.stats())

    async def _save_state_periodically(self) -> None:
        while True:
            with contextlib.suppress(sqlite3.Error):
                self._save_state()
            await asyncio.sleep(self.config.state_every)
