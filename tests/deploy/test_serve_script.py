"""The quick start serves in production mode, and the serve command tells the truth about its
defaults."""
import re

from training import serve

from ..conftest import ROOT
from ..prod.test_serve import load_gunicorn_conf


def test_serve_script_runs_gunicorn_on_the_address_it_prints():
    """scripts/serve.sh prepares the database, then runs `flask serve` (gunicorn), never the
    development server, on 127.0.0.1:$PORT (5000 by default) unless BIND is set, and prints
    that address."""
    script = (ROOT / "scripts" / "serve.sh").read_text()
    commands = [line.strip() for line in script.splitlines() if line.strip().startswith((".venv", "exec"))]
    assert commands[-2:] == [".venv/bin/flask --app training setup",
                             'exec .venv/bin/flask --app training serve --bind "$bind"']
    assert not re.search(r"flask\b.*\brun\b", script)
    assert 'bind="${BIND:-127.0.0.1:${PORT:-5000}}"' in script
    assert re.search(r'echo "Serving on \$address', script)


def test_readme_quick_start_names_the_port():
    """The quick start says how to choose the port it serves on."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "PORT=" in quick_start and "gunicorn" in quick_start


def test_worker_default_is_stated_as_used(runner, monkeypatch):
    """`flask serve --help` gives the worker default gunicorn.conf.py really uses."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    conf = load_gunicorn_conf()
    assert conf["workers"] == serve.default_workers()
    result = runner.invoke(args=["serve", "--help"])
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    assert f"one per core + 1, {serve.default_workers()} on this machine" in help_text
    assert "2 per core" not in help_text
