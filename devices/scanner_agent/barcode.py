"""Barcode scanner lines: AIM symbology prefixes, GS1 element strings (GIAI, GRAI) and plain asset tags.

A GS1 message is normalised to the element string of its asset identifier (`8004<GIAI>` or
`8003<GRAI>`, without the AIM prefix); any other GS1 message passes on as its element string;
plain text (asset tags, `CS:` command cards) passes on as read.
"""

from __future__ import annotations

import re

from biip import ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier

from .lines import LineSplitter, decode_text
from .reads import Read, Source

GS = "\x1d"
ASSET_AIS = ("8004", "8003")  # GIAI, GRAI
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
_GS1_MESSAGE_SYMBOLOGIES = GS1Symbology.with_gs1_messages()


def split_aim(text: str) -> tuple[str | None, str]:
    """Return (AIM symbology identifier or None, the data after it)."""
    match = _AIM.match(text)
    if match is None:
        return None, text
    return match.group(), text[match.end() :]


def is_gs1_symbology(aim: str | None) -> bool:
    """True when the AIM identifier announces a symbology that carries GS1 element strings."""
    if aim is None:
        return False
    try:
        return SymbologyIdentifier.extract(aim).gs1_symbology in _GS1_MESSAGE_SYMBOLOGIES
    except ParseError:
        return False


def normalise_gs1(message: GS1Message) -> str:
    """The asset identifier element string of a GS1 message, else the whole message."""
    for ai in ASSET_AIS:
        for element in message.element_strings:
            if element.ai.ai == ai:
                return ai + element.value
    return message.value


def normalise_barcode(text: str) -> tuple[str, bool]:
    """Return (normalised code, whether it was a GS1 code that failed to parse)."""
    aim, body = split_aim(text)
    if body.startswith("CS:"):
        return body, False
    if body.startswith(("http://", "https://")):
        try:
            return normalise_gs1(GS1DigitalLinkURI.parse(body).as_gs1_message()), False
        except ParseError:
            return body, False
    if is_gs1_symbology(aim) or GS in body:
        # A leading GS is how some scanners transmit the FNC1 that starts a GS1 code.
        data = body.lstrip(GS)
        try:
            return normalise_gs1(GS1Message.parse(data)), False
        except ParseError:
            return data, True
    return body, False


class BarcodeDecoder:
    """Lines from a barcode scanner to reads."""

    source: Source = "barcode"

    def __init__(self, max_line: int = 256) -> None:
        self._lines = LineSplitter(max_line)
        self._reads = 0
        self._gs1_errors = 0
        self._empty = 0

    def feed(self, data: bytes) -> list[Read]:
        """Consume bytes; return the codes of the lines they complete."""
        return self._decode(self._lines.feed(data))

    def idle(self) -> list[Read]:
        """The scanner went quiet: a pending line without terminator is a complete code."""
        return self._decode(self._lines.flush())

    def reset(self) -> None:
        """Forget a partial line: after a reconnect it would glue onto the next code."""
        self._lines.reset()

    def poll_command(self) -> bytes | None:
        """Barcode scanners push their reads; nothing to poll."""
        return None

    def stats(self) -> dict[str, int]:
        """Counters for `scanner status`."""
        return {
            "reads": self._reads,
            "gs1_errors": self._gs1_errors,
            "empty_lines": self._empty,
            "overlong_lines": self._lines.overlong,
            "dropped_bytes": self._lines.dropped_bytes,
        }

    def _decode(self, lines: list[bytes]) -> list[Read]:
        reads = []
        for line in lines:
            raw = decode_text(line)
            code, gs1_error = normalise_barcode(raw)
            self._gs1_errors += gs1_error
            if not code.strip(GS + " "):
                self._empty += 1
                continue
            self._reads += 1
            reads.append(Read(code=code, source=self.source, raw=raw))
        return reads
