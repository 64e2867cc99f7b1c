#!/usr/bin/env bash
# Create .venv and install the project (with test extras when asked: scripts/setup.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
extras=""
[ "${1:-}" = "test" ] && extras="[test]"
.venv/bin/python -m pip install --disable-pip-version-check -q -e ".${extras}"
