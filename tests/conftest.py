"""Fixtures: an app on a fresh database per test, clients signed in per role, factories.

Set TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/cunbo_test) to run every test on
PostgreSQL; by default each test gets its own SQLite file.
"""
import os
from pathlib import Path

import pytest
from flask_login import FlaskLoginClient
from sqlalchemy import text

from training import create_app
from training.dbutil import dispose_engines
from training.extensions import db

from .factories import Factory

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_COURSE = ROOT / "tests" / "data" / "example-course"


def test_config(tmp_path: Path, **overrides) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-only-secret",
        "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "MEDIA_DIR": str(tmp_path / "media"),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SQLALCHEMY_RECORD_QUERIES": True,
    }
    config.update(overrides)
    return config


class IsolatedClient(FlaskLoginClient):
    """Each request runs in its own app context, with its own `g` and database session, as in
    production, even while a test holds an app context open for its factories and asserts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Tests read English messages unless they ask for Chinese.
        self.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def open(self, *args, **kwargs):
        # A fresh app context, which the request then uses instead of pushing its own.
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _postgres_schema():
    """On PostgreSQL, build the schema once; each test then empties the tables."""
    if TEST_DATABASE_URL:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            app = create_app(test_config(Path(tmp)))
            with app.app_context():
                db.drop_all()
                db.create_all()
                dispose_engines(db)
    yield


def _empty_tables() -> None:
    """Delete every row, children first, and restart the id sequences: on a test's handful of
    rows this takes a sixth of the time of TRUNCATE, which recreates each table's files."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    sequences = db.session.scalars(text("SELECT relname FROM pg_class WHERE relkind = 'S'")).all()
    if sequences:
        db.session.execute(text("SELECT " + ", ".join(f"setval('\"{name}\"', 1, false)" for name in sequences)))
    db.session.commit()


@pytest.fixture
def make_app(tmp_path, _postgres_schema):
    """Build an app with config overrides; its database is ready and emptied afterwards."""
    apps = []

    def build(**overrides):
        app = create_app(test_config(tmp_path, **overrides))
        app.test_client_class = IsolatedClient
        with app.app_context():
            if not TEST_DATABASE_URL:
                db.create_all()
        apps.append(app)
        return app

    yield build
    for app in apps:
        release_app(app)


def release_app(app) -> None:
    """Close an app's database connections, emptying the tables on PostgreSQL."""
    with app.app_context():
        db.session.remove()
        if TEST_DATABASE_URL:
            _empty_tables()
        dispose_engines(db)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(app_ctx):
    return Factory(app_ctx)


@pytest.fixture
def learner(factory):
    return factory.user("learner")


@pytest.fixture
def trainer(factory):
    return factory.user("trainer", centre="Centre A")


@pytest.fixture
def other_centre_trainer(factory):
    """Fred: a trainer of another centre, who must see nothing of centre A."""
    return factory.user("trainer", centre="Centre B", username="fred")


@pytest.fixture
def admin(factory):
    return factory.user("admin")


@pytest.fixture
def example_course(factory):
    return factory.import_course(EXAMPLE_COURSE)


def _client_for(app, user):
    return app.test_client(user=user)


@pytest.fixture
def learner_client(app, learner):
    return _client_for(app, learner)


@pytest.fixture
def trainer_client(app, trainer):
    return _client_for(app, trainer)


@pytest.fixture
def admin_client(app, admin):
    return _client_for(app, admin)
