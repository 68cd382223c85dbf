"""Bodies nested deeper than MAX_DEPTH are refused, however many brackets their strings hold."""

from __future__ import annotations

import json

import pytest

from server import json_body
from server.json_body import MAX_DEPTH


def nested(levels: int) -> str:
    return "[" * (levels - 1) + "{}" + "]" * (levels - 1) if levels else "1"


@pytest.mark.parametrize("levels", [0, 1, 2, MAX_DEPTH - 1, MAX_DEPTH])
def test_up_to_the_limit_is_read(levels: int) -> None:
    assert json_body.depth(json_body.decode(nested(levels))) == levels


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, MAX_DEPTH + 5, 200])
def test_beyond_the_limit_is_refused(levels: int) -> None:
    with pytest.raises(json_body.UnreadableJson, match="nest at most"):
        json_body.decode(nested(levels))


def test_brackets_inside_strings_do_not_count_as_levels() -> None:
    body = json.dumps({"query": "{" * 100 + "[" * 100, "variables": {"a": ["]]]"]}})
    assert json_body.decode(body) == json.loads(body)


def test_deep_nesting_among_many_string_brackets_is_still_refused() -> None:
    body = json.dumps({"q": "{" * 100, "v": json.loads(nested(MAX_DEPTH))})
    with pytest.raises(json_body.UnreadableJson, match="nest at most"):
        json_body.decode(body)
