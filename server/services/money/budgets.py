"""Project budgets: reading approved / estimate / actual / remaining, and setting the approved budget.

Who sees what: ADMIN and COORDINATOR every project's money, costs included; a PRODUCER their own
projects' money at bill rates (costs stay hidden); CREW, SCANNER and DISPLAY none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BudgetChange, Project, ScopeChange
from db.repositories import money as rows
from server.events.types import BOOKINGS, DomainEvent
from server.services import validation as v
from server.services import versions
from server.services.currency import check_currency, to_minor
from server.services.errors import Invalid, NotFound
from server.services.money.estimates import ProjectMoney, project_money
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.uow import Tx


def may_see_costs(principal: Principal | None) -> bool:
    """Cost rates and margins are the studio's own business: staff who manage money only."""
    return allowed(principal, Action.MANAGE_MONEY)


async def budgets(
    session: AsyncSession, principal: Principal | None, project_ids: Sequence[int], now: datetime
) -> dict[int, ProjectMoney]:
    """The money of the projects the caller may read money of (others are simply absent)."""
    if principal is None or not allowed(principal, Action.READ_MONEY):
        return {}
    projects = await rows.visible_projects(session, principal, project_ids)
    return await project_money(session, principal, projects, now)


async def history(
    session: AsyncSession, principal: Principal | None, project_id: int
) -> tuple[list[BudgetChange], list[ScopeChange]]:
    """Budget changes and scope changes of a project the caller may read money of."""
    if principal is None or not allowed(principal, Action.READ_MONEY):
        return [], []
    if not await rows.visible_projects(session, principal, [project_id]):
        return [], []
    return await rows.budget_changes(session, principal, project_id), await rows.scope_changes(
        session, principal, project_id
    )


async def set_project_budget(
    tx: Tx,
    principal: Principal,
    project_id: int,
    approved: Decimal | None,
    currency: str | None,
    reason: str | None,
    expected_version: int | None = None,
) -> Project:
    """Change (or clear, with None) a project's approved budget, keeping its history."""
    require(principal, Action.MANAGE_MONEY)
    await versions.claim(tx, Project, principal.studio_id, project_id, expected_version)
    project = await rows.lock_project(tx.session, principal, project_id)
    if project is None:
        raise NotFound("No such project.")
    if currency is not None and check_currency(currency) != project.currency:
        raise Invalid(f"This project's budget is in {project.currency}.", field="currency")
    minor = None if approved is None else to_minor(approved, project.currency, "approvedBudget")
    note = v.text(reason, "reason", max_length=500, required=False) or ""
    if minor == project.approved_budget_minor:
        return project
    await rows.add(
        tx.session,
        BudgetChange(
            studio_id=project.studio_id,
            project_id=project.id,
            previous_minor=project.approved_budget_minor,
            approved_minor=minor,
            reason=note,
            actor=principal.actor,
        ),
    )
    project.approved_budget_minor = minor
    await tx.session.flush()
    tx.emit(DomainEvent(BOOKINGS, "BudgetChanged", {"projectId": project.id}))
    return project
