"""Login, logout and password reset."""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import bcrypt
from flask import Blueprint, abort, jsonify, request, session, url_for
from flask_login import LoginManager, login_required, login_user, logout_user
from flask_mail import Mail, Message

from .models import Customer, PasswordReset, db

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__, url_prefix="/account")
login_manager = LoginManager()
mail = Mail()

RESET_TTL = timedelta(hours=1)
MIN_PASSWORD_LENGTH = 10


@login_manager.user_loader
def load_user(user_id: str) -> Customer | None:
    return db.session.get(Customer, int(user_id))


def _hash_reset_token(token: str) -> str:
    # Only the digest is stored, so a leaked table cannot be replayed.
    return hashlib.sha256(token.encode()).hexdigest()


@bp.post("/login")
def login():
    form = request.get_json(force=True)
    customer = Customer.query.filter_by(email=form.get("email", "").lower()).first()
    if customer is None or not bcrypt.checkpw(form.get("password", "").encode(), customer.password_hash):
        log.info("failed login for %s", form.get("email"))
        abort(401)
    session.clear()  # prevent session fixation
    login_user(customer, remember=bool(form.get("remember")))
    session.permanent = True
    return jsonify(id=customer.id)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    return "", 204


@bp.post("/password-reset")
def request_password_reset():
    email = request.get_json(force=True).get("email", "").lower()
    customer = Customer.query.filter_by(email=email).first()
    if customer is not None:
        token = secrets.token_urlsafe(32)
        expires_at = datetime.utcnow() + RESET_TTL
        db.session.add(PasswordReset(customer_id=customer.id, token_hash=_hash_reset_token(token), expires_at=expires_at))
        db.session.commit()
        link = url_for("accounts.reset_password", token=token, _external=True)
        mail.send(Message("Reset your password", recipients=[customer.email], body=f"Choose a new password: {link}"))
    # Same answer either way so the endpoint cannot be used to probe e-mails.
    return "", 202


@bp.post("/password-reset/<token>")
def reset_password(token: str):
    reset = PasswordReset.query.filter_by(token_hash=_hash_reset_token(token), used=False).first()
    if reset is None or reset.expires_at < datetime.utcnow():
        abort(400, description="reset link is invalid or expired")
    new_password = request.get_json(force=True).get("password", "")
    if len(new_password) < MIN_PASSWORD_LENGTH:
        abort(400, description="password too short")
    customer = db.session.get(Customer, reset.customer_id)
    customer.password_hash = bcrypt.hashpw(new_password.encode(), bcrypt.gensalt(rounds=12))
    reset.used = True
    db.session.commit()
    log.info("password reset for customer %s", customer.id)
    return "", 204
