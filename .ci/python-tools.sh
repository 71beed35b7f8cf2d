#!/usr/bin/env bash
# Installs the Python tools the tests use (pytest and pytest-asyncio, for the test-stub
# fixes) into .tools/py, an ignored folder; does nothing when they are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x .tools/py/bin/python ] && .tools/py/bin/python -c 'import pytest, pytest_asyncio' 2>/dev/null; then
    exit 0
fi
python3 -m venv .tools/py
.tools/py/bin/python -m pip install --quiet --disable-pip-version-check 'pytest==8.*' 'pytest-asyncio==0.*'
