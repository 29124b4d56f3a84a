"""`flask --app training serve`: run the app under gunicorn with the repository's config file."""
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

CONFIG_FILE = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
APP_SPEC = "training:create_app()"


def default_workers() -> int:
    """gunicorn workers when WEB_CONCURRENCY is unset: one per core, and one more to keep the
    cores busy while another waits on the database (gunicorn.conf.py explains the choice).
    The cores counted are those this process may run on (a container's or taskset's share)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def gunicorn_argv(workers: int | None = None, bind: str | None = None, threads: int | None = None,
                  config: Path = CONFIG_FILE, extra: tuple[str, ...] = (),
                  app_spec: str = APP_SPEC) -> list[str]:
    """The command that runs gunicorn from this Python environment with our config file;
    options given here override the config file's (which reads the environment).

    Python runs with -OO: without docstrings (and asserts, which the app never relies on) each
    worker holds about 5 MiB less of its 82 (README, Performance)."""
    argv = [sys.executable, "-OO", "-m", "gunicorn", "--config", str(config)]
    if workers is not None:
        argv += ["--workers", str(workers)]
    if threads is not None:
        argv += ["--threads", str(threads)]
    if bind is not None:
        argv += ["--bind", bind]
    return argv + list(extra) + [app_spec]


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option("-w", "--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: WEB_CONCURRENCY, else one per core + 1, "
                   f"{default_workers()} on this machine).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Threads per worker (default: GUNICORN_THREADS, else 1: sync workers).")
@click.option("-b", "--bind", default=None, help="Address to listen on (default: BIND, else 127.0.0.1:8000).")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=CONFIG_FILE, show_default=True, help="gunicorn config file.")
@click.argument("gunicorn_args", nargs=-1, type=click.UNPROCESSED)
@with_appcontext
def serve(workers, threads, bind, config, gunicorn_args):
    """Serve the app in production mode under gunicorn; extra arguments go to gunicorn."""
    if not current_app.config.get("REDIS_URL"):
        click.echo("warning: REDIS_URL is not set, so each worker counts rate limits on its own.",
                   err=True)
    argv = gunicorn_argv(workers, bind, threads, config, tuple(gunicorn_args))
    os.execv(argv[0], argv)


def init_app(app: Flask) -> None:
    app.cli.add_command(serve)
