"""Session templates: named packages of needs and tasks (COORDINATOR and ADMIN create them; the
people who plan sessions read them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Resource, ResourceKind, SessionTemplate, Studio
from db.repositories import resources as resource_rows
from db.repositories import templates as rows
from db.repositories import tenancy
from server.events.types import RESOURCES, DomainEvent
from server.services import validation as v
from server.services.errors import Invalid, NotFound
from server.services.permissions import Action, require
from server.services.principal import Principal
from server.services.slots.needs import Need, NeedSpec, TaskSpec, check_duration, check_needs, check_tasks
from server.services.uow import Tx


@dataclass(frozen=True)
class CreateTemplate:
    name: str
    duration_minutes: int
    needs: tuple[NeedSpec, ...]
    tasks: tuple[TaskSpec, ...] = ()


async def studio_of(session: AsyncSession, principal: Principal) -> Studio:
    studio = await tenancy.studio(session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    return studio


async def check_references(session: AsyncSession, principal: Principal, needs: Sequence[Need]) -> None:
    """Named resources and kits exist in the caller's studio and fit their needs (NotFound otherwise)."""
    ids = [n.resource_id for n in needs if n.resource_id is not None]
    kit_ids = [n.kit_id for n in needs if n.kit_id is not None]
    found: dict[int, Resource] = {r.id: r for r in await resource_rows.by_ids(session, principal, ids)}
    kits = {k.id: k for k in await resource_rows.kits_by_ids(session, principal, kit_ids)}
    for i, need in enumerate(needs):
        at = f"needs[{i}]"
        if need.resource_id is not None:
            resource = found.get(need.resource_id)
            if resource is None:
                raise NotFound("No such resource.")
            if resource.kind != need.kind:
                raise Invalid(f"{resource.name} is {resource.kind.value}, not {need.kind.value}.", field=f"{at}.kind")
            if resource.retired_at is not None:
                raise Invalid(f"{resource.name} is retired.", field=f"{at}.resourceId")
            if resource.kind == ResourceKind.STOCK and need.quantity > resource.quantity:
                raise Invalid(f"{resource.name} has only {resource.quantity} units.", field=f"{at}.quantity")
        if need.kit_id is not None:
            kit = kits.get(need.kit_id)
            if kit is None:
                raise NotFound("No such kit.")
            if kit.retired_at is not None:
                raise Invalid(f"{kit.name} is retired.", field=f"{at}.kitId")


async def create_template(tx: Tx, principal: Principal, cmd: CreateTemplate) -> SessionTemplate:
    """A new template, its needs and tasks validated."""
    require(principal, Action.MANAGE_TEMPLATES)
    studio = await studio_of(tx.session, principal)
    name = v.required_text(cmd.name, "name", max_length=120)
    duration = check_duration(cmd.duration_minutes, studio.max_booking_hours)
    needs = check_needs(cmd.needs, duration, studio.max_booking_hours)
    tasks = check_tasks(cmd.tasks)
    await check_references(tx.session, principal, needs)
    if await rows.template_name_taken(tx.session, principal.studio_id, name):
        raise Invalid(f"A template named {name!r} exists.", field="name")
    row = SessionTemplate(
        studio_id=principal.studio_id,
        name=name,
        duration_minutes=duration,
        needs=[n.to_json() for n in needs],
        tasks=[t.to_json() for t in tasks],
    )
    await rows.add(tx.session, row)
    tx.emit(DomainEvent(RESOURCES, "SessionTemplateCreated", {"templateId": row.id}))
    return row


def needs_of(template: SessionTemplate) -> list[Need]:
    return [Need.from_json(n) for n in template.needs]


def tasks_of(template: SessionTemplate) -> list[TaskSpec]:
    return [TaskSpec.from_json(t) for t in template.tasks]
