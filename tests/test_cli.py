"""Command line: courses import/check/export, users create, setup."""
import shutil

from sqlalchemy import func, select

from training.extensions import db
from training.models import Course, User

from .conftest import EXAMPLE_COURSE


def test_courses_check_writes_nothing(runner, app_ctx):
    result = runner.invoke(args=["courses", "check", str(EXAMPLE_COURSE)])
    assert result.exit_code == 0 and "ok: first-stream-checklist" in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_courses_import_and_export(runner, app_ctx, tmp_path):
    result = runner.invoke(args=["courses", "import", str(EXAMPLE_COURSE)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["courses", "export", "first-stream-checklist", str(tmp_path)])
    assert result.exit_code == 0
    exported = tmp_path / "first-stream-checklist"
    assert (exported / "course.toml").is_file() and (exported / "images" / "checklist.svg").is_file()
    assert runner.invoke(args=["courses", "import", str(exported)]).exit_code == 0
    assert db.session.scalar(select(func.count(Course.id))) == 1


def test_bad_import_names_the_file_and_changes_nothing(runner, app_ctx, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(EXAMPLE_COURSE, bad)
    (bad / "quizzes" / "01-kit.toml").write_text('title = "x"\npass_mark = 150\n')
    result = runner.invoke(args=["courses", "import", str(bad)])
    assert result.exit_code != 0
    assert "quizzes/01-kit.toml, line 2" in result.output and "pass_mark" in result.output
    assert "nothing was imported" in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0


def test_export_of_unknown_course_fails_cleanly(runner, app_ctx, tmp_path):
    result = runner.invoke(args=["courses", "export", "nope", str(tmp_path)])
    assert result.exit_code != 0 and "No course" in result.output


def test_users_create_reads_a_password_file(runner, app_ctx, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("a-long-password\n")
    result = runner.invoke(args=["users", "create", "--role", "trainer", "--username", "Trainer1",
                                 "--centre", "安定区电商中心", "--password-file", str(password_file)])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "trainer1"))
    assert user.role == "trainer" and user.centre.name == "安定区电商中心"
    again = runner.invoke(args=["users", "create", "--username", "trainer1", "--password-file", str(password_file)])
    assert again.exit_code != 0 and "already registered" in again.output


def test_users_create_refuses_weak_password(runner, app_ctx, tmp_path):
    password_file = tmp_path / "pw"
    password_file.write_text("short")
    result = runner.invoke(args=["users", "create", "--username", "x123", "--password-file", str(password_file)])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_users_create_prompts_for_the_password(runner, app_ctx):
    result = runner.invoke(args=["users", "create", "--mobile", "13812345678"],
                           input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.mobile)) == "13812345678"


def test_import_that_fails_to_commit_leaves_no_media_files(runner, app, app_ctx, monkeypatch):
    from pathlib import Path

    media_dir = Path(app.config["MEDIA_DIR"])
    before = set(media_dir.iterdir())

    def fail():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(db.session, "commit", fail)
    result = runner.invoke(args=["courses", "import", str(EXAMPLE_COURSE)])
    assert result.exit_code != 0
    assert set(media_dir.iterdir()) == before
