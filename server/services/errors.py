"""Domain errors with stable codes; resolvers map each to a member of the result union."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.services.allocation.alternatives import Sought


class DomainError(Exception):
    """An expected refusal the client can act on."""

    code = "ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Invalid(DomainError):
    """Input that can never succeed as given (the API's ValidationError)."""

    code = "VALIDATION"


class StorageFull(Invalid):
    """A registration that would fill a storage volume past its capacity."""

    code = "STORAGE_FULL"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class IdempotencyMismatch(DomainError):
    code = "IDEMPOTENCY_MISMATCH"


@dataclass(frozen=True)
class Clash:
    """One existing claim that collides with what was asked."""

    resource_id: int
    start: datetime
    end: datetime
    booking_id: int | None  # None for a block, or when the caller may not see the booking
    occurrence_start: datetime | None = None  # in a series: the occurrence that clashed


class Conflict(DomainError):
    """Clashes, and the alternatives: given (a stored result replayed) or, with `sought`, searched
    only when a client asks for them, after the refused transaction (`AllocationService.alternatives`)."""

    code = "CONFLICT"

    def __init__(
        self,
        message: str,
        clashes: list[Clash],
        alternative_ids: list[int] | None = None,
        alternative_kit_ids: list[int] | None = None,
        *,
        sought: Sought | None = None,
    ) -> None:
        super().__init__(message)
        self.clashes = clashes
        self.alternative_ids = alternative_ids or []
        self.alternative_kit_ids = alternative_kit_ids or []
        self.sought = sought


class BudgetExceeded(DomainError):
    code = "BUDGET_EXCEEDED"

    def __init__(self, message: str, over_by_minor: int, currency: str) -> None:
        super().__init__(message)
        self.over_by_minor = over_by_minor
        self.currency = currency


@dataclass
class Warnings:
    """Soft rule breaches returned beside a success (crew caps and rest under a lenient policy)."""

    messages: list[str] = field(default_factory=list)


class StaleVersion(DomainError):
    """The client's expected version is not the row's current one: someone changed it meanwhile."""

    code = "STALE_VERSION"

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version
