"""What the allocation engine asks of a budget: the `BudgetPolicy` it is given when it is built.

Every booking change that may move the estimate calls `begin` before it writes (to note what the
booking adds to the estimate) and `guard` inside its transaction after it has written its rows, so
the project's estimate can be computed from the database as it will be committed (a raising change
locks the project row there, so budget checks of one project queue up): raising `BudgetExceeded`
there rolls the whole change back. `cost_of_move` tells a dry-run move what the move would do to
the estimate. The money slice's `BudgetGuard` is the policy; the composition root
(`server.runtime`) passes it in, so no process can book without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from db.models import Booking
from server.services.allocation.windows import Window
from server.services.principal import Principal
from server.services.uow import Tx


@dataclass(frozen=True)
class CostChange:
    """Minor units before and after, in the project's currency."""

    before_minor: int
    after_minor: int
    currency: str

    @property
    def delta_minor(self) -> int:
        return self.after_minor - self.before_minor


class BudgetPolicy(Protocol):
    """The budget rules a booking change runs inside its transaction."""

    async def begin(
        self, tx: Tx, principal: Principal, project_id: int, operation: str, booking_id: int | None = None
    ) -> None:
        """Before writing: note what the booking (None: one about to be created) adds to the estimate now."""

    async def guard(self, tx: Tx, principal: Principal, booking: Booking, *, allow_over_budget: bool) -> None:
        """Refuse (BudgetExceeded) a change that takes the project's estimate over its approved budget."""

    async def cost_of_move(
        self, tx: Tx, principal: Principal, booking: Booking, windows: dict[int, Window]
    ) -> CostChange | None:
        """What moving these allocations to these windows would do to the estimate (None: not priced)."""
