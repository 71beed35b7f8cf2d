"""Small Flask web shop used as the sample project for `lanes`."""
from __future__ import annotations

import logging

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Application factory: load config, wire extensions and blueprints."""
    app = Flask(__name__)
    app.config.from_mapping(SQLALCHEMY_DATABASE_URI="sqlite:///shop.db", UPLOAD_ROOT="/var/lib/shop/uploads", TAX_REGION="DE")
    app.config.from_prefixed_env(prefix="SHOP")
    app.config.update(config or {})

    from . import accounts, admin, billing, catalog, checkout
    from .models import db

    db.init_app(app)
    accounts.login_manager.init_app(app)
    accounts.mail.init_app(app)
    for module in (accounts, admin, billing, catalog, checkout):
        app.register_blueprint(module.bp)

    logging.getLogger(__name__).info("shop app created (%s)", app.config["TAX_REGION"])
    return app
