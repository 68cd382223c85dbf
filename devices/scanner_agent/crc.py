"""CRC-16/MCRF4XX, the checksum of UHFReader18-style RFID frames.

Computed with `binascii.crc_hqx` (the unreflected CCITT CRC, in C): a reflected CRC is the mirror
image of the unreflected one over bit-mirrored bytes, and the parser checks a CRC at every resync
position, so speed matters under a stream of garbage.
"""

from __future__ import annotations

import binascii

PRESET = 0xFFFF
POLY_REFLECTED = 0x8408  # documentation: 0x1021 mirrored, the polynomial crc_hqx uses

_MIRROR = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def _mirror16(value: int) -> int:
    return (_MIRROR[value & 0xFF] << 8) | _MIRROR[value >> 8]


def crc16_mcrf4xx(data: bytes | bytearray | memoryview, crc: int = PRESET) -> int:
    """Return the CRC-16/MCRF4XX of `data` (preset 0xFFFF, reflected poly 0x8408, no final xor)."""
    return _mirror16(binascii.crc_hqx(bytes(data).translate(_MIRROR), _mirror16(crc)))


def append_crc(body: bytes) -> bytes:
    """Return `body` followed by its CRC, low byte first, as the reader sends it."""
    return body + crc16_mcrf4xx(body).to_bytes(2, "little")
