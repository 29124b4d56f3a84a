"""Background exports: a job row (models.ExportJob) records who asked, what for and how far it
got; a queue runs it. With EXPORT_QUEUE "rq" (or "auto" and a REDIS_URL) the job goes to RQ's
queue QUEUE on that Redis, where `rq worker` runs it (docs/ledger.md); otherwise ("thread", or
"auto" without Redis) a thread of the web process runs it. Either way the same run() does the
work and the person's page follows the row's progress.

Files go to EXPORT_DIR under random names and are purged with their rows after
EXPORT_KEEP_HOURS. Only the person who asked may open a job (policy.can_open_export).
"""
import logging
import secrets
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import ExportJob, utcnow

log = logging.getLogger(__name__)

QUEUE = "cunbo-exports"
# Seconds RQ lets one job run before it stops it.
JOB_TIMEOUT = 3600
# What each kind of job runs: kind -> function(session, job, path) that writes the file at
# path and calls progress(session, job, done) now and then. Filled by the modules that define
# jobs (see classes/ledger_jobs.py), imported by run() through RUNNER_MODULES.
RUNNERS: dict[str, Callable] = {}
RUNNER_MODULES = ("training.services.classes.ledger_jobs",)


def register(kind: str):
    def decorate(function):
        RUNNERS[kind] = function
        return function
    return decorate


def export_dir(app: Flask) -> Path:
    path = Path(app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def create(session: Session, user_id: int, kind: str, params: dict, rows_total: int,
           download_name: str) -> ExportJob:
    """A queued job (flushed, so it has an id); the caller commits, then calls start()."""
    job = ExportJob(user_id=user_id, kind=kind, params=params, rows_total=rows_total,
                    download_name=download_name, status="queued",
                    file_name=f"{secrets.token_urlsafe(24)}.{download_name.rsplit('.', 1)[-1]}")
    session.add(job)
    session.flush()
    return job


def backend(config) -> str:
    """"rq" or "thread": EXPORT_QUEUE, where "auto" means RQ when there is a REDIS_URL."""
    mode = config.get("EXPORT_QUEUE", "auto")
    if mode == "auto":
        return "rq" if config.get("REDIS_URL") else "thread"
    return mode


def start(job_id: int) -> None:
    """Hand a committed job to the queue."""
    app = current_app._get_current_object()  # the proxy's documented way to get the app
    if backend(app.config) == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE, connection=Redis.from_url(app.config["REDIS_URL"]))
        queue.enqueue(run, job_id, job_timeout=JOB_TIMEOUT, result_ttl=0,
                      failure_ttl=int(timedelta(days=1).total_seconds()))
    else:
        threading.Thread(target=_in_app, args=(app, job_id), name=f"export-{job_id}",
                         daemon=True).start()


def _in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        _run(job_id)


def run(job_id: int) -> None:
    """The queue's entry point: run the job in the current app, or in one made from the
    environment (an `rq worker` process)."""
    if has_app_context():
        _run(job_id)
        return
    from .. import create_app

    _in_app(create_app(), job_id)


def _run(job_id: int) -> None:
    import importlib

    for module in RUNNER_MODULES:
        importlib.import_module(module)
    session = db.session
    taken = session.execute(
        update(ExportJob).where(ExportJob.id == job_id, ExportJob.status == "queued")
        .values(status="running", started_at=utcnow()))
    session.commit()
    if taken.rowcount != 1:
        return  # purged, or already taken by another worker
    job = session.get(ExportJob, job_id)
    path = export_dir(current_app) / job.file_name
    try:
        RUNNERS[job.kind](session, job, path)
    except Exception:
        log.exception("export job %s failed", job_id)
        session.rollback()
        path.unlink(missing_ok=True)
        job = session.get(ExportJob, job_id)
        job.status, job.error, job.finished_at = "failed", "error", utcnow()
    else:
        job.status, job.rows_done, job.finished_at = "done", job.rows_total, utcnow()
    session.commit()


def progress(session: Session, job: ExportJob, done: int) -> None:
    """Record how many rows are written (committed, so the person's page sees it)."""
    job.rows_done = done
    session.commit()


def purge(session: Session, directory: Path, keep_hours: int, now: datetime | None = None) -> int:
    """Delete jobs older than keep_hours and their files; returns how many."""
    cutoff = (now or utcnow()) - timedelta(hours=keep_hours)
    old = list(session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff)))
    for job in old:
        if job.file_name:
            (directory / job.file_name).unlink(missing_ok=True)
        session.delete(job)
    session.flush()
    return len(old)
