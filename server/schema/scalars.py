"""Scalars: DateTime must carry an offset (naive times are refused); Decimal travels as a string.

A scalar refuses a value with `InputRefused`, a GraphQL error carrying the reason: the client sees
that reason whether the value came as a variable or was written into the document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.language import FloatValueNode, IntValueNode, StringValueNode, ValueNode

MIN_YEAR, MAX_YEAR = 1970, 2200
MAX_INTEGER_DIGITS = 15  # money is stored as BIGINT minor units, capped far below that
MAX_DECIMAL_PLACES = 12  # beyond any currency or quantity; the services refuse what their field cannot hold


class InputRefused(GraphQLError, ValueError):
    """A value the scalar (or the text rule) does not accept; the message is the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, extensions={"code": "BAD_USER_INPUT"})


def parse_datetime(value: object) -> datetime:
    """ISO-8601 with an offset, within a sane range; anything else is a GraphQL input error."""
    if not isinstance(value, str) or len(value) > 64:
        raise InputRefused("DateTime must be an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputRefused(f"{value!r} is not an ISO-8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InputRefused("DateTime must carry a UTC offset, e.g. 2026-03-02T10:00:00+01:00")
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InputRefused(f"DateTime must lie between {MIN_YEAR} and {MAX_YEAR}")
    return parsed


def serialize_datetime(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_decimal(value: object) -> Decimal:
    """A decimal of bounded size (no `1e999999`). NaN and Infinity pass: each field's service refuses
    them with the field named, as it does an amount with too many places for its currency."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputRefused('Decimal must be a string such as "125.50"')
    text = str(value).strip()
    if len(text) > 64:
        raise InputRefused("Decimal is too long")
    try:
        parsed = Decimal(text)
    except InvalidOperation:
        raise InputRefused(f"{text!r} is not a decimal number") from None
    if parsed.is_snan():
        raise InputRefused("Decimal must be a number")
    if not parsed.is_finite():
        return parsed
    _, digits, exponent = parsed.as_tuple()
    assert isinstance(exponent, int)
    significant = "".join(map(str, digits)).rstrip("0")
    exponent += len(digits) - len(significant)  # trailing zeros say nothing about precision
    if significant and len(significant) + exponent > MAX_INTEGER_DIGITS:
        raise InputRefused(f"Decimal must have at most {MAX_INTEGER_DIGITS} digits before the point")
    if -exponent > MAX_DECIMAL_PLACES:
        raise InputRefused(f"Decimal must have at most {MAX_DECIMAL_PLACES} decimal places")
    return parsed


def parse_decimal_literal(node: ValueNode, variables: dict[str, Any] | None = None) -> Decimal:
    """A literal is read from its own digits, never through a float."""
    if isinstance(node, IntValueNode | FloatValueNode | StringValueNode):
        return parse_decimal(node.value)
    raise InputRefused('Decimal must be a string such as "125.50"')


def text_refusal(value: str) -> str | None:
    """Why a string cannot be stored as text (a NUL or a lone surrogate), or None."""
    if "\x00" in value:
        return "Text may not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text must be valid Unicode (found a lone surrogate)"
    return None


DateTime = strawberry.scalar(
    name="DateTime",
    description="An ISO-8601 date-time with an offset; returned in UTC.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

DecimalScalar = strawberry.scalar(
    name="Decimal",
    description=(
        f'A decimal number, sent and returned as a string, e.g. "125.50"; at most {MAX_INTEGER_DIGITS} '
        f"digits before the point and {MAX_DECIMAL_PLACES} after."
    ),
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=parse_decimal_literal,
)

SCALARS: dict[object, Any] = {datetime: DateTime, Decimal: DecimalScalar}
