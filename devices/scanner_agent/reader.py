"""The serial side: one thread owns the port, reads it, polls the reader, and reopens it when it vanishes.

pyserial is blocking, so a thread with a short read timeout is the simple, portable choice; the
thread only moves bytes and reports connection changes and quiet spells, all decoding happens on
the event loop.

Quiet time is measured here, where the bytes come off the wire, and reported as an `Idle` event
in the same queue as the data: however late the event loop gets to the queue, an idle flush can
only follow the bytes that came before it, never split a line whose rest is already read.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

PortFactory = Callable[[], serial.SerialBase]


@dataclass(frozen=True)
class Connected:
    """The port is open."""

    port: str


@dataclass(frozen=True)
class Disconnected:
    """The port could not be opened or stopped working; the reader will try again."""

    port: str
    reason: str
    retry_in: float


@dataclass(frozen=True)
class Data:
    """Bytes read from the port, with the monotonic time they arrived."""

    data: bytes
    at: float


@dataclass(frozen=True)
class Idle:
    """Nothing arrived for the idle time since the last byte (at monotonic time `at`): flush a pending line."""

    at: float


ReaderEvent = Connected | Disconnected | Data | Idle
Clock = Callable[[], float]


class Backoff:
    """Exponential backoff with jitter: each delay is drawn between half and all of the current step."""

    def __init__(self, initial: float, maximum: float, factor: float = 2.0, rng: random.Random | None = None):
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._rng = rng or random.Random()
        self._step = initial

    def next(self) -> float:
        """The next delay; the step grows up to `maximum`."""
        step = self._step
        self._step = min(self.maximum, self._step * self.factor)
        return step / 2 + self._rng.uniform(0, step / 2)

    def reset(self) -> None:
        """Back to the first step after a success."""
        self._step = self.initial


def open_serial(url: str, baudrate: int, timeout: float = 0.05) -> serial.SerialBase:
    """Open a device path or pyserial URL (`loop://`, `socket://`, `rfc2217://`) for reading."""
    return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout)


class SerialReader:
    """Runs the port in a thread and reports `ReaderEvent`s through `emit` (which must be thread-safe)."""

    def __init__(
        self,
        name: str,
        open_port: PortFactory,
        emit: Callable[[ReaderEvent], None],
        *,
        poll_command: bytes | None = None,
        poll_interval: float = 0.2,
        read_timeout: float = 0.05,
        idle_after: float | None = None,
        reopen: Backoff | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.name = name
        self._open_port = open_port
        self._emit = emit
        self._poll_command = poll_command
        self._poll_interval = poll_interval
        # A read must time out well within the idle time, or the flush would come late.
        self._read_timeout = read_timeout if idle_after is None else min(read_timeout, idle_after / 2)
        self._idle_after = idle_after
        self._clock = clock
        self._reopen = reopen or Backoff(0.5, 10.0)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the reading thread."""
        self._thread = threading.Thread(target=self._run, name=f"reader {self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to finish and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                port = self._open_port()
            except (serial.SerialException, OSError, ValueError) as exc:
                self._lost(exc)
                continue
            try:
                port.timeout = self._read_timeout
                self._reopen.reset()
                self._emit(Connected(self.name))
                self._pump(port)
            except (serial.SerialException, OSError, ValueError, TypeError) as exc:
                # pyserial raises TypeError from a port closed under it during a read.
                self._lost(exc)
            except RuntimeError:
                return  # the event loop is gone: nobody is listening any more
            finally:
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()

    def _pump(self, port: serial.SerialBase) -> None:
        next_poll = 0.0
        last_byte: float | None = None  # since the last Idle, or since the port opened
        while not self._stop.is_set():
            if self._poll_command is not None and self._clock() >= next_poll:
                port.write(self._poll_command)
                next_poll = self._clock() + self._poll_interval
            data = port.read(port.in_waiting or 1)
            now = self._clock()
            if data:
                last_byte = now
                self._emit(Data(bytes(data), now))
            elif (
                last_byte is not None
                and self._idle_after is not None
                and now - last_byte >= self._idle_after
                and not port.in_waiting
            ):
                last_byte = None
                self._emit(Idle(now))

    def _lost(self, exc: BaseException) -> None:
        delay = self._reopen.next()
        try:
            self._emit(Disconnected(self.name, str(exc) or type(exc).__name__, delay))
        except RuntimeError:
            self._stop.set()
            return
        self._stop.wait(delay)
