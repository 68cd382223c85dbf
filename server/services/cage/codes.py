"""What a scanned code can name: an asset tag, a kit label, a GS1 GIAI/GRAI, or an RFID EPC.

A code is turned into two sets of candidates that the repository matches in one query:

- `tags`: texts compared with `resources.code` and `kits.code` (the text as scanned, without an AIM
  symbology prefix, and for a GS1 asset identifier its element string `8004...`, its value and its
  printed form `(8004)...`, and the EPC pure identity URI);
- `epcs`: EPC hex strings compared with `resources.epc`. An asset identifier (GIAI or GRAI, from a
  GS1 barcode, a `urn:epc:id:...` URI or a tag's hex) matches every binary encoding of the same
  identity: both coding schemes (GIAI-96/202, GRAI-96/170), all eight filter values and, when the
  company prefix length is unknown (a barcode does not carry it), every prefix length from 6 to 12.
  So a tag written with another filter value, or a label printed from the same GIAI, finds the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from biip import ParseError
from biip.gs1_messages import GS1Message
from epcpy import hex_to_tag_encodable
from epcpy.epc_schemes.giai import GIAI, GIAIFilterValue
from epcpy.epc_schemes.grai import GRAI, GRAIFilterValue

from server.services.errors import Invalid

GS = "\x1d"
GIAI_AI, GRAI_AI = "8004", "8003"
MAX_CODE_LENGTH = 200
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_HEX = re.compile(r"^(?:[0-9A-F]{2}){4,32}$")
_COMPANY_PREFIX_LENGTHS = range(6, 13)
_FILTER_BITS = slice(8, 11)  # after the 8-bit header of every EPC binary encoding


@dataclass(frozen=True)
class ScannedCode:
    """A scanned code as received (`text`) and what it may match."""

    text: str
    tags: tuple[str, ...]
    epcs: tuple[str, ...]
    identity: str | None = None  # the EPC pure identity URI, when the code names a GIAI or GRAI

    @property
    def label(self) -> str:
        """The text a person reads: the code without its symbology prefix."""
        return self.tags[0]


def clean_code(raw: str | None) -> str:
    """The scanned text, trimmed; refused when empty, too long or holding control characters besides GS."""
    if raw is None:
        raise Invalid("code is required.", field="code")
    text = raw.strip(" \t\r\n")
    if not text.strip(GS):
        raise Invalid("code may not be empty.", field="code")
    if len(text) > MAX_CODE_LENGTH:
        raise Invalid(f"code may be at most {MAX_CODE_LENGTH} characters.", field="code")
    if any(ord(c) < 32 and c != GS for c in text) or "\x7f" in text:
        raise Invalid("code may not contain control characters.", field="code")
    return text


def parse_code(raw: str | None) -> ScannedCode:
    """The candidates of a scanned code (see the module docstring)."""
    return _parse(clean_code(raw))


@lru_cache(maxsize=4096)
def _parse(text: str) -> ScannedCode:
    body = _AIM.sub("", text, count=1).strip(GS)
    if not body.strip():
        raise Invalid("code holds nothing after its symbology prefix.", field="code")
    tags: list[str] = [body]
    epcs: list[str] = []
    identity: str | None = None
    if body.startswith(("urn:epc:id:giai:", "urn:epc:id:grai:")):
        tag = _identity_from_uri(body)
        if tag is not None:
            identity = tag.epc_uri
            tags.extend(_gs1_texts(tag))
            epcs.extend(_encodings([tag]))
    else:
        if _HEX.match(body.upper()):
            hex_text = body.upper()
            epcs.append(hex_text)
            tag = _identity_from_hex(hex_text)
            if tag is not None:
                identity = tag.epc_uri
                tags.extend([tag.epc_uri, *_gs1_texts(tag)])
                epcs.extend(_encodings([tag]))
        asset = _gs1_asset(body) if identity is None else None
        if asset is not None:
            ai, value = asset
            tags.extend([ai + value, f"({ai}){value}", value])
            candidates = _from_element_string(ai, value)
            if len({t.epc_uri for t in candidates}) == 1:
                identity = candidates[0].epc_uri
            epcs.extend(_encodings(candidates))
    return ScannedCode(text=text, tags=_unique(tags), epcs=_unique(epcs), identity=identity)


def _gs1_asset(body: str) -> tuple[str, str] | None:
    """(AI, value) of the GIAI or GRAI in a GS1 element string (raw or printed with brackets), if any."""
    message = None
    try:
        if body.startswith("("):
            message = GS1Message.parse_hri(body)
        elif body[:4] in (GIAI_AI, GRAI_AI) or GS in body:
            message = GS1Message.parse(body)
    except ParseError:
        return None
    if message is None:
        return None
    for wanted in (GIAI_AI, GRAI_AI):
        for element in message.element_strings:
            if element.ai.ai == wanted:
                return wanted, element.value
    return None


def _identity_from_uri(uri: str) -> GIAI | GRAI | None:
    try:
        return GIAI(uri) if uri.startswith("urn:epc:id:giai:") else GRAI(uri)
    except Exception:
        # epcpy raises several exception types for malformed URIs; a bad URI simply names nothing.
        return None


def _identity_from_hex(hex_text: str) -> GIAI | GRAI | None:
    try:
        tag = hex_to_tag_encodable(hex_text)
    except Exception:
        return None
    return tag if isinstance(tag, GIAI | GRAI) else None


def _from_element_string(ai: str, value: str) -> list[GIAI | GRAI]:
    """Every identity the element string can denote, one per plausible company prefix length."""
    out: list[GIAI | GRAI] = []
    for length in _COMPANY_PREFIX_LENGTHS:
        try:
            if ai == GIAI_AI:
                out.append(GIAI.from_gs1_element_string(f"({ai}){value}", length))
            else:
                out.append(GRAI.from_gs1_element_string(f"({ai}){value}", length))
        except Exception:
            continue
    return out


def _gs1_texts(tag: GIAI | GRAI) -> list[str]:
    printed = tag.gs1_element_string()  # "(8004)4012345..."
    ai, value = printed[1:5], printed[6:]
    return [ai + value, printed, value]


def _encodings(tags: list[GIAI | GRAI]) -> list[str]:
    """Hex of every binary encoding of these identities, with every filter value."""
    out: list[str] = []
    for tag in tags:
        schemes: list[tuple[Any, Any]]
        if isinstance(tag, GIAI):
            schemes = [(s, GIAIFilterValue.ALL_OTHERS) for s in GIAI.BinaryCodingScheme]
        else:
            schemes = [(s, GRAIFilterValue.ALL_OTHERS) for s in GRAI.BinaryCodingScheme]
        for scheme, zero in schemes:
            try:
                bits = tag.binary(binary_coding_scheme=scheme, filter_value=zero)
                tag.tag_uri(binary_coding_scheme=scheme, filter_value=zero)
            except Exception:
                continue  # this identity does not fit this coding scheme
            for filter_value in range(8):
                variant = bits[: _FILTER_BITS.start] + f"{filter_value:03b}" + bits[_FILTER_BITS.stop :]
                out.append(_bits_to_hex(variant))
    return out


def _bits_to_hex(bits: str) -> str:
    padded = bits + "0" * (-len(bits) % 16)  # EPC memory is written in 16-bit words
    return f"{int(padded, 2):0{len(padded) // 4}X}"


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))
