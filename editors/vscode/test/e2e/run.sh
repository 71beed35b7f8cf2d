#!/usr/bin/env bash
# End-to-end test of the extension in a real VS Code workbench: packages the extension
# (with the release `lanes` binary bundled), installs the .vsix into code-server, opens a
# copy of editors/fixtures/workspace in headless Chromium and drives it (test/e2e/drive.js).
# Screenshots go to editors/vscode/.e2e-artifacts/. Needs what .ci/editors.sh installs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EXT=$(cd "$HERE/../.." && pwd)
ROOT=$(cd "$EXT/../.." && pwd)
CS=$ROOT/.tools/code-server/node_modules/.bin/code-server
BIN=${LANES_BIN:-$ROOT/target/release/lanes}
ART=$EXT/.e2e-artifacts
RUN=$ROOT/.tools/vscode-e2e
for f in "$CS" "$BIN" /usr/bin/chromium "$EXT/node_modules/.bin/vsce"; do
  [[ -x $f ]] || { echo "e2e: $f is missing (run bash .ci/editors.sh install, cargo build --release)" >&2; exit 1; }
done
rm -rf "$RUN" "$ART"
mkdir -p "$RUN/user/User" "$RUN/extensions" "$RUN/xdg-config" "$RUN/xdg-data" "$RUN/tmp" "$ART"
cp -r "$ROOT/editors/fixtures/workspace" "$RUN/workspace"
# Keep code-server's own files (config, logs, sockets) inside the run folder.
export XDG_CONFIG_HOME=$RUN/xdg-config XDG_DATA_HOME=$RUN/xdg-data TMPDIR=$RUN/tmp
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Package with the binary bundled (the extension's second choice after lanes.server.path).
(cd "$EXT" && npm run --silent compile)
mkdir -p "$EXT/server"
strip -o "$EXT/server/lanes" "$BIN" 2>/dev/null || cp "$BIN" "$EXT/server/lanes"
chmod +x "$EXT/server/lanes"
(cd "$EXT" && ./node_modules/.bin/vsce package --allow-missing-repository --no-rewrite-relative-links --skip-license -o "$RUN/lanes.vsix" >"$RUN/vsce.log" 2>&1) \
  || { cat "$RUN/vsce.log" >&2; exit 1; }
echo "e2e: packaged $(du -h "$RUN/lanes.vsix" | cut -f1) .vsix"

cat > "$RUN/user/User/settings.json" <<JSON
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "update.mode": "none",
  "chat.disableAIFeatures": true,
  "editor.minimap.enabled": false,
  "window.commandCenter": false,
  "workbench.layoutControl.enabled": false,
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  "lanes.decorations": "both"
}
JSON
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" > "$RUN/config.yaml"
common=(--config "$RUN/config.yaml" --user-data-dir "$RUN/user" --extensions-dir "$RUN/extensions")
"$CS" "${common[@]}" --install-extension "$RUN/lanes.vsix" >"$RUN/install.log" 2>&1 || { cat "$RUN/install.log" >&2; exit 1; }

# Its own process group, so that stopping it also stops the extension host and the server.
setsid "$CS" "${common[@]}" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override "$RUN/workspace" >"$RUN/code-server.log" 2>&1 &
CSPID=$!
trap 'kill -- -$CSPID 2>/dev/null || true; cp "$RUN/code-server.log" "$ART/" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" || { echo "e2e: code-server did not start" >&2; cat "$RUN/code-server.log" >&2; exit 1; }

NODE_PATH="$EXT/node_modules" PORT=$PORT WORKSPACE="$RUN/workspace" ARTIFACTS="$ART" LANES_BIN="$BIN" \
  ACTION="$ROOT/editors/fixtures/action.json" timeout 300 node "$HERE/drive.js"
