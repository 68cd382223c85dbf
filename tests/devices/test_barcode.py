"""Barcode lines: terminators, AIM prefixes, GS1 GIAI/GRAI via biip, idle flush, bounded lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.scanner_agent.barcode import BarcodeDecoder, normalise_barcode, split_aim
from devices.scanner_agent.epc import EpcLineDecoder
from devices.scanner_agent.lines import LineSplitter
from devices.scanner_agent.uhf import UhfDecoder

GS = "\x1d"


def codes(decoder: BarcodeDecoder, *chunks: bytes) -> list[str]:
    out: list[str] = []
    for chunk in chunks:
        out.extend(read.code for read in decoder.feed(chunk))
    return out


@pytest.mark.parametrize("terminator", [b"\r", b"\n", b"\r\n"])
def test_each_terminator_ends_a_line(terminator: bytes) -> None:
    decoder = BarcodeDecoder()
    assert codes(decoder, b"MIC-0001" + terminator + b"MIC-0002" + terminator) == ["MIC-0001", "MIC-0002"]


def test_crlf_split_across_reads_is_one_terminator() -> None:
    decoder = BarcodeDecoder()
    assert codes(decoder, b"MIC-0001\r", b"\nMIC-0002\r", b"\n") == ["MIC-0001", "MIC-0002"]
    assert decoder.stats()["empty_lines"] == 0


def test_line_split_across_reads() -> None:
    assert codes(BarcodeDecoder(), b"MI", b"C-00", b"03\r\n") == ["MIC-0003"]


def test_idle_flush_completes_a_line_without_terminator() -> None:
    decoder = BarcodeDecoder()
    assert codes(decoder, b"MIC-0004") == []
    assert [read.code for read in decoder.idle()] == ["MIC-0004"]
    assert decoder.idle() == []


def test_reset_discards_a_partial_line() -> None:
    decoder = BarcodeDecoder()
    assert codes(decoder, b"MIC-00") == []
    decoder.reset()
    assert codes(decoder, b"MIC-0005\r\n") == ["MIC-0005"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("]C0MIC-0002", "MIC-0002"),  # Code 128 with its AIM prefix
        ("]Q1MIC-0002", "MIC-0002"),  # QR code
        ("MIC-0002", "MIC-0002"),
        ("]C18004401234598765", "8004401234598765"),  # GS1-128 GIAI
        ("]d28004401234598765", "8004401234598765"),  # GS1 DataMatrix GIAI
        ("]Q38004401234598765", "8004401234598765"),  # GS1 QR GIAI
        ("]C1800304012345000016ABC", "800304012345000016ABC"),  # GRAI with serial
        (f"]C10104012345678901{GS}8004401234598765", "8004401234598765"),  # GTIN + GIAI: the asset id wins
        (f"{GS}8004401234598765", "8004401234598765"),  # FNC1 sent as a leading GS, no AIM prefix
        (f"]C110ABC123{GS}17250101", f"10ABC123{GS}17250101"),  # GS1 without asset id: whole message
        ("https://id.gs1.org/8004/401234598765", "8004401234598765"),  # GS1 Digital Link
        ("]E04012345678901", "4012345678901"),  # EAN-13 is a GTIN, not an element string
        ("]C0CS:MODE:RETURN", "CS:MODE:RETURN"),
    ],
)
def test_normalised_codes(raw: str, code: str) -> None:
    assert normalise_barcode(raw) == (code, False)


def test_broken_gs1_passes_on_as_read_and_is_counted() -> None:
    decoder = BarcodeDecoder()
    assert codes(decoder, b"]C18004\r\n") == ["8004"]
    assert decoder.stats()["gs1_errors"] == 1


def test_aim_split() -> None:
    assert split_aim("]C1800412") == ("]C1", "800412")
    assert split_aim("MIC-1") == (None, "MIC-1")


def test_control_characters_around_a_code_are_dropped() -> None:
    decoder = BarcodeDecoder()
    reads = decoder.feed(b"\x02MIC-0006\x03\r\n")
    assert [(read.code, read.raw, read.source) for read in reads] == [("MIC-0006", "MIC-0006", "barcode")]


def test_over_long_line_is_dropped_and_the_next_line_is_read() -> None:
    decoder = BarcodeDecoder(max_line=16)
    assert codes(decoder, b"X" * 10, b"X" * 10, b"X" * 100, b"\r\nMIC-0007\r\n") == ["MIC-0007"]
    assert decoder.stats()["overlong_lines"] == 1
    assert decoder.stats()["dropped_bytes"] == 120


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.binary(min_size=1, max_size=500).filter(lambda b: b"\r" not in b and b"\n" not in b), min_size=1, max_size=40
    )
)
def test_line_buffer_stays_bounded_without_terminator(chunks: list[bytes]) -> None:
    splitter = LineSplitter(max_line=64)
    for chunk in chunks:
        assert splitter.feed(chunk) == []
        assert splitter.pending() <= 64
    whole = b"".join(chunks)
    assert splitter.feed(b"\r\nok\r\n") == ([whole, b"ok"] if len(whole) <= 64 else [b"ok"])


printable = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(printable, st.sampled_from([b"\r", b"\n", b"\r\n"])), min_size=1, max_size=10), st.data())
def test_any_chunking_yields_the_same_lines(lines: list[tuple[str, bytes]], data: st.DataObject) -> None:
    stream = b"".join(text.encode() + end for text, end in lines)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    splitter = LineSplitter()
    got = []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got.extend(splitter.feed(stream[a:b]))
    assert got == [text.encode() for text, _ in lines]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200), max_size=10))
def test_no_decoder_raises_on_arbitrary_bytes(chunks: list[bytes]) -> None:
    for decoder in (BarcodeDecoder(), EpcLineDecoder(), UhfDecoder()):
        for chunk in chunks:
            decoder.feed(chunk)
        decoder.idle()
