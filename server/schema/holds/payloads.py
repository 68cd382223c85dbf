"""Payloads of ranked holds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from server.schema.errors import ForbiddenError, InvalidTransitionError, NotFoundError, ValidationError
from server.schema.types.scheduling import Booking


@strawberry.type(description="The holds ahead were challenged: each must be confirmed by `respondBy` or is released.")
class HoldChallenged:
    challenger: Booking = strawberry.field(description="The queued hold that challenged.")
    challenged: list[Booking] = strawberry.field(description="The holds that must now confirm.")
    respond_by: datetime = strawberry.field(description="The deadline.")


ChallengeHoldResult = Annotated[
    HoldChallenged | InvalidTransitionError | NotFoundError | ForbiddenError | ValidationError,
    strawberry.union("ChallengeHoldResult"),
]
