"""A reader on a pseudo-terminal, so the whole path runs without hardware.

The agent opens the slave side like a real port. The simulator notices when the agent has the port
open (on Linux, reading the master fails with EIO while no slave is open) and holds barcode lines
until then, because pyserial flushes a port's input when it opens it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pty
import select
import threading
import time
import tty
from collections import deque
from pathlib import Path
from typing import Literal

from .epc import epc_hex
from .uhf import BROADCAST, CMD_INVENTORY, FrameParser, encode_inventory_answers

SimulatorKind = Literal["barcode", "uhf", "epc-lines"]
SETTLE = 0.2  # seconds between the agent opening the port and the first line written


class Simulator:
    """Plays one reader on a pty: a barcode scanner, a line-per-EPC reader, or a UHFReader18 answering inventories."""

    def __init__(
        self,
        kind: SimulatorKind = "barcode",
        *,
        aim: str = "",
        hold: int = 10,
        address: int = 0x00,
        link: str | Path | None = None,
    ) -> None:
        self.kind = kind
        self.aim = aim
        self.hold = hold
        self.address = address
        self.link = Path(link) if link else None
        self.path = ""
        self.inventories = 0
        self.lines_sent = 0
        self._master = -1
        self._lock = threading.Lock()
        self._lines: deque[bytes] = deque()
        self._tags: dict[bytes, int] = {}
        self._commands = FrameParser(frozenset({CMD_INVENTORY}), accept=lambda frame: frame.data == b"")
        self._connected_at: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def open(self) -> str:
        """Create the pty (and the symlink, if asked); return the path the agent should open."""
        master, slave = pty.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        # The slave is closed here so that the master reports EIO until the agent opens it.
        os.close(slave)
        os.set_blocking(master, False)
        self._master = master
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.symlink(self.path, tmp)
            os.replace(tmp, self.link)
        return str(self.link or self.path)

    def start(self) -> str:
        """Open and serve in a background thread."""
        path = self.open()
        self._thread = threading.Thread(target=self.serve, name="simulator", daemon=True)
        self._thread.start()
        return path

    def close(self) -> None:
        """Unplug: stop serving, close the master (the agent's reads fail) and remove the symlink."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2.0)
        if self._master >= 0:
            os.close(self._master)
            self._master = -1
        if self.link is not None and os.path.islink(self.link) and os.readlink(self.link) == self.path:
            self.link.unlink()

    @property
    def connected(self) -> bool:
        """True while the agent has the port open."""
        return self._connected_at is not None

    def send_line(self, text: str) -> None:
        """Queue one scan (`aim` prefix added, CR LF appended); written once the agent has the port open."""
        with self._lock:
            self._lines.append((self.aim + text).encode() + b"\r\n")

    def place(self, tag: str, hold: int | None = None) -> None:
        """Put a tag (hex EPC or GIAI/GRAI URI) in the field for the next `hold` inventories."""
        epc = bytes.fromhex(epc_hex(tag))
        with self._lock:
            self._tags[epc] = hold if hold is not None else self.hold

    def handle(self, line: str) -> None:
        """One scripted or typed line: a code to scan (barcode, epc-lines) or a tag to place (uhf)."""
        line = line.strip()
        if not line or line.startswith("#"):
            return
        if self.kind == "uhf":
            tag, _, count = line.partition(" ")
            self.place(tag, int(count) if count.strip() else None)
        elif self.kind == "epc-lines":
            self.send_line(epc_hex(line))
        else:
            self.send_line(line.replace("<GS>", "\x1d"))

    def pending_lines(self) -> int:
        """Lines not yet written to the agent."""
        with self._lock:
            return len(self._lines)

    def serve(self) -> None:
        """Serve until `close()`."""
        while not self._stop.is_set():
            self.step(0.02)

    def step(self, timeout: float) -> None:
        """Read what the agent sent, answer inventories, write queued lines."""
        if self._master < 0:
            return
        data = self._read_master()
        if self._connected_at is None:
            self._stop.wait(timeout)
            return
        if data:
            for frame in self._commands.feed(data):
                if frame.adr in (BROADCAST, self.address):
                    self._answer_inventory()
        if time.monotonic() - self._connected_at >= SETTLE:
            self._write_lines()
        with contextlib.suppress(OSError, ValueError):
            select.select([self._master], [], [], timeout)

    def _read_master(self) -> bytes:
        try:
            data = os.read(self._master, 4096)
        except BlockingIOError:
            data = b""
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            self._connected_at = None  # no slave open: the agent is not connected
            return b""
        if self._connected_at is None:
            self._connected_at = time.monotonic()
        return data

    def _answer_inventory(self) -> None:
        with self._lock:
            epcs = list(self._tags)
            for epc in epcs:
                self._tags[epc] -= 1
                if self._tags[epc] <= 0:
                    del self._tags[epc]
        self.inventories += 1
        for frame in encode_inventory_answers(epcs, self.address):
            self._write(frame)

    def _write_lines(self) -> None:
        while True:
            with self._lock:
                if not self._lines:
                    return
                line = self._lines.popleft()
            self._write(line)
            self.lines_sent += 1

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._master, view)
            except BlockingIOError:
                select.select([], [self._master], [], 0.05)
                continue
            view = view[written:]
