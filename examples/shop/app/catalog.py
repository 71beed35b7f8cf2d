"""Product search and supplier feed import."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import requests
from flask import Blueprint, jsonify, request
from requests.adapters import HTTPAdapter, Retry

from .models import Product

log = logging.getLogger(__name__)
bp = Blueprint("catalog", __name__, url_prefix="/products")

STOPWORDS = {"a", "an", "and", "the", "for", "with", "of"}
SORT_COLUMNS = {"price": Product.price_cents, "name": Product.name}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class SearchParams:
    terms: list[str]
    max_price_cents: int | None = None
    sort: str = "relevance"
    limit: int = 24


def tokenize(query: str) -> list[str]:
    """Split a search query into lowercase terms, dropping stopwords."""
    return [word for word in _WORD.findall(query.lower()) if word not in STOPWORDS]


def parse_search_params(args) -> SearchParams:
    sort = args.get("sort", "relevance")
    if sort not in SORT_COLUMNS and sort != "relevance":
        raise ValueError(f"cannot sort by {sort!r}")
    max_price = args.get("max_price")
    return SearchParams(
        terms=tokenize(args.get("q", "")),
        max_price_cents=int(max_price) if max_price else None,
        sort=sort,
        limit=min(int(args.get("limit", 24)), 100),
    )


def search_products(params: SearchParams) -> list[Product]:
    """Filter in SQL, then rank by how many query terms appear in name and description."""
    query = Product.query
    if params.max_price_cents is not None:
        query = query.filter(Product.price_cents <= params.max_price_cents)
    if params.sort in SORT_COLUMNS:
        query = query.order_by(SORT_COLUMNS[params.sort])
    products = query.all()
    if params.terms:
        hits = {p.id: len(set(params.terms) & set(tokenize(f"{p.name} {p.description}"))) for p in products}
        products = [p for p in products if hits[p.id]]
        if params.sort == "relevance":
            products.sort(key=lambda p: hits[p.id], reverse=True)
    return products[: params.limit]


@bp.get("/search")
def search():
    try:
        params = parse_search_params(request.args)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    results = search_products(params)
    return jsonify([{"id": p.id, "sku": p.sku, "name": p.name, "price_cents": p.price_cents} for p in results])


def fetch_supplier_feed(url: str, timeout: float = 10.0) -> list[dict]:
    """Download a supplier's JSON product feed, retrying transient errors."""
    http = requests.Session()
    http.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=0.5)))
    http.headers["User-Agent"] = "shop-feed-importer/1.0"
    response = http.get(url, timeout=timeout)
    response.raise_for_status()
    return response.json()["products"]
