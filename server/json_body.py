"""JSON request bodies, decoded strictly: UTF-8 only, nested at most `MAX_DEPTH` deep.

Python's decoder recurses per level and gives up with RecursionError somewhere near a thousand; a
body is refused well before that, with a reason, so the view can answer 400 instead of 500.
"""

from __future__ import annotations

import json

MAX_DEPTH = 32  # the body's own object, `variables`, and inputs nested far deeper than any schema type


class UnreadableJson(ValueError):
    """The body is not JSON the server will read; the message says why."""


def decode(data: str | bytes) -> object:
    """The decoded value, or UnreadableJson naming the problem."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableJson("The request body is not valid UTF-8.") from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnreadableJson(f"JSON may nest at most {MAX_DEPTH} levels deep.") from None
    except json.JSONDecodeError as exc:
        raise UnreadableJson(f"The request body is not valid JSON ({exc.msg} at position {exc.pos}).") from None
    # Every level opens with a "{" or "[" of its own, so a text holding at most MAX_DEPTH of them
    # (those inside strings counted too) cannot nest deeper: most bodies skip the walk (5 us).
    if data.count("{") + data.count("[") > MAX_DEPTH and depth(value) > MAX_DEPTH:
        raise UnreadableJson(f"JSON may nest at most {MAX_DEPTH} levels deep.")
    return value


def depth(value: object) -> int:
    """How many arrays and objects deep the value nests (0 for a scalar); walked without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            level += 1
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                stack.extend((child, level) for child in item)
    return deepest


def describe(value: object) -> str:
    """A JSON value's kind, as a client would name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
