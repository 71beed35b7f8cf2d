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
# time's report goes to its own file (-o) so it never mixes with lanes's stderr.
status=0
/usr/bin/time -v -o "$TMP/time" \
  "$LANES" check --stats --format json "$TARGET" > /dev/null 2> "$TMP/stderr" || status=$?

echo "target: ${TARGET#"$ROOT"/}"
# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34" -> seconds
awk -F': ' '/Elapsed \(wall clock\)/ {
    n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]
    printf "wall time: %.2f s\n", s }
  /User time \(seconds\)/ { u = $2 } /System time \(seconds\)/ { y = $2 }
  /Maximum resident set size/ { rss = $2 }
  END { printf "cpu time: %.2f s (user %.2f, sys %.2f)\n", u + y, u, y
        printf "max rss: %.1f MB\n", rss / 1024 }' "$TMP/time"
grep '^stats:' "$TMP/stderr" || echo "warning: lanes printed no 'stats:' lines" >&2

# lanes check may exit 1 when it reports findings; anything above that is a failure.
if (( status > 1 )); then
  echo "error: lanes exited with status $status; its stderr ends with:" >&2
  tail -n 20 "$TMP/stderr" >&2
  exit "$status"
fi
echo "lanes exit status: $status"
