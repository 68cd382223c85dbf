"""The GraphQL API: the root types composed from each slice's fields (`server.resolvers.<slice>`), and the
schema with its guards."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaskErrors
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule
from strawberry.schema.config import StrawberryConfig

from server.config import Limits
from server.resolvers.approvals import ApprovalMutation
from server.resolvers.audit import AuditQuery
from server.resolvers.cage import CageMutation, CageQuery
from server.resolvers.calendar import CalendarMutation
from server.resolvers.catalogue import CatalogueMutation, CatalogueQuery
from server.resolvers.holds import HoldsMutation
from server.resolvers.money import MoneyMutation, MoneyQuery
from server.resolvers.notifications import NotificationMutation, NotificationQuery, NotificationSubscription
from server.resolvers.plan import PlanMutation
from server.resolvers.projects import ProjectMutation, ProjectQuery
from server.resolvers.realtime import RealtimeQuery
from server.resolvers.realtime import Subscription as RealtimeSubscription
from server.resolvers.scheduling import SchedulingMutation, SchedulingQuery
from server.resolvers.slots import SlotsMutation, SlotsQuery
from server.resolvers.tokens import TokenMutation, TokenQuery
from server.resolvers.webhooks import WebhookMutation, WebhookQuery
from server.schema.errors import (
    BudgetExceededError,
    ConflictError,
    ForbiddenError,
    IdempotencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from server.schema.execution import CallsheetExecution, CallsheetSchema
from server.schema.requests import Guards
from server.schema.scalars import SCALARS
from server.schema.types.cage import Audit
from server.schema.types.calendar import CalendarFeed
from server.schema.types.catalogue import Kit, Location, Resource
from server.schema.types.money import Invoice, InvoiceLine, Rate
from server.schema.types.notifications import Notification
from server.schema.types.plan import MediaAsset, Milestone, Task
from server.schema.types.projects import Client, Project
from server.schema.types.scheduling import Allocation, Block, Booking
from server.schema.types.slots import BookingSeries, SessionTemplate
from server.schema.types.webhooks import Webhook, WebhookDelivery


@strawberry.type(description="Read the studio's operating record.")
class Query(
    CatalogueQuery,
    ProjectQuery,
    SchedulingQuery,
    MoneyQuery,
    TokenQuery,
    RealtimeQuery,
    CageQuery,
    AuditQuery,
    WebhookQuery,
    SlotsQuery,
    NotificationQuery,
):
    pass


@strawberry.type(description="Change the studio's operating record; every mutation returns a result union.")
class Mutation(
    CatalogueMutation,
    ProjectMutation,
    SchedulingMutation,
    MoneyMutation,
    TokenMutation,
    CageMutation,
    WebhookMutation,
    CalendarMutation,
    SlotsMutation,
    HoldsMutation,
    ApprovalMutation,
    NotificationMutation,
    PlanMutation,
):
    pass


@strawberry.type(description="Live views: each starts with a snapshot carrying the newest event seq, then updates.")
class Subscription(RealtimeSubscription, NotificationSubscription):
    pass


# Types reachable only through interfaces (node, UserError) must be named for the schema.
EXTRA_TYPES = [
    Resource,
    Location,
    Kit,
    Project,
    Booking,
    Allocation,
    Block,
    Audit,
    CalendarFeed,
    ValidationError,
    NotFoundError,
    ForbiddenError,
    InvalidTransitionError,
    IdempotencyMismatchError,
    BudgetExceededError,
    ConflictError,
    StaleVersionError,
    Invoice,
    InvoiceLine,
    Rate,
    Webhook,
    WebhookDelivery,
    SessionTemplate,
    BookingSeries,
    Client,
    Notification,
    Task,
    Milestone,
    MediaAsset,
]


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; keep errors we raise on purpose and parse/validation errors."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpected(MaskErrors):
    """Strawberry's MaskErrors with `should_mask`, finding a result's errors by attribute: its own test,
    `isinstance` against a runtime-checkable Protocol, cost 7 us every operation."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask, error_message="Unexpected error.")

    def _process_result(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)


def build_schema(limits: Limits | None = None, *, production: bool = False, metrics: bool = True) -> CallsheetSchema:
    """The schema with request guards; introspection is refused in production mode."""
    limits = limits or Limits()
    # The depth and alias rules are built once per schema: the validation cache keys on the rule
    # classes, and QueryDepthLimiter/MaxAliasesLimiter build new classes per instance, so per-request
    # instances of those made every request miss the cache and validate again (~4 ms a mutation).
    rules: list[type[ASTValidationRule]] = [depth_rule(limits.max_depth, None, None), alias_rule(limits.max_aliases)]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    # The token limit, these rules, the parser and validation caches and the operation metrics are
    # applied by the schema's own extension (`Guarded`): one extension instead of six, each costing
    # every request its instance and hooks.
    guards = Guards(max_tokens=limits.max_tokens, extra=tuple(rules), metrics=metrics)
    return CallsheetSchema(
        guards=guards,
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=EXTRA_TYPES,
        # Extensions are passed as factories so each execution gets its own instance.
        extensions=[MaskUnexpected],
        config=StrawberryConfig(disable_field_suggestions=True, scalar_map=SCALARS),
        execution_context_class=CallsheetExecution,
    )
