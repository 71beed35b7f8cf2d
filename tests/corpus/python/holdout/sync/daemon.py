"""Background daemon that mirrors a folder to the sync service."""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import time
from collections import OrderedDict
from pathlib import Path

import requests

TRASH_RETENTION_SECONDS = 30 * 24 * 3600


class SyncClient:
    """Thin HTTP client; `session` is a pooled requests.Session, not a login."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:  # expect: lane2
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "syncd/2.3"

    def fetch_manifest(self, folder_id: str) -> dict[str, str]:  # expect: lane2
        resp = self.session.get(f"{self.base_url}/folders/{folder_id}/manifest", timeout=self.timeout)
        resp.raise_for_status()
        return {item["path"]: item["digest"] for item in resp.json()["items"]}

    def close(self) -> None:  # expect: lane2
        self.session.close()


class DigestCache:
    def __init__(self, capacity: int = 4096) -> None:  # expect: lane2
        self.capacity = capacity
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def get(self, path: str, mtime: float) -> str | None:  # expect: lane2
        hit = self._data.get(path)
        if hit is None or hit[0] != mtime:
            return None
        self._data.move_to_end(path)
        return hit[1]

    def put(self, path: str, mtime: float, digest: str) -> None:  # expect: lane2
        self._data[path] = (mtime, digest)
        self._data.move_to_end(path)
        while len(self._data) > self.capacity:
            self.evict()

    def evict(self) -> str:  # expect: lane2
        path, _ = self._data.popitem(last=False)
        return path


def file_digest(path: Path, chunk: int = 1 << 16) -> str:  # expect: lane2
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def should_ignore(rel_path: str, patterns: list[str]) -> bool:  # expect: lane2
    name = os.path.basename(rel_path)
    return any(fnmatch.fnmatch(rel_path, p) or fnmatch.fnmatch(name, p) for p in patterns)


def diff_manifests(local: dict[str, str], remote: dict[str, str]) -> dict[str, list[str]]:  # expect: lane2
    return {
        "upload": sorted(p for p in local if p not in remote or local[p] != remote[p]),
        "download": sorted(p for p in remote if p not in local),
        "delete_local": [],
    }


def conflict_copy_name(rel_path: str, device: str) -> str:  # expect: lane2
    stem, ext = os.path.splitext(rel_path)
    stamp = time.strftime("%Y-%m-%d %H%M%S")
    return f"{stem} (conflict from {device} {stamp}){ext}"


def dequeue_path(pending: list[str], rel_path: str) -> bool:  # expect: lane2
    try:
        pending.remove(rel_path)
    except ValueError:
        return False
    return True


def apply_remote_deletions(root: Path, deleted: list[str]) -> int:  # expect: lane3 irreversible
    removed = 0
    for rel in deleted:
        target = (root / rel).resolve()
        if root.resolve() not in target.parents:
            continue
        if target.is_file():
            os.remove(target)
            removed += 1
    return removed


def empty_trash(trash_dir: Path, now: float | None = None) -> list[str]:  # expect: lane3 irreversible
    now = now or time.time()
    purged = []
    for entry in trash_dir.iterdir():
        if now - entry.stat().st_mtime > TRASH_RETENTION_SECONDS:
            entry.unlink()
            purged.append(entry.name)
    return purged


def load_device_credentials(config_dir: Path) -> dict[str, str]:  # expect: lane3 security
    data = json.loads((config_dir / "device.json").read_text())
    return {"device_id": data["device_id"], "api_key": data["api_key"]}


def progress_line(done: int, total: int, current: str) -> str:  # expect: lane1
    pct = 100 * done // total if total else 100
    return f"[{pct:3d}%] {done}/{total}  {current[-40:]}"
