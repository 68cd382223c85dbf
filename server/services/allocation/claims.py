"""Turn allocation requests into claims: resolve resources and kits, expand kits, validate each one.

Everything about the request that can never succeed is refused here with a ValidationError naming
the field (`allocations[2].quantity`); resources of another studio read as not found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from db.models import POOL_KINDS, Resource, ResourceKind, Studio
from db.repositories import resources as resource_rows
from server.services import validation as v
from server.services.allocation.commands import AllocationRequest
from server.services.allocation.windows import Window, allocation_window
from server.services.errors import Invalid, NotFound
from server.services.principal import Principal
from server.services.uow import Tx

MAX_ALLOCATIONS = 100


@dataclass(frozen=True)
class Claim:
    """One resource (or N units of a pool) for one window, as it will be written."""

    resource: Resource
    window: Window
    quantity: int
    role: str | None
    kit_id: int | None
    index: int  # the request it came from, for error fields
    buffers: bool = True  # blocks claim their plain window

    @property
    def is_unit(self) -> bool:
        return self.resource.kind not in POOL_KINDS

    @property
    def buffered(self) -> Window:
        if not self.buffers:
            return self.window
        return self.window.buffered(self.resource.setup_minutes, self.resource.teardown_minutes)

    @property
    def field(self) -> str:
        return f"allocations[{self.index}]"


def has_skill(resource: Resource, role: str) -> bool:
    wanted = role.strip().lower()
    return any(s.lower() == wanted for s in resource.skills or [])


async def resolve(
    tx: Tx,
    principal: Principal,
    studio: Studio,
    booking: Window,
    requests: Sequence[AllocationRequest],
    known: Mapping[int, Resource] | None = None,
) -> list[Claim]:
    """Validate and expand requests (kits into their items) into claims; `known`: resources of the
    studio already read (by id), which are not read again."""
    if len(requests) > MAX_ALLOCATIONS:
        raise Invalid(f"At most {MAX_ALLOCATIONS} allocations per request.", field="allocations")
    resource_ids = [r.resource_id for r in requests if r.resource_id is not None]
    kit_ids = [r.kit_id for r in requests if r.kit_id is not None]
    kits = {k.id: k for k in await resource_rows.kits_by_ids(tx.session, principal, kit_ids)} if kit_ids else {}
    if len(kits) != len(set(kit_ids)):
        raise NotFound("No such kit.")
    kit_items = await resource_rows.kit_item_ids(tx.session, list(kits)) if kits else {}
    wanted = set(resource_ids) | {i for items in kit_items.values() for i in items}
    found = {i: known[i] for i in wanted if known and i in known}
    missing = [i for i in wanted if i not in found]
    if missing:
        found.update((r.id, r) for r in await resource_rows.by_ids(tx.session, principal, missing))
    if set(resource_ids) - set(found):
        raise NotFound("No such resource.")

    claims: list[Claim] = []
    seen: set[int] = set()
    for index, req in enumerate(requests):
        at = f"allocations[{index}]"
        if (req.resource_id is None) == (req.kit_id is None):
            raise Invalid("Give exactly one of resourceId and kitId.", field=f"{at}.resourceId")
        window = allocation_window(booking, req.start, req.end, max_hours=studio.max_booking_hours, field=f"{at}.end")
        if req.kit_id is not None:
            kit = kits[req.kit_id]
            if kit.retired_at is not None:
                raise Invalid(f"{kit.name} is retired.", field=f"{at}.kitId")
            if req.quantity != 1:
                raise Invalid("A kit is allocated whole: quantity must be 1.", field=f"{at}.quantity")
            if req.role is not None:
                raise Invalid("role applies to crew allocations only.", field=f"{at}.role")
            items = [found[i] for i in kit_items.get(kit.id, []) if i in found]
            if not items:
                raise Invalid(f"{kit.name} has no items.", field=f"{at}.kitId")
            retired = sorted(i.name for i in items if i.retired_at is not None)
            if retired:
                raise Invalid(f"{kit.name} has retired items: {', '.join(retired)}.", field=f"{at}.kitId")
            for item in items:
                _no_duplicate(seen, item, at)
                claims.append(Claim(item, window, 1, None, kit.id, index))
            continue
        assert req.resource_id is not None
        resource = found[req.resource_id]
        if resource.retired_at is not None:
            raise Invalid(f"{resource.name} is retired.", field=f"{at}.resourceId")
        _no_duplicate(seen, resource, at)
        quantity = req.quantity
        if resource.kind in POOL_KINDS:
            if quantity < 1 or quantity > resource.quantity:
                raise Invalid(
                    f"quantity must be between 1 and {resource.quantity} for {resource.name}.",
                    field=f"{at}.quantity",
                )
        elif quantity != 1:
            raise Invalid(f"{resource.name} is a single unit: quantity must be 1.", field=f"{at}.quantity")
        role = v.text(req.role, f"{at}.role", max_length=80, required=False)
        if role is not None:
            if resource.kind != ResourceKind.CREW:
                raise Invalid("role applies to crew allocations only.", field=f"{at}.role")
            if not has_skill(resource, role):
                raise Invalid(f"{resource.name} does not have the skill {role!r}.", field=f"{at}.role")
        claims.append(Claim(resource, window, quantity, role, None, index))
    return claims


def _no_duplicate(seen: set[int], resource: Resource, at: str) -> None:
    if resource.id in seen:
        raise Invalid(f"{resource.name} is asked for twice in one request.", field=at)
    seen.add(resource.id)
