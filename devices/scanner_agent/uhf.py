"""UHFReader18-style RFID frames (`Len Adr Cmd Data CRC16`) and an incremental parser that resynchronises.

`Len` counts the bytes after itself, CRC included, so a frame is `Len + 1` bytes and at most 256.
An answer's Data starts with a status byte; the inventory answer then lists `Num (EPCLen EPC)*`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .crc import append_crc, crc16_mcrf4xx
from .epc import normalise_epc
from .reads import Read, Source

BROADCAST = 0xFF
CMD_INVENTORY = 0x01
MIN_LEN = 4  # Adr Cmd CRC-lo CRC-hi
MAX_FRAME = 256
STATUS_DONE = 0x01
STATUS_MORE = 0x03  # more answer frames follow for this inventory
STATUS_WITH_TAGS = frozenset({0x01, 0x02, 0x03, 0x04})
STATUS_NO_TAG = 0xFB
MAX_TAGS_PER_FRAME = 18  # 18 96-bit tags fill a frame without passing Len 255


@dataclass(frozen=True)
class Frame:
    """One frame with a valid CRC; `data` is what lies between Cmd and the CRC."""

    adr: int
    cmd: int
    data: bytes


@dataclass(frozen=True)
class InventoryAnswer:
    """The reader's answer to an inventory: a status and the EPCs it saw."""

    adr: int
    status: int
    epcs: tuple[bytes, ...]


def encode_frame(adr: int, cmd: int, data: bytes = b"") -> bytes:
    """`Len Adr Cmd Data CRC` with the CRC low byte first."""
    length = len(data) + MIN_LEN
    if length >= MAX_FRAME:
        raise ValueError(f"frame data too long ({len(data)} bytes)")
    return append_crc(bytes([length, adr, cmd]) + data)


def inventory_command(adr: int = BROADCAST) -> bytes:
    """The inventory command; `04 FF 01 1B B4` for the broadcast address."""
    return encode_frame(adr, CMD_INVENTORY)


def encode_inventory_answer(epcs: Iterable[bytes], adr: int = 0x00, status: int = STATUS_DONE) -> bytes:
    """One inventory answer frame listing `epcs` (status 0xFB when there are none)."""
    tags = list(epcs)
    if not tags:
        return encode_frame(adr, CMD_INVENTORY, bytes([STATUS_NO_TAG]))
    body = bytearray([status, len(tags)])
    for epc in tags:
        body += bytes([len(epc)]) + epc
    return encode_frame(adr, CMD_INVENTORY, bytes(body))


def encode_inventory_answers(epcs: Iterable[bytes], adr: int = 0x00) -> list[bytes]:
    """The frames a reader sends for one inventory: full frames say 'more follows', the last 'done'."""
    tags = list(epcs)
    if not tags:
        return [encode_inventory_answer([], adr)]
    chunks = [tags[i : i + MAX_TAGS_PER_FRAME] for i in range(0, len(tags), MAX_TAGS_PER_FRAME)]
    return [
        encode_inventory_answer(chunk, adr, STATUS_DONE if i == len(chunks) - 1 else STATUS_MORE)
        for i, chunk in enumerate(chunks)
    ]


def parse_inventory_answer(frame: Frame) -> InventoryAnswer | None:
    """The tag list of an inventory answer, or None when the frame is not a well-formed one."""
    data = frame.data
    if frame.cmd != CMD_INVENTORY or not data:
        return None
    status = data[0]
    if status == STATUS_NO_TAG:
        return InventoryAnswer(frame.adr, status, ()) if len(data) == 1 else None
    if status not in STATUS_WITH_TAGS or len(data) < 2:
        return None
    count, pos, epcs = data[1], 2, []
    for _ in range(count):
        if pos >= len(data):
            return None
        size = data[pos]
        epc = data[pos + 1 : pos + 1 + size]
        if size == 0 or len(epc) != size:
            return None
        epcs.append(bytes(epc))
        pos += 1 + size
    if pos != len(data):
        return None
    return InventoryAnswer(frame.adr, status, tuple(epcs))


class FrameParser:
    """Feed bytes, get frames; garbage, bad CRCs and split frames are survived, the buffer stays < 256 bytes.

    `commands` (when given) is a cheap first filter on the Cmd byte and `accept` a structural check
    after the CRC: together they keep a random run of garbage from passing for a frame.
    """

    def __init__(
        self,
        commands: frozenset[int] | None = None,
        accept: Callable[[Frame], bool] | None = None,
    ) -> None:
        self._buf = bytearray()
        self._commands = commands
        self._accept = accept
        self._in_sync = True
        self._searched = 0  # candidates ending within this many bytes were already rejected
        self.frames = 0
        self.bad_frames = 0
        self.dropped_bytes = 0

    def feed(self, data: bytes) -> list[Frame]:
        """Consume bytes; return the complete valid frames, in order."""
        self._buf += data
        out: list[Frame] = []
        buf = self._buf
        while buf:
            length = buf[0]
            if length < MIN_LEN:
                self._drop(1)
                continue
            if len(buf) < length + 1:
                # Wait for the rest, unless a complete frame already sits further on: then the
                # length byte at the head was garbage, and waiting for it could stall a real frame.
                later = self._find_frame(1)
                if later is None:
                    break
                self._drop(later)
                continue
            frame = self._frame_at(0)
            if frame is None:
                self._drop(1)
                continue
            self._consume(length + 1)
            self._in_sync = True
            self.frames += 1
            out.append(frame)
        return out

    def reset(self) -> None:
        """Discard a partial frame."""
        self.dropped_bytes += len(self._buf)
        self._consume(len(self._buf))

    def buffered(self) -> int:
        """Bytes held for an incomplete frame."""
        return len(self._buf)

    def _frame_at(self, pos: int) -> Frame | None:
        buf = self._buf
        length = buf[pos]
        end = pos + length + 1
        if length < MIN_LEN or end > len(buf):
            return None
        if self._commands is not None and buf[pos + 2] not in self._commands:
            return None
        if crc16_mcrf4xx(memoryview(buf)[pos:end]) != 0:
            return None
        frame = Frame(adr=buf[pos + 1], cmd=buf[pos + 2], data=bytes(buf[pos + 3 : end - 2]))
        if self._accept is not None and not self._accept(frame):
            return None
        return frame

    def _find_frame(self, start: int) -> int | None:
        buf = self._buf
        if self._searched >= len(buf):
            return None  # no byte arrived since the last search, so no candidate has completed
        for pos in self._candidates(start):
            # A candidate that was already complete at the last search was rejected then; bytes never change.
            if pos + buf[pos] + 1 > self._searched and self._frame_at(pos) is not None:
                return pos
        self._searched = len(buf)
        return None

    def _candidates(self, start: int) -> Iterable[int]:
        if self._commands is None:
            return range(start, len(self._buf))
        # Scanning for the Cmd byte with bytearray.find keeps endless garbage cheap.
        found = []
        for cmd in self._commands:
            pos = self._buf.find(cmd, start + 2)
            while pos != -1:
                found.append(pos - 2)
                pos = self._buf.find(cmd, pos + 1)
        return sorted(found)

    def _drop(self, count: int) -> None:
        # One run of discarded bytes between good frames counts as one bad frame.
        if self._in_sync:
            self.bad_frames += 1
            self._in_sync = False
        self.dropped_bytes += count
        self._consume(count)

    def _consume(self, count: int) -> None:
        del self._buf[:count]
        self._searched = max(0, self._searched - count)


def _is_inventory_answer(frame: Frame) -> bool:
    return parse_inventory_answer(frame) is not None


class UhfDecoder:
    """A UHFReader18-style reader: polled with inventory commands, answers decoded to EPC reads."""

    source: Source = "rfid"

    def __init__(self, address: int = BROADCAST) -> None:
        self.address = address
        self._parser = FrameParser(commands=frozenset({CMD_INVENTORY}), accept=_is_inventory_answer)
        self._tags = 0

    def feed(self, data: bytes) -> list[Read]:
        """Consume bytes; return one read per tag listed in the completed answers."""
        reads = []
        for frame in self._parser.feed(data):
            answer = parse_inventory_answer(frame)
            if answer is None:  # pragma: no cover - the parser only accepts well-formed answers
                continue
            for epc in answer.epcs:
                self._tags += 1
                hex_epc = epc.hex().upper()
                reads.append(Read(code=normalise_epc(hex_epc), source=self.source, raw=hex_epc))
        return reads

    def idle(self) -> list[Read]:
        """Nothing is pending between frames that time could complete."""
        return []

    def reset(self) -> None:
        """Forget a partial frame after a reconnect."""
        self._parser.reset()

    def poll_command(self) -> bytes | None:
        """The inventory command to send every poll interval."""
        return inventory_command(self.address)

    def stats(self) -> dict[str, int]:
        """Counters for `scanner status`."""
        return {
            "frames": self._parser.frames,
            "tags": self._tags,
            "bad_frames": self._parser.bad_frames,
            "dropped_bytes": self._parser.dropped_bytes,
        }
