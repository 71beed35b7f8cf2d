"""Stripe integration: payment intents, refunds and webhooks."""
from __future__ import annotations

import logging

import stripe
from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user, login_required

from .checkout import apply_loyalty_reward
from .models import Order, db
from .roles import admin_required

log = logging.getLogger(__name__)
bp = Blueprint("billing", __name__, url_prefix="/billing")


def create_payment_intent(order: Order) -> stripe.PaymentIntent:
    intent = stripe.PaymentIntent.create(
        api_key=current_app.config["STRIPE_SECRET_KEY"],
        amount=order.total_cents,
        currency="eur",
        customer=order.customer.stripe_customer_id,
        metadata={"order_id": str(order.id)},
        idempotency_key=f"order-{order.id}",
    )
    log.info("payment intent %s created for order %s", intent.id, order.id)
    return intent


def refund_payment(order: Order, amount_cents: int | None = None) -> stripe.Refund:
    refund = stripe.Refund.create(
        api_key=current_app.config["STRIPE_SECRET_KEY"],
        payment_intent=order.payment_intent_id,
        amount=amount_cents or order.total_cents,
        reason="requested_by_customer",
    )
    log.warning("refunded %s cents on order %s", refund.amount, order.id)
    return refund


@bp.post("/orders/<int:order_id>/pay")
@login_required
def pay_order(order_id: int):
    order = db.get_or_404(Order, order_id)
    if order.customer_id != current_user.id:
        abort(403)
    if order.status != "pending":
        abort(409, description="order is not awaiting payment")
    intent = create_payment_intent(order)
    order.payment_intent_id = intent.id
    db.session.commit()
    return jsonify(client_secret=intent.client_secret)


@bp.post("/orders/<int:order_id>/refund")
@admin_required
def refund_order(order_id: int):
    order = db.get_or_404(Order, order_id)
    body = request.get_json(silent=True, force=True) or {}
    refund_payment(order, body.get("amount_cents"))
    order.status = "refunded"
    db.session.commit()
    return jsonify(status=order.status)


@bp.post("/webhook")
def stripe_webhook():
    """Handle Stripe events; anything without a valid Stripe-Signature is rejected."""
    try:
        event = stripe.Webhook.construct_event(
            request.get_data(),
            request.headers.get("Stripe-Signature", ""),
            current_app.config["STRIPE_WEBHOOK_SECRET"],
        )
    except (ValueError, stripe.error.SignatureVerificationError):
        log.warning("rejected webhook with bad signature from %s", request.remote_addr)
        abort(400)
    if event["type"] == "payment_intent.succeeded":
        intent = event["data"]["object"]
        order = db.session.get(Order, int(intent["metadata"]["order_id"]))
        if order is not None and order.status == "pending":
            order.status = "paid"
            db.session.commit()
            apply_loyalty_reward(order.customer, order)
    return "", 204
