import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Iterable, Optional, Set

import bcrypt
import jwt
from django.core.exceptions import PermissionDenied
from passlib.context import CryptContext

from shop.models import AuditEntry

logger = logging.getLogger(__name__)

JWT_SECRET = os.environ["JWT_SECRET"]
JWT_ALGORITHM = "HS256"
ACCESS_TOKEN_TTL = timedelta(minutes=15)

pwd_context = CryptContext(schemes=["argon2", "bcrypt"], deprecated="auto")

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,32}$")


class AuthError(Exception):
    pass


def hash_password(plain: str) -> str:  # expect: lane3 security
    return bcrypt.hashpw(plain.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


def verify_password(plain: str, hashed: str) -> bool:  # expect: lane3 security
    try:
        return bcrypt.checkpw(plain.encode("utf-8"), hashed.encode("ascii"))
    except ValueError:
        return False


def needs_rehash(hashed: str) -> bool:  # expect: lane3 security
    return pwd_context.needs_update(hashed)


def normalize_username(raw: str) -> str:  # expect: lane2
    # Only the login name is normalised; the password is passed through untouched.
    username = raw.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValueError("usernames may contain letters, digits, dot, dash and underscore")
    return username


def issue_access_token(user_id: int, scopes: list) -> str:  # expect: lane3 security
    now = datetime.now(tz=timezone.utc)
    claims = {
        "sub": str(user_id),
        "scope": " ".join(scopes),
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TOKEN_TTL).timestamp()),
    }
    return jwt.encode(claims, JWT_SECRET, algorithm=JWT_ALGORITHM)


def decode_access_token(token: str) -> dict:  # expect: lane3 security
    try:
        return jwt.decode(token, JWT_SECRET, algorithms=[JWT_ALGORITHM])
    except jwt.ExpiredSignatureError:
        raise AuthError("token expired")
    except jwt.InvalidTokenError as exc:
        raise AuthError(f"invalid token: {exc}")


def generate_api_key(prefix: str = "sk_live") -> str:  # expect: lane3 security
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def fingerprint_api_key(api_key: str) -> str:  # expect: lane3 security
    # Stored instead of the key itself so a DB leak does not expose live keys.
    return hashlib.sha256(api_key.encode()).hexdigest()


def sign_payload(body: bytes, secret: bytes) -> str:  # expect: lane3 security
    digest = hmac.new(secret, body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(body: bytes, secret: bytes, signature: str) -> bool:  # expect: lane3 security
    expected = sign_payload(body, secret)
    return hmac.compare_digest(expected, signature)


def make_reset_token(user) -> str:  # expect: lane3 identity
    raw = os.urandom(24)
    user.password_reset_token = hashlib.sha256(raw).hexdigest()
    user.password_reset_expires = datetime.now(tz=timezone.utc) + timedelta(hours=1)
    user.save()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def reset_password(user, token: str, new_password: str) -> None:  # expect: lane3 identity
    padded = token + "=" * (-len(token) % 4)
    candidate = hashlib.sha256(base64.urlsafe_b64decode(padded)).hexdigest()
    if not user.password_reset_token or not hmac.compare_digest(candidate, user.password_reset_token):
        raise AuthError("invalid reset token")
    if user.password_reset_expires < datetime.now(tz=timezone.utc):
        raise AuthError("reset token expired")
    user.password_hash = hash_password(new_password)
    user.password_reset_token = None
    user.save()


def authenticate_user(repo, username: str, password: str) -> Optional[object]:  # expect: lane3 identity
    user = repo.get_by_username(normalize_username(username))
    if user is None or not verify_password(password, user.password_hash):
        logger.info("failed login for %s", username)
        return None
    return user


def has_role(user, role: str) -> bool:  # expect: lane3 permission
    return user.is_active and role in {getattr(r, "value", r) for r in user.roles}


def require_role(role: str):  # expect: lane3 permission
    def decorator(func):  # expect: lane3 permission
        def wrapper(user, *args, **kwargs):  # expect: lane3 permission
            if not has_role(user, role):
                raise PermissionError(f"role {role!r} required")
            return func(user, *args, **kwargs)

        return wrapper

    return decorator


# --- roles and grants -------------------------------------------------------


class Role(str, Enum):
    CUSTOMER = "customer"
    SUPPORT = "support"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_GRANTS = {
    Role.CUSTOMER: {"orders.view_own"},
    Role.SUPPORT: {"orders.view_own", "orders.view_any", "orders.add_note"},
    Role.MANAGER: {"orders.view_any", "orders.refund", "coupons.create"},
    Role.ADMIN: {"*"},
}


def grants_for(roles: Iterable[Role]) -> Set[str]:  # expect: lane3 permission
    granted: Set[str] = set()
    for role in roles:
        granted |= ROLE_GRANTS.get(role, set())
    return granted


def check_permission(user, perm: str) -> bool:  # expect: lane3 permission
    if not user.is_active:
        return False
    granted = grants_for(user.roles)
    return "*" in granted or perm in granted


def ensure_permission(user, perm: str) -> None:  # expect: lane3 permission
    if not check_permission(user, perm):
        logger.warning("denied %s to user %s", perm, user.pk)
        raise PermissionDenied(perm)


def can_view_order(user, order) -> bool:  # expect: lane3 permission
    if order.customer_id == user.pk:
        return True
    return user.has_perm("shop.view_order")


def grant_role(actor, target_user, role: Role) -> None:  # expect: lane3 permission
    ensure_permission(actor, "users.manage_roles")
    target_user.roles.append(role)
    target_user.save()
    AuditEntry.record(actor, f"grant_role:{role.value}", target_user.pk)


def role_display_name(role: Role) -> str:  # expect: lane1
    """Human label for the role picker; does not affect what permissions a role has."""
    return {
        Role.CUSTOMER: "Customer",
        Role.SUPPORT: "Support agent",
        Role.MANAGER: "Store manager",
        Role.ADMIN: "Administrator",
    }[role]


def sort_roles(roles: Iterable[Role]) -> list:  # expect: lane2
    order = [Role.CUSTOMER, Role.SUPPORT, Role.MANAGER, Role.ADMIN]
    return sorted(set(roles), key=order.index)
