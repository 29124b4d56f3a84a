"""gunicorn settings for CunBo Academy, read from the environment.

Used by `flask --app training serve` and usable directly (-OO: smaller workers, see
docs/deployment.md):
    python -OO -m gunicorn -c gunicorn.conf.py 'training:create_app()'
Command-line options (-w, -b, ...) override what is set here.
"""
import gc
import os

from training.serve import default_workers

# Listen on loopback by default: nginx (or another reverse proxy) sits in front.
bind = os.environ.get("BIND", "127.0.0.1:8000")

# Synchronous workers: the proxy buffers slow phone connections, so each worker serves one
# request at a time and never waits on a client. Default: one per core, and one more to keep
# the cores busy while another waits on the database. A page costs about a millisecond of CPU
# and waits a fraction of that, so more workers only switch between each other: on two cores,
# three serve a lesson page from PostgreSQL a fifth faster than five (README, Performance).
workers = int(os.environ.get("WEB_CONCURRENCY", default_workers()))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"

timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so slow leaks cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10

# Web workers never run migrations: leave Flask-Migrate (Alembic) out of them (training/config.py).
raw_env = ["MIGRATIONS=0"]

# Load the app once in the master and fork: workers share its memory pages.
preload_app = True
# The heartbeat file on tmpfs, never on a slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None  # "-" for stdout
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "cunbo"
# gunicorn 25+ opens a control socket at one fixed path per user; several instances on one
# machine would fight over it, and nothing here uses it.
control_socket_disable = True


# Workers share the memory pages of the app the master loaded, until something writes to
# them: the garbage collector does, when it walks objects. So the master collects nothing and
# freezes what it holds before each fork (Python's advice for fork without exec); the workers
# collect only their own objects.
gc.disable()


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    """Collect garbage again, and never share the master's database connections with a
    forked worker."""
    gc.enable()
    app = server.app.wsgi()
    sqlalchemy = getattr(app, "extensions", {}).get("sqlalchemy")
    if sqlalchemy is None:
        return  # an app without a database (the benchmarks' bare Flask app)
    with app.app_context():
        for engine in sqlalchemy.engines.values():
            engine.dispose(close=False)
