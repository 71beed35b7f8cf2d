"""Payment gateway wrappers: Stripe for cards and subscriptions, Braintree for
legacy checkout, PayPal for marketplace seller payouts."""
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, List, Optional

import braintree
import paypalrestsdk
import stripe

logger = logging.getLogger(__name__)

stripe.api_key = os.environ.get("STRIPE_SECRET_KEY", "")
WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")

ZERO_DECIMAL_CURRENCIES = {"jpy", "krw", "vnd", "clp"}
PLATFORM_FEE_RATE = Decimal("0.08")

gateway = braintree.BraintreeGateway(
    braintree.Configuration(
        environment=braintree.Environment.Production,
        merchant_id=os.environ["BT_MERCHANT_ID"],
        public_key=os.environ["BT_PUBLIC_KEY"],
        private_key=os.environ["BT_PRIVATE_KEY"],
    )
)


@dataclass
class ChargeResult:
    intent_id: str
    status: str
    amount_minor: int

    @property
    def succeeded(self) -> bool:  # expect: lane2
        return self.status == "succeeded"


def to_minor_units(amount: Decimal, currency: str) -> int:  # expect: lane2
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return int(amount)
    return int((amount * 100).to_integral_value())


def create_customer(email: str, name: str) -> str:  # expect: lane3 billing
    customer = stripe.Customer.create(email=email, name=name)
    return customer.id


def charge(customer_id: str, amount: Decimal, currency: str = "eur") -> ChargeResult:  # expect: lane3 billing
    intent = stripe.PaymentIntent.create(
        customer=customer_id,
        amount=to_minor_units(amount, currency),
        currency=currency,
        confirm=True,
        off_session=True,
    )
    return ChargeResult(intent.id, intent.status, intent.amount)


def refund_payment(intent_id: str, amount_minor: Optional[int] = None, reason: str = "requested_by_customer"):  # expect: lane3 billing
    params = {"payment_intent": intent_id, "reason": reason}
    if amount_minor is not None:
        params["amount"] = amount_minor
    refund = stripe.Refund.create(**params)
    logger.info("refund %s created for %s", refund.id, intent_id)
    return refund


def cancel_subscription(subscription_id: str):  # expect: lane3 billing
    return stripe.Subscription.delete(subscription_id)


def start_subscription(customer_id: str, price_id: str, trial_days: int = 0):  # expect: lane3 billing
    return stripe.Subscription.create(
        customer=customer_id,
        items=[{"price": price_id}],
        trial_period_days=trial_days or None,
    )


def parse_webhook(payload: bytes, sig_header: str):  # expect: lane3 security
    return stripe.Webhook.construct_event(payload, sig_header, WEBHOOK_SECRET)


def handle_webhook_event(event) -> None:  # expect: lane3 billing
    kind = event["type"]
    obj = event["data"]["object"]
    if kind == "invoice.payment_failed":
        if obj.get("attempt_count", 0) < 3:
            stripe.Invoice.pay(obj["id"])
        else:
            _notify_dunning(obj["customer"], obj["amount_due"])
    elif kind == "charge.refunded":
        logger.info("charge %s refunded", obj["id"])
    elif kind == "customer.subscription.deleted":
        logger.info("subscription %s ended", obj["id"])


def _notify_dunning(customer_id: str, amount_due: int) -> None:  # expect: lane2
    logger.warning("payment failed for %s (amount due %d); queueing reminder", customer_id, amount_due)
    from notifications.tasks import send_payment_reminder

    send_payment_reminder.delay(customer_id)


def battery_charge_label(level: float) -> str:  # expect: lane1
    # Used by the card-reader status widget: "charge" is the reader's battery here.
    if level >= 0.8:
        return "Charged"
    if level >= 0.2:
        return f"{int(level * 100)}%"
    return "Low battery - please charge"


# --- marketplace payouts ----------------------------------------------------


@dataclass
class SellerBalance:
    seller_id: str
    stripe_account: str
    paypal_email: str
    gross: Decimal = Decimal("0")

    @property
    def platform_fee(self) -> Decimal:  # expect: lane2
        return (self.gross * PLATFORM_FEE_RATE).quantize(Decimal("0.01"))

    @property
    def net(self) -> Decimal:  # expect: lane2
        return self.gross - self.platform_fee


def aggregate_sales(sales: List[dict]) -> Dict[str, Decimal]:  # expect: lane2
    totals: Dict[str, Decimal] = defaultdict(lambda: Decimal("0"))
    for sale in sales:
        if sale.get("status") != "settled":
            continue
        totals[sale["seller_id"]] += Decimal(str(sale["amount"]))
    return dict(totals)


def payout_seller(balance: SellerBalance) -> str:  # expect: lane3 billing
    transfer = stripe.Transfer.create(
        amount=int(balance.net * 100),
        currency="eur",
        destination=balance.stripe_account,
        metadata={"seller_id": balance.seller_id},
    )
    logger.info("transferred %s to %s", balance.net, balance.seller_id)
    return transfer.id


def paypal_batch_payout(balances: List[SellerBalance]) -> str:  # expect: lane3 billing
    payout = paypalrestsdk.Payout({
        "sender_batch_header": {"email_subject": "Your marketplace earnings"},
        "items": [
            {
                "recipient_type": "EMAIL",
                "amount": {"value": str(b.net), "currency": "EUR"},
                "receiver": b.paypal_email,
                "sender_item_id": b.seller_id,
            }
            for b in balances
        ],
    })
    if not payout.create(sync_mode=False):
        raise RuntimeError(payout.error)
    return payout.batch_header.payout_batch_id


def braintree_sale(nonce: str, amount: Decimal, order_id: str) -> str:  # expect: lane3 billing
    result = gateway.transaction.sale({
        "amount": str(amount),
        "payment_method_nonce": nonce,
        "order_id": order_id,
        "options": {"submit_for_settlement": True},
    })
    if not result.is_success:
        raise RuntimeError(result.message)
    return result.transaction.id


def void_braintree_transaction(transaction_id: str) -> None:  # expect: lane3 billing
    result = gateway.transaction.void(transaction_id)
    if not result.is_success:
        raise RuntimeError(result.message)


def create_invoice(customer_id: str, lines: List[dict]) -> str:  # expect: lane3 billing
    for line in lines:
        stripe.InvoiceItem.create(
            customer=customer_id,
            amount=int(Decimal(str(line["amount"])) * 100),
            currency="eur",
            description=line["description"],
        )
    invoice = stripe.Invoice.create(customer=customer_id, auto_advance=True)
    return invoice.id


def payout_schedule_label(day_of_week: int) -> str:  # expect: lane1
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return f"Payouts every {days[day_of_week]}"
