"""Validation results remembered per parsed document, found by the document's identity.

Strawberry's `ValidationCache` keys its LRU cache on the document itself, and a document is a tree of
frozen dataclasses whose hash is computed again, node by node, on every lookup: 7.5 us for a
createBooking, 9.7 us for the catalogue screen query, more for larger documents, every request.
The parser cache hands out the same document object for the same text, so the identity of that
object (with the schema and the rule set, which are the same objects for every request of a
schema) finds the result without hashing the tree. An entry holds its document, so an identity is
never reused while its entry lives; the oldest entries go first once `maxsize` are held.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import ValidationCache
from strawberry.schema.schema import validate_document

_Key = tuple[int, int, tuple[Any, ...]]
_validated: dict[_Key, tuple[DocumentNode, GraphQLSchema, list[GraphQLError]]] = {}


class DocumentValidationCache(ValidationCache):
    """Strawberry's validation cache, keyed by the document's identity instead of its hash."""

    def __init__(self, maxsize: int = 512) -> None:
        super().__init__(maxsize)
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        schema = context.schema._schema
        rules = context.validation_rules
        key = (id(document), id(schema), rules)
        hit = _validated.get(key)
        if hit is not None and hit[0] is document and hit[1] is schema:
            errors = hit[2]
        else:
            assert document is not None
            errors = validate_document(schema, document, rules)
            while len(_validated) >= self.maxsize:
                del _validated[next(iter(_validated))]
            _validated[key] = (document, schema, errors)
        context.pre_execution_errors = errors
        yield
