#!/usr/bin/env bash
# Neovim tests: a real headless Neovim (from .tools/nvim-venv, see .ci/editors.sh) with
# editors/nvim on 'runtimepath' like any plugin, the release `lanes` binary, and a copy of
# editors/fixtures/workspace. Exit code 0 only when every check passed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PLUGIN=$(cd "$HERE/.." && pwd)
ROOT=$(cd "$PLUGIN/../.." && pwd)
NVIM=${NVIM:-$ROOT/.tools/nvim-venv/bin/nvim}
BIN=${LANES_BIN:-$ROOT/target/release/lanes}
for f in "$NVIM" "$BIN"; do
  [[ -x $f ]] || { echo "nvim tests: $f is missing (bash .ci/editors.sh install; cargo build --release)" >&2; exit 1; }
done
OUT=$PLUGIN/.test-artifacts
rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r "$ROOT/editors/fixtures/workspace" "$WORK/workspace"
"$NVIM" --version | head -1
# Timeouts inside the test end it; this one guards against a hung Neovim.
XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data LANES_BIN=$BIN WORKSPACE=$WORK/workspace \
  ACTION=$ROOT/editors/fixtures/action.json RESULTS=$OUT/results.txt \
  timeout 120 "$NVIM" --headless --clean --cmd "set rtp^=$PLUGIN" -c "luafile $HERE/lanes_test.lua"
