import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from accounts.auth import hash_password
from db.repository import Base, User
from shop.pricing import Cart, CartItem, Coupon

os.environ.setdefault("JWT_SECRET", "test-secret-not-for-prod")


@pytest.fixture
def db_session():  # expect: lane1
    engine = create_engine("sqlite:///:memory:")
    Base.metadata.create_all(engine)
    session = sessionmaker(bind=engine)()
    try:
        yield session
    finally:
        session.close()
        Base.metadata.drop_all(engine)


@pytest.fixture
def user(db_session):  # expect: lane1
    u = User(email="alice@example.com", password_hash=hash_password("correct horse battery staple"))
    db_session.add(u)
    db_session.commit()
    return u


@pytest.fixture
def upload_dir():  # expect: lane1
    path = Path(tempfile.mkdtemp(prefix="uploads-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def cart():  # expect: lane1
    c = Cart()
    c.add(CartItem(sku="MUG-01", unit_price=Decimal("12.50"), quantity=2))
    c.add(CartItem(sku="TEE-XL", unit_price=Decimal("20.00"), quantity=1))
    return c


@pytest.fixture
def ten_percent():  # expect: lane1
    return Coupon(code="TEN", percent_off=Decimal("10"))


@pytest.fixture
def fake_stripe(monkeypatch):  # expect: lane1
    calls = []

    class _Obj(dict):
        __getattr__ = dict.get

    def fake_refund_create(**kwargs):  # expect: lane1
        calls.append(("refund", kwargs))
        return _Obj(id="re_test_123", **kwargs)

    monkeypatch.setattr("stripe.Refund.create", fake_refund_create)
    return calls
