"""Cart totals, discount codes and VAT for the checkout flow."""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user, login_required

from .models import Customer, Order, OrderLine, Product, db

log = logging.getLogger(__name__)
bp = Blueprint("checkout", __name__, url_prefix="/checkout")

MAX_QUANTITY = 99
# Percentages are Decimal fractions, fixed amounts are in cents.
DISCOUNT_CODES = {"WELCOME10": ("percent", Decimal("0.10")), "SPRING5": ("fixed", 500)}
VAT_RATES = {"DE": Decimal("0.19"), "FR": Decimal("0.20"), "NL": Decimal("0.21")}
LOYALTY_RATE = Decimal("0.02")


@dataclass(frozen=True)
class CartLine:
    product_id: int
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int


def _round_cents(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def parse_cart(payload: dict) -> list[CartLine]:
    """Validate the JSON cart and price every line from the catalogue."""
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        raise ValueError("cart is empty")
    lines = []
    for item in items:
        quantity = int(item.get("quantity", 0))
        if not 1 <= quantity <= MAX_QUANTITY:
            raise ValueError(f"quantity must be between 1 and {MAX_QUANTITY}")
        product = db.session.get(Product, int(item["product_id"]))
        if product is None:
            raise ValueError(f"unknown product {item['product_id']}")
        if product.stock < quantity:
            raise ValueError(f"{product.name} is out of stock")
        lines.append(CartLine(product.id, quantity, product.price_cents))
    return lines


def subtotal(lines: list[CartLine]) -> int:
    return sum(line.quantity * line.unit_price_cents for line in lines)


def discount_for(code: str | None, subtotal_cents: int) -> int:
    """Return the discount in cents; unknown codes give no discount."""
    kind, value = DISCOUNT_CODES.get((code or "").strip().upper(), (None, 0))
    if kind == "percent":
        return _round_cents(Decimal(subtotal_cents) * value)
    if kind == "fixed":
        return min(int(value), subtotal_cents)
    return 0


def vat_for(amount_cents: int, region: str) -> int:
    """VAT on the discounted amount; catalogue prices are net."""
    return _round_cents(Decimal(amount_cents) * VAT_RATES.get(region.upper(), Decimal("0")))


def cart_totals(lines: list[CartLine], code: str | None, region: str) -> Totals:
    gross = subtotal(lines)
    discount = discount_for(code, gross)
    tax = vat_for(gross - discount, region)
    return Totals(gross, discount, tax, gross - discount + tax)


def place_order(customer: Customer, lines: list[CartLine], totals: Totals) -> Order:
    """Persist a pending order and take the items off the shelf; payment happens in billing."""
    order = Order(customer=customer, **asdict(totals))
    db.session.add(order)
    for line in lines:
        order.lines.append(OrderLine(**asdict(line)))
        db.session.get(Product, line.product_id).stock -= line.quantity
    db.session.commit()
    log.info("order %s placed by customer %s", order.id, customer.id)
    return order


# lanes: lane=3 reason="issues store credit, which is money"
def apply_loyalty_reward(customer: Customer, order: Order) -> int:
    """Add loyalty points for a paid order to the customer's balance."""
    reward = _round_cents(Decimal(order.subtotal_cents - order.discount_cents) * LOYALTY_RATE)
    customer.store_credit_cents += reward
    db.session.commit()
    log.info("loyalty reward of %s cents for order %s", reward, order.id)
    return reward


@bp.post("/orders")
@login_required
def create_order():
    payload = request.get_json(force=True)
    try:
        lines = parse_cart(payload)
    except (ValueError, KeyError) as exc:
        abort(400, description=str(exc))
    totals = cart_totals(lines, payload.get("code"), current_app.config["TAX_REGION"])
    order = place_order(current_user._get_current_object(), lines, totals)
    return jsonify(order_id=order.id, **asdict(totals)), 201
