"""Inputs of ranked holds."""

from __future__ import annotations

from datetime import datetime

import strawberry


@strawberry.input(description="A queued hold asks every other project's HOLD ahead of it to confirm by a deadline.")
class ChallengeHoldInput:
    booking_id: strawberry.ID = strawberry.field(description="The queued hold that challenges the holds ahead of it.")
    respond_by: datetime = strawberry.field(
        description="When the holds ahead must be confirmed by; no later than their own expiry."
    )
