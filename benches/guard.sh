#!/usr/bin/env bash
# Benchmark `lanes guard` on generated large files: the decision itself (`--timings`:
# classify the file before and after the edit, compare, apply the policy) and the wall time
# of the whole process (what a coding agent waits for before every edit), which also
# compiles the rules of the file's language.
# Usage: benches/guard.sh            (RUNS=50 by default; figures go to the README)
# Each run pipes a Claude Code PreToolUse Edit call that changes one line in the middle of
# the file, and a Write of the whole file with that change; the audit log is skipped
# (--no-audit) so that the disk does not enter the figure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
(cd "$ROOT" && cargo build --release --quiet)
LANES="$ROOT/target/release/lanes" RUNS="${RUNS:-50}" python3 - <<'PY'
import json, os, statistics, subprocess, tempfile, time

lanes, runs = os.environ["LANES"], int(os.environ["RUNS"])

def python_file(functions):
    parts = ['"""Generated for the guard benchmark."""\nimport logging\n\nlog = logging.getLogger(__name__)\n']
    for i in range(functions):
        body = ["def order_total_%d(items, rate):" % i, '    """Sum of line totals."""',
                "    total = 0", "    for item in items:", "        total += item.price * item.quantity",
                "    log.info(\"total %%s\", total)", "    return total * rate"]
        if i % 50 == 7:
            body.insert(5, "    stripe.Charge.create(amount=total)")
        parts.append("\n".join(body) + "\n")
    return "\n\n".join(parts)

def rust_file(functions):
    parts = ["//! Generated for the guard benchmark.\n"]
    for i in range(functions):
        parts.append("pub fn order_total_%d(items: &[(u64, u64)], rate: u64) -> u64 {\n"
                     "    let mut total = 0;\n    for (price, quantity) in items {\n        total += price * quantity;\n    }\n"
                     "    tracing::info!(total);\n    total * rate\n}\n" % i)
    return "\n".join(parts)

def bench(name, text, ext):
    d = tempfile.mkdtemp(prefix="lanes-guard-bench-")
    path = os.path.join(d, "big" + ext)
    with open(path, "w") as f:
        f.write(text)
    lines = text.count("\n")
    # Rename the parameter of the function in the middle (a unique line).
    n = text.count("order_total_") // 2
    mid = text.index("order_total_%d(" % n)
    end = text.index("\n", mid)
    old = text[mid:end]
    new = old.replace("rate", "factor", 1)
    edit = {"session_id": "bench", "cwd": d, "hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": path, "old_string": old, "new_string": new}}
    write = {"session_id": "bench", "cwd": d, "hook_event_name": "PreToolUse", "tool_name": "Write",
             "tool_input": {"file_path": path, "content": text[:mid] + new + text[end:]}}
    for label, call in (("Edit", edit), ("Write", write)):
        data = json.dumps(call).encode()
        times, decide, load = [], [], []
        for _ in range(runs):
            t = time.perf_counter()
            r = subprocess.run([lanes, "guard", "--no-audit", "--timings"], input=data, capture_output=True, check=True, cwd=d)
            times.append((time.perf_counter() - t) * 1000)
            line = r.stderr.decode().strip().split("\n")[-1]
            load.append(float(line.split("load ")[1].split(" ms")[0]))
            decide.append(float(line.split("decide ")[1].split(" ms")[0]))
        p95 = lambda v: sorted(v)[int(len(v) * 0.95) - 1]
        print("%-34s %-5s decide median %5.1f ms p95 %5.1f ms | rules %5.1f ms | process median %5.1f ms p95 %5.1f ms"
              % (name, label, statistics.median(decide), p95(decide), statistics.median(load),
                 statistics.median(times), p95(times)))

bench("python, 2,000 lines (250 fns)", python_file(250), ".py")
bench("python, 20,000 lines (2,500 fns)", python_file(2500), ".py")
bench("rust, 20,000 lines (2,500 fns)", rust_file(2500), ".rs")
PY
