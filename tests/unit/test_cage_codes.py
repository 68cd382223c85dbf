"""Scanned codes: asset tags, GS1 GIAI/GRAI element strings (with or without AIM prefixes and GS), EPC hex and URIs."""

from __future__ import annotations

import pytest
from epcpy.epc_schemes.giai import GIAI, GIAIFilterValue
from hypothesis import given
from hypothesis import strategies as st

from server.services.cage.codes import clean_code, parse_code
from server.services.errors import Invalid

# Reference vectors (DESIGN §8): GIAI-96 EPC 3414F4E4E4000000000181CD is urn:epc:id:giai:4012345.98765,
# and the GS1 element string of that GIAI is AI 8004 followed by company prefix and asset reference.
GIAI_HEX = "3414F4E4E4000000000181CD"
GIAI_URI = "urn:epc:id:giai:4012345.98765"
GIAI_ELEMENT = "8004401234598765"


def test_reference_epc_decodes_to_its_giai() -> None:
    code = parse_code(GIAI_HEX)
    assert code.identity == GIAI_URI
    assert GIAI_HEX in code.epcs
    assert GIAI_ELEMENT in code.tags


def test_reference_uri_encodes_to_the_reference_epc() -> None:
    code = parse_code(GIAI_URI)
    assert code.identity == GIAI_URI
    assert GIAI_HEX in code.epcs
    assert (
        str(
            GIAI(GIAI_URI).hex(
                binary_coding_scheme=GIAI.BinaryCodingScheme.GIAI_96, filter_value=GIAIFilterValue.ALL_OTHERS
            )
        )
        == GIAI_HEX
    )


@pytest.mark.parametrize(
    "scanned",
    [
        "]C1" + GIAI_ELEMENT,  # GS1-128
        "]d2" + GIAI_ELEMENT,  # GS1 DataMatrix
        "]Q3" + GIAI_ELEMENT,  # GS1 QR
        GIAI_ELEMENT,  # no AIM prefix
        "\x1d" + GIAI_ELEMENT,  # FNC1 sent as a leading GS
        "]d2" + GIAI_ELEMENT + "\x1d",  # trailing GS
        "(8004)401234598765",  # printed form
        "]d2" + "10LOT7\x1d" + GIAI_ELEMENT,  # another element string first, GS-separated
    ],
)
def test_gs1_giai_matches_the_tag_of_the_same_asset(scanned: str) -> None:
    code = parse_code(scanned)
    assert GIAI_HEX in code.epcs
    assert {GIAI_ELEMENT, "(8004)401234598765", "401234598765"} <= set(code.tags)


def test_other_filter_values_of_the_same_giai_match() -> None:
    epcs = set(parse_code(GIAI_URI).epcs)
    for f in GIAIFilterValue:
        assert GIAI(GIAI_URI).hex(binary_coding_scheme=GIAI.BinaryCodingScheme.GIAI_96, filter_value=f) in epcs


def test_grai_element_string_and_uri() -> None:
    # GRAI: 0 + company prefix 0614141 + asset type 00001 + check digit 2 + serial 12345 (numeric, fits GRAI-96).
    from_barcode = parse_code("]C1" + "8003" + "0" + "0614141" + "00001" + "2" + "12345")
    from_uri = parse_code("urn:epc:id:grai:0614141.00001.12345")
    assert from_uri.identity == "urn:epc:id:grai:0614141.00001.12345"
    assert set(from_uri.epcs) <= set(from_barcode.epcs)
    assert "80030061414100001212345" in from_uri.tags


def test_plain_asset_tags_and_kit_labels_pass_as_they_are() -> None:
    assert parse_code("MIC-0001").tags == ("MIC-0001",)
    assert parse_code("]C0KIT-CAM-A").tags == ("KIT-CAM-A",)
    assert parse_code("  CAM-001\r\n").text == "CAM-001"


def test_unknown_epc_hex_matches_only_itself() -> None:
    code = parse_code("000000000000000000000313")
    assert code.epcs == ("000000000000000000000313",)
    assert code.identity is None
    assert parse_code("e2801160600002").epcs == ("E2801160600002",)


@pytest.mark.parametrize("bad", [None, "", "   ", "\x1d\x1d", "A\x00B", "x" * 201, "tab\x07bell"])
def test_malformed_codes_are_refused(bad: str | None) -> None:
    with pytest.raises(Invalid) as caught:
        clean_code(bad)
    assert caught.value.field == "code"


def test_malformed_identities_name_nothing_special() -> None:
    code = parse_code("urn:epc:id:giai:12.34")  # company prefix too short
    assert (code.identity, code.epcs) == (None, ())
    assert parse_code("]C18004").epcs == ()


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=60))
def test_any_printable_code_parses_and_keeps_itself_as_a_tag(text: str) -> None:
    aim = len(text) >= 3 and text[0] == "]" and text[1].isalpha() and text[2].isalnum()
    body = text[3:] if aim else text
    if not body:
        with pytest.raises(Invalid):
            parse_code(text)
        return
    assert parse_code(text).tags[0] == body


def test_a_bare_symbology_prefix_is_refused() -> None:
    with pytest.raises(Invalid):
        parse_code("]C1")
