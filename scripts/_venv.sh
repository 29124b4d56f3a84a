# Shared by serve.sh and test.sh: make .venv and install the project into it.
# Usage: ensure_venv EXTRAS   (e.g. ensure_venv "" or ensure_venv "[test]")
ensure_venv() {
    local extras="$1"
    if [ ! -x .venv/bin/python ]; then
        if ! python3 -m venv .venv 2>/dev/null; then
            rm -rf .venv
            if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
                echo "Installing python3-venv with apt-get ..."
                apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
                python3 -m venv .venv
            else
                echo "Python's venv module is missing. Install it with: sudo apt-get install python3-venv" >&2
                exit 1
            fi
        fi
    fi
    # Installed already for this pyproject.toml: nothing to do (the project is installed in
    # editable mode, so code changes need no reinstall; a new dependency changes the file).
    local stamp=".venv/.installed${extras}" wanted
    wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
    echo "$wanted" > "$stamp"
}
