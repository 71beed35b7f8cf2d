"""Minimal OAuth 2.0 authorization server (authorization-code + PKCE)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode, urlsplit

import jwt

ACCESS_TOKEN_TTL = 900
CODE_TTL = 60
SIGNING_KEY_PATH = "/etc/oauth/signing.pem"


def hash_client_secret(secret: str, salt: bytes | None = None) -> str:  # expect: lane3 security
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, 310_000)
    return base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_client_secret(stored: str, presented: str) -> bool:  # expect: lane3 security
    salt_b64, digest_b64 = stored.split("$", 1)
    salt = base64.b64decode(salt_b64)
    candidate = hashlib.pbkdf2_hmac("sha256", presented.encode(), salt, 310_000)
    return hmac.compare_digest(candidate, base64.b64decode(digest_b64))


def new_authorization_code() -> str:  # expect: lane3 security
    return secrets.token_urlsafe(32)


def pkce_matches(verifier: str, challenge: str) -> bool:  # expect: lane3 security
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


def redirect_uri_allowed(client: dict, uri: str) -> bool:  # expect: lane3 security
    parts = urlsplit(uri)
    if parts.scheme != "https" and parts.hostname not in ("localhost", "127.0.0.1"):
        return False
    return uri in client["redirect_uris"]


def sign_access_token(private_key: str, subject: str, client_id: str, scopes: list[str]) -> str:  # expect: lane3 security
    now = int(time.time())
    claims = {
        "sub": subject,
        "aud": client_id,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + ACCESS_TOKEN_TTL,
    }
    return jwt.encode(claims, private_key, algorithm="RS256")


def decode_access_token(public_key: str, token: str, audience: str) -> dict:  # expect: lane3 security
    return jwt.decode(token, public_key, algorithms=["RS256"], audience=audience)


def parse_scope(raw: str | None) -> list[str]:  # expect: lane2
    if not raw:
        return []
    seen = []
    for part in raw.replace(",", " ").split():
        if part not in seen:
            seen.append(part)
    return seen


def require_scope(claims: dict, needed: str) -> None:  # expect: lane3 permission
    granted = set(claims.get("scope", "").split())
    if needed not in granted:
        raise PermissionError(f"insufficient_scope: {needed} required")


def authorize(request, clients, code_store):  # expect: lane3 identity
    user = request.session.get("user_id")
    query = request.args
    if user is None:
        return 302, "/login?" + urlencode({"next": request.full_path})
    client = clients.get(query["client_id"])
    if client is None or not redirect_uri_allowed(client, query["redirect_uri"]):
        return 400, "invalid_request"
    code = new_authorization_code()
    code_store[code] = {
        "user": user,
        "client": client["id"],
        "challenge": query.get("code_challenge"),
        "scope": parse_scope(query.get("scope")),
        "expires": time.time() + CODE_TTL,
    }
    return 302, query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})


def login(request, users, password_check) -> tuple[int, str]:  # expect: lane3 identity
    account = users.find_by_email(request.form["email"].strip().lower())
    if account is None or not password_check(account.password_hash, request.form["password"]):
        return 401, "invalid credentials"
    request.session.clear()
    request.session["user_id"] = account.id
    return 302, request.args.get("next", "/")


def logout(request, refresh_store) -> tuple[int, str]:  # expect: lane3 identity
    token = request.cookies.get("refresh_token")
    if token:
        refresh_store.delete(hashlib.sha256(token.encode()).hexdigest())
    request.session.clear()
    return 302, "/login"


def register_account(users, email: str, password: str, hasher) -> int:  # expect: lane3 identity
    email = email.strip().lower()
    if users.find_by_email(email) is not None:
        raise ValueError("email already registered")
    if len(password) < 12:
        raise ValueError("password must be at least 12 characters")
    return users.create(email=email, password_hash=hasher(password), email_verified=False)


def start_password_reset(users, mailer, email: str) -> None:  # expect: lane3 identity
    account = users.find_by_email(email.strip().lower())
    if account is None:
        return
    raw = secrets.token_urlsafe(32)
    users.set_reset_token(account.id, hashlib.sha256(raw.encode()).hexdigest(), time.time() + 3600)
    mailer.send(account.email, "Reset your password", f"https://id.example.com/reset?token={raw}")


def revoke_refresh_token(store, token: str, client_id: str) -> bool:  # expect: lane3 security
    record = store.get(hashlib.sha256(token.encode()).hexdigest())
    if record is None or record["client"] != client_id:
        return False
    record["revoked_at"] = time.time()
    store.save(record)
    return True


def discovery_document(issuer: str) -> dict:  # expect: lane2
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    }


def describe_scopes(scopes: list[str], catalogue: dict[str, str]) -> list[str]:  # expect: lane2
    return [catalogue.get(s, s) for s in scopes]


def render_consent_page(client_name: str, scope_descriptions: list[str]) -> str:  # expect: lane1
    items = "".join(f"<li>{d}</li>" for d in scope_descriptions)
    return (
        f"<h1>{client_name} wants to access your account</h1>"
        f"<ul class='scopes'>{items}</ul>"
        "<button name='decision' value='allow'>Allow</button>"
        "<button name='decision' value='deny'>Deny</button>"
    )
