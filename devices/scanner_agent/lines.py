"""Incremental, bounded line splitting for readers that send text lines (CR, LF or CRLF)."""

from __future__ import annotations

import re

_EOL = re.compile(rb"\r\n|\r|\n")


class LineSplitter:
    """Split a byte stream into non-empty lines; a line longer than `max_line` is dropped whole."""

    def __init__(self, max_line: int = 256) -> None:
        self.max_line = max_line
        self._buf = bytearray()
        self._overflow = False
        # A CR at the very end of one read may be the first half of a CRLF split across reads.
        self._skip_lf = False
        self.overlong = 0
        self.dropped_bytes = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Consume bytes and return the lines they complete, without terminators."""
        out: list[bytes] = []
        pos = 0
        if self._skip_lf and data[:1] == b"\n":
            pos = 1
        if data:
            self._skip_lf = False
        while pos < len(data):
            match = _EOL.search(data, pos)
            if match is None:
                self._append(data[pos:])
                break
            self._append(data[pos : match.start()])
            self._end_line(out)
            if match.group() == b"\r" and match.end() == len(data):
                self._skip_lf = True
            pos = match.end()
        return out

    def flush(self) -> list[bytes]:
        """End the pending line (the reader went quiet without sending a terminator)."""
        out: list[bytes] = []
        self._end_line(out)
        return out

    def reset(self) -> None:
        """Discard a partial line (the reader was unplugged mid-line)."""
        self.dropped_bytes += len(self._buf)
        self._buf.clear()
        self._overflow = False
        self._skip_lf = False

    def pending(self) -> int:
        """Bytes held for the current, unterminated line."""
        return len(self._buf)

    def _append(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._overflow:
            self.dropped_bytes += len(chunk)
            return
        if len(self._buf) + len(chunk) > self.max_line:
            self.overlong += 1
            self.dropped_bytes += len(self._buf) + len(chunk)
            self._buf.clear()
            self._overflow = True
            return
        self._buf += chunk

    def _end_line(self, out: list[bytes]) -> None:
        if self._overflow:
            self._overflow = False
        elif self._buf:
            out.append(bytes(self._buf))
        self._buf.clear()


def decode_text(line: bytes) -> str:
    """Decode a reader's line: UTF-8 when valid, else Latin-1; control characters other than GS removed."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        text = line.decode("latin-1")
    # Some scanners wrap codes in STX/ETX; GS (0x1D) is kept because it separates GS1 fields.
    return "".join(ch for ch in text if ch == "\x1d" or ch.isprintable()).strip()
