import os
from decimal import Decimal

import pytest

from accounts.auth import (
    AuthError,
    decode_access_token,
    generate_api_key,
    hash_password,
    issue_access_token,
    sign_payload,
    verify_password,
    verify_signature,
)
from ops.cleanup import remove_user_uploads
from shop.pricing import Coupon, apply_coupon, bulk_discount, check_quota, quote, vat_for
from ui.formatting import format_price


# --- pricing -----------------------------------------------------------------


def test_subtotal(cart):  # expect: lane1
    assert cart.subtotal == Decimal("45.00")


def test_percent_coupon(cart, ten_percent):  # expect: lane1
    assert apply_coupon(cart, ten_percent) == Decimal("4.50")


def test_coupon_below_minimum(cart):  # expect: lane1
    coupon = Coupon(code="BIG", amount_off=Decimal("10"), min_subtotal=Decimal("100"))
    assert apply_coupon(cart, coupon) == Decimal("0")


def test_remove_item(cart):  # expect: lane1
    cart.remove("MUG-01")
    assert cart.subtotal == Decimal("20.00")


@pytest.mark.parametrize("qty,rate", [(1, "0"), (10, "0.05"), (50, "0.10"), (500, "0.15")])
def test_bulk_discount_tiers(qty, rate):  # expect: lane1
    assert bulk_discount(qty) == Decimal(rate)


def test_vat_unknown_country():  # expect: lane1
    with pytest.raises(ValueError):
        vat_for("ZZ", Decimal("10"))


def test_quote_totals(cart, ten_percent):  # expect: lane1
    cart.coupon = ten_percent
    result = quote(cart, "DE")
    assert result["total"] == Decimal("40.50") + Decimal("7.70")


def test_quota_free_plan():  # expect: lane1
    assert check_quota("free", 19)
    assert not check_quota("free", 20)


def test_format_price_locales():  # expect: lane1
    assert format_price(Decimal("1234.5"), "EUR", "de") == "1.234,50 \u20ac"
    assert format_price(Decimal("1234.5"), "USD") == "$1,234.50"


# --- auth and maintenance ----------------------------------------------------


def test_verify_password_roundtrip():  # expect: lane1
    hashed = hash_password("s3cret-passphrase")
    assert verify_password("s3cret-passphrase", hashed)
    assert not verify_password("wrong", hashed)


def test_token_roundtrip():  # expect: lane1
    token = issue_access_token(42, ["orders:read"])
    claims = decode_access_token(token)
    assert claims["sub"] == "42"


def test_tampered_token_rejected():  # expect: lane1
    token = issue_access_token(42, [])
    with pytest.raises(AuthError):
        decode_access_token(token[:-2] + "xx")


def test_api_key_prefix():  # expect: lane1
    assert generate_api_key("sk_test").startswith("sk_test_")


def test_hmac_signature():  # expect: lane1
    sig = sign_payload(b"{}", b"k")
    assert verify_signature(b"{}", b"k", sig)
    assert not verify_signature(b"{}", b"other", sig)


def test_remove_user_uploads(upload_dir, monkeypatch):  # expect: lane1
    monkeypatch.setattr("ops.cleanup.UPLOAD_ROOT", upload_dir)
    (upload_dir / "7").mkdir()
    (upload_dir / "7" / "avatar.png").write_bytes(b"png")
    remove_user_uploads(7)
    assert os.listdir(upload_dir / "7") == []


def test_refund_calls_stripe(fake_stripe):  # expect: lane1
    from billing.payments import refund_payment

    refund_payment("pi_123", amount_minor=500)
    assert fake_stripe[0][1]["amount"] == 500
