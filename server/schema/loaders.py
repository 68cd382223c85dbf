"""DataLoaders, built per request (or per websocket message), each batch in its own short session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row
from strawberry.dataloader import DataLoader

from db.models import (
    Allocation,
    Audit,
    Booking,
    BookingSeries,
    Client,
    CustodyRecord,
    Kit,
    Location,
    MediaAsset,
    Milestone,
    Project,
    Resource,
    ReviewLink,
    Task,
)
from db.models.money import Invoice, InvoiceLine
from db.repositories import bookings, cage, plan, projects, resources, scoping, templates, tenancy
from db.repositories import money as money_rows
from db.types import utcnow
from server.services import nodes
from server.services.allocation import queue as hold_queue
from server.services.money import budgets as money_budgets
from server.services.money.estimates import ProjectMoney
from server.services.plan import facts as plan_facts
from server.services.plan.risks import Assessment
from server.services.principal import Principal
from server.services.uow import UnitOfWork

K = TypeVar("K")
V = TypeVar("V")


class Loaders:
    """Named `<things>_by_<key>`; results align with keys (None where not visible)."""

    def __init__(self, uow: UnitOfWork, principal: Principal | None) -> None:
        self._uow = uow
        self._principal = principal
        p = principal
        self.locations_by_id: DataLoader[int, Location | None] = self._by_id(
            lambda s, ids: tenancy.locations_by_ids(s, p, ids)
        )
        # Whoever reads the catalogue reads any resource a visible row names; the others (the client
        # portal) only what their read scope allows.
        narrowed = self._narrowed = scoping.narrowed_catalogue(p)
        self.resources_by_id: DataLoader[int, Resource | None] = self._by_id(
            lambda s, ids: resources.readable_by_ids(s, p, ids) if narrowed else resources.by_ids(s, p, ids)
        )
        self.kits_by_id: DataLoader[int, Kit | None] = self._by_id(
            lambda s, ids: resources.readable_kits_by_ids(s, p, ids) if narrowed else resources.kits_by_ids(s, p, ids)
        )
        self.projects_by_id: DataLoader[int, Project | None] = self._by_id(lambda s, ids: projects.by_ids(s, p, ids))
        self.projects_in_studio_by_id: DataLoader[int, Project | None] = self._by_id(
            lambda s, ids: projects.in_studio_by_ids(s, p, ids)
        )
        self.clients_by_id: DataLoader[int, Client | None] = self._by_id(
            lambda s, ids: projects.clients_by_ids(s, p, ids)
        )
        self.visible_bookings_by_id: DataLoader[int, Booking | None] = self._by_id(
            lambda s, ids: bookings.visible_by_ids(s, p, ids)
        )
        self.kit_items_by_kit: DataLoader[int, list[int]] = DataLoader(self._kit_items)
        self.allocations_by_booking: DataLoader[int, list[Allocation]] = DataLoader(self._allocations)
        self.budgets_by_project: DataLoader[int, ProjectMoney | None] = DataLoader(self._budgets)
        self.invoices_by_id: DataLoader[int, Invoice | None] = self._by_id(
            lambda s, ids: money_rows.invoices_by_ids(s, p, ids)
        )
        self.invoice_lines_by_invoice: DataLoader[int, list[InvoiceLine]] = DataLoader(self._invoice_lines)
        self.audits_by_id: DataLoader[int, Audit | None] = self._by_id(lambda s, ids: cage.audits_by_ids(s, p, ids))
        self.sighting_counts_by_audit: DataLoader[int, int] = DataLoader(self._sighting_counts)
        self.open_custody_by_resource: DataLoader[int, CustodyRecord | None] = DataLoader(self._open_custody)
        self.series_by_id: DataLoader[int, BookingSeries | None] = self._by_id(
            lambda s, ids: templates.series_by_ids(s, p, ids)
        )
        self.bookings_by_series: DataLoader[int, list[Booking]] = DataLoader(self._series_bookings)
        self.queue_positions_by_booking: DataLoader[int, tuple[int | None, list[int]]] = DataLoader(
            self._queue_positions
        )
        self.tasks_by_id: DataLoader[int, Task | None] = self._by_id(lambda s, ids: plan.tasks_by_ids(s, p, ids))
        self.tasks_by_project: DataLoader[int, list[Row[Any]]] = DataLoader(self._tasks_of("project_ids", "project_id"))
        self.tasks_by_booking: DataLoader[int, list[Row[Any]]] = DataLoader(self._tasks_of("booking_ids", "booking_id"))
        self.tasks_by_milestone: DataLoader[int, list[Row[Any]]] = DataLoader(
            self._tasks_of("milestone_ids", "milestone_id")
        )
        self.dependencies_by_task: DataLoader[int, list[Task]] = DataLoader(self._dependencies)
        self.milestones_by_id: DataLoader[int, tuple[Milestone, Assessment] | None] = DataLoader(self._milestones)
        self.milestones_by_project: DataLoader[int, list[tuple[Milestone, Assessment]]] = DataLoader(
            self._project_milestones
        )
        self.media_by_project: DataLoader[int, list[MediaAsset]] = DataLoader(self._project_media)
        self.review_links_by_media: DataLoader[int, list[ReviewLink]] = DataLoader(self._review_links)
        self._readable: dict[type[Any], DataLoader[int, Any]] = {}

    def known(self, found: Sequence[Resource], kits: Sequence[Kit] = ()) -> None:
        """Rows a service has just read for this caller, served by `resources_by_id` and `kits_by_id`
        without another read; not for a caller whose catalogue reads are narrowed (the loaders' own
        rules read those)."""
        if self._narrowed:
            return
        self.resources_by_id.prime_many({r.id: r for r in found})
        self.kits_by_id.prime_many({k.id: k for k in kits})

    def readable_by_id(self, model: type[Any]) -> DataLoader[int, Any]:
        """Rows of any model by id, within the caller's read scope (the `node` lookup), batched per model."""
        if model not in self._readable:

            async def load(keys: list[int]) -> list[Any]:
                rows: list[Any] = await nodes.readable(self._uow, self._principal, model, list(set(keys)))
                found = {row.id: row for row in rows}
                return [found.get(k) for k in keys]

            self._readable[model] = DataLoader(load_fn=load)
        return self._readable[model]

    def _by_id(self, fetch: Callable[[Any, list[int]], Awaitable[Sequence[Any]]]) -> DataLoader[int, Any]:
        async def load(keys: list[int]) -> list[Any]:
            async with self._uow.read() as session:
                rows = await fetch(session, list(set(keys)))
            found = {row.id: row for row in rows}
            return [found.get(k) for k in keys]

        return DataLoader(load_fn=load)

    async def _kit_items(self, keys: list[int]) -> list[list[int]]:
        async with self._uow.read() as session:
            visible = {k.id for k in await resources.kits_by_ids(session, self._principal, list(keys))}
            items = await resources.kit_item_ids(session, list(visible))
        return [items.get(k, []) for k in keys]

    async def _budgets(self, keys: list[int]) -> list[ProjectMoney | None]:
        async with self._uow.read() as session:
            found = await money_budgets.budgets(session, self._principal, list(set(keys)), utcnow())
        return [found.get(k) for k in keys]

    async def _invoice_lines(self, keys: list[int]) -> list[list[InvoiceLine]]:
        async with self._uow.read() as session:
            visible = [i.id for i in await money_rows.invoices_by_ids(session, self._principal, list(set(keys)))]
            rows = await money_rows.invoice_lines(session, self._principal, visible)
        out: dict[int, list[InvoiceLine]] = {k: [] for k in keys}
        for row in rows:
            out[row.invoice_id].append(row)
        return [out[k] for k in keys]

    async def _allocations(self, keys: list[int]) -> list[list[Allocation]]:
        async with self._uow.read() as session:
            rows = await bookings.allocations_of(session, self._principal, list(keys))
        out: dict[int, list[Allocation]] = {k: [] for k in keys}
        for row in rows:
            out[row.booking_id].append(row)
        return [out[k] for k in keys]

    async def _series_bookings(self, keys: list[int]) -> list[list[Booking]]:
        async with self._uow.read() as session:
            rows = await templates.visible_bookings_of_series(session, self._principal, list(set(keys)))
        out: dict[int, list[Booking]] = {k: [] for k in keys}
        for row in rows:
            if row.series_id is not None:
                out[row.series_id].append(row)
        return [out[k] for k in keys]

    async def _queue_positions(self, keys: list[int]) -> list[tuple[int | None, list[int]]]:
        if self._principal is None:
            return [(None, []) for _ in keys]
        async with self._uow.read() as session:
            rows = await bookings.visible_by_ids(session, self._principal, list(set(keys)))
            found = await hold_queue.positions(session, self._principal.studio_id, rows, utcnow())
        return [found.get(k, (None, [])) for k in keys]

    async def _sighting_counts(self, keys: list[int]) -> list[int]:
        async with self._uow.read() as session:
            visible = [a.id for a in await cage.audits_by_ids(session, self._principal, list(set(keys)))]
            counts = await cage.sighting_counts(session, visible)
        return [counts.get(k, 0) for k in keys]

    async def _open_custody(self, keys: list[int]) -> list[CustodyRecord | None]:
        async with self._uow.read() as session:
            rows = await cage.open_custody(session, self._principal, list(set(keys)))
        return [rows.get(k) for k in keys]

    # The production plan

    def _tasks_of(self, argument: str, column: str) -> Callable[[list[int]], Awaitable[list[list[Row[Any]]]]]:
        async def load(keys: list[int]) -> list[list[Row[Any]]]:
            async with self._uow.read() as session:
                rows = await plan.tasks_where(session, self._principal, **{argument: sorted(set(keys))})
            out: dict[int, list[Row[Any]]] = {k: [] for k in keys}
            for row in rows:
                out[getattr(row, column)].append(row)
            return [out[k] for k in keys]

        return load

    async def _dependencies(self, keys: list[int]) -> list[list[Task]]:
        async with self._uow.read() as session:
            edges = await plan.edges_of(session, sorted(set(keys)))
            found = {t.id: t for t in await plan.tasks_by_ids(session, self._principal, sorted({b for _, b in edges}))}
        out: dict[int, list[Task]] = {k: [] for k in keys}
        for a, b in sorted(edges):
            if b in found:
                out[a].append(found[b])
        return [out[k] for k in keys]

    async def _milestones(self, keys: list[int]) -> list[tuple[Milestone, Assessment] | None]:
        async with self._uow.read() as session:
            rows = await plan.milestones_by_ids(session, self._principal, sorted(set(keys)))
            made = await self._assess(session, rows)
        found = {m.id: (m, a) for m, a in made}
        return [found.get(k) for k in keys]

    async def _project_milestones(self, keys: list[int]) -> list[list[tuple[Milestone, Assessment]]]:
        async with self._uow.read() as session:
            rows = await plan.milestones_of_projects(session, self._principal, sorted(set(keys)))
            made = await self._assess(session, rows)
        out: dict[int, list[tuple[Milestone, Assessment]]] = {k: [] for k in keys}
        for m, a in made:
            out[m.project_id].append((m, a))
        return [out[k] for k in keys]

    async def _assess(self, session: Any, rows: list[Milestone]) -> list[tuple[Milestone, Assessment]]:
        if self._principal is None or not rows:
            return []
        verdicts = await plan_facts.assessed(session, self._principal, rows, utcnow())
        return list(zip(rows, verdicts, strict=True))

    async def _project_media(self, keys: list[int]) -> list[list[MediaAsset]]:
        async with self._uow.read() as session:
            rows = await plan.media_of_projects(session, self._principal, sorted(set(keys)))
        out: dict[int, list[MediaAsset]] = {k: [] for k in keys}
        for row in rows:
            out[row.project_id].append(row)
        return [out[k] for k in keys]

    async def _review_links(self, keys: list[int]) -> list[list[ReviewLink]]:
        async with self._uow.read() as session:
            visible = [m.id for m in await plan.media_by_ids(session, self._principal, sorted(set(keys)))]
            rows = await plan.links_of_media(session, visible)
        out: dict[int, list[ReviewLink]] = {k: [] for k in keys}
        for row in rows:
            out[row.media_asset_id].append(row)
        return [out[k] for k in keys]
