import hashlib
import json
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List

import pandas as pd
import requests

logger = logging.getLogger(__name__)

PII_COLUMNS = ["ssn", "date_of_birth", "passport_number", "card_number"]


@dataclass
class LoadStats:
    rows_in: int = 0
    rows_out: int = 0
    duplicates: int = 0

    @property
    def dropped(self) -> int:  # expect: lane2
        return self.rows_in - self.rows_out


def file_checksum(path: Path, chunk_size: int = 1 << 20) -> str:  # expect: lane2
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_orders_csv(path: Path) -> pd.DataFrame:  # expect: lane2
    df = pd.read_csv(path, parse_dates=["created_at"], dtype={"sku": "string", "country": "string"})
    df["country"] = df["country"].str.upper().str.strip()
    return df


def clean_orders(df: pd.DataFrame, stats: LoadStats) -> pd.DataFrame:  # expect: lane2
    stats.rows_in = len(df)
    before = len(df)
    df = df.drop_duplicates(subset=["order_id", "sku"])
    stats.duplicates = before - len(df)
    df = df.dropna(subset=["order_id", "quantity"])
    df = df[df["quantity"] > 0]
    df = df.drop(columns=["internal_notes"], errors="ignore")
    stats.rows_out = len(df)
    return df


def parse_event_lines(lines: Iterable[str]) -> List[dict]:  # expect: lane2
    events = []
    for lineno, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            logger.warning("skipping malformed event on line %d", lineno)
            continue
        if "type" not in event or "ts" not in event:
            continue
        events.append(event)
    return events


def download_feed(url: str, dest: Path) -> Path:  # expect: lane2
    with requests.Session() as http:
        http.headers["Accept"] = "text/csv"
        with http.get(url, stream=True, timeout=30) as resp:
            resp.raise_for_status()
            with dest.open("wb") as fh:
                for chunk in resp.iter_content(chunk_size=65536):
                    fh.write(chunk)
    return dest


def dedupe_customers(df: pd.DataFrame) -> pd.DataFrame:  # expect: lane2
    df = df.sort_values("updated_at", ascending=False)
    df = df.drop_duplicates(subset=["email"], keep="first")
    return df.dropna(how="all", axis=1).reset_index(drop=True)


class Step:
    """One named transformation in the nightly pipeline."""

    def __init__(self, name: str, fn):  # expect: lane2
        self.name = name
        self.fn = fn

    def execute(self, df: pd.DataFrame) -> pd.DataFrame:  # expect: lane2
        logger.debug("running step %s on %d rows", self.name, len(df))
        return self.fn(df)


def daily_revenue(df: pd.DataFrame) -> pd.DataFrame:  # expect: lane2
    df = df.assign(revenue=df["unit_price"] * df["quantity"])
    return (
        df.groupby([df["created_at"].dt.date, "country"])["revenue"]
        .sum()
        .reset_index()
        .rename(columns={"created_at": "day"})
    )


def sample_for_review(records: List[dict], k: int = 50, seed: int = 7) -> List[dict]:  # expect: lane2
    rng = random.Random(seed)
    shuffled = list(records)
    rng.shuffle(shuffled)
    return shuffled[:k]


def dedupe_keys(rows: List[Dict[str, str]]) -> List[str]:  # expect: lane2
    seen = set()
    keys = []
    for row in rows:
        key = row["customer_id"] + ":" + row["sku"]
        if key in seen:
            continue
        seen.add(key)
        keys.append(key)
    stale = {k for k in seen if k.endswith(":TEST")}
    for k in stale:
        seen.discard(k)
        keys.remove(k)
    return keys


def mask_pii(df: pd.DataFrame) -> pd.DataFrame:  # expect: lane3 compliance
    masked = df.copy()
    if "ssn" in masked:
        masked["ssn"] = "***-**-" + masked["ssn"].astype(str).str[-4:]
    if "card_number" in masked:
        masked["card_number"] = masked["card_number"].astype(str).str[-4:].radd("**** **** **** ")
    for col in ("date_of_birth", "passport_number"):
        if col in masked:
            masked[col] = None
    return masked


def export_customer_data(df: pd.DataFrame, customer_id: str, out_dir: Path) -> Path:  # expect: lane3 compliance
    """GDPR subject access request: dump everything we hold about one customer."""
    subset = df[df["customer_id"] == customer_id]
    out = out_dir / f"sar_{customer_id}.json"
    out.write_text(subset.to_json(orient="records", date_format="iso"))
    logger.info("SAR export written for customer %s", customer_id)
    return out


def pseudonymize_customer_ids(df: pd.DataFrame, salt: bytes) -> pd.DataFrame:  # expect: lane3 compliance
    def _hash(value):  # expect: lane3 compliance
        return hashlib.sha256(salt + str(value).encode()).hexdigest()[:16]

    out = df.copy()
    out["customer_id"] = out["customer_id"].map(_hash)
    return out.drop(columns=[c for c in PII_COLUMNS if c in out.columns])


def run_pipeline(src: Path, dest: Path) -> LoadStats:  # expect: lane2
    stats = LoadStats()
    df = clean_orders(load_orders_csv(src), stats)
    daily_revenue(df).to_parquet(dest / "daily_revenue.parquet", index=False)
    logger.info("pipeline done: %s in, %s out, %s dupes", stats.rows_in, stats.rows_out, stats.duplicates)
    return stats
