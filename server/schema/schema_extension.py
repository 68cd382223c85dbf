"""The one schema extension of Callsheet's own: every operation, over HTTP and over the websocket,
passes through it.

It applies a schema's `Guards` (`requests.py`): the token limit and the validation rules; the parse
and validation caches (`document_cache.py`); the refusal of an unnamed operation among several and
the codes of refusals before execution; and the operation's metrics and access-log labels
(`operation_metrics.py`). These were six extensions (Strawberry's token limiter, rule adder,
introspection switch, parser and validation caches, and ours); Strawberry builds every extension and
wraps each of its hooks anew for every operation, about 10 us each on a createBooking.

It is the schema's first extension, so it is the last to leave an operation: the metrics see the
errors as the client does, after masking.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from server.schema import document_cache, operation_metrics
from server.schema.requests import VALIDATION_FAILED, Guards, missing_operation_name, with_code


class Guarded(SchemaExtension):
    """Applies a schema's guards, caches and metrics to every operation (see the module docstring)."""

    def __init__(self, guards: Guards) -> None:
        self.guards = guards

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        guards = self.guards
        if guards.max_tokens is not None:
            context.parse_options["max_tokens"] = guards.max_tokens
        context.validation_rules = guards.rules(context.validation_rules)
        if not guards.metrics:
            yield
            return
        started, noted, token = operation_metrics.begin()
        try:
            yield
        finally:
            operation_metrics.finish(context, started, noted, token)

    def on_parse(self) -> Iterator[None]:
        if self.guards.caches:
            context = self.execution_context
            context.graphql_document = document_cache.parsed(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.guards.caches:
            assert context.graphql_document is not None
            context.pre_execution_errors = document_cache.validated(
                context.schema._schema, context.graphql_document, context.validation_rules
            )
        missing = missing_operation_name(context)
        if missing is not None:
            context.pre_execution_errors = [*(context.pre_execution_errors or ()), missing]
        yield
        for error in context.pre_execution_errors or ():
            with_code(error, VALIDATION_FAILED)
