#!/usr/bin/env bash
# Set everything up and serve the portal with all five offices at http://127.0.0.1:8000/ (SQLite by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DEBUG=${DEBUG:-1}
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_org
.venv/bin/python manage.py train_router   # the learned routing layer (does nothing when already trained)
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
