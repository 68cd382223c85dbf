"""What a session needs and what tasks it brings, as plain values, and the checks they pass.

A need asks for one kind of resource over a window placed relative to the session: `offset_minutes`
after the session start (negative: prep before it), for `duration_minutes` (default: the session's).
It names one resource, one kit, or criteria: a category, skills and a call-sheet role (crew), a
minimum capacity (rooms), and a quantity (distinct items, rooms or crew members; units of a stock
pool). Tasks are due `offset_minutes` after the session end and may depend on earlier or later tasks
of the same template by index, without cycles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from db.models import ResourceKind, TaskKind
from server.services import validation as v
from server.services.allocation.windows import MAX_ALLOCATION_OFFSET
from server.services.errors import Invalid

MAX_NEEDS = 20
MAX_TASKS = 50
MAX_QUANTITY = 100
MAX_OFFSET_MINUTES = int(MAX_ALLOCATION_OFFSET.total_seconds() // 60)


@dataclass(frozen=True)
class NeedSpec:
    """A need as asked (the duration may be left to the session's)."""

    kind: ResourceKind
    category: str | None = None
    skills: tuple[str, ...] = ()
    role: str | None = None
    resource_id: int | None = None
    kit_id: int | None = None
    min_capacity: int | None = None
    quantity: int = 1
    offset_minutes: int = 0
    duration_minutes: int | None = None


@dataclass(frozen=True)
class Need:
    """A validated need with its duration settled."""

    kind: ResourceKind
    category: str | None
    skills: tuple[str, ...]
    role: str | None
    resource_id: int | None
    kit_id: int | None
    min_capacity: int | None
    quantity: int
    offset_minutes: int
    duration_minutes: int

    @property
    def wanted_skills(self) -> frozenset[str]:
        """Skills a crew member must have: the listed ones and the role filled."""
        out = {s.lower() for s in self.skills}
        if self.role:
            out.add(self.role.lower())
        return frozenset(out)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "category": self.category,
            "skills": list(self.skills),
            "role": self.role,
            "resourceId": self.resource_id,
            "kitId": self.kit_id,
            "minCapacity": self.min_capacity,
            "quantity": self.quantity,
            "offsetMinutes": self.offset_minutes,
            "durationMinutes": self.duration_minutes,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Need:
        return cls(
            kind=ResourceKind(raw["kind"]),
            category=raw.get("category"),
            skills=tuple(raw.get("skills") or ()),
            role=raw.get("role"),
            resource_id=raw.get("resourceId"),
            kit_id=raw.get("kitId"),
            min_capacity=raw.get("minCapacity"),
            quantity=int(raw.get("quantity", 1)),
            offset_minutes=int(raw.get("offsetMinutes", 0)),
            duration_minutes=int(raw["durationMinutes"]),
        )


@dataclass(frozen=True)
class TaskSpec:
    title: str
    kind: TaskKind
    offset_minutes: int = 0
    role: str | None = None
    depends_on: tuple[int, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind.value,
            "offsetMinutes": self.offset_minutes,
            "role": self.role,
            "dependsOn": list(self.depends_on),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> TaskSpec:
        return cls(
            title=raw["title"],
            kind=TaskKind(raw["kind"]),
            offset_minutes=int(raw.get("offsetMinutes", 0)),
            role=raw.get("role"),
            depends_on=tuple(raw.get("dependsOn") or ()),
        )


def check_duration(minutes: int | None, max_hours: int, field: str = "durationMinutes") -> int:
    if minutes is None:
        raise Invalid("durationMinutes is required.", field=field)
    if not 0 < minutes <= max_hours * 60:
        raise Invalid(f"{field} must be between 1 and {max_hours * 60}.", field=field)
    return minutes


def check_needs(specs: Sequence[NeedSpec], session_minutes: int, max_hours: int) -> list[Need]:
    """Validated needs (each error names `needs[i].<field>`); the ids are checked against the studio later."""
    if not specs:
        raise Invalid("Give at least one need.", field="needs")
    if len(specs) > MAX_NEEDS:
        raise Invalid(f"At most {MAX_NEEDS} needs.", field="needs")
    out: list[Need] = []
    for i, spec in enumerate(specs):
        at = f"needs[{i}]"
        if spec.quantity < 1 or spec.quantity > MAX_QUANTITY:
            raise Invalid(f"quantity must be between 1 and {MAX_QUANTITY}.", field=f"{at}.quantity")
        duration = session_minutes if spec.duration_minutes is None else spec.duration_minutes
        if duration <= 0:
            raise Invalid("durationMinutes must be positive.", field=f"{at}.durationMinutes")
        check_duration(duration, max_hours, field=f"{at}.durationMinutes")
        if abs(spec.offset_minutes) > MAX_OFFSET_MINUTES:
            raise Invalid(
                f"offsetMinutes must be within {MAX_OFFSET_MINUTES} minutes of the session.",
                field=f"{at}.offsetMinutes",
            )
        if spec.resource_id is not None and spec.kit_id is not None:
            raise Invalid("Give at most one of resourceId and kitId.", field=f"{at}.resourceId")
        if spec.kit_id is not None:
            if spec.kind != ResourceKind.EQUIPMENT:
                raise Invalid("A kit is equipment: kind must be EQUIPMENT.", field=f"{at}.kind")
            if spec.quantity != 1:
                raise Invalid("A kit is allocated whole: quantity must be 1.", field=f"{at}.quantity")
        if spec.resource_id is not None and spec.kind != ResourceKind.STOCK and spec.quantity != 1:
            raise Invalid("A named resource is a single unit: quantity must be 1.", field=f"{at}.quantity")
        if spec.min_capacity is not None and (spec.kind != ResourceKind.ROOM or spec.min_capacity < 0):
            raise Invalid("minCapacity applies to rooms and is at least 0.", field=f"{at}.minCapacity")
        if (spec.skills or spec.role) and spec.kind != ResourceKind.CREW:
            raise Invalid("skills and role apply to crew needs only.", field=f"{at}.role")
        unnamed = spec.resource_id is None and spec.kit_id is None
        if unnamed and spec.kind in (ResourceKind.EQUIPMENT, ResourceKind.STOCK) and not spec.category:
            raise Invalid("Equipment and stock needs name a resource, a kit or a category.", field=f"{at}.category")
        category = v.text(spec.category, f"{at}.category", max_length=80, required=False)
        role = v.text(spec.role, f"{at}.role", max_length=80, required=False)
        skills = tuple(v.unique_list(list(spec.skills), f"{at}.skills", max_items=20, max_length=80))
        out.append(
            Need(
                kind=spec.kind,
                category=category,
                skills=skills,
                role=role,
                resource_id=spec.resource_id,
                kit_id=spec.kit_id,
                min_capacity=spec.min_capacity,
                quantity=spec.quantity,
                offset_minutes=spec.offset_minutes,
                duration_minutes=duration,
            )
        )
    return out


def check_tasks(specs: Sequence[TaskSpec]) -> list[TaskSpec]:
    """Validated tasks: titles, dependency indexes in range and not the task itself, no cycles."""
    if len(specs) > MAX_TASKS:
        raise Invalid(f"At most {MAX_TASKS} tasks.", field="tasks")
    out: list[TaskSpec] = []
    for i, spec in enumerate(specs):
        at = f"tasks[{i}]"
        title = v.required_text(spec.title, f"{at}.title", max_length=200)
        role = v.text(spec.role, f"{at}.role", max_length=80, required=False)
        if abs(spec.offset_minutes) > 366 * 24 * 60:
            raise Invalid("offsetMinutes must be within a year of the session end.", field=f"{at}.offsetMinutes")
        for d in spec.depends_on:
            if not 0 <= d < len(specs):
                raise Invalid(f"dependsOn index {d} is not a task of this template.", field=f"{at}.dependsOn")
            if d == i:
                raise Invalid("A task cannot depend on itself.", field=f"{at}.dependsOn")
        out.append(TaskSpec(title, spec.kind, spec.offset_minutes, role, tuple(dict.fromkeys(spec.depends_on))))
    cycle = find_cycle([t.depends_on for t in out])
    if cycle is not None:
        raise Invalid(f"Task dependencies form a cycle through task {cycle}.", field=f"tasks[{cycle}].dependsOn")
    return out


def find_cycle(edges: Sequence[Sequence[int]]) -> int | None:
    """A node on a dependency cycle, or None (iterative three-colour depth-first search)."""
    state = [0] * len(edges)  # 0 unseen, 1 on the stack, 2 done
    for root in range(len(edges)):
        if state[root]:
            continue
        stack: list[tuple[int, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, nxt = stack[-1]
            if nxt < len(edges[node]):
                stack[-1] = (node, nxt + 1)
                child = edges[node][nxt]
                if state[child] == 1:
                    return child
                if state[child] == 0:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                stack.pop()
    return None
