#!/usr/bin/env bash
# Build the benchmark corpus for `lanes` in target/bench-corpus/ (git-ignored, never committed):
#   rust/    whole source trees (src, tests, benches; .rs only) of a few large, pinned crates,
#            fetched with `cargo vendor` through a throwaway project
#   python/  .py files of pinned pure-Python sdists fetched with `pip download`
# Each half is ~230k lines. Idempotent: does nothing if the corpus is complete, unless --force.
# Needs only crates.io and PyPI (cargo, pip, tar).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="$ROOT/target/bench-corpus"

case "${1:-}" in
  --force) rm -rf "$CORPUS" ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

# count <dir> <ext>: number of files and lines with that extension
count() {
  local files lines
  files=$(find "$1" -type f -name "*.$2" | wc -l)
  lines=$(find "$1" -type f -name "*.$2" -print0 | xargs -0 cat | wc -l)
  printf '%-7s %5d files, %7d lines\n' ".$2" "$files" "$lines"
}

summary() {
  count "$CORPUS/rust" rs
  count "$CORPUS/python" py
  echo "biggest files:"
  find "$CORPUS/rust" "$CORPUS/python" -type f -printf '%s %P\n' \
    | sort -rn | awk 'NR <= 5 {printf "  %6.0f KB  %s\n", $1/1024, $2}'
  echo "disk size: $(du -sh "$CORPUS" | cut -f1)"
}

if [[ -f "$CORPUS/.complete" ]]; then
  echo "corpus already in $CORPUS (use --force to rebuild)"
  summary
  exit 0
fi
rm -rf "$CORPUS"
mkdir -p "$CORPUS/rust" "$CORPUS/python"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
start=$SECONDS

# --- Rust ---------------------------------------------------------------------
# Every dependency below is pinned with "=" and is kept in the corpus. The rest of
# the vendored tree (transitive deps) is dropped: it is dominated by platform
# bindings (windows-sys alone is ~700k lines) and would swamp the real code.
# regex-syntax brings big generated Unicode tables on purpose.
PROJ="$CORPUS/.vendor-project"
mkdir -p "$PROJ/src"
: > "$PROJ/src/lib.rs"
cat > "$PROJ/Cargo.toml" <<'TOML'
[package]
name = "lanes-bench-corpus"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
tokio = { version = "=1.41.1", features = ["full"] }
syn = { version = "=2.0.87", features = ["full"] }
regex-syntax = { version = "=0.8.5" }
serde_json = { version = "=1.0.133" }
TOML
cargo vendor --quiet --versioned-dirs --manifest-path "$PROJ/Cargo.toml" "$TMP/vendor" > /dev/null
rm -rf "$PROJ/src"   # keep Cargo.toml/Cargo.lock as a record; no stray .rs for lanes
# Move the pinned crates (dirs named NAME-VERSION) into the corpus.
sed -nE 's/^([A-Za-z0-9_-]+) = .*version = "=([^"]+)".*/\1-\2/p' "$PROJ/Cargo.toml" |
  while read -r crate; do mv "$TMP/vendor/$crate" "$CORPUS/rust/"; done
# Keep only Rust source: drop checksums, READMEs, licences, test data, etc.
find "$CORPUS/rust" -type f ! -name '*.rs' -delete
find "$CORPUS/rust" -type d -empty -delete

# --- Python -------------------------------------------------------------------
# Django's own package (its tests/ alone is 317k lines, so left out) plus the
# Pallets web stack and requests, all complete with their tests.
pip download --quiet --no-deps --no-binary :all: --dest "$TMP/sdist" \
  django==5.1.3 flask==3.1.0 werkzeug==3.1.3 click==8.1.7 requests==2.32.3
for sdist in "$TMP"/sdist/*.tar.gz; do
  tar -xzf "$sdist" -C "$CORPUS/python"
done
rm -rf "$CORPUS"/python/[Dd]jango-*/{tests,docs,scripts,extras,js_tests}
find "$CORPUS/python" -type f ! -name '*.py' -delete
find "$CORPUS/python" -type d -empty -delete

touch "$CORPUS/.complete"
echo "corpus built in $((SECONDS - start)) s in $CORPUS"
summary
