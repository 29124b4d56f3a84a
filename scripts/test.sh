#!/usr/bin/env bash
# Install the test dependencies and run the whole test suite (on SQLite by default;
# set TEST_DATABASE_URL to run it on PostgreSQL). Extra arguments go to pytest.
# The browser tests (tests/browser) need Debian's Chromium and npm's axe-core, and the
# deployment tests (tests/deploy) Debian's nginx: all are installed here when missing (the
# Debian packages with apt-get, when running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv "[test]"

apt_install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing $* with apt-get ..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
        echo "Missing $*: install with sudo apt-get install $* (the tests that need it skip)" >&2
        return 1
    fi
}
if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium fonts-noto-cjk || true
fi
if ! command -v ffmpeg >/dev/null; then
    # Trainers' voice recordings are transcoded with ffmpeg (tests/author/test_recordings.py).
    apt_install ffmpeg || true
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    # Only the binary is used: tests/deploy starts its own nginx on a free loopback port.
    apt_install nginx || true
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
    command -v npm >/dev/null || apt_install npm || true
    if command -v npm >/dev/null; then
        npm install --prefix "$PWD" --no-save --no-audit --no-fund --silent axe-core@4 || true
    fi
fi
exec .venv/bin/python -m pytest "$@"
