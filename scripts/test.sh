#!/usr/bin/env bash
# Set everything up and run the whole test suite (browser tests included).
# Uses DATABASE_URL when set (e.g. PostgreSQL), SQLite otherwise. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
scripts/install-browser.sh
exec .venv/bin/python -m pytest "$@"
