"""Counts and times every GraphQL operation by its root field and outcome.

The label is the first root field of the operation that runs (`createBooking`, `resources`), a
name the schema defines; a document that names none (unparsable, invalid) is `invalid`. The outcome
is `success`, or the code of the first error (`BAD_USER_INPUT`, `FORBIDDEN`, `INTERNAL_ERROR` for a
masked exception), or, for a mutation that answers with an error member of its result union, that
member's code (`CONFLICT`, `VALIDATION`, ...), which `@result_union` records through `note_refusal`.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from graphql import FieldNode, GraphQLError, InlineFragmentNode, OperationDefinitionNode
from graphql.language import SelectionSetNode

from server.schema.error_log import OPERATION, OUTCOME, unexpected
from server.schema.requests import PARSE_FAILED
from server.telemetry import metrics

# Outcomes noted while the operation runs: (errors, domain refusals), shared with the resolvers' tasks.
Noted = tuple[list[str], list[str]]
_NOTED: ContextVar[Noted | None] = ContextVar("callsheet_outcomes", default=None)
MASKED = "Unexpected error."
# Set in the task of a subscription resumed after it detached (`server.websocket.FastLane`): it was
# counted when it detached, as one operation.
RESUMED: ContextVar[bool] = ContextVar("callsheet_operation_resumed", default=False)


def note_refusal(code: str) -> None:
    """A resolver answered with an error member of its result union."""
    noted = _NOTED.get()
    if noted is not None:
        noted[1].append(code)


def note_error(error: GraphQLError) -> None:
    """An error of the operation's response (the schema's `process_errors` reports each)."""
    noted = _NOTED.get()
    if noted is not None:
        noted[0].append(error_code(error))


def begin() -> tuple[float, Noted, Token[Noted | None]]:
    """An operation starts: its clock, and where its outcomes are noted while it runs."""
    noted: Noted = ([], [])
    return metrics.clock(), noted, _NOTED.set(noted)


def finish(ec: Any, started: float, noted: Noted, token: Token[Noted | None]) -> None:
    """The operation ended (its errors masked): count and time it, and tell the access log."""
    _NOTED.reset(token)
    if RESUMED.get():
        return  # a resumed subscription is not a new operation
    errors, refusals = noted
    kind, field = label(ec)
    result = ec.result
    found = (result.errors if result is not None else None) or ec.pre_execution_errors
    if found:
        errors.insert(0, error_code(found[0]))
    elif ec.graphql_document is None:
        errors.insert(0, PARSE_FAILED)  # the document never parsed (its error is reported later)
    outcome = errors[0] if errors else refusals[0] if refusals else "success"
    metrics.record_operation(field, kind, outcome, metrics.clock() - started)
    state = _state(ec)
    if state is not None:
        state[OPERATION] = field
        state[OUTCOME] = outcome


def label(ec: Any) -> tuple[str, str]:
    """(operation type, root field) of the execution, both from the schema's vocabulary."""
    document = ec.graphql_document
    if document is None:
        return "unknown", "invalid"
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = next(
        (o for o in operations if ec.operation_name is None or (o.name and o.name.value == ec.operation_name)), None
    )
    if chosen is None:
        return "unknown", "invalid"
    kind = chosen.operation.value
    root = ec.schema._schema.get_root_type(chosen.operation)
    name = _first_field(chosen.selection_set)
    if name is None or root is None or (name not in root.fields and name not in ("__schema", "__type", "__typename")):
        return kind, "invalid"
    return kind, name


def error_code(error: GraphQLError) -> str:
    code = (error.extensions or {}).get("code")
    if isinstance(code, str) and code.isupper() and len(code) <= 40:
        return code
    if unexpected(error) is not None or error.message == MASKED:
        return "INTERNAL_ERROR"
    return "GRAPHQL_VALIDATION_FAILED"


def _first_field(selection_set: SelectionSetNode | None) -> str | None:
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            return selection.name.value
        if isinstance(selection, InlineFragmentNode):
            found = _first_field(selection.selection_set)
            if found is not None:
                return found
    return None


def _state(ec: Any) -> dict[str, Any] | None:
    request = getattr(getattr(ec, "context", None), "request", None)
    scope = getattr(request, "scope", None)
    if not isinstance(scope, dict) or scope.get("type") != "http":
        return None
    state = scope.get("state")
    return state if isinstance(state, dict) else None
