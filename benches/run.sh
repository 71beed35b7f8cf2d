#!/usr/bin/env bash
# Benchmark `lanes check` on the corpus built by benches/fetch-corpus.sh.
# Usage: benches/run.sh [rust|python]   (default: the whole corpus)
# Prints wall time, CPU time, the `stats:` lines lanes writes to stderr, and peak RSS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CORPUS="$ROOT/target/bench-corpus"
case "${1:-}" in
  "") TARGET="$CORPUS" ;;
  rust|python) TARGET="$CORPUS/$1" ;;
  *) echo "usage: $0 [rust|python]" >&2; exit 2 ;;
esac

# Corpus (idempotent, quick when already there) and /usr/bin/time (GNU time, for -v).
[[ -f "$CORPUS/.complete" ]] || "$ROOT/benches/fetch-corpus.sh"
if [[ ! -x /usr/bin/time ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    apt-get install -y -qq time > /dev/null || { apt-get update -qq && apt-get install -y -qq time > /dev/null; }
  else
    echo "error: /usr/bin/time missing; install GNU time (apt-get install time)" >&2; exit 1
  fi
fi

(cd "$ROOT" && cargo build --release --quiet)
LANES="$ROOT/target/release/lanes"

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
RUNS="${RUNS:-5}"
echo "target: ${TARGET#"$ROOT"/} ($RUNS runs; machines here are noisy, so the median counts)"
status=0
for i in $(seq "$RUNS"); do
  # time's report goes to its own file (-o) so it never mixes with lanes's stderr.
  /usr/bin/time -v -o "$TMP/time$i" \
    "$LANES" check --stats --format json "$TARGET" > /dev/null 2> "$TMP/stderr$i" || status=$?
  if (( status > 1 )); then
    echo "error: lanes exited with status $status; its stderr ends with:" >&2
    tail -n 20 "$TMP/stderr$i" >&2
    exit "$status"
  fi
  ratio=$(sed -n 's/.*ratio \([0-9.]*\).*/\1/p' "$TMP/stderr$i")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$TMP/time$i")
  echo "run $i: $(grep 'parse-only cpu' "$TMP/stderr$i" | sed 's/^stats: //'), max rss $rss MB"
  echo "$ratio" >> "$TMP/ratios"
  echo "$rss" >> "$TMP/rss"
done
grep '^stats: files' "$TMP/stderr1"
echo "median ratio (check cpu / parse-only cpu): $(sort -n "$TMP/ratios" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
echo "max rss over all runs: $(sort -n "$TMP/rss" | tail -1) MB"
