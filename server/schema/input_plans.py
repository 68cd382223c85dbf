"""Input values built from a plan made once per input type, instead of working the types out again
for every field of every request.

Strawberry converts a coerced input value (a dict keyed by GraphQL names) into the input class by
resolving each field's annotation, its GraphQL name and whether it is a scalar, on every request: a
createBooking with two allocations resolved 44 types a request, a quarter of the CPU the HTTP and
GraphQL layers spend on it. The plan keeps, per input type and schema configuration, each field's
GraphQL name, Python name and what its value needs: nothing (scalars, enums), a copy (lists of
those), or the plan of a nested input (and lists of them). Anything else (`Maybe`, a `GlobalID`, a
lazy or generic type, a type that builds itself) is left to Strawberry's own conversion, and an
input type with such a field directly in it keeps Strawberry's path entirely.

It is installed through Strawberry's `from_input` hook of the type definitions, which is called
with the class, the value and the conversion context, and must return what Strawberry would have
built: the class called with every given field converted and `None` for fields without a default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import InputContext, convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.unset import UNSET

Path = tuple[str | int, ...]
# How one field's value is converted: given the value (never None or UNSET), the context and its path.
Convert = Callable[[Any, InputContext, Path], Any]


class _Plan:
    """What building one input class takes: the fields' names and converters, the implicit nulls."""

    def __init__(self, nulls: dict[str, None], fields: list[tuple[str, str, Convert | None]]) -> None:
        self.nulls = nulls
        self.fields = fields


# (class, id of the config, id of the scalar registry) -> plan; the config and registry are kept
# alive by the schema that owns them, and the plan holds them too, so an id is never reused.
_plans: dict[tuple[type, int, int], tuple[_Plan, object, object]] = {}


def install(type_map: Mapping[str, Any]) -> None:
    """Give every plain input type of a schema's type map the planned conversion."""
    for concrete in type_map.values():
        definition = concrete.definition
        if isinstance(definition, StrawberryObjectDefinition) and _plannable(definition):
            definition.from_input = build


def build(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    """The input class built from its coerced value, as Strawberry's conversion builds it."""
    key = (cls, id(context.config), id(context.scalar_registry))
    entry = _plans.get(key)
    if entry is None:
        entry = (_plan(cls, context), context.config, context.scalar_registry)
        _plans[key] = entry
    return _build(entry[0], cls, value, context, context.path)


def _build(plan: _Plan, cls: type, value: Mapping[str, Any], context: InputContext, path: Path) -> Any:
    kwargs: dict[str, Any] = dict(plan.nulls)
    for graphql_name, python_name, convert in plan.fields:
        if graphql_name in value:
            item = value[graphql_name]
            if convert is None or item is None or item is UNSET:
                kwargs[python_name] = item
            else:
                kwargs[python_name] = convert(item, context, (*path, graphql_name))
    return cls(**kwargs)


def _plannable(definition: StrawberryObjectDefinition) -> bool:
    return (
        definition.is_input
        and definition.from_input in (None, build)
        and not definition.type_var_map
        and definition.concrete_of is None
        and not any(isinstance(f.type, StrawberryMaybe) for f in definition.fields)
    )


def _plan(cls: type, context: InputContext) -> _Plan:
    definition: StrawberryObjectDefinition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    nulls = {
        f.python_name: None for f in definition.fields if f.default_value is MISSING and f.default_factory is MISSING
    }
    fields = [
        (
            context.config.name_converter.from_field(f),
            f.python_name,
            _converter(f.resolve_type(type_definition=definition), context),
        )
        for f in definition.fields
    ]
    return _Plan(nulls, fields)


def _converter(type_: StrawberryType | type, context: InputContext) -> Convert | None:
    """None when the value is taken as it is; else how to convert it (None and UNSET pass as they are)."""
    if isinstance(type_, StrawberryOptional) and not isinstance(type_, StrawberryMaybe):
        return _converter(type_.of_type, context)
    if _is_leaf(type_, context):
        return None
    if isinstance(type_, StrawberryList):
        item = type_.of_type
        if isinstance(item, StrawberryOptional) and not isinstance(item, StrawberryMaybe):
            item = item.of_type
        if _is_leaf(item, context):
            # Copied: graphql-core gives the same default list to every request that omits the value.
            return lambda value, _context, _path: list(value)
        convert = _converter(item, context)
        if convert is None or isinstance(type_.of_type, StrawberryMaybe):
            return _strawberry(type_)

        def each(value: Any, ctx: InputContext, path: Path) -> list[Any]:
            return [
                x if x is None or x is UNSET else convert(x, ctx, (*path, index))  # type: ignore[misc]
                for index, x in enumerate(value)
            ]

        return each
    if not isinstance(type_, LazyType) and has_object_definition(type_) and _plannable(type_.__strawberry_definition__):
        nested: type = type_  # type: ignore[assignment]

        def input_object(value: Any, ctx: InputContext, path: Path) -> Any:
            key = (nested, id(ctx.config), id(ctx.scalar_registry))
            entry = _plans.get(key)
            if entry is None:
                entry = (_plan(nested, ctx), ctx.config, ctx.scalar_registry)
                _plans[key] = entry
            return _build(entry[0], nested, value, ctx, path)

        return input_object
    return _strawberry(type_)


def _is_leaf(type_: object, context: InputContext) -> bool:
    """Scalars (but a GlobalID, which is decoded) and enums: graphql-core's value is the value."""
    if type_ is GlobalID or isinstance(type_, LazyType):
        return False
    if isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_):
        return True
    return not isinstance(type_, StrawberryType) and is_scalar(type_, context.scalar_registry)


def _strawberry(type_: StrawberryType | type) -> Convert:
    """Strawberry's own conversion, for what the plan does not cover."""

    def convert(value: Any, ctx: InputContext, path: Path) -> Any:
        return convert_argument(value, type_, ctx.scalar_registry, ctx.config, ctx.info, path=path)

    return convert
