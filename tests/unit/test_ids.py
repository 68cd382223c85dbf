"""Global IDs round-trip; anything else reads as not found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.schema.ids import decode_id, parse_global_id, to_global_id
from server.services.errors import NotFound


@given(type_name=st.sampled_from(["Resource", "Booking", "Kit"]), pk=st.integers(min_value=1, max_value=2**31 - 1))
def test_round_trip(type_name: str, pk: int) -> None:
    assert parse_global_id(to_global_id(type_name, pk)) == (type_name, pk)


@given(st.text(max_size=120))
def test_arbitrary_text_never_raises(text: str) -> None:
    parsed = parse_global_id(text)
    assert parsed is None or (parsed[0].isidentifier() and parsed[1] >= 0)


def test_wrong_type_is_not_found() -> None:
    with pytest.raises(NotFound, match="No such booking"):
        decode_id(to_global_id("Resource", 1), "Booking")
