"""Shared pytest fixtures: an app on in-memory SQLite with a small catalogue."""
from __future__ import annotations

import pytest

from app import create_app
from app.checkout import CartLine
from app.models import Product, db


@pytest.fixture
def app():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "TAX_REGION": "DE"})
    with app.app_context():
        db.create_all()
        db.session.add_all(
            [
                Product(sku="MUG-01", name="Enamel mug", price_cents=1250, stock=40),
                Product(sku="TEE-02", name="Organic tee", price_cents=2400, stock=3),
            ]
        )
        db.session.commit()
        yield app
        db.drop_all()


@pytest.fixture
def lines():
    return [CartLine(product_id=1, quantity=2, unit_price_cents=1250), CartLine(2, 1, 2400)]
