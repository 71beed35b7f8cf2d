import asyncio
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List

logger = logging.getLogger(__name__)

UPLOAD_ROOT = Path(os.environ.get("UPLOAD_ROOT", "/srv/shop/uploads"))
CACHE_ROOT = Path(os.environ.get("CACHE_ROOT", "/srv/shop/cache"))


@dataclass
class Task:
    name: str
    func: Callable[[], None]
    retries: int = 0


@dataclass
class TaskRunner:
    """Tiny sequential job runner used by the nightly maintenance cron."""

    tasks: List[Task] = field(default_factory=list)
    results: Dict[str, str] = field(default_factory=dict)

    def register(self, name: str, retries: int = 0):  # expect: lane2
        def decorator(func):  # expect: lane2
            self.tasks.append(Task(name, func, retries))
            return func

        return decorator

    def execute(self) -> Dict[str, str]:  # expect: lane2
        for task in self.tasks:
            attempts = 0
            while True:
                try:
                    task.func()
                    self.results[task.name] = "ok"
                    break
                except Exception as exc:
                    attempts += 1
                    if attempts > task.retries:
                        logger.exception("task %s failed", task.name)
                        self.results[task.name] = f"failed: {exc}"
                        break
                    time.sleep(2 ** attempts)
        return self.results


runner = TaskRunner()


def files_older_than(root: Path, days: int) -> List[Path]:  # expect: lane2
    cutoff = time.time() - days * 86400
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_mtime < cutoff]


@runner.register("purge-old-uploads", retries=1)
def purge_old_uploads(days: int = 90) -> int:  # expect: lane3 irreversible
    removed = 0
    for path in files_older_than(UPLOAD_ROOT, days):
        os.remove(path)
        removed += 1
    logger.info("removed %d stale uploads", removed)
    return removed


@runner.register("clear-thumbnail-cache")
def clear_thumbnail_cache() -> None:  # expect: lane3 irreversible
    thumbs = CACHE_ROOT / "thumbnails"
    if thumbs.exists():
        shutil.rmtree(thumbs)
    thumbs.mkdir(parents=True, exist_ok=True)


def remove_user_uploads(user_id: int) -> None:  # expect: lane3 irreversible
    for path in (UPLOAD_ROOT / str(user_id)).glob("*"):
        path.unlink(missing_ok=True)


def rotate_logs(log_dir: Path, keep: int = 7) -> None:  # expect: lane3 irreversible
    logs = sorted(log_dir.glob("app.log.*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[keep:]:
        old.unlink()


def vacuum_database(db_name: str) -> int:  # expect: lane3 security
    return os.system(f"psql -d {db_name} -c 'VACUUM ANALYZE'")


def disk_usage_report(paths: List[Path]) -> Dict[str, int]:  # expect: lane2
    report = {}
    for p in paths:
        total = sum(f.stat().st_size for f in p.rglob("*") if f.is_file())
        report[str(p)] = total
    return report


def write_report(report: Dict[str, int]) -> str:  # expect: lane2
    fd, path = tempfile.mkstemp(prefix="disk-usage-", suffix=".txt")
    with os.fdopen(fd, "w") as fh:
        for name, size in sorted(report.items(), key=lambda kv: kv[1], reverse=True):
            fh.write(f"{size:>14,d}  {name}\n")
    return path


def stage_export(rows: List[str], dest: Path) -> Path:  # expect: lane2
    staging = Path(tempfile.mkdtemp(prefix="export-"))
    out = staging / dest.name
    with open(out, "w", encoding="utf-8") as fh:
        fh.writelines(r + "\n" for r in rows)
    return out


async def warm_cache(urls: List[str], fetch) -> int:  # expect: lane2
    async def one(url):  # expect: lane2
        try:
            await fetch(url)
            return 1
        except Exception:
            logger.debug("warm-up failed for %s", url)
            return 0

    results = await asyncio.gather(*(one(u) for u in urls))
    return sum(results)


async def drain_queue(queue: "asyncio.Queue", handler) -> None:  # expect: lane2
    while not queue.empty():
        item = await queue.get()
        try:
            await handler(item)
        finally:
            queue.task_done()
