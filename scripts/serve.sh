#!/usr/bin/env bash
# Install everything, prepare the SQLite database with the seed courses, and serve the app in
# production mode (gunicorn, gunicorn.conf.py) on http://127.0.0.1:$PORT (5000 unless PORT is
# set; BIND=ADDRESS:PORT listens elsewhere, e.g. BIND=0.0.0.0:8080 for the local network).
# Safe to run again: it only upgrades and updates what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv ""
# The certificate image (PNG) is drawn with a CJK font: Debian's fonts-noto-cjk.
if [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing fonts-noto-cjk with apt-get ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null || true
    else
        echo "No CJK font: install it with sudo apt-get install fonts-noto-cjk (certificate images need it)" >&2
    fi
fi
# Trainers' voice recordings are transcoded with ffmpeg (AAC, 24 kbit/s mono): Debian's ffmpeg.
if ! command -v ffmpeg >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing ffmpeg with apt-get ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null || true
    else
        echo "No ffmpeg: install it with sudo apt-get install ffmpeg (voice recordings need it)" >&2
    fi
fi
.venv/bin/flask --app training setup
bind="${BIND:-127.0.0.1:${PORT:-5000}}"
case "$bind" in
    unix:*) address="$bind" ;;
    *) address="http://$bind" ;;
esac
echo "Serving on $address — the first admin's login is in instance/initial-admin-password.txt"
exec .venv/bin/flask --app training serve --bind "$bind"
