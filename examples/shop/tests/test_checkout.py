"""Unit tests for cart totals, discounts and VAT."""
from __future__ import annotations

import pytest

from app.checkout import cart_totals, discount_for, parse_cart, vat_for


@pytest.mark.parametrize(
    ("code", "subtotal_cents", "expected"),
    [("WELCOME10", 4900, 490), ("spring5", 4900, 500), ("SPRING5", 300, 300), ("NOPE", 4900, 0), (None, 4900, 0)],
)
def test_discount_codes(code, subtotal_cents, expected):
    assert discount_for(code, subtotal_cents) == expected


def test_cart_totals_apply_vat_after_discount(lines):
    totals = cart_totals(lines, "WELCOME10", "DE")
    assert (totals.subtotal_cents, totals.discount_cents) == (4900, 490)
    assert totals.tax_cents == vat_for(4410, "DE") == 838
    assert totals.total_cents == 5248


def test_parse_cart_rejects_oversold_item(app):
    with pytest.raises(ValueError, match="out of stock"):
        parse_cart({"items": [{"product_id": 2, "quantity": 5}]})
