"""The planned input conversion builds exactly what Strawberry's own conversion builds, for every
input type of the schema."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryList, StrawberryObjectDefinition, StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition

from server.api import build_schema
from server.schema import input_plans

SCHEMA = build_schema()
INPUTS = {
    name: concrete.definition
    for name, concrete in SCHEMA.schema_converter.type_map.items()
    if isinstance(concrete.definition, StrawberryObjectDefinition) and concrete.definition.is_input
}
SAMPLES: dict[Any, Any] = {
    str: "text",
    int: 3,
    float: 1.5,
    bool: True,
    datetime: datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    Decimal: Decimal("12.50"),
}


def sample(type_: Any, *, nulls: bool, depth: int = 0) -> Any:
    """A coerced value of the type, as graphql-core hands it over (keyed by GraphQL names)."""
    if isinstance(type_, StrawberryOptional):
        return None if nulls else sample(type_.of_type, nulls=nulls, depth=depth)
    if isinstance(type_, StrawberryList):
        return [sample(type_.of_type, nulls=nulls, depth=depth + 1) for _ in range(2)]
    if isinstance(type_, StrawberryEnumDefinition):
        return next(iter(type_.wrapped_cls))
    if has_enum_definition(type_):
        return next(iter(type_))  # type: ignore[call-overload]
    definition = getattr(type_, "__strawberry_definition__", None)
    if isinstance(definition, StrawberryObjectDefinition):
        return {
            SCHEMA.config.name_converter.from_field(f): sample(
                f.resolve_type(type_definition=definition), nulls=nulls or depth > 2, depth=depth + 1
            )
            for f in definition.fields
        }
    for python_type, value in SAMPLES.items():
        if type_ is python_type or (isinstance(type_, type) and issubclass(type_, python_type)):
            return value
    return "SUQ6MQ=="  # an ID


def strawberry_conversion(type_: type, value: Any) -> Any:
    """Strawberry's conversion with every plan taken out."""
    saved = {name: d.from_input for name, d in INPUTS.items()}
    try:
        for d in INPUTS.values():
            if d.from_input is input_plans.build:
                d.from_input = None
        return convert_argument(value, type_, SCHEMA.schema_converter.scalar_registry, SCHEMA.config)
    finally:
        for name, d in INPUTS.items():
            d.from_input = saved[name]


def planned(type_: type, value: Any) -> Any:
    return convert_argument(value, type_, SCHEMA.schema_converter.scalar_registry, SCHEMA.config)


def test_every_plain_input_type_is_planned() -> None:
    assert INPUTS
    assert all(d.from_input is input_plans.build for d in INPUTS.values())


@pytest.mark.parametrize("name", sorted(INPUTS))
@pytest.mark.parametrize("nulls", [False, True])
def test_the_plan_builds_what_strawberry_builds(name: str, nulls: bool) -> None:
    cls = INPUTS[name].origin
    value = sample(cls, nulls=nulls)
    expected = strawberry_conversion(cls, value)
    built = planned(cls, value)
    assert type(built) is type(expected)
    assert vars(built) == vars(expected)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_fields_left_out_are_what_strawberry_leaves(name: str) -> None:
    cls = INPUTS[name].origin
    assert vars(planned(cls, {})) == vars(strawberry_conversion(cls, {}))


def test_lists_are_copied_not_shared() -> None:
    cls = INPUTS["AvailabilityInput"].origin
    skills = ["mixing"]
    value = sample(cls, nulls=False) | {"skills": skills}
    built = planned(cls, value)
    assert built.skills == skills and built.skills is not skills


def test_enum_members_stay_members() -> None:
    built = planned(INPUTS["CreateBookingInput"].origin, sample(INPUTS["CreateBookingInput"].origin, nulls=False))
    assert isinstance(built.status, enum.Enum)
    assert all(type(a).__name__ == "AllocationInput" for a in built.allocations)
