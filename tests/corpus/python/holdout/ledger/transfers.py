"""Double-entry ledger for the wallet product."""
from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

MINOR_UNITS = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}
DAILY_LIMIT_MINOR = 1_000_000


class InsufficientFunds(Exception):
    pass


@dataclass
class Entry:
    account: str
    amount_minor: int
    memo: str
    posted_on: date


def to_minor_units(amount: Decimal, currency: str) -> int:  # expect: lane2
    exponent = MINOR_UNITS.get(currency.upper(), 2)
    quantum = Decimal(1).scaleb(-exponent)
    return int(amount.quantize(quantum, rounding=ROUND_HALF_EVEN).scaleb(exponent))


def post_transfer(conn, source: str, target: str, amount_minor: int, idempotency_key: str) -> str:  # expect: lane3 billing
    if amount_minor <= 0:
        raise ValueError("amount must be positive")
    cur = conn.cursor()
    cur.execute("SELECT id FROM transfers WHERE idempotency_key = %s", (idempotency_key,))
    existing = cur.fetchone()
    if existing:
        return existing[0]
    cur.execute("SELECT balance FROM accounts WHERE id = %s FOR UPDATE", (source,))
    (balance,) = cur.fetchone()
    if balance < amount_minor:
        raise InsufficientFunds(source)
    transfer_id = str(uuid.uuid4())
    cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount_minor, source))
    cur.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (amount_minor, target))
    cur.execute(
        "INSERT INTO transfers (id, source, target, amount, idempotency_key) VALUES (%s, %s, %s, %s, %s)",
        (transfer_id, source, target, amount_minor, idempotency_key),
    )
    conn.commit()
    return transfer_id


def reverse_transfer(conn, transfer_id: str) -> str:  # expect: lane3 billing
    cur = conn.cursor()
    cur.execute("SELECT source, target, amount FROM transfers WHERE id = %s", (transfer_id,))
    source, target, amount = cur.fetchone()
    return post_transfer(conn, target, source, amount, f"reversal:{transfer_id}")


def initiate_payout(stripe, connected_account: str, amount_minor: int, currency: str) -> str:  # expect: lane3 billing
    payout = stripe.Payout.create(
        amount=amount_minor,
        currency=currency.lower(),
        stripe_account=connected_account,
    )
    return payout["id"]


def refund_card_charge(stripe, charge_id: str, amount_minor: int | None = None) -> dict:  # expect: lane3 billing
    params = {"charge": charge_id}
    if amount_minor is not None:
        params["amount"] = amount_minor
    return stripe.Refund.create(**params)


def charge_monthly_plan(stripe, customer_id: str, plan_price_minor: int, period: str) -> str:  # expect: lane3 billing
    invoice_item = stripe.InvoiceItem.create(
        customer=customer_id,
        amount=plan_price_minor,
        currency="usd",
        description=f"Wallet Pro {period}",
    )
    invoice = stripe.Invoice.create(customer=customer_id, auto_advance=True)
    stripe.Invoice.finalize_invoice(invoice["id"])
    return invoice_item["id"]


def cancel_subscription(stripe, subscription_id: str, at_period_end: bool = True) -> dict:  # expect: lane3 billing
    if at_period_end:
        return stripe.Subscription.modify(subscription_id, cancel_at_period_end=True)
    return stripe.Subscription.delete(subscription_id)


def search_by_memo(conn, memo_fragment: str) -> list[tuple]:  # expect: lane3 security
    cur = conn.cursor()
    cur.execute(
        f"SELECT id, account, amount FROM entries WHERE memo LIKE '%{memo_fragment}%' ORDER BY posted_on DESC"
    )
    return cur.fetchall()


def verify_webhook_signature(secret: bytes, body: bytes, header: str) -> bool:  # expect: lane3 security
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


def mask_card_number(pan: str) -> str:  # expect: lane3 compliance
    digits = re.sub(r"\D", "", pan)
    return "•" * (len(digits) - 4) + digits[-4:]


def accrue_interest(balance_minor: int, apr: Decimal, days: int) -> int:  # expect: lane2
    daily = apr / Decimal(365)
    interest = Decimal(balance_minor) * daily * days
    return int(interest.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def within_daily_limit(sent_today_minor: int, amount_minor: int, limit: int = DAILY_LIMIT_MINOR) -> bool:  # expect: lane2
    return sent_today_minor + amount_minor <= limit


def categorize(memo: str) -> str:  # expect: lane2
    lowered = memo.lower()
    rules = {
        "groceries": ("market", "grocer", "aldi", "lidl"),
        "transport": ("uber", "metro", "rail", "fuel"),
        "utilities": ("electric", "water", "broadband"),
    }
    for category, needles in rules.items():
        if any(n in lowered for n in needles):
            return category
    return "other"


def running_balances(opening_minor: int, entries: list[Entry]) -> list[int]:  # expect: lane2
    balance = opening_minor
    out = []
    for entry in sorted(entries, key=lambda e: e.posted_on):
        balance += entry.amount_minor
        out.append(balance)
    return out


def parse_statement_line(line: str) -> Entry:  # expect: lane2
    posted, account, amount, memo = [part.strip() for part in line.split("|", 3)]
    return Entry(
        account=account,
        amount_minor=to_minor_units(Decimal(amount), "USD"),
        memo=memo,
        posted_on=date.fromisoformat(posted),
    )


def format_amount(amount_minor: int, currency: str = "USD") -> str:  # expect: lane1
    exponent = MINOR_UNITS.get(currency, 2)
    value = Decimal(amount_minor).scaleb(-exponent)
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value):,.{exponent}f} {currency}"
