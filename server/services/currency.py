"""Currencies and exact money conversion between API decimals and stored minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from server.services.errors import Invalid

# ISO 4217 codes a studio is likely to bill in, with their minor-unit exponents.
MINOR_UNITS: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2, "CZK": 2, "DKK": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 2, "ILS": 2, "INR": 2, "ISK": 0, "JPY": 0, "KRW": 0, "MXN": 2, "NOK": 2,
    "NZD": 2, "PLN": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "USD": 2, "ZAR": 2,
}  # fmt: skip

MAX_MINOR = 10**15  # far above any studio budget; keeps every amount inside a BIGINT


def check_currency(code: str, field: str = "currency") -> str:
    """The currency code, upper-cased, or a validation error if we do not know it."""
    upper = code.strip().upper()
    if upper not in MINOR_UNITS:
        raise Invalid(f"Unknown currency {code!r}.", field=field)
    return upper


def to_minor(amount: Decimal | str, currency: str, field: str) -> int:
    """An exact amount in minor units; refuses non-numbers, negatives and sub-minor precision."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise Invalid(f"{amount!r} is not a decimal amount.", field=field) from None
    if not value.is_finite():
        raise Invalid("The amount must be a finite number.", field=field)
    if value < 0:
        raise Invalid("The amount may not be negative.", field=field)
    exponent = MINOR_UNITS[currency]
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise Invalid(f"{currency} amounts have at most {exponent} decimal places.", field=field)
    minor = int(scaled)
    if minor > MAX_MINOR:
        raise Invalid("The amount is too large.", field=field)
    return minor


def from_minor(minor: int, currency: str) -> Decimal:
    """The decimal amount of a minor-unit integer, with the currency's number of places."""
    exponent = MINOR_UNITS.get(currency, 2)
    return Decimal(minor).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def round_minor(value: Decimal) -> int:
    """Round a fractional minor-unit amount half-up (used only where a line is priced)."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
