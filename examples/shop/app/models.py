"""SQLAlchemy models for customers, products and orders."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()

ADULT_AGE = 18


class Customer(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(255), unique=True, nullable=False, index=True)
    full_name = db.Column(db.String(120), nullable=False)
    password_hash = db.Column(db.LargeBinary(60), nullable=False)
    date_of_birth = db.Column(db.Date, nullable=True)
    postal_address = db.Column(db.Text, nullable=True)
    role = db.Column(db.String(20), nullable=False, default="customer")
    store_credit_cents = db.Column(db.Integer, nullable=False, default=0)
    stripe_customer_id = db.Column(db.String(64), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=datetime.utcnow)

    orders = db.relationship("Order", back_populates="customer", cascade="all, delete-orphan")

    def is_adult(self, today: date | None = None) -> bool:
        """Age gate for age-restricted products, based on the stored date of birth."""
        if self.date_of_birth is None:
            return False
        today, dob = today or date.today(), self.date_of_birth
        return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day)) >= ADULT_AGE


class Product(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    sku = db.Column(db.String(32), unique=True, nullable=False)
    name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    category = db.Column(db.String(50), index=True)
    price_cents = db.Column(db.Integer, nullable=False)
    stock = db.Column(db.Integer, nullable=False, default=0)
    age_restricted = db.Column(db.Boolean, nullable=False, default=False)


class Order(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id"), nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending")
    subtotal_cents = db.Column(db.Integer, nullable=False)
    discount_cents = db.Column(db.Integer, nullable=False, default=0)
    tax_cents = db.Column(db.Integer, nullable=False)
    total_cents = db.Column(db.Integer, nullable=False)
    payment_intent_id = db.Column(db.String(64), nullable=True)

    customer = db.relationship("Customer", back_populates="orders")
    lines = db.relationship("OrderLine", cascade="all, delete-orphan")


class OrderLine(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("order.id"), nullable=False)
    product_id = db.Column(db.Integer, db.ForeignKey("product.id"), nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    unit_price_cents = db.Column(db.Integer, nullable=False)


class PasswordReset(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customer.id"), nullable=False)
    token_hash = db.Column(db.String(64), unique=True, nullable=False)
    expires_at = db.Column(db.DateTime, nullable=False)
    used = db.Column(db.Boolean, nullable=False, default=False)
