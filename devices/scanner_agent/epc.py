"""EPC decoding: asset tags (GIAI, GRAI) become pure identity URIs, anything else stays hex.

Only the asset schemes become URIs because those are what the cage tags; an EPC of another
scheme (an SGTIN on a retail box, a blank `E280...` chip) is matched by the server on its hex.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from epcpy import ConvertException, hex_to_tag_encodable
from epcpy.epc_schemes.giai import GIAI, GIAIFilterValue
from epcpy.epc_schemes.grai import GRAI, GRAIFilterValue

from .lines import LineSplitter, decode_text
from .reads import Read, Source

_HEX_EPC = re.compile(r"(?:[0-9A-Fa-f]{2}){2,62}")


@lru_cache(maxsize=4096)
def normalise_epc(epc_hex: str) -> str:
    """`urn:epc:id:giai:...`/`urn:epc:id:grai:...` for asset tags, else the EPC as upper-case hex."""
    epc_hex = epc_hex.upper()
    try:
        tag = hex_to_tag_encodable(epc_hex)
    except Exception:
        # epcpy raises several exception types on unknown headers or short data; none are ours to fail on.
        return epc_hex
    if isinstance(tag, GIAI | GRAI):
        return str(tag.epc_uri)
    return epc_hex


def epc_hex(text: str) -> str:
    """The EPC (hex) for a hex string or a GIAI/GRAI pure identity URI, encoded 96-bit when it fits.

    Raises ValueError for anything else.
    """
    text = text.strip()
    try:
        if text.startswith("urn:epc:id:giai:"):
            giai_schemes = (GIAI.BinaryCodingScheme.GIAI_96, GIAI.BinaryCodingScheme.GIAI_202)
            return _encode(GIAI(text), giai_schemes, GIAIFilterValue.ALL_OTHERS)
        if text.startswith("urn:epc:id:grai:"):
            grai_schemes = (GRAI.BinaryCodingScheme.GRAI_96, GRAI.BinaryCodingScheme.GRAI_170)
            return _encode(GRAI(text), grai_schemes, GRAIFilterValue.ALL_OTHERS)
    except ConvertException as exc:
        raise ValueError(str(exc)) from exc
    cleaned = text.replace(" ", "")
    if not _HEX_EPC.fullmatch(cleaned):
        raise ValueError(f"not an EPC: {text!r}")
    return cleaned.upper()


def _encode(tag: Any, schemes: tuple[Any, ...], filter_value: Any) -> str:
    for scheme in schemes:
        try:
            return str(tag.hex(binary_coding_scheme=scheme, filter_value=filter_value))
        except (ConvertException, ValueError):
            continue  # does not fit this size (or is not numeric, as GIAI-96 needs); try the larger one
    raise ValueError(f"cannot encode {tag.epc_uri} as an EPC")


class EpcLineDecoder:
    """Readers that print one EPC per line in ASCII hex."""

    source: Source = "rfid"

    def __init__(self, max_line: int = 256) -> None:
        self._lines = LineSplitter(max_line)
        self._reads = 0
        self._bad_lines = 0

    def feed(self, data: bytes) -> list[Read]:
        """Consume bytes; return the EPCs of the lines they complete."""
        return self._decode(self._lines.feed(data))

    def idle(self) -> list[Read]:
        """The reader went quiet: a pending line is complete."""
        return self._decode(self._lines.flush())

    def reset(self) -> None:
        """Forget a partial line: after a reconnect it would glue onto the next code."""
        self._lines.reset()

    def poll_command(self) -> bytes | None:
        """These readers push their reads; nothing to poll."""
        return None

    def stats(self) -> dict[str, int]:
        """Counters for `scanner status`."""
        return {
            "reads": self._reads,
            "bad_lines": self._bad_lines,
            "overlong_lines": self._lines.overlong,
            "dropped_bytes": self._lines.dropped_bytes,
        }

    def _decode(self, lines: list[bytes]) -> list[Read]:
        reads = []
        for line in lines:
            text = decode_text(line).replace(" ", "")
            if not _HEX_EPC.fullmatch(text):
                self._bad_lines += 1
                continue
            self._reads += 1
            reads.append(Read(code=normalise_epc(text), source=self.source, raw=text.upper()))
        return reads
