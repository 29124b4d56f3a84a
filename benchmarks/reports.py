"""Time every report page at 1,000, 10,000 and 100,000 learners, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/reports.py                     # all sizes, both databases
    .venv/bin/python benchmarks/reports.py --sizes 1000 --databases sqlite
    .venv/bin/python benchmarks/reports.py --build-only         # only build missing databases
    .venv/bin/python benchmarks/reports.py --drop               # drop the PostgreSQL databases
    .venv/bin/python benchmarks/reports.py --only ledger --sizes 10000,100000 --databases postgresql

The training ledger (issue 21) has its own table: the page (admin, every centre, last 90 days;
a later page of its sessions; a trainer's own centre) with its size, the streamed CSV's time to
first byte and to the last byte, and the XLSX: written in the request when small, else the
time until the 303 to the job's page and until the background job (an in-process thread here,
as without Redis) has written the file; a CSV past LEDGER_CSV_ROWS_IN_REQUEST rows likewise.

Databases are built once with `flask demo-data` (SQLite files in instance/bench/, PostgreSQL
databases reports_bench_<size> on PG_URL, default postgresql://postgres@127.0.0.1) and kept for
reruns; each run first applies any new migrations to them. Pages are requested through the
app's test client as a signed-in trainer or admin; the table shows the median of --repeat
requests after one warm-up request, and rows per second = progress and attempt rows in the
database / median time; app CPU is the median CPU time of the benchmark process (the app and,
on SQLite, the queries; PostgreSQL's own work is in its server processes); load is the machine's 1-minute load average when the page was timed
(the development machine has 2 cores shared with other work).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_login import FlaskLoginClient  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402

from training import create_app  # noqa: E402
from training.dbutil import dispose_engines  # noqa: E402
from training.extensions import db  # noqa: E402
from training.models import (  # noqa: E402
    Attempt, AttemptAnswer, ClassMember, Enrollment, LessonCompletion, QuizResult, Role,
    TrainingClass, User,
)

BENCH_DIR = ROOT / "instance" / "bench"
PG_URL = os.environ.get("PG_URL", "postgresql://postgres@127.0.0.1")
FLASK = str(ROOT / ".venv" / "bin" / "flask")
TARGET_MS = 300


def database_url(kind: str, size: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'reports-{size}.sqlite3'}"
    return f"{PG_URL}/reports_bench_{size}"


def _pg_admin():
    return create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                         isolation_level="AUTOCOMMIT")


def _exists(kind: str, size: int) -> bool:
    if kind == "sqlite":
        return (BENCH_DIR / f"reports-{size}.sqlite3").exists()
    with _pg_admin().connect() as conn:
        return bool(conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": f"reports_bench_{size}"}))


def _flask(url: str, *args: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, MEDIA_DIR=str(BENCH_DIR / "media"))
    subprocess.run([FLASK, "--app", "training", *args], check=True, env=env, cwd=ROOT)


def build(kind: str, size: int, seed: int) -> None:
    """Create the database with demo data once; later runs only apply new migrations."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    url = database_url(kind, size)
    if not _exists(kind, size):
        if kind == "postgresql":
            with _pg_admin().connect() as conn:
                conn.execute(text(f'CREATE DATABASE "reports_bench_{size}"'))
        _flask(url, "db", "upgrade")
        started = time.perf_counter()
        _flask(url, "demo-data", "--learners", str(size), "--seed", str(seed))
        print(f"built {kind} {size} in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        _flask(url, "db", "upgrade")
        started = time.perf_counter()
        _flask(url, "reports", "refresh")
        print(f"{kind} {size}: full refresh of the overview figures took "
              f"{time.perf_counter() - started:.1f} s (flask startup included)", flush=True)


def drop(sizes) -> None:
    with _pg_admin().connect() as conn:
        for size in sizes:
            conn.execute(text(f'DROP DATABASE IF EXISTS "reports_bench_{size}" WITH (FORCE)'))
    print("dropped", ", ".join(f"reports_bench_{s}" for s in sizes))


def pages(app) -> list[tuple[str, str, str]]:
    """(label, role, url) for every report page, on the busiest class and course."""
    with app.app_context():
        busiest_class = db.session.execute(
            select(ClassMember.class_id, TrainingClass.centre_id)
            .join(TrainingClass, TrainingClass.id == ClassMember.class_id)
            .group_by(ClassMember.class_id, TrainingClass.centre_id)
            .order_by(func.count().desc()).limit(1)).one()
        course_id = db.session.scalar(
            select(Enrollment.course_id).group_by(Enrollment.course_id)
            .order_by(func.count().desc()).limit(1))
    today = datetime.now(UTC).date()
    year = f"start={today - timedelta(days=364)}&end={today}"
    class_id, centre_id = busiest_class
    return [
        ("index (trainer)", "trainer", "/reports/"),
        ("class report", "trainer", f"/reports/classes/{class_id}?inactive_days=14"),
        ("class report CSV", "trainer", f"/reports/classes/{class_id}/export.csv"),
        ("course report (admin, all)", "admin", f"/reports/courses/{course_id}"),
        ("course report (admin, centre)", "admin", f"/reports/courses/{course_id}?centre={centre_id}"),
        ("course report (trainer)", "trainer", f"/reports/courses/{course_id}"),
        ("course report XLSX", "admin", f"/reports/courses/{course_id}/export.xlsx"),
        ("overview (last 90 days)", "admin", "/reports/overview"),
        ("overview (12 months)", "admin", f"/reports/overview?{year}"),
        ("overview (12 months, course)", "admin", f"/reports/overview?{year}&course={course_id}"),
        ("overview CSV (12 months)", "admin", f"/reports/overview/export.csv?{year}"),
    ], centre_id


def data_rows(app) -> int:
    with app.app_context():
        return sum(db.session.scalar(select(func.count()).select_from(m))
                   for m in (Enrollment, LessonCompletion, QuizResult, Attempt, AttemptAnswer))


def time_pages(kind: str, size: int, repeat: int) -> list[tuple]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(kind, size),
                      "MEDIA_DIR": str(BENCH_DIR / "media"), "WTF_CSRF_ENABLED": False})
    app.test_client_class = FlaskLoginClient
    rows = data_rows(app)
    page_list, centre_id = pages(app)
    with app.app_context():
        users = {
            "admin": db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1)),
            "trainer": db.session.scalar(select(User).where(
                User.role == Role.TRAINER, User.centre_id == centre_id).limit(1)),
        }
        if users["admin"] is None:
            users["admin"] = User(username="bench-admin", display_name="Bench admin",
                                  password_hash="!", role=Role.ADMIN)
            db.session.add(users["admin"])
            db.session.commit()
        for user in users.values():
            db.session.refresh(user)
            db.session.expunge(user)
    results = []
    for label, role, url in page_list:
        client = app.test_client(user=users[role])
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        response = client.get(url)  # warm-up
        if response.status_code != 200:
            raise SystemExit(f"{kind} {size} {url}: HTTP {response.status_code}")
        times, cpu = [], []
        for _ in range(repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        median = statistics.median(times)
        results.append((kind, size, label, median, statistics.median(cpu),
                        rows / (median / 1000), os.getloadavg()[0]))
    with app.app_context():
        dispose_engines(db)
    return results


def _wait_for_job(app, job_id: int, timeout: float = 600) -> float:
    """Seconds until the export job is done (polling its row, as its page does)."""
    from training.models import ExportJob

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        with app.app_context():
            status = db.session.scalar(select(ExportJob.status).where(ExportJob.id == job_id))
        if status in ("done", "failed"):
            if status == "failed":
                raise SystemExit(f"export job {job_id} failed")
            return time.perf_counter() - started
        time.sleep(0.2)
    raise SystemExit(f"export job {job_id} did not finish in {timeout} s")


def time_ledger(kind: str, size: int, repeat: int) -> list[tuple]:
    """(kind, size, label, median ms, KB, first byte ms, rows, note) for the ledger's page and
    exports, as an admin (every centre) and as a trainer (their centre)."""
    import tempfile

    from training.models import Attendance, TrainingSession

    export_dir = tempfile.mkdtemp(prefix="ledger-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(kind, size), "EXPORT_QUEUE": "thread",
                      "MEDIA_DIR": str(BENCH_DIR / "media"), "WTF_CSRF_ENABLED": False,
                      "EXPORT_DIR": export_dir})
    app.test_client_class = FlaskLoginClient
    _, centre_id = pages(app)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
        if admin is None:
            admin = User(username="bench-admin", display_name="Bench admin", password_hash="!",
                         role=Role.ADMIN)
            db.session.add(admin)
            db.session.commit()
        trainer = db.session.scalar(select(User).where(User.role == Role.TRAINER,
                                                       User.centre_id == centre_id).limit(1))
        today = db.session.scalar(select(func.max(TrainingSession.held_on)))
        rows_all = db.session.scalar(
            select(func.count()).select_from(Attendance)
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(TrainingSession.held_on >= today - timedelta(days=90)))
        users = {"admin": admin, "trainer": trainer}
        for user in users.values():
            db.session.refresh(user)
            db.session.expunge(user)
    period = f"start={today - timedelta(days=90)}&end={today}"
    results = []

    def client(role):
        c = app.test_client(user=users[role])
        c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
        return c

    def page(label, role, url):
        c = client(role)
        started = time.perf_counter()
        response = c.get(url)
        cold = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = c.get(url)
            times.append((time.perf_counter() - started) * 1000)
        results.append((kind, size, label, statistics.median(times), len(response.data) / 1024,
                        None, None, f"first (totals not cached yet): {cold:,.0f} ms"))

    page("ledger page (admin, all centres, 90 days)", "admin", f"/classes/ledger?{period}&centre_id=0")
    page("ledger page 40 (admin, all centres)", "admin", f"/classes/ledger?{period}&centre_id=0&page=40")
    page("ledger page (trainer, own centre)", "trainer", f"/classes/ledger?{period}")

    def csv(label, role, url):
        started = time.perf_counter()
        response = client(role).get(url, buffered=False)
        if response.status_code == 303:  # past LEDGER_CSV_ROWS_IN_REQUEST: a background job
            answered = (time.perf_counter() - started) * 1000
            response.close()
            seconds = _wait_for_job(app, int(response.headers["Location"].rsplit("/", 1)[1]))
            results.append((kind, size, label + ": request (303 to the job)", answered, None, None, None, ""))
            results.append((kind, size, label + ": background job", seconds * 1000, None, None, None, "thread"))
            return
        chunks = iter(response.response)
        size_bytes = len(next(chunks))
        first = (time.perf_counter() - started) * 1000
        lines = 0
        for chunk in chunks:
            size_bytes += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        total = (time.perf_counter() - started) * 1000
        results.append((kind, size, label, total, size_bytes / 1024, first, lines, "streamed"))

    csv("ledger CSV (admin, all centres, 90 days)", "admin", f"/classes/ledger?{period}&centre_id=0&format=csv")
    csv("ledger CSV (trainer, own centre)", "trainer", f"/classes/ledger?{period}&format=csv")

    def xlsx(label, role, url):
        started = time.perf_counter()
        response = client(role).get(url)
        answered = (time.perf_counter() - started) * 1000
        if response.status_code == 303:
            job_id = int(response.headers["Location"].rsplit("/", 1)[1])
            seconds = _wait_for_job(app, job_id)
            results.append((kind, size, label + ": request (303 to the job)", answered, None, None, None, ""))
            results.append((kind, size, label + ": background job", seconds * 1000, None, None,
                            None, "thread"))
        else:
            results.append((kind, size, label, answered, len(response.data) / 1024, None, None,
                            "in the request"))

    xlsx("ledger XLSX (admin, all centres, 90 days)", "admin", f"/classes/ledger?{period}&centre_id=0&format=xlsx")
    xlsx("ledger XLSX (trainer, own centre)", "trainer", f"/classes/ledger?{period}&format=xlsx")
    print(f"{kind} {size}: {rows_all:,} attendances in the last 90 days (all centres)", flush=True)
    with app.app_context():
        dispose_engines(db)
    return results


def print_ledger(results: list[tuple]) -> None:
    print()
    print("| database | learners | ledger | median ms | KB | first byte ms | rows | note |")
    print("|---|---:|---|---:|---:|---:|---:|---|")
    for kind, size, label, ms, kb, first, lines, note in results:
        print(f"| {kind} | {size:,} | {label} | {ms:,.0f} | {'' if kb is None else f'{kb:,.0f}'} | "
              f"{'' if first is None else f'{first:,.0f}'} | {'' if lines is None else f'{lines:,}'} | {note} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL databases")
    parser.add_argument("--only", choices=("reports", "ledger"), default=None,
                        help="time only the report pages or only the training ledger")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.drop:
        drop(sizes)
        return
    kinds = args.databases.split(",")
    for kind in kinds:
        for size in sizes:
            build(kind, size, args.seed)
    if args.build_only:
        return
    if args.only != "reports":
        ledger_results = []
        for kind in kinds:
            for size in sizes:
                ledger_results.extend(time_ledger(kind, size, args.repeat))
        print_ledger(ledger_results)
    if args.only == "ledger":
        return
    results = []
    for kind in kinds:
        for size in sizes:
            results.extend(time_pages(kind, size, args.repeat))
    print()
    print(f"| database | learners | page | median ms | app CPU ms | rows/s | under {TARGET_MS} ms"
          " | load |")
    print("|---|---:|---|---:|---:|---:|---|---:|")
    for kind, size, label, median, cpu, rate, load in results:
        ok = "yes" if median < TARGET_MS else "**no**"
        print(f"| {kind} | {size:,} | {label} | {median:.0f} | {cpu:.0f} | {rate:,.0f} | {ok}"
              f" | {load:.1f} |")


if __name__ == "__main__":
    main()
