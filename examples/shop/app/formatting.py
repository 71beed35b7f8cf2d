"""Presentation helpers used by templates and e-mails."""
from __future__ import annotations

from datetime import date, datetime

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_price(cents: int, currency: str = "EUR") -> str:
    """Render 123456 as '€1,234.56'; negative amounts get a leading minus."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    return f"{sign}{symbol}{whole:,}.{frac:02d}"


def format_date(value: date | datetime | None, style: str = "short") -> str:
    if value is None:
        return ""
    if style == "long":
        return value.strftime("%A, %d %B %Y")
    if style == "iso":
        return value.isoformat()
    return value.strftime("%d.%m.%Y")
