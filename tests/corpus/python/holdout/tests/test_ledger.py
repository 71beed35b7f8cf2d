"""Tests for the wallet ledger."""
from __future__ import annotations

import hashlib
import hmac
import sqlite3
from datetime import date
from decimal import Decimal

import pytest

from holdout.ledger import transfers
from holdout.ledger.transfers import Entry


class FakeStripe:
    def __init__(self) -> None:  # expect: lane1
        self.calls = []
        self.Refund = self
        self.Payout = self

    def create(self, **kwargs):  # expect: lane1
        self.calls.append(kwargs)
        return {"id": f"obj_{len(self.calls)}", **kwargs}


def make_entry(amount: int, memo: str = "coffee", day: int = 1) -> Entry:  # expect: lane1
    return Entry(account="acct_1", amount_minor=amount, memo=memo, posted_on=date(2024, 3, day))


@pytest.fixture
def stripe() -> FakeStripe:  # expect: lane1
    return FakeStripe()


@pytest.mark.parametrize(
    "amount,currency,expected",
    [(Decimal("1.005"), "USD", 100), (Decimal("12"), "JPY", 12), (Decimal("0.1234"), "KWD", 123)],
)
def test_to_minor_units(amount, currency, expected):  # expect: lane1
    assert transfers.to_minor_units(amount, currency) == expected


def test_running_balances_sorted_by_date():  # expect: lane1
    entries = [make_entry(-300, day=3), make_entry(1000, day=1), make_entry(-200, day=2)]
    assert transfers.running_balances(0, entries) == [1000, 800, 500]


def test_verify_webhook_signature_roundtrip():  # expect: lane1
    secret = b"whsec_test_only"
    body = b'{"type":"payout.paid"}'
    sig = hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert transfers.verify_webhook_signature(secret, body, f"sha256={sig}")
    assert not transfers.verify_webhook_signature(secret, body, "sha256=deadbeef")


def test_refund_partial_amount(stripe):  # expect: lane1
    transfers.refund_card_charge(stripe, "ch_123", amount_minor=250)
    assert stripe.calls == [{"charge": "ch_123", "amount": 250}]


def test_payout_uses_connected_account(stripe):  # expect: lane1
    payout_id = transfers.initiate_payout(stripe, "acct_9", 5000, "EUR")
    assert payout_id == "obj_1"
    assert stripe.calls[0]["stripe_account"] == "acct_9"


def test_mask_card_number_keeps_last_four():  # expect: lane1
    assert transfers.mask_card_number("4242 4242 4242 4242").endswith("4242")


def test_categorize_and_limit():  # expect: lane1
    assert transfers.categorize("LIDL STORE 221") == "groceries"
    assert transfers.within_daily_limit(999_000, 1_000)
    assert not transfers.within_daily_limit(999_000, 1_001)


def test_delete_account_rows_in_memory_db():  # expect: lane1
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE accounts (id TEXT, balance INTEGER)")
    conn.execute("INSERT INTO accounts VALUES ('a', 10)")
    conn.execute("DELETE FROM accounts WHERE id = 'a'")
    assert conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 0
