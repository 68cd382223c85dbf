"""Milestone risks from plain facts: each rule alone, the dependency chain, LATE and DELIVERED."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from db.models import MilestoneStatus, TaskKind, TaskStatus
from server.services.plan.risks import Assignee, Call, EditBay, Facts, MilestoneFact, TaskFact, assess

LONDON = ZoneInfo("Europe/London")
MON = datetime(2031, 3, 3, tzinfo=UTC)
NOW = MON - timedelta(days=7)
MILESTONE = MilestoneFact(1, "Episode 12 live", MON + timedelta(days=2, hours=12), None)


def h(hours: float) -> datetime:
    return MON + timedelta(hours=hours)


def task(tid: int, *, kind: TaskKind = TaskKind.OTHER, status: TaskStatus = TaskStatus.TODO, booking: int | None = 1,
         milestone: int | None = 1, assignee: int | None = None, due: datetime | None = None) -> TaskFact:  # fmt: skip
    return TaskFact(tid, f"T{tid}", kind, status, booking, milestone, assignee, due)


def facts(*tasks: TaskFact, **kw: object) -> Facts:
    return Facts(LONDON, {t.id: t for t in tasks}, kw.pop("depends_on", {}), **kw)  # type: ignore[arg-type]


def test_a_plan_that_fits_is_planned() -> None:
    assert assess(MILESTONE, facts(task(1, due=h(24))), NOW).status == MilestoneStatus.PLANNED


def test_a_task_due_after_the_milestone() -> None:
    verdict = assess(MILESTONE, facts(task(1, due=h(61))), NOW)
    assert verdict.status == MilestoneStatus.AT_RISK
    assert verdict.risks == (
        "OTHER task \u201cT1\u201d is due Wed 05 Mar 13:00 GMT, after Episode 12 live (Wed 05 Mar 12:00 GMT).",
    )


def test_an_edit_task_whose_edit_bay_ends_after_the_milestone() -> None:
    bay = EditBay(booking_id=1, allocation_id=9, room="Edit Bay 1", start=h(57), end=h(62))
    verdict = assess(MILESTONE, facts(task(1, kind=TaskKind.EDIT, due=h(50)), edit_bays=[bay]), NOW)
    assert verdict.risks == (
        "EDIT task \u201cT1\u201d has Edit Bay 1 booked until Wed 05 Mar 14:00 GMT, "
        "after Episode 12 live (Wed 05 Mar 12:00 GMT).",
    )
    # The same bay on a task that is not EDIT, or on another booking, is no risk.
    assert assess(MILESTONE, facts(task(1, due=h(50)), edit_bays=[bay]), NOW).status == MilestoneStatus.PLANNED
    other = EditBay(2, 9, "Edit Bay 1", h(57), h(62))
    assert assess(MILESTONE, facts(task(1, kind=TaskKind.EDIT, due=h(50)), edit_bays=[other]), NOW).risks == ()


def test_an_assignee_booked_elsewhere_or_over_their_cap_at_the_due_time() -> None:
    mina = Assignee(7, "Mina Haddad", 10)
    elsewhere = Call(7, 2, h(49), h(51))
    own = Call(7, 1, h(49), h(51))
    t = task(1, assignee=7, due=h(50))
    verdict = assess(MILESTONE, facts(t, assignees={7: mina}, calls=[elsewhere]), NOW)
    assert verdict.risks == (
        "Mina Haddad, assigned OTHER task \u201cT1\u201d due Wed 05 Mar 02:00 GMT, is booked on another session "
        "from Wed 05 Mar 01:00 GMT to Wed 05 Mar 03:00 GMT.",
    )
    assert assess(MILESTONE, facts(t, assignees={7: mina}, calls=[own]), NOW).risks == ()
    long_days = [Call(7, 3, h(d * 24), h(d * 24 + 6)) for d in range(2)]  # 12 h in the week, cap 10
    capped = assess(MILESTONE, facts(t, assignees={7: mina}, calls=long_days), NOW)
    assert capped.risks == (
        "Mina Haddad, assigned OTHER task \u201cT1\u201d due Wed 05 Mar 02:00 GMT, is booked 12 h in the week of "
        "2031-03-03, over their cap of 10 h.",
    )


def test_dependencies_count_and_done_tasks_do_not() -> None:
    dep = task(2, milestone=None, due=h(70))
    verdict = assess(MILESTONE, facts(task(1, due=h(50)), dep, depends_on={1: [2]}), NOW)
    assert [r.split(" is due")[0] for r in verdict.risks] == ["OTHER task \u201cT2\u201d"]
    done = task(2, milestone=None, due=h(70), status=TaskStatus.DONE)
    assert assess(MILESTONE, facts(task(1, due=h(50)), done, depends_on={1: [2]}), NOW).risks == ()


def test_late_and_delivered() -> None:
    late = assess(MILESTONE, facts(task(1, due=h(24))), MILESTONE.due_at)
    assert late.status == MilestoneStatus.LATE
    assert late.risks == ("Episode 12 live was due Wed 05 Mar 12:00 GMT and is not delivered (1 open task).",)
    delivered = MilestoneFact(1, "Episode 12 live", MILESTONE.due_at, MILESTONE.due_at)
    assert assess(delivered, facts(task(1, due=h(99))), MILESTONE.due_at + timedelta(days=9)).status == (
        MilestoneStatus.DELIVERED
    )


@given(st.lists(st.integers(min_value=-100, max_value=100), min_size=1, max_size=12))
def test_at_risk_exactly_when_an_open_task_is_due_after_the_milestone(offsets: list[int]) -> None:
    tasks = [task(i + 1, due=MILESTONE.due_at + timedelta(hours=o)) for i, o in enumerate(offsets)]
    verdict = assess(MILESTONE, facts(*tasks), NOW)
    late = [o for o in offsets if o > 0]
    assert (verdict.status == MilestoneStatus.AT_RISK) == bool(late)
    assert len(verdict.risks) == len(late)
