"""Presentation helpers shared by templates and email renderers."""
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Optional, Sequence

CURRENCY_SYMBOLS = {"EUR": "\u20ac", "USD": "$", "GBP": "\u00a3", "JPY": "\u00a5"}
AVATAR_COLOURS = ["#f94144", "#f3722c", "#f8961e", "#90be6d", "#43aa8b", "#577590"]


def format_price(amount: Decimal, currency: str = "EUR", locale: str = "en") -> str:  # expect: lane1
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    if currency == "JPY":
        return f"{symbol}{int(amount):,}"
    text = f"{amount:,.2f}"
    if locale in {"de", "fr", "es"}:
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
        return f"{text} {symbol}"
    return f"{symbol}{text}"


def humanize_delta(when: datetime, now: Optional[datetime] = None) -> str:  # expect: lane1
    now = now or datetime.utcnow()
    delta = now - when
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{delta.seconds // 60} min ago"
    if delta < timedelta(days=1):
        return f"{delta.seconds // 3600} h ago"
    return when.strftime("%d %b %Y")


def pluralize(count: int, singular: str, plural: Optional[str] = None) -> str:  # expect: lane1
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count} {word}"


def avatar_colour(seed_text: str) -> str:  # expect: lane1
    rng = random.Random(seed_text)
    return rng.choice(AVATAR_COLOURS)


def initials(full_name: str) -> str:  # expect: lane1
    parts = [p for p in full_name.split() if p]
    return "".join(p[0].upper() for p in parts[:2]) or "?"


def truncate_label(text: str, width: int = 32) -> str:  # expect: lane1
    return text if len(text) <= width else text[: width - 1].rstrip() + "\u2026"


def status_badge(status: str) -> str:  # expect: lane1
    # The refund button next to the badge is hidden unless the user has permission;
    # that check lives in the view, this only picks a colour.
    colours = {"paid": "green", "pending": "amber", "shipped": "blue", "cancelled": "grey"}
    return '<span class="badge badge-{}">{}</span>'.format(colours.get(status, "grey"), status.title())


def table_rows(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:  # expect: lane1
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
