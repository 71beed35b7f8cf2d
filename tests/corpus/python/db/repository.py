import logging
import os
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Iterator, List, Optional

from sqlalchemy import Boolean, Column, Date, DateTime, ForeignKey, Integer, Numeric, String, create_engine, select, text
from sqlalchemy.orm import Session, declarative_base, relationship, sessionmaker

from accounts.auth import hash_password

logger = logging.getLogger(__name__)

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///shop.db"), pool_pre_ping=True)
SessionLocal = sessionmaker(bind=engine, autoflush=False)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String(255), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)
    date_of_birth = Column(Date)
    is_active = Column(Boolean, default=True)
    created_at = Column(DateTime, default=datetime.utcnow)


class OrderRow(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    status = Column(String(16), default="pending")
    country = Column(String(2))
    total = Column(Numeric(10, 2), default=0)
    created_at = Column(DateTime, default=datetime.utcnow)
    customer = relationship(User)


def get_session() -> Iterator[Session]:  # expect: lane2
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@contextmanager
def unit_of_work() -> Iterator[Session]:  # expect: lane2
    db = SessionLocal()
    try:
        yield db
        db.commit()
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


class UserRepository:
    def __init__(self, db: Session):  # expect: lane2
        self.db = db

    def get(self, user_id: int) -> Optional[User]:  # expect: lane2
        return self.db.get(User, user_id)

    def get_by_email(self, email: str) -> Optional[User]:  # expect: lane2
        # Plain lookup; the password check happens in the caller.
        return self.db.execute(select(User).where(User.email == email.lower())).scalar_one_or_none()

    def create_user(self, email: str, password: str, date_of_birth=None) -> User:  # expect: lane3 identity
        user = User(email=email.lower(), password_hash=hash_password(password), date_of_birth=date_of_birth)
        self.db.add(user)
        self.db.commit()
        self.db.refresh(user)
        return user

    def erase_user(self, user: User) -> None:  # expect: lane3 compliance
        """GDPR Art. 17 erasure: remove the account and anonymise past orders."""
        self.db.execute(
            text("UPDATE orders SET customer_id = NULL WHERE customer_id = :uid"),
            {"uid": user.id},
        )
        self.db.delete(user)
        self.db.commit()
        logger.info("erased user %s", user.id)

    def search_by_name(self, term: str) -> List[dict]:  # expect: lane3 security
        # Legacy admin search; builds the SQL by hand.
        sql = "SELECT id, email FROM users WHERE email LIKE '%" + term + "%' ORDER BY id"
        rows = self.db.execute(text(sql)).fetchall()
        return [dict(r._mapping) for r in rows]


class OrderRepository:
    def __init__(self, db: Session):  # expect: lane2
        self.db = db

    def get(self, order_id: int) -> Optional[OrderRow]:  # expect: lane2
        return self.db.get(OrderRow, order_id)

    def create(self, customer_id: int, lines: List[dict], country: str) -> OrderRow:  # expect: lane2
        order = OrderRow(customer_id=customer_id, country=country, status="pending")
        self.db.add(order)
        self.db.flush()
        for line in lines:
            self.db.execute(
                text("INSERT INTO order_lines (order_id, sku, quantity) VALUES (:o, :s, :q)"),
                {"o": order.id, "s": line["sku"], "q": line["quantity"]},
            )
        self.db.commit()
        return order

    def recent_for_customer(self, customer_id: int, days: int = 30) -> List[OrderRow]:  # expect: lane2
        since = datetime.utcnow() - timedelta(days=days)
        stmt = (
            select(OrderRow)
            .where(OrderRow.customer_id == customer_id, OrderRow.created_at >= since)
            .order_by(OrderRow.created_at.desc())
        )
        return list(self.db.execute(stmt).scalars())

    def revenue_by_country(self) -> dict:  # expect: lane2
        rows = self.db.execute(
            text("SELECT country, SUM(total) AS revenue FROM orders WHERE status = :s GROUP BY country"),
            {"s": "paid"},
        )
        return {r.country: r.revenue for r in rows}

    def delete(self, order: OrderRow) -> None:  # expect: lane3 irreversible
        self.db.delete(order)
        self.db.commit()

    def purge_cancelled_before(self, cutoff: datetime) -> int:  # expect: lane3 irreversible
        result = self.db.execute(
            text(f"DELETE FROM orders WHERE status = 'cancelled' AND created_at < '{cutoff.isoformat()}'")
        )
        self.db.commit()
        return result.rowcount


def drop_reporting_tables(db: Session, tables: List[str]) -> None:  # expect: lane3 irreversible
    for name in tables:
        db.execute(text(f"DROP TABLE IF EXISTS {name}"))
    db.commit()
