#!/usr/bin/env bash
# Install everything, prepare the SQLite database with the seed courses, and serve the app in
# production mode (gunicorn, gunicorn.conf.py) on http://127.0.0.1:$PORT (5000 unless PORT is
# set; BIND=ADDRESS:PORT listens elsewhere, e.g. BIND=0.0.0.0:8080 for the local network).
# Safe to run again: it only upgrades and updates what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ""
.venv/bin/flask --app training setup
bind="${BIND:-127.0.0.1:${PORT:-5000}}"
case "$bind" in
    unix:*) address="$bind" ;;
    *) address="http://$bind" ;;
esac
echo "Serving on $address — the first admin's login is in instance/initial-admin-password.txt"
exec .venv/bin/flask --app training serve --bind "$bind"
