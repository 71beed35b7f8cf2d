"""Lightweight text utilities for product search and review summaries."""
import hashlib
import random
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Dict, Iterable, List, Optional

WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset("a an and are as at be by for from has in is it of on or that the to was were with".split())

_summary_cache: Dict[str, str] = {}


def normalize(text: str) -> str:  # expect: lane2
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def tokenize(text: str, drop_stopwords: bool = True) -> List[str]:  # expect: lane2
    tokens = WORD_RE.findall(normalize(text))
    if drop_stopwords:
        tokens = [t for t in tokens if t not in STOPWORDS]
    return tokens


def token_count(text: str) -> int:  # expect: lane2
    return len(tokenize(text, drop_stopwords=False))


class Tokenizer:
    """Word-piece-ish tokenizer used to budget LLM prompts for review summaries."""

    def __init__(self, vocab: Dict[str, int], unk_token: str = "[UNK]", max_tokens: int = 512):  # expect: lane2
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_tokens = max_tokens

    def encode(self, text: str) -> List[int]:  # expect: lane2
        ids = []
        for word in tokenize(text, drop_stopwords=False):
            ids.append(self.vocab.get(word, self.vocab[self.unk_token]))
            if len(ids) >= self.max_tokens:
                break
        return ids

    def truncate(self, text: str, budget: int) -> str:  # expect: lane2
        words = text.split()
        out = []
        used = 0
        for w in words:
            cost = max(1, len(w) // 4)
            if used + cost > budget:
                break
            out.append(w)
            used += cost
        return " ".join(out)

    @staticmethod
    def from_corpus(docs: Iterable[str], size: int = 30000) -> "Tokenizer":  # expect: lane2
        counts = Counter(t for d in docs for t in tokenize(d, drop_stopwords=False))
        vocab = {"[UNK]": 0}
        for i, (word, _) in enumerate(counts.most_common(size - 1), start=1):
            vocab[word] = i
        return Tokenizer(vocab)


def keywords(text: str, top_n: int = 8) -> List[str]:  # expect: lane2
    counts = Counter(tokenize(text))
    return [word for word, _ in counts.most_common(top_n)]


def summary_cache_key(product_id: int, reviews: List[str]) -> str:  # expect: lane2
    h = hashlib.md5(str(product_id).encode())
    for r in reviews:
        h.update(r.encode("utf-8"))
    return h.hexdigest()


def cached_summary(product_id: int, reviews: List[str], summarize) -> str:  # expect: lane2
    key = summary_cache_key(product_id, reviews)
    if key not in _summary_cache:
        if len(_summary_cache) > 2000:
            oldest = next(iter(_summary_cache))
            del _summary_cache[oldest]
        _summary_cache[key] = summarize(reviews)
    return _summary_cache[key]


def pick_placeholder(query: Optional[str] = None) -> str:  # expect: lane1
    suggestions = ["running shoes", "wireless earbuds", "coffee grinder", "yoga mat", "desk lamp"]
    if query:
        return f"Search for '{query}'"
    return "Try: " + random.choice(suggestions)


def highlight(text: str, terms: List[str], tag: str = "mark") -> str:  # expect: lane1
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")\b", re.IGNORECASE)
    return pattern.sub(lambda m: f"<{tag}>{m.group(0)}</{tag}>", text)


@lru_cache(maxsize=4096)
def stem(word: str) -> str:  # expect: lane2
    for suffix in ("ingly", "edly", "ing", "ed", "ly", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
