"""Projects: the job a booking belongs to, with its client, producer and approved budget."""

from __future__ import annotations

from decimal import Decimal

from db.models import BudgetChange, Client, Project, Role
from db.repositories import projects as repo
from db.repositories import tenancy
from server.events.types import PROJECTS, DomainEvent
from server.services import validation as v
from server.services.currency import check_currency, to_minor
from server.services.errors import Invalid, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.uow import Tx, UnitOfWork


async def create_project(
    tx: Tx,
    principal: Principal,
    name: str,
    client_name: str | None,
    approved_budget: Decimal | None,
    currency: str | None,
    client_id: int | None = None,
) -> Project:
    """Open a project (for a client, by id or by a name created on first use); a producer who creates
    one is its producer."""
    require(principal, Action.MANAGE_PROJECTS)
    studio = await tenancy.studio(tx.session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    clean_name = v.required_text(name, "name", max_length=120)
    if await repo.name_taken(tx.session, principal.studio_id, clean_name):
        raise Invalid(f"A project named {clean_name} already exists.", field="name")
    code = check_currency(currency) if currency is not None else studio.currency
    if code != studio.currency:
        raise Invalid(f"This studio bills in {studio.currency}.", field="currency")
    budget = to_minor(approved_budget, code, "approvedBudget") if approved_budget is not None else None
    clean_client = v.text(client_name, "clientName", max_length=120, required=False)
    if client_id is not None:
        if clean_client:
            raise Invalid("Give one of clientId and clientName.", field="clientId")
        if await repo.client_in_studio(tx.session, principal, client_id) is None:
            raise NotFound("No such client.")
    elif clean_client:
        client = await repo.client_named(tx.session, principal.studio_id, clean_client)
        if client is None:
            client = Client(studio_id=principal.studio_id, name=clean_client)
            tx.session.add(client)
            await tx.session.flush()
        client_id = client.id
    project = Project(
        studio_id=principal.studio_id,
        name=clean_name,
        client_id=client_id,
        currency=code,
        approved_budget_minor=budget,
        producer_id=principal.user_id if principal.role == Role.PRODUCER else None,
    )
    tx.session.add(project)
    await tx.session.flush()
    if budget is not None:
        tx.session.add(
            BudgetChange(
                studio_id=principal.studio_id,
                project_id=project.id,
                previous_minor=None,
                approved_minor=budget,
                reason="initial budget",
                actor=principal.actor,
            )
        )
    tx.emit(DomainEvent(PROJECTS, "ProjectCreated", {"projectId": project.id}))
    return project


async def open_project(
    uow: UnitOfWork,
    principal: Principal,
    name: str,
    client_name: str | None,
    approved_budget: Decimal | None,
    currency: str | None,
    client_id: int | None = None,
) -> Project:
    """createProject in its own transaction."""
    return await uow.run_as(
        principal, lambda tx: create_project(tx, principal, name, client_name, approved_budget, currency, client_id)
    )


async def project_page(
    uow: UnitOfWork, principal: Principal, *, first: int, after_id: int | None
) -> tuple[list[Project], bool]:
    """One page of the projects the caller may read, by id."""
    async with uow.read() as session:
        return await repo.page(session, principal, first=first, after_id=after_id)
