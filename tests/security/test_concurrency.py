"""Many learners at once against a real server process (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set): the database holds exactly what the server acknowledged."""
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from training import create_app
from training.dbutil import dispose_engines
from training.extensions import db
from training.models import Attempt, Enrollment, LessonCompletion, QuizResult, User
from training.services.authoring import course_exchange, course_reader

from ..conftest import EXAMPLE_COURSE, TEST_DATABASE_URL
from ..conftest import test_config as base_config
from ..factories import PASSWORD, Factory
from ..helpers import answer_form
from .live_server import TOKEN_RE, Browser, running_server

LEARNERS = int(os.environ.get("CONCURRENCY_LEARNERS", 24))
THREADS = 8
PORT_BASE = int(os.environ.get("CONCURRENCY_PORT_BASE", 5601))


@dataclass
class Acknowledged:
    """What the server confirmed to one learner."""

    username: str
    lessons: set[str] = field(default_factory=set)
    attempts: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    requests: int = 0


def prepare(database_url: str, workdir: Path):
    """Schema, the example course and the learners, written directly; returns the course plan."""
    app = create_app(base_config(workdir, SQLALCHEMY_DATABASE_URI=database_url, MEDIA_DIR=str(workdir / "media"),
                                 INSTANCE_PATH=str(workdir / "instance")))
    with app.app_context():
        db.create_all()
        course = course_exchange.import_course(db.session, course_reader.read_folder(EXAMPLE_COURSE),
                                         app.config["MEDIA_DIR"])
        db.session.commit()
        factory = Factory(app)
        names = [factory.user("learner", username=f"farmer{n:03d}").username for n in range(LEARNERS)]
        plan = {
            "slug": course.slug,
            "lessons": [l.key for l in course.lessons],
            "quizzes": [(q.id, answer_form(q)) for q in sorted(course.quizzes, key=lambda q: (q.is_final, q.id))],
        }
        db.session.remove()
        dispose_engines(db)
    return names, plan


def learn(base: str, username: str, plan: dict) -> Acknowledged:
    """One farmer: log in, enrol, complete every lesson, pass every quiz (double-tapping submit)."""
    ack = Acknowledged(username)
    browser = Browser(base)

    def expect(result, status, what):
        if result[0] != status:
            ack.errors.append(f"{what}: {result[0]}")
        if result[1].get("Server") != "gunicorn" or result[0] >= 500:
            ack.errors.append(f"{what}: server header {result[1].get('Server')} status {result[0]}")
        return result

    try:
        slug = plan["slug"]
        _, _, page = expect(browser.get("/login"), 200, "login page")
        expect(browser.post("/login", {"login": username, "password": PASSWORD,
                                       "csrf_token": browser.csrf(page)}), 302, "login")
        _, _, page = expect(browser.get(f"/courses/{slug}"), 200, "course page")
        expect(browser.post(f"/courses/{slug}/enrol", {"csrf_token": browser.csrf(page)}), 302, "enrol")
        for key in plan["lessons"]:
            _, _, page = expect(browser.get(f"/courses/{slug}/lessons/{key}"), 200, "lesson")
            status, _, _ = expect(browser.post(f"/courses/{slug}/lessons/{key}/complete",
                                               {"csrf_token": browser.csrf(page)}), 302, "complete")
            if status == 302:
                ack.lessons.add(key)
        for quiz_id, answers in plan["quizzes"]:
            _, _, page = expect(browser.get(f"/courses/{slug}/quizzes/{quiz_id}"), 200, "quiz page")
            form = {**answers, "attempt_token": TOKEN_RE.search(page).group(1),
                    "csrf_token": browser.csrf(page)}
            # A double tap: the same form twice at once must give one attempt.
            with ThreadPoolExecutor(2) as pair:
                results = list(pair.map(lambda _: browser.post(f"/courses/{slug}/quizzes/{quiz_id}", form),
                                        range(2)))
            locations = set()
            for result in results:
                expect(result, 302, "submit")
                if result[0] == 302:
                    locations.add(result[1]["Location"])
            if len(locations) != 1:
                ack.errors.append(f"double tap gave {locations}")
            for location in locations:
                ack.attempts.add(int(location.rstrip("/").rsplit("/", 1)[1]))
    except Exception as exc:  # any transport or parsing failure is an error of the run
        ack.errors.append(f"{type(exc).__name__}: {exc}")
    ack.requests = browser.requests
    return ack


def check_database(database_url: str, acks: list[Acknowledged], plan: dict) -> int:
    """Compare the database with the acknowledgements; returns the number of records checked."""
    engine = create_engine(database_url)
    checked = 0
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        users = dict(session.execute(select(User.username, User.id)).all())
        for ack in acks:
            uid = users[ack.username]
            completions = session.scalar(select(func.count()).select_from(LessonCompletion)
                                         .where(LessonCompletion.user_id == uid))
            attempts = set(session.scalars(select(Attempt.id).where(Attempt.user_id == uid)))
            results = session.scalars(select(QuizResult).where(QuizResult.user_id == uid)).all()
            enrollment = session.scalar(select(Enrollment).where(Enrollment.user_id == uid))
            assert completions == len(ack.lessons) == len(plan["lessons"]), ack.username
            assert attempts == ack.attempts and len(attempts) == len(plan["quizzes"]), ack.username
            assert len(results) == len(plan["quizzes"]) and all(r.passed and r.attempts == 1 for r in results)
            assert enrollment.percent == 100 and enrollment.completed_at is not None, ack.username
            checked += completions + len(attempts) + len(results) + 1
        total_attempts = session.scalar(select(func.count()).select_from(Attempt))
        assert total_attempts == sum(len(a.attempts) for a in acks)
    engine.dispose()
    return checked


def run_load(database_url: str, port: int, workdir: Path) -> dict:
    names, plan = prepare(database_url, workdir)
    with running_server(database_url, port, workdir) as base:
        with ThreadPoolExecutor(THREADS) as pool:
            acks = list(pool.map(lambda name: learn(base, name, plan), names))
    errors = [f"{a.username}: {e}" for a in acks for e in a.errors]
    assert not errors, "\n".join(errors[:20])
    assert "Traceback" not in (workdir / "server.log").read_text()
    checked = check_database(database_url, acks, plan)
    figures = {"users": len(acks), "threads": THREADS, "requests": sum(a.requests for a in acks),
               "errors": len(errors), "records_checked": checked}
    print(f"\nconcurrency on {make_url(database_url).get_backend_name()}: {figures}")
    return figures


def test_concurrent_learners_on_sqlite(tmp_path):
    """Learners in parallel on SQLite (WAL, busy timeout): every acknowledged completion and
    attempt is stored exactly once, double-tapped submissions record one attempt, no errors."""
    figures = run_load(f"sqlite:///{tmp_path / 'live.sqlite3'}", PORT_BASE, tmp_path)
    assert figures["users"] == LEARNERS and figures["errors"] == 0


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="set TEST_DATABASE_URL to run on PostgreSQL")
def test_concurrent_learners_on_postgresql(tmp_path):
    """The same load on PostgreSQL, in a throwaway database security_conc_<random>."""
    url = make_url(TEST_DATABASE_URL)
    name = f"security_conc_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        figures = run_load(url.set(database=name).render_as_string(hide_password=False), PORT_BASE + 1, tmp_path)
        assert figures["users"] == LEARNERS and figures["errors"] == 0
    finally:
        with admin_engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()
