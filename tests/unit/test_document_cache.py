"""The validation cache finds a document's result by its identity, never another schema's or rule set's."""

from __future__ import annotations

from typing import Any

import pytest

from server.api import build_schema
from server.schema import document_cache

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    real = document_cache.validate_document

    def counted(schema: Any, document: Any, rules: Any) -> Any:
        seen.append(document)
        return real(schema, document, rules)

    monkeypatch.setattr(document_cache, "validate_document", counted)
    monkeypatch.setattr(document_cache, "_validated", {})
    return seen


async def test_a_repeated_document_is_validated_once(validations: list[Any]) -> None:
    schema = build_schema()
    for _ in range(3):
        result = await schema.execute(INTROSPECTION)
        assert result.errors is None and result.data == {"__schema": {"queryType": {"name": "Query"}}}
    assert len(validations) == 1


async def test_schemas_and_rule_sets_do_not_share_results(validations: list[Any]) -> None:
    development, production = build_schema(), build_schema(production=True)
    for _ in range(2):
        assert (await development.execute(INTROSPECTION)).errors is None
        refused = await production.execute(INTROSPECTION)
        assert refused.data is None and refused.errors
        assert refused.errors[0].extensions == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert len(validations) == 2


async def test_refusals_are_remembered_with_their_errors(validations: list[Any]) -> None:
    schema = build_schema()
    first = await schema.execute("{ noSuchField }")
    again = await schema.execute("{ noSuchField }")
    assert first.errors and again.errors
    assert [e.message for e in first.errors] == [e.message for e in again.errors]
    assert len(validations) == 1
