import logging
import time
from datetime import date
from typing import List, Optional

import httpx
from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel, EmailStr, Field, validator
from sqlalchemy.orm import Session

from accounts.auth import AuthError, authenticate_user, decode_access_token, issue_access_token
from db.repository import OrderRepository, UserRepository, get_session

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/token")

SHIPPING_API = "https://rates.example-carrier.com/v2"


class OrderLineIn(BaseModel):
    sku: str = Field(..., min_length=3, max_length=32)
    quantity: int = Field(..., gt=0, le=999)


class OrderIn(BaseModel):
    customer_id: int
    lines: List[OrderLineIn]
    shipping_country: str
    notes: Optional[str] = None

    @validator("shipping_country")
    def country_is_iso2(cls, value):  # expect: lane2
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError("shipping_country must be an ISO-3166 alpha-2 code")
        return value


class SignupIn(BaseModel):
    email: EmailStr
    password: str = Field(..., min_length=12)
    date_of_birth: date


class RateLimiter:
    """Simple fixed-window request quota per API client."""

    def __init__(self, limit: int, window_seconds: int = 60):  # expect: lane2
        self.limit = limit
        self.window = window_seconds
        self._buckets = {}

    def allow(self, client_id: str) -> bool:  # expect: lane2
        window_start = int(time.time()) // self.window
        key = (client_id, window_start)
        count = self._buckets.get(key, 0)
        if count >= self.limit:
            return False
        self._buckets[key] = count + 1
        for stale in [k for k in self._buckets if k[1] < window_start]:
            del self._buckets[stale]
        return True


limiter = RateLimiter(limit=120)


async def get_current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_session)):  # expect: lane3 identity
    try:
        claims = decode_access_token(token)
    except AuthError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="invalid credentials")
    user = UserRepository(db).get(int(claims["sub"]))
    if user is None or not user.is_active:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="inactive user")
    return user


async def require_admin(user=Depends(get_current_user)):  # expect: lane3 permission
    if "admin" not in user.role_names:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="admin only")
    return user


async def enforce_quota(request: Request, x_client_id: str = Header(...)):  # expect: lane2
    if not limiter.allow(x_client_id):
        logger.info("client %s over quota on %s", x_client_id, request.url.path)
        raise HTTPException(status_code=429, detail="rate limit exceeded")


@router.post("/token")
async def login_for_token(form: OAuth2PasswordRequestForm = Depends(), db: Session = Depends(get_session)):  # expect: lane3 identity
    user = authenticate_user(UserRepository(db), form.username, form.password)
    if user is None:
        raise HTTPException(status_code=401, detail="incorrect username or password")
    return {"access_token": issue_access_token(user.id, form.scopes), "token_type": "bearer"}


@router.post("/signup", status_code=201)
async def signup(body: SignupIn, db: Session = Depends(get_session)):  # expect: lane3 identity
    repo = UserRepository(db)
    if repo.get_by_email(body.email):
        raise HTTPException(status_code=409, detail="email already registered")
    user = repo.create_user(email=body.email, password=body.password, date_of_birth=body.date_of_birth)
    return {"id": user.id}


@router.post("/orders", dependencies=[Depends(enforce_quota)])
async def create_order(body: OrderIn, db: Session = Depends(get_session)):  # expect: lane2
    # Called by the storefront BFF, which has already resolved the customer.
    repo = OrderRepository(db)
    order = repo.create(customer_id=body.customer_id, lines=[l.dict() for l in body.lines], country=body.shipping_country)
    return {"id": order.id, "status": order.status}


@router.get("/orders/{order_id}/shipping-quote")
async def shipping_quote(order_id: int, db: Session = Depends(get_session)):  # expect: lane2
    order = OrderRepository(db).get(order_id)
    if order is None:
        raise HTTPException(status_code=404)
    async with httpx.AsyncClient(base_url=SHIPPING_API, timeout=5.0) as client:
        resp = await client.post("/quote", json={"country": order.country, "weight_g": order.weight_g})
        resp.raise_for_status()
    return resp.json()


def fetch_exchange_rates(base: str = "EUR") -> dict:  # expect: lane2
    with httpx.Client(timeout=10.0) as client:
        resp = client.get("https://api.exchangerate.host/latest", params={"base": base})
        resp.raise_for_status()
        data = resp.json()
    return {k: float(v) for k, v in data["rates"].items()}


@router.delete("/admin/orders/{order_id}", status_code=204)
async def admin_delete_order(order_id: int, admin=Depends(require_admin), db: Session = Depends(get_session)):  # expect: lane3 irreversible
    repo = OrderRepository(db)
    order = repo.get(order_id)
    if order is None:
        raise HTTPException(status_code=404)
    repo.delete(order)
    logger.warning("order %s deleted by admin %s", order_id, admin.id)


@router.get("/health")
async def health():  # expect: lane2
    return {"status": "ok"}
