"""Backup and restore from the command line; a crash during an import writes nothing."""
import shutil

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt, Course, Lesson, User
from training.services import backup
from training.services.authoring import content, course_exchange, course_reader

from ..conftest import EXAMPLE_COURSE, TEST_DATABASE_URL


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.skipif(bool(TEST_DATABASE_URL) and shutil.which("pg_dump") is None, reason="needs pg_dump")
def test_backup_then_restore_brings_back_the_data(app, runner, factory, example_course, tmp_path):
    """`flask backup DEST` copies the live database; `flask restore SRC --yes` puts it back
    after later changes (SQLite online backup API, or pg_dump/pg_restore on PostgreSQL)."""
    keeper_id = factory.user("learner", username="keeper").id
    course_id, slug = example_course.id, example_course.slug
    dest = tmp_path / "backups" / "cunbo.backup"
    result = runner.invoke(args=["backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert dest.is_file() and dest.stat().st_size > 0

    db.session.delete(db.session.get(User, keeper_id))
    db.session.delete(db.session.get(Course, course_id))
    factory.user("learner", username="after-backup")
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", str(dest), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    names = set(db.session.scalars(select(User.username)))
    assert "keeper" in names and "after-backup" not in names
    assert db.session.scalar(select(Course.slug)) == slug
    assert _count(Lesson) == 2


def test_backup_refuses_to_overwrite_and_restore_refuses_a_non_database(runner, app_ctx, tmp_path):
    """An existing backup file is never overwritten; a file that is no backup changes nothing."""
    existing = tmp_path / "taken.backup"
    existing.write_bytes(b"keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "already exists" in result.output
    assert existing.read_bytes() == b"keep me"
    if not TEST_DATABASE_URL:
        result = runner.invoke(args=["restore", str(existing), "--yes"])
        assert result.exit_code != 0 and "not a SQLite database" in result.output


def test_restore_asks_before_replacing(runner, app_ctx, tmp_path):
    """Without --yes, restore asks and stops on "no"."""
    existing = tmp_path / "some.backup"
    existing.write_bytes(b"x")
    result = runner.invoke(args=["restore", str(existing)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output


def test_postgres_backup_commands_are_documented_forms():
    """For PostgreSQL the backup is pg_dump in custom format and restore is pg_restore --clean."""
    url = "postgresql+psycopg://postgres:secret@db.example:5432/cunbo"
    assert backup.pg_dump_command(url, "x.dump")[:2] == ["pg_dump", "--format=custom"]
    assert "postgresql://postgres@db.example:5432/cunbo" in backup.pg_dump_command(url, "x.dump")
    assert "--clean" in backup.pg_restore_command(url, "x.dump")


def _explode_on_second_lesson(monkeypatch):
    real = content.render_lesson
    calls = {"n": 0}

    def render(course, lesson):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut during import")
        return real(course, lesson)

    monkeypatch.setattr(course_exchange, "render_lesson", render)


def test_a_crash_during_an_import_leaves_no_partial_course(runner, app_ctx, monkeypatch):
    """The CLI import fails half way through a course: no course, lesson or quiz is written."""
    _explode_on_second_lesson(monkeypatch)
    result = runner.invoke(args=["courses", "import", str(EXAMPLE_COURSE)])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    db.session.remove()
    assert (_count(Course), _count(Lesson)) == (0, 0)


def test_a_crash_during_a_reimport_keeps_the_old_course_whole(runner, factory, example_course, monkeypatch,
                                                           app_ctx):
    """Re-importing over an existing course and crashing leaves the previous version untouched."""
    title = example_course.title
    data = course_reader.read_folder(EXAMPLE_COURSE)
    data.title = "A new title that must not stick"
    _explode_on_second_lesson(monkeypatch)
    with pytest.raises(RuntimeError):
        course_exchange.import_course(db.session, data, app_ctx.config["MEDIA_DIR"])
    db.session.rollback()
    db.session.expire_all()
    course = db.session.scalar(select(Course))
    assert course.title == title and len(course.lessons) == 2 and _count(Attempt) == 0
