#!/usr/bin/env bash
# Installs a tool that the report tests (tests/report_tools.rs) need, if it is not there yet,
# and prints its path as the last line of stdout; progress goes to stderr.
#   bash .ci/report-tools.sh sarif     Microsoft's SARIF validator, from npm, into .tools/sarif
#   bash .ci/report-tools.sh chromium  Debian's chromium (apt-get), for the HTML report test
# Both are cached: a second call installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  sarif)
    dir=.tools/sarif
    bin="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
    if [[ ! -f "$bin" ]]; then
      if ! command -v npm >/dev/null; then
        echo "installing npm (apt-get)" >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >&2
      fi
      mkdir -p "$dir"
      echo "installing @microsoft/sarif-multitool into $dir" >&2
      npm install --prefix "$dir" --no-audit --no-fund --loglevel=error @microsoft/sarif-multitool@5.7.0 >&2
    fi
    # npm may skip the package's postinstall script, which only makes the binary executable.
    chmod u+x "$bin"
    echo "$PWD/$bin"
    ;;
  chromium)
    if ! command -v chromium >/dev/null; then
      echo "installing chromium (apt-get)" >&2
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
    fi
    command -v chromium
    ;;
  *)
    echo "usage: $0 sarif|chromium" >&2
    exit 2
    ;;
esac
