"""How a resolver refuses, in one place: domain errors become the result union's members
(mutations) or one GraphQL error with a stable code (queries and subscriptions)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar, cast

from graphql import GraphQLError

from server.schema.errors import from_domain
from server.schema.operation_metrics import note_refusal
from server.services.audit import acting, camel
from server.services.errors import DomainError

P = ParamSpec("P")
R = TypeVar("R")


def refusal(exc: DomainError) -> GraphQLError:
    """A refused query or subscription: the message, a stable code and the field in the extensions."""
    code = "BAD_USER_INPUT" if exc.code == "VALIDATION" else exc.code
    extensions = {"code": code}
    if exc.field:
        extensions["field"] = exc.field
    return GraphQLError(exc.message, extensions=extensions)


def result_union(resolve: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """A mutation that says only what it does: a domain error becomes its result union's error member.
    Its transactions are named after it in the audit log."""
    action = camel(resolve.__name__)

    @functools.wraps(resolve)
    async def resolver(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with acting(action):
                return await resolve(*args, **kwargs)
        except DomainError as exc:
            note_refusal(exc.code)
            return cast(R, from_domain(exc))

    return resolver


def refuses_query(resolve: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """A query that says only what it reads: a domain error becomes one GraphQL error (`refusal`)."""

    @functools.wraps(resolve)
    async def resolver(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await resolve(*args, **kwargs)
        except DomainError as exc:
            raise refusal(exc) from None

    return resolver
