"""What a reader hands to the agent: normalised codes, and the decoder interface every reader type implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Source = Literal["barcode", "rfid"]


@dataclass(frozen=True)
class Read:
    """One code decoded from a reader: `code` is what the server is sent, `raw` what the reader gave."""

    code: str
    source: Source
    raw: str


class Decoder(Protocol):
    """Turns the bytes of one reader type into reads; pure, incremental, never raises on bad input."""

    source: Source

    def feed(self, data: bytes) -> list[Read]:
        """Consume bytes as they arrive and return the reads they complete."""
        ...

    def idle(self) -> list[Read]:
        """Called when the port has been quiet for the idle time: flush what is pending."""
        ...

    def reset(self) -> None:
        """Discard partial input (the port was reopened)."""
        ...

    def poll_command(self) -> bytes | None:
        """Bytes to send to the reader periodically (an inventory command), or None for push readers."""
        ...

    def stats(self) -> dict[str, int]:
        """Counters: good reads, rejected frames or lines, dropped bytes."""
        ...
