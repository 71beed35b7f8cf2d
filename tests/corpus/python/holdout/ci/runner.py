"""Job runner for the self-hosted CI agent."""
from __future__ import annotations

import itertools
import os
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import defaultdict, deque
from pathlib import Path

import yaml

DEFAULT_TIMEOUT = 30 * 60


def load_pipeline(path: Path) -> dict:  # expect: lane2
    with path.open() as fh:
        doc = yaml.safe_load(fh) or {}
    if "jobs" not in doc:
        raise ValueError(f"{path}: pipeline has no jobs")
    return doc


def expand_matrix(job: dict) -> list[dict]:  # expect: lane2
    matrix = job.get("matrix") or {}
    if not matrix:
        return [job]
    keys = sorted(matrix)
    variants = []
    for combo in itertools.product(*(matrix[k] for k in keys)):
        variant = dict(job)
        variant["env"] = {**job.get("env", {}), **dict(zip(keys, map(str, combo)))}
        variant["name"] = f"{job['name']} ({', '.join(map(str, combo))})"
        variants.append(variant)
    return variants


def execution_order(jobs: dict[str, dict]) -> list[str]:  # expect: lane2
    indegree = {name: 0 for name in jobs}
    children = defaultdict(list)
    for name, job in jobs.items():
        for dep in job.get("needs", []):
            indegree[name] += 1
            children[dep].append(name)
    ready = deque(sorted(n for n, d in indegree.items() if d == 0))
    order = []
    while ready:
        name = ready.popleft()
        order.append(name)
        for child in children[name]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(jobs):
        raise ValueError("dependency cycle in pipeline")
    return order


def job_timeout(job: dict) -> int:  # expect: lane2
    raw = str(job.get("timeout", DEFAULT_TIMEOUT))
    if raw.endswith("m"):
        return int(raw[:-1]) * 60
    if raw.endswith("h"):
        return int(raw[:-1]) * 3600
    return int(raw)


def inject_secrets(env: dict[str, str], vault, names: list[str]) -> dict[str, str]:  # expect: lane3 security
    resolved = dict(env)
    for name in names:
        resolved[name] = vault.read(f"ci/{name}")["value"]
    return resolved


def mask_secrets(line: str, secret_values: list[str]) -> str:  # expect: lane3 security
    for value in sorted(secret_values, key=len, reverse=True):
        if len(value) >= 4:
            line = line.replace(value, "***")
    return line


def run_step(step: dict, workdir: Path, env: dict[str, str]) -> int:  # expect: lane3 security
    proc = subprocess.run(
        step["run"],
        shell=True,
        cwd=workdir,
        env={**os.environ, **env},
        timeout=job_timeout(step),
    )
    return proc.returncode


def checkout(repo_url: str, sha: str, workdir: Path) -> None:  # expect: lane3 security
    subprocess.check_call(["git", "init", "-q", str(workdir)])
    subprocess.check_call(["git", "-C", str(workdir), "fetch", "--depth=1", repo_url, sha])
    subprocess.check_call(["git", "-C", str(workdir), "checkout", "-q", "FETCH_HEAD"])


def clean_workspace(workdir: Path) -> None:  # expect: lane3 irreversible
    if workdir.exists():
        shutil.rmtree(workdir)


def prune_artifacts(artifact_root: Path, keep_last: int = 20) -> list[str]:  # expect: lane3 irreversible
    builds = sorted(artifact_root.iterdir(), key=lambda d: d.stat().st_mtime, reverse=True)
    removed = []
    for build_dir in builds[keep_last:]:
        shutil.rmtree(build_dir, ignore_errors=True)
        removed.append(build_dir.name)
    return removed


def can_trigger(user, pipeline: dict) -> bool:  # expect: lane3 permission
    allowed = set(pipeline.get("allowed_teams", []))
    if user.is_admin:
        return True
    return bool(allowed & set(user.teams))


def parse_junit(xml_text: str) -> dict[str, int]:  # expect: lane2
    root = ET.fromstring(xml_text)
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    return totals


def describe_command(step: dict) -> str:  # expect: lane1
    return "$ " + " ".join(shlex.quote(part) for part in step["run"].split())


def format_duration(seconds: float) -> str:  # expect: lane1
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def status_badge_svg(status: str) -> str:  # expect: lane1
    colour = {"passed": "#2ea44f", "failed": "#d73a49"}.get(status, "#9e9e9e")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="20">'
        f'<rect width="90" height="20" fill="{colour}"/>'
        f'<text x="45" y="14" fill="#fff" text-anchor="middle">{status}</text></svg>'
    )
