#!/usr/bin/env bash
# Install the test dependencies and run the whole test suite (on SQLite by default;
# set TEST_DATABASE_URL to run it on PostgreSQL). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv "[test]"
exec .venv/bin/python -m pytest "$@"
