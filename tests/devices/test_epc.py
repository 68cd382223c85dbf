"""EPC decoding (GIAI-96 via epcpy) and readers that print one EPC per line."""

from __future__ import annotations

import pytest

from devices.scanner_agent.epc import EpcLineDecoder, epc_hex, normalise_epc


def test_giai_96_reference_vector() -> None:
    assert normalise_epc("3414F4E4E4000000000181CD") == "urn:epc:id:giai:4012345.98765"
    assert normalise_epc("3414f4e4e4000000000181cd") == "urn:epc:id:giai:4012345.98765"


def test_grai_becomes_a_uri() -> None:
    assert normalise_epc(epc_hex("urn:epc:id:grai:4012345.00001.12345")) == "urn:epc:id:grai:4012345.00001.12345"


@pytest.mark.parametrize(
    "epc",
    [
        "000000000000000000000313",  # unknown header
        "E2801160600002054E4F5E2A",  # a blank chip's factory EPC
        "3014F4E4E4000000000181CD",  # an SGTIN: decodable, but not an asset tag
        "3414",  # too short for its header
    ],
)
def test_other_epcs_pass_on_as_upper_case_hex(epc: str) -> None:
    assert normalise_epc(epc.lower()) == epc


def test_epc_hex_encodes_giai_96() -> None:
    assert epc_hex("urn:epc:id:giai:4012345.98765") == "3414F4E4E4000000000181CD"
    assert epc_hex("00 00 03 13") == "00000313"
    with pytest.raises(ValueError):
        epc_hex("MIC-0001")


def test_epc_hex_uses_giai_202_for_alphanumeric_asset_references() -> None:
    epc = epc_hex("urn:epc:id:giai:4012345.ABC-1")
    assert (epc[:2], len(epc)) == ("38", 52)
    assert normalise_epc(epc) == "urn:epc:id:giai:4012345.ABC-1"


@pytest.mark.parametrize("text", ["urn:epc:id:giai:bad", "urn:epc:id:grai:1.2", "zz", "ABC"])
def test_epc_hex_refuses_what_is_not_an_epc(text: str) -> None:
    with pytest.raises(ValueError):
        epc_hex(text)


def test_epc_lines() -> None:
    decoder = EpcLineDecoder()
    reads = decoder.feed(b"3414F4E4E4000000000181CD\r\n00000000 00000000 00000313\nnot an epc\r\n3414F4E4E4")
    assert [(read.code, read.raw, read.source) for read in reads] == [
        ("urn:epc:id:giai:4012345.98765", "3414F4E4E4000000000181CD", "rfid"),
        ("000000000000000000000313", "000000000000000000000313", "rfid"),
    ]
    assert [read.raw for read in decoder.idle()] == ["3414F4E4E4"]
    assert decoder.stats() == {"reads": 3, "bad_lines": 1, "overlong_lines": 0, "dropped_bytes": 0}
