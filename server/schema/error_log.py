"""How GraphQL errors are logged: a refusal is one line, an unexpected exception one traceback.

Both name the request id (`X-Request-Id`, set by the HTTP view for every request and websocket), so
the line a client reports can be found with the traceback behind it.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

log = logging.getLogger("callsheet.graphql")

REQUEST_ID = "request_id"  # key in the ASGI scope's state
OPERATION = "operation"  # the operation's label (its root field), for the access log
OUTCOME = "outcome"  # success or the first error code, for the access log


def request_id(execution_context: Any) -> str:
    """The id the HTTP view gave this request or websocket, or "-" outside one."""
    request = getattr(getattr(execution_context, "context", None), "request", None)
    state = getattr(request, "scope", {}).get("state") or {}
    return str(state.get(REQUEST_ID, "-"))


def unexpected(error: GraphQLError) -> BaseException | None:
    """The exception behind the error when nobody raised it on purpose, or None for a refusal."""
    original = error.original_error
    while isinstance(original, GraphQLError):
        original = original.original_error
    return original


def log_error(error: GraphQLError, execution_context: Any = None) -> None:
    operation = getattr(execution_context, "operation_name", None) or "anonymous"
    where = ".".join(map(str, error.path)) if error.path else operation
    cause = unexpected(error)
    rid = request_id(execution_context)
    if cause is None:
        code = (error.extensions or {}).get("code", "-")
        log.info("request %s refused at %s (%s): %s", rid, where, code, error.message.replace("\n", " "))
    else:
        log.error("request %s failed at %s: %s", rid, where, type(cause).__name__, exc_info=cause)
