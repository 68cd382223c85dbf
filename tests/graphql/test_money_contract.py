"""The money names clients rely on keep their shapes (fields may be added, never renamed or retyped)."""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLUnionType, build_schema

from server.api import build_schema as build_callsheet_schema

CONTRACT = """
scalar Decimal
scalar DateTime
enum RateUnit { HOUR HALF_DAY DAY FLAT }
type Money { amount: Decimal! currency: String! }
type BudgetExceededError { code: String! message: String! overBy: Money! }
type Budget { approved: Money estimate: Money! actual: Money! remaining: Money }
type Project { id: ID! name: String! budget: Budget }
type RateSet { unit: RateUnit! costRate: Money! billRate: Money! }
type ValidationError { code: String! message: String! field: String }
type NotFoundError { code: String! message: String! }
type ForbiddenError { code: String! message: String! }
union SetRateResult = RateSet | ValidationError | NotFoundError | ForbiddenError
input SetRateInput { resourceId: ID category: String unit: RateUnit! costRate: Decimal! billRate: Decimal! }
input CreateBookingInput { allowOverBudget: Boolean }
type Query { budget(projectId: ID!): Budget }
type Mutation { setRate(input: SetRateInput!): SetRateResult! }
"""


def test_money_shapes_match_the_contract() -> None:
    contract = build_schema(CONTRACT)
    ours = build_callsheet_schema().as_str()
    actual = build_schema(ours)
    for name, expected in contract.type_map.items():
        if name.startswith("__") or name in ("String", "Boolean", "ID", "Int", "Float"):
            continue
        got = actual.type_map.get(name)
        assert got is not None, name
        if isinstance(expected, GraphQLEnumType):
            assert set(expected.values) <= set(got.values), name  # type: ignore[attr-defined]
        elif isinstance(expected, GraphQLUnionType):
            assert {t.name for t in expected.types} <= {t.name for t in got.types}, name  # type: ignore[attr-defined]
        elif hasattr(expected, "fields"):
            for field_name, field in expected.fields.items():
                mine = got.fields.get(field_name)  # type: ignore[attr-defined]
                assert mine is not None, f"{name}.{field_name}"
                assert str(mine.type) == str(field.type), f"{name}.{field_name}: {mine.type} != {field.type}"
                if isinstance(expected, GraphQLObjectType):
                    for arg, spec in field.args.items():
                        assert str(mine.args[arg].type) == str(spec.type), f"{name}.{field_name}({arg})"
