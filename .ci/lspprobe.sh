#!/usr/bin/env bash
# Runs the black-box LSP probes (../shared/tools/lspprobe) against `lanes lsp` for Python
# and Rust samples: smoke, latency, consistency (with --eol-stress), encoding and all abuse
# cases. Needs the release binary (built by .ci/test) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
probe=../shared/tools/lspprobe/lspprobe.py
if [[ ! -f "$probe" ]]; then
  echo "lspprobe not found at $probe (it lives in shared/, next to the repository)" >&2
  exit 1
fi
server="$PWD/target/release/lanes lsp"
fixtures="$PWD/tests/fixtures/lsp"
status=0
for lang in python rust; do
  ext=py; [[ $lang == rust ]] && ext=rs
  echo "== lspprobe all: $lang"
  python3 "$probe" all --server "$server" --lang "$lang" --ext "$ext" \
    --file "$fixtures/sample.$ext" --enc-template "$fixtures/enc.$ext" \
    --require hover,codeAction,codeLens --eol-stress --timeout 20 || status=1
  # Short rounds with every lane reported keep code recognisable between checks, so the
  # drift comparison has diagnostics to compare.
  echo "== lspprobe consistency, all lanes: $lang"
  python3 "$probe" consistency --server "$server" --lang "$lang" --ext "$ext" \
    --file "$fixtures/sample.$ext" --enc-template "$fixtures/enc.$ext" --eol-stress \
    --init-options '{"diagnosticLanes":[1,2,3]}' --consistency-edits 60 --rounds 6 --timeout 20 || status=1
done
exit $status
