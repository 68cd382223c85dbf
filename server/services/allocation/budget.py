"""The money slice's hooks into the allocation paths.

Every booking change that may move the estimate calls `begin` before it writes (to note what the
booking adds to the estimate) and `guard` inside its transaction after it has written its rows, so
the project's estimate can be computed from the database as it will be committed (a raising change
locks the project row there, so budget checks of one project queue up): raising `BudgetExceeded`
there rolls the whole change back. `cost_change` tells a dry-run move what the move
would do to the estimate. All are no-ops until the money slice replaces them (`install`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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


# (tx, principal, project id, operation, booking id or None for a new one) -> None: note the estimate before.
Begin = Callable[[Tx, Principal, int, str, int | None], Awaitable[None]]
Guard = Callable[[Tx, Principal, Booking, bool], Awaitable[None]]
# (tx, principal, booking, {allocation id: new window}) -> cost change of moving them there.
CostOfMove = Callable[[Tx, Principal, Booking, dict[int, Window]], Awaitable[CostChange | None]]


async def _no_begin(tx: Tx, principal: Principal, project_id: int, operation: str, booking_id: int | None) -> None:
    return None


async def _no_guard(tx: Tx, principal: Principal, booking: Booking, allow_over_budget: bool) -> None:
    return None


async def _no_cost(tx: Tx, principal: Principal, booking: Booking, windows: dict[int, Window]) -> CostChange | None:
    return None


_hooks: dict[str, object] = {"begin": _no_begin, "guard": _no_guard, "cost_of_move": _no_cost}


def install(*, begin: Begin | None = None, guard: Guard | None = None, cost_of_move: CostOfMove | None = None) -> None:
    """Called once by the money slice at import time."""
    if begin is not None:
        _hooks["begin"] = begin
    if guard is not None:
        _hooks["guard"] = guard
    if cost_of_move is not None:
        _hooks["cost_of_move"] = cost_of_move


async def begin(tx: Tx, principal: Principal, project_id: int, operation: str, booking_id: int | None = None) -> None:
    """Before writing: note what the booking (None: one about to be created) adds to the estimate now."""
    hook: Begin = _hooks["begin"]  # type: ignore[assignment]
    await hook(tx, principal, project_id, operation, booking_id)


async def guard(tx: Tx, principal: Principal, booking: Booking, *, allow_over_budget: bool) -> None:
    """Refuse (BudgetExceeded) a change that takes the project's estimate over its approved budget."""
    hook: Guard = _hooks["guard"]  # type: ignore[assignment]
    await hook(tx, principal, booking, allow_over_budget)


async def cost_of_move(tx: Tx, principal: Principal, booking: Booking, windows: dict[int, Window]) -> CostChange | None:
    """What moving these allocations to these windows would do to the estimate (None: not priced)."""
    hook: CostOfMove = _hooks["cost_of_move"]  # type: ignore[assignment]
    return await hook(tx, principal, booking, windows)
