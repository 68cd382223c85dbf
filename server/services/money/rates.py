"""Rate cards: a cost and a bill rate per resource or per category, valid over a period.

A resource's own rate wins over its category's. Rates of one target (a resource, or a category)
never overlap in validity: setting a rate with exactly the validity of an existing one replaces
it; an open-ended rate that started earlier is closed where the new one starts (a new rate card
"from 1 January"); any other overlap is refused. Amounts are in the studio's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Rate, RateUnit, ResourceKind
from db.repositories import money as rows
from db.repositories import resources as resource_rows
from db.repositories import tenancy
from server.events.types import RESOURCES, DomainEvent
from server.services import validation as v
from server.services import versions
from server.services.currency import check_currency, to_minor
from server.services.errors import Invalid, NotFound, StaleVersion
from server.services.money.pricing import periods_overlap
from server.services.permissions import Action, allowed, require
from server.services.principal import Principal
from server.services.uow import Tx

MAX_OVERTIME_MULTIPLIER = Decimal(4)


@dataclass(frozen=True)
class SetRate:
    """What `setRate` asks for; amounts as the client sent them."""

    unit: RateUnit
    cost_rate: Decimal
    bill_rate: Decimal
    resource_id: int | None = None
    category: str | None = None
    currency: str | None = None
    day_cap_hours: int | None = None
    overtime_after_hours: int | None = None
    overtime_multiplier: Decimal | None = None
    late_fee_per_day: Decimal | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    expected_version: int | None = None


def overtime_percent(multiplier: Decimal | None) -> int | None:
    """A multiplier such as 1.5 as a whole percentage (150), refused outside 1..4 or finer than 1%."""
    if multiplier is None:
        return None
    try:
        value = Decimal(str(multiplier))
    except (InvalidOperation, ValueError):
        raise Invalid("overtimeMultiplier must be a number such as 1.5.", field="overtimeMultiplier") from None
    if not value.is_finite() or not Decimal(1) <= value <= MAX_OVERTIME_MULTIPLIER:
        raise Invalid("overtimeMultiplier must be between 1 and 4.", field="overtimeMultiplier")
    percent = value * 100
    if percent != percent.to_integral_value():
        raise Invalid("overtimeMultiplier may have at most two decimal places.", field="overtimeMultiplier")
    return int(percent)


async def set_rate(tx: Tx, principal: Principal, cmd: SetRate) -> Rate:
    """Set the rate of a resource or category for a period (see the module docstring)."""
    require(principal, Action.MANAGE_MONEY)
    studio = await tenancy.studio(tx.session, principal)
    if studio is None:
        raise NotFound("No such studio.")
    if (cmd.resource_id is None) == (cmd.category is None):
        raise Invalid("Give exactly one of resourceId and category.", field="resourceId")
    category = None
    if cmd.resource_id is not None:
        resource = await resource_rows.get(tx.session, principal, cmd.resource_id)
        if resource is None:
            raise NotFound("No such resource.")
        if cmd.late_fee_per_day is not None and resource.kind != ResourceKind.EQUIPMENT:
            raise Invalid("Late-return fees apply to equipment only.", field="lateFeePerDay")
    else:
        category = v.required_text(cmd.category, "category", max_length=80)
    currency = studio.currency
    if cmd.currency is not None and check_currency(cmd.currency) != currency:
        raise Invalid(f"This studio's rates are in {currency}.", field="currency")
    rate = Rate(
        studio_id=principal.studio_id,
        resource_id=cmd.resource_id,
        category=category,
        unit=cmd.unit,
        cost_rate_minor=to_minor(cmd.cost_rate, currency, "costRate"),
        bill_rate_minor=to_minor(cmd.bill_rate, currency, "billRate"),
        late_fee_per_day_minor=(
            None if cmd.late_fee_per_day is None else to_minor(cmd.late_fee_per_day, currency, "lateFeePerDay")
        ),
        valid_from=cmd.valid_from,
        valid_until=cmd.valid_until,
    )
    _set_day_terms(rate, cmd)
    if cmd.valid_from is not None and cmd.valid_until is not None:
        v.window(cmd.valid_from, cmd.valid_until, field="validUntil")
    await rows.lock_rate_card(tx.session, principal.studio_id)
    existing = await rows.rates_for_target(tx.session, principal, cmd.resource_id, category)
    same = next((r for r in existing if (r.valid_from, r.valid_until) == (cmd.valid_from, cmd.valid_until)), None)
    if same is None and cmd.expected_version is not None:
        # The client meant to replace a rate of exactly this validity; it is gone (or was never there).
        raise StaleVersion("No rate with exactly this validity exists any more; read the rate card again.", 0)
    if same is not None:
        await versions.claim(tx, Rate, principal.studio_id, same.id, cmd.expected_version)
        _copy_terms(same, rate)
        await tx.session.flush()
        rate = same
    else:
        for old in existing:
            if _supersedes(rate, old):
                await versions.bump(tx, Rate, [old.id], valid_until=rate.valid_from)
            elif periods_overlap(old.valid_from, old.valid_until, rate.valid_from, rate.valid_until):
                raise Invalid(
                    f"Overlaps the rate valid {_period(old)}; give a validity that does not overlap it.",
                    field="validFrom",
                )
        await rows.add(tx.session, rate)
    tx.emit(DomainEvent(RESOURCES, "RateSet", {"rateId": rate.id, "resourceId": rate.resource_id}))
    return rate


def _set_day_terms(rate: Rate, cmd: SetRate) -> None:
    """Day cap (HOUR) and overtime (HOUR, DAY): validated, and never both on one rate."""
    rate.day_cap_hours = v.int_range(cmd.day_cap_hours, "dayCapHours", low=1, high=24)
    rate.overtime_after_hours = v.int_range(cmd.overtime_after_hours, "overtimeAfterHours", low=1, high=24)
    rate.overtime_percent = overtime_percent(cmd.overtime_multiplier)
    if rate.day_cap_hours is not None and cmd.unit != RateUnit.HOUR:
        raise Invalid("A day cap applies to hourly rates only.", field="dayCapHours")
    if (rate.overtime_after_hours is None) != (rate.overtime_percent is None):
        raise Invalid("Overtime needs both overtimeAfterHours and overtimeMultiplier.", field="overtimeAfterHours")
    if rate.overtime_after_hours is not None and cmd.unit not in (RateUnit.HOUR, RateUnit.DAY):
        raise Invalid("Overtime applies to hourly and day rates only.", field="overtimeAfterHours")
    if rate.overtime_after_hours is not None and rate.day_cap_hours is not None:
        raise Invalid("A rate has a day cap or overtime, not both.", field="dayCapHours")


def _copy_terms(target: Rate, source: Rate) -> None:
    for name in (
        "unit",
        "cost_rate_minor",
        "bill_rate_minor",
        "late_fee_per_day_minor",
        "day_cap_hours",
        "overtime_after_hours",
        "overtime_percent",
    ):
        setattr(target, name, getattr(source, name))


def _supersedes(new: Rate, old: Rate) -> bool:
    """An open-ended rate is closed by a later open-ended one."""
    return (
        old.valid_until is None
        and new.valid_until is None
        and new.valid_from is not None
        and (old.valid_from is None or old.valid_from < new.valid_from)
    )


def _period(rate: Rate) -> str:
    start = f"from {rate.valid_from.isoformat()}" if rate.valid_from else "from the beginning"
    end = f"until {rate.valid_until.isoformat()}" if rate.valid_until else "without end"
    return f"{start} {end}"


async def rate_card(
    session: AsyncSession, principal: Principal, resource_id: int | None, category: str | None
) -> list[Rate]:
    """The studio's rates, optionally of one resource or category; empty for roles that may not manage money."""
    if not allowed(principal, Action.MANAGE_MONEY):
        return []
    if resource_id is None and category is None:
        return await rows.rates(session, principal)
    return await rows.rates_for_target(session, principal, resource_id, category)
