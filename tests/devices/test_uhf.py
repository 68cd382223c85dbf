"""CRC-16/MCRF4XX and UHFReader18 frames: the reference vectors, and the parser under noise and chunking."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.scanner_agent.crc import append_crc, crc16_mcrf4xx
from devices.scanner_agent.uhf import (
    FrameParser,
    InventoryAnswer,
    UhfDecoder,
    encode_inventory_answer,
    encode_inventory_answers,
    inventory_command,
    parse_inventory_answer,
)

ONE_TAG = bytes.fromhex("13 00 01 03 01 0C 000000000000000000000313 3F 39")
TWO_TAGS = bytes.fromhex("20 00 01 03 02 0C 000000000000000000000313 0C 000000000000000000000314 9A C9")
EPC_313 = bytes.fromhex("000000000000000000000313")
EPC_314 = bytes.fromhex("000000000000000000000314")


def test_crc_of_check_string() -> None:
    assert crc16_mcrf4xx(b"123456789") == 0x6F91


def _bitwise_crc(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


@given(st.binary(max_size=300))
def test_crc_matches_the_bitwise_definition(data: bytes) -> None:
    assert crc16_mcrf4xx(data) == _bitwise_crc(data)


def test_crc_over_a_whole_valid_frame_is_zero() -> None:
    for frame in (ONE_TAG, TWO_TAGS, inventory_command()):
        assert crc16_mcrf4xx(frame) == 0


def test_inventory_command_for_broadcast_address() -> None:
    assert inventory_command() == bytes.fromhex("04 FF 01 1B B4")
    assert append_crc(bytes.fromhex("04 FF 01")) == bytes.fromhex("04 FF 01 1B B4")


def test_encoding_the_reference_answers() -> None:
    assert encode_inventory_answer([EPC_313], adr=0x00, status=0x03) == ONE_TAG
    assert encode_inventory_answer([EPC_313, EPC_314], adr=0x00, status=0x03) == TWO_TAGS


def test_parsing_the_reference_answers() -> None:
    frames = FrameParser().feed(ONE_TAG + TWO_TAGS)
    assert [parse_inventory_answer(frame) for frame in frames] == [
        InventoryAnswer(adr=0x00, status=0x03, epcs=(EPC_313,)),
        InventoryAnswer(adr=0x00, status=0x03, epcs=(EPC_313, EPC_314)),
    ]


def test_no_tag_answer_has_no_epcs() -> None:
    (frame,) = FrameParser().feed(encode_inventory_answer([]))
    assert parse_inventory_answer(frame) == InventoryAnswer(adr=0x00, status=0xFB, epcs=())


def test_many_tags_span_several_frames_with_more_data_status() -> None:
    epcs = [bytes([0x30, i]) + bytes(10) for i in range(40)]
    frames = encode_inventory_answers(epcs)
    assert [frame[3] for frame in frames] == [0x03, 0x03, 0x01]
    decoder = UhfDecoder()
    assert [read.raw for read in decoder.feed(b"".join(frames))] == [epc.hex().upper() for epc in epcs]


def test_decoder_reads_reference_frames_and_the_giai_vector() -> None:
    decoder = UhfDecoder()
    giai = encode_inventory_answer([bytes.fromhex("3414F4E4E4000000000181CD")])
    reads = decoder.feed(TWO_TAGS + giai)
    assert [(read.code, read.raw, read.source) for read in reads] == [
        ("000000000000000000000313", "000000000000000000000313", "rfid"),
        ("000000000000000000000314", "000000000000000000000314", "rfid"),
        ("urn:epc:id:giai:4012345.98765", "3414F4E4E4000000000181CD", "rfid"),
    ]
    assert decoder.stats() == {"frames": 2, "tags": 3, "bad_frames": 0, "dropped_bytes": 0}
    assert decoder.poll_command() == bytes.fromhex("04 FF 01 1B B4")


def test_frame_split_across_reads_and_several_frames_in_one_read() -> None:
    decoder = UhfDecoder()
    stream = ONE_TAG + TWO_TAGS + ONE_TAG
    assert decoder.feed(stream[:7]) == []
    assert [r.code[-3:] for r in decoder.feed(stream[7:25])] == ["313"]
    assert [r.code[-3:] for r in decoder.feed(stream[25:])] == ["313", "314", "313"]


def test_garbage_length_byte_does_not_stall_a_following_frame() -> None:
    # 0xF0 announces a 240-byte frame; the real frame after it must come out without waiting for 240 bytes.
    decoder = UhfDecoder()
    assert [r.raw for r in decoder.feed(b"\xf0\x01\x02" + ONE_TAG)] == ["000000000000000000000313"]
    assert decoder.stats()["bad_frames"] == 1
    assert decoder.stats()["dropped_bytes"] == 3


def test_inventory_command_echo_is_not_a_tag_answer() -> None:
    # A command is a valid frame but not a well-formed answer (no status), so it is dropped.
    decoder = UhfDecoder()
    assert [read.raw for read in decoder.feed(inventory_command() + ONE_TAG)] == ["000000000000000000000313"]
    assert decoder.stats() == {"frames": 1, "tags": 1, "bad_frames": 1, "dropped_bytes": 5}


epcs = st.lists(st.binary(min_size=1, max_size=31), min_size=0, max_size=5)


@st.composite
def noisy_stream(draw: st.DrawFn) -> tuple[list[bytes], list[bytes]]:
    """Valid answer frames with random garbage between them, cut into random chunks."""
    answers = draw(st.lists(epcs, min_size=1, max_size=6))
    stream = b""
    expected: list[bytes] = []
    for tags in answers:
        stream += draw(st.binary(max_size=40)) + encode_inventory_answer(tags)
        expected.extend(tags)
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    return chunks, expected


@settings(max_examples=300, deadline=None)
@given(noisy_stream())
def test_any_chunking_with_garbage_between_frames_yields_the_same_tags(case: tuple[list[bytes], list[bytes]]) -> None:
    chunks, expected = case
    decoder = UhfDecoder()
    got: list[str] = []
    for chunk in chunks:
        got.extend(read.raw for read in decoder.feed(chunk))
        assert decoder._parser.buffered() < 256
    assert got == [epc.hex().upper() for epc in expected]


@settings(max_examples=300, deadline=None)
@given(st.lists(epcs.filter(bool), min_size=2, max_size=2), st.data())
def test_a_flipped_bit_rejects_the_frame_and_counts_it(answers: list[list[bytes]], data: st.DataObject) -> None:
    first, second = (encode_inventory_answer(tags) for tags in answers)
    bit = data.draw(st.integers(0, len(first) * 8 - 1))
    corrupted = bytearray(first)
    corrupted[bit // 8] ^= 1 << (bit % 8)
    decoder = UhfDecoder()
    reads = decoder.feed(bytes(corrupted) + second)
    assert [read.raw for read in reads] == [epc.hex().upper() for epc in answers[1]]
    assert decoder.stats()["bad_frames"] == 1
    assert decoder.stats()["dropped_bytes"] == len(first)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=300), min_size=20, max_size=60))
def test_buffer_stays_bounded_under_endless_garbage(chunks: list[bytes]) -> None:
    parser = UhfDecoder()._parser
    for chunk in chunks:
        parser.feed(chunk)
        assert parser.buffered() <= 255


def test_buffer_bound_with_worst_case_length_bytes() -> None:
    parser = UhfDecoder()._parser
    for _ in range(1000):
        parser.feed(b"\xff\xff\x01" * 33)
        assert parser.buffered() <= 255
    assert parser.frames == 0
    assert [parse_inventory_answer(frame) for frame in parser.feed(ONE_TAG)] == [
        InventoryAnswer(adr=0x00, status=0x03, epcs=(EPC_313,))
    ]
