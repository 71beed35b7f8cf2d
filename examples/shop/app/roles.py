"""Role-based permission checks for views."""
from __future__ import annotations

import enum
import functools
import logging
from typing import Callable

from flask import abort
from flask_login import current_user

log = logging.getLogger(__name__)


class Role(str, enum.Enum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    ADMIN = "admin"


PERMISSIONS: dict[Role, set[str]] = {
    Role.CUSTOMER: set(),
    Role.SUPPORT: {"orders:read", "customers:read"},
    Role.ADMIN: {"orders:read", "orders:refund", "customers:read", "customers:delete", "customers:export"},
}


def has_permission(user, permission: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return permission in PERMISSIONS[Role(user.role)]
    except ValueError:
        log.error("user %s has unknown role %r", user.id, user.role)
        return False


def require_permission(permission: str) -> Callable:
    """Decorator: respond 403 unless the current user holds `permission`."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not has_permission(current_user, permission):
                log.warning("denied %s to user %s", permission, getattr(current_user, "id", None))
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def admin_required(view: Callable) -> Callable:
    """Shorthand for back-office views that only administrators may use."""
    return require_permission("customers:delete")(view)
