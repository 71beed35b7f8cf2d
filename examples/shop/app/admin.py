"""Back-office views: customer deletion and data export."""
from __future__ import annotations

import csv
import io
import logging
import shutil
from pathlib import Path

from flask import Blueprint, Response, current_app
from flask_login import current_user

from .models import Customer, db
from .roles import admin_required, require_permission

audit = logging.getLogger("shop.audit")
bp = Blueprint("admin", __name__, url_prefix="/admin")

EXPORT_FIELDS = ["id", "email", "full_name", "date_of_birth", "postal_address", "created_at"]


def customer_upload_dir(customer: Customer) -> Path:
    return Path(current_app.config["UPLOAD_ROOT"]) / f"customer-{customer.id}"


@bp.delete("/customers/<int:customer_id>")
@admin_required
def delete_customer(customer_id: int):
    """Erase a customer, their orders and every file they uploaded."""
    customer = db.get_or_404(Customer, customer_id)
    uploads = customer_upload_dir(customer)
    db.session.delete(customer)
    db.session.commit()
    if uploads.exists():
        shutil.rmtree(uploads)
    audit.warning("customer %s deleted by admin %s", customer_id, current_user.id)
    return "", 204


@bp.get("/customers/<int:customer_id>/export")
@require_permission("customers:export")
def export_customer_data(customer_id: int):
    """Subject-access export: all personal data we hold, as CSV."""
    customer = db.get_or_404(Customer, customer_id)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerow({field: getattr(customer, field) or "" for field in EXPORT_FIELDS})
    audit.info("personal data of customer %s exported by %s", customer_id, current_user.id)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=customer-{customer_id}.csv"},
    )
