"""Price calculation for carts and orders.

Coupons are validated here; whether a staff user has permission to create
coupons is decided elsewhere (see accounts.auth).
"""
from dataclasses import dataclass, field
from decimal import Decimal, ROUND_HALF_UP
from typing import Dict, List, Optional

TWO_PLACES = Decimal("0.01")

VAT_RATES = {
    "DE": Decimal("0.19"),
    "FR": Decimal("0.20"),
    "GB": Decimal("0.20"),
    "US": Decimal("0.00"),
}


@dataclass
class CartItem:
    sku: str
    unit_price: Decimal
    quantity: int = 1


@dataclass
class Coupon:
    code: str
    percent_off: Optional[Decimal] = None
    amount_off: Optional[Decimal] = None
    min_subtotal: Decimal = Decimal("0")
    skus: List[str] = field(default_factory=list)


@dataclass
class Cart:
    items: Dict[str, CartItem] = field(default_factory=dict)
    coupon: Optional[Coupon] = None

    def add(self, item: CartItem):  # expect: lane2
        existing = self.items.get(item.sku)
        if existing:
            existing.quantity += item.quantity
        else:
            self.items[item.sku] = item

    def remove(self, sku: str):  # expect: lane2
        # In-memory cart line removal; nothing is persisted here.
        self.items.pop(sku, None)

    @property
    def subtotal(self) -> Decimal:  # expect: lane2
        return sum((i.unit_price * i.quantity for i in self.items.values()), Decimal("0"))


def round_money(value: Decimal) -> Decimal:  # expect: lane2
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def apply_coupon(cart: Cart, coupon: Coupon) -> Decimal:  # expect: lane2
    subtotal = cart.subtotal
    if subtotal < coupon.min_subtotal:
        return Decimal("0")
    eligible = subtotal
    if coupon.skus:
        eligible = sum(
            (i.unit_price * i.quantity for i in cart.items.values() if i.sku in coupon.skus),
            Decimal("0"),
        )
    if coupon.percent_off is not None:
        return round_money(eligible * coupon.percent_off / 100)
    if coupon.amount_off is not None:
        return min(coupon.amount_off, eligible)
    return Decimal("0")


def bulk_discount(quantity: int) -> Decimal:  # expect: lane2
    tiers = [(100, Decimal("0.15")), (50, Decimal("0.10")), (10, Decimal("0.05"))]
    for threshold, rate in tiers:
        if quantity >= threshold:
            return rate
    return Decimal("0")


def handling_surcharge(weight_kg: Decimal, express: bool = False) -> Decimal:  # expect: lane2
    surcharge = Decimal("0") if weight_kg <= 2 else (weight_kg - 2) * Decimal("0.75")
    if express:
        surcharge += Decimal("4.90")
    return round_money(surcharge)


def vat_for(country: str, net: Decimal) -> Decimal:  # expect: lane2
    rate = VAT_RATES.get(country.upper())
    if rate is None:
        raise ValueError(f"unsupported country {country!r}")
    return round_money(net * rate)


def quote(cart: Cart, country: str) -> Dict[str, Decimal]:  # expect: lane2
    discount = apply_coupon(cart, cart.coupon) if cart.coupon else Decimal("0")
    net = cart.subtotal - discount
    tax = vat_for(country, net)
    return {"subtotal": cart.subtotal, "discount": discount, "tax": tax, "total": net + tax}


def sort_by_margin(items: List[CartItem], costs: Dict[str, Decimal]) -> List[CartItem]:  # expect: lane2
    def margin_key(item):  # expect: lane2
        return item.unit_price - costs.get(item.sku, Decimal("0"))

    return sorted(items, key=margin_key, reverse=True)


def evaluate_promo_rule(rule_expr: str, cart: Cart) -> bool:  # expect: lane3 security
    # Rules are authored by merchandisers in the back office, e.g.
    # "subtotal > 50 and 'MUG-01' in skus"
    context = {"subtotal": cart.subtotal, "skus": set(cart.items), "count": len(cart.items)}
    return bool(eval(rule_expr, {"__builtins__": {}}, context))


def check_quota(account_plan: str, orders_this_month: int) -> bool:  # expect: lane2
    limits = {"free": 20, "starter": 500, "pro": 10_000}
    return orders_this_month < limits.get(account_plan, 0)
