#!/usr/bin/env bash
# Typing latency of `lanes lsp`, measured by lspprobe's latency probe: single-character
# edits (an insert, then its deletion) at random places, one at a time; the time from each
# didChange to the publishDiagnostics for that version. Real files come from the benchmark
# corpus (benches/fetch-corpus.sh); the 20,000-line files are lspprobe's generated ones.
# Then benches/lsp-memory.py: initialize time and peak memory with ten 20,000-line files.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROBE="$ROOT/../shared/tools/lspprobe/lspprobe.py"
CORPUS="$ROOT/target/bench-corpus"
[[ -f "$CORPUS/.complete" ]] || "$ROOT/benches/fetch-corpus.sh"
(cd "$ROOT" && cargo build --release --quiet)
SERVER="$ROOT/target/release/lanes lsp"

run() { # lang, label, extra args...
  local lang=$1 label=$2; shift 2
  local line
  line=$(python3 "$PROBE" latency --server "$SERVER" --lang "$lang" "$@" 2>&1 | grep -E '^(PASS|FAIL) latency')
  printf '%-58s %s\n' "$label" "${line#* latency: }"
}

for f in python/Django-5.1.3/django/db/models/query.py python/Django-5.1.3/django/db/models/base.py \
         python/Django-5.1.3/django/contrib/admin/options.py rust/syn-2.0.87/src/expr.rs \
         rust/syn-2.0.87/src/item.rs rust/tokio-1.41.1/src/runtime/task/core.rs; do
  lang=python; [[ $f == *.rs ]] && lang=rust
  run "$lang" "$f ($(wc -l < "$CORPUS/$f") lines)" --big-file "$CORPUS/$f"
done
run python "generated Python, 20,000 lines" --lines 20000
run rust "generated Rust, 20,000 lines" --lines 20000
python3 "$ROOT/benches/lsp-memory.py" "$ROOT/target/release/lanes" | grep -vE '^lanes-bench'
