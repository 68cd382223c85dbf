"""CRC-16/MCRF4XX, the checksum of UHFReader18-style RFID frames."""

from __future__ import annotations

PRESET = 0xFFFF
POLY_REFLECTED = 0x8408


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLY_REFLECTED if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _make_table()


def crc16_mcrf4xx(data: bytes | bytearray | memoryview, crc: int = PRESET) -> int:
    """Return the CRC-16/MCRF4XX of `data` (preset 0xFFFF, reflected poly 0x8408, no final xor)."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def append_crc(body: bytes) -> bytes:
    """Return `body` followed by its CRC, low byte first, as the reader sends it."""
    return body + crc16_mcrf4xx(body).to_bytes(2, "little")
