"""How operations execute: variables checked before coercion, refusals labelled and logged as
refusals, fresh DataLoaders per execution on a websocket, and one execution per viewer class for a
subscription event shared by many subscribers.

Variables go through `requests.variable_errors` (depth, size, storable text) before graphql-core
coerces them; everything `build` refuses is labelled BAD_USER_INPUT. Errors are logged by
`error_log.log_error`: a refusal is one line, an unexpected exception one traceback.

A websocket's context lives as long as the socket, so every execution over it (a query, or one
event of a subscription) starts with new DataLoaders: nothing is served from an older cache.

A field may fail without failing its parents (`report_beside`): its error is added to the
execution's errors at its path while it answers a stand-in value. A refusal's alternatives are read
after the refused transaction; should that read fail, the client still gets the refusal.

A board version is the same for a thousand wall displays. Its payload carries a `SharedRender`:
a memo shared by every subscriber of that version and the viewer's class. The first subscriber of
a class to execute a given operation (same document, same variables) runs it; the others reuse its
result. The viewer class is everything authorization looks at (studio, role, user, location), so
two viewers share a result only when every permission check answers the same for both.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import ExecutionResult, GraphQLError
from graphql.language import OperationType
from graphql.pyutils import Path
from starlette.websockets import WebSocket
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from db.repositories.scoping import read_class
from server.schema import input_plans
from server.schema.error_log import log_error, unexpected
from server.schema.operation_metrics import note_error
from server.schema.requests import BAD_USER_INPUT, PARSE_FAILED, Guards, variable_errors, with_code
from server.schema.schema_extension import Guarded
from server.services.principal import Principal

ViewerClass = tuple[int, str, int | None, int | None, int | None]

# How the execution running in this task collects a field's error (set as each execution starts).
_collect: ContextVar[Callable[[GraphQLError, Path | None], None] | None] = ContextVar("collect", default=None)


def report_beside(info: strawberry.Info, exc: Exception) -> None:
    """Report `exc` as the error of the field resolving (logged, and masked when unexpected) without
    failing the field: the caller answers a stand-in value, so a non-null field's parents survive."""
    error = GraphQLError(str(exc) or type(exc).__name__, path=info.path.as_list(), original_error=exc)
    collect = _collect.get()
    if collect is None:
        raise error
    collect(error, info.path)


def viewer_class(principal: Principal) -> ViewerClass:
    """What decides what a principal may see: the parts of it the read rules look at (its token and
    name do not count, nor a user or location its role's rules never read)."""
    return read_class(principal)


@dataclass(frozen=True)
class SharedRender:
    """Carried by a payload that many subscribers receive: where their results are shared."""

    memo: dict[Any, Any]
    viewer: ViewerClass


class CallsheetSchema(strawberry.Schema):
    """Strawberry's schema with the request rules, `guards` (`requests.py`) and metrics applied by
    `Guarded`, its first extension (`schema_extension.py`), and Callsheet's error log."""

    def __init__(self, *args: Any, guards: Guards | None = None, **kwargs: Any) -> None:
        self.guards = guards or Guards()
        self.given_extensions = list(kwargs.get("extensions", ()))  # without `Guarded`
        kwargs["extensions"] = [self._guarded, *self.given_extensions]
        super().__init__(*args, **kwargs)
        input_plans.install(self.schema_converter.type_map)

    def _guarded(self) -> Guarded:
        return Guarded(self.guards)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        parsed = execution_context is not None and execution_context.graphql_document is not None
        for error in errors:
            if not parsed and unexpected(error) is None:
                with_code(error, PARSE_FAILED)
            note_error(error)
            log_error(error, execution_context)


class CallsheetExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the behaviours above."""

    @classmethod
    def build(cls, schema: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
        raw = kwargs.get("raw_variable_values", args[2] if len(args) > 2 else None)
        refused = variable_errors(raw)
        if refused:
            return refused
        built = super().build(schema, document, *args, **kwargs)
        if isinstance(built, list):
            return [with_code(error, BAD_USER_INPUT) for error in built]
        return built

    def execute_operation(self, serially: bool | None = None) -> Any:
        _collect.set(self.collected_errors.add)
        shared = getattr(self.root_value, "shared", None)
        if not isinstance(shared, SharedRender) or self.operation.operation != OperationType.SUBSCRIPTION:
            self._renew_loaders()
            return super().execute_operation(serially)
        key = (id(self.operation), _frozen(self.variable_values.coerced), shared.viewer)
        hit = shared.memo.get(key)
        if hit is None:
            self._renew_loaders()
            outcome = super().execute_operation(serially)
            if not self.is_awaitable(outcome):
                shared.memo[key] = (self.operation, outcome)
                return _copy(outcome)  # type: ignore[arg-type]
            # Awaited in this task, not in a new one: when no resolver has to wait, the result (and
            # so the message rendered from it) is complete before any other subscriber runs.
            pending = asyncio.get_running_loop().create_future()
            shared.memo[key] = (self.operation, pending)
            return _first(outcome, pending, shared.memo, key, self.operation)  # type: ignore[arg-type]
        _, value = hit
        if isinstance(value, asyncio.Future):
            return _copy_when_done(value)
        return _copy(value)

    def _renew_loaders(self) -> None:
        context = self.context_value
        if isinstance(getattr(context, "request", None), WebSocket):
            context.fresh_loaders()


def _frozen(variables: dict[str, Any] | None) -> str:
    return json.dumps(variables or {}, sort_keys=True, default=str)


def _copy(result: ExecutionResult) -> ExecutionResult:
    # Each subscriber's result is processed on its own (error masking, extensions): share the data
    # (read only from here on), never the result object.
    return ExecutionResult(result.data, list(result.errors) if result.errors else None, result.extensions)


async def _first(
    outcome: Awaitable[ExecutionResult],
    pending: asyncio.Future[ExecutionResult],
    memo: dict[Any, Any],
    key: Any,
    node: Any,
) -> ExecutionResult:
    try:
        result = await outcome
    except BaseException as exc:
        # Those waiting get the same failure; a later subscriber of this version tries again.
        memo.pop(key, None)
        if isinstance(exc, asyncio.CancelledError):
            pending.cancel()
        else:
            pending.set_exception(exc)
            pending.exception()  # retrieved here: nobody may be waiting
        raise
    memo[key] = (node, result)
    pending.set_result(result)
    return _copy(result)


async def _copy_when_done(pending: asyncio.Future[ExecutionResult]) -> ExecutionResult:
    # Shielded: one subscriber leaving must not cancel what the others wait for.
    return _copy(await asyncio.shield(pending))
