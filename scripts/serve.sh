#!/usr/bin/env bash
# Install everything, prepare the SQLite database with the seed courses, and serve on
# http://127.0.0.1:5000. Safe to run again: it only upgrades and updates what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ""
.venv/bin/flask --app training setup
echo "Open http://127.0.0.1:5000 — the first admin's login is in instance/initial-admin-password.txt"
exec .venv/bin/flask --app training run --host 127.0.0.1 --port "${PORT:-5000}"
