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


def test_media_prune_removes_only_old_files_no_row_names(runner, app, app_ctx, factory):
    """A course deleted leaves files that a translation sharing them still names: those stay.
    Files no row names go once older than the grace period, and only with --delete; other
    folders under MEDIA_DIR are never touched."""
    import os
    import time
    from pathlib import Path

    from training.models import CourseMedia

    media_dir = Path(app.config["MEDIA_DIR"])
    first = factory.import_course(EXAMPLE_COURSE)
    factory.import_course(EXAMPLE_COURSE, slug="first-stream-checklist-copy")  # same files, by content
    shared = sorted(p.name for p in media_dir.iterdir() if p.is_file())
    assert shared and {m.stored_name for m in first.media} <= set(shared)
    (media_dir / "session-photos").mkdir(exist_ok=True)
    (media_dir / "exports").mkdir(exist_ok=True)
    for name in ("replaced.png", "session-photos/gone.jpg", "exports/keep.csv", "fresh.png"):
        (media_dir / name).write_bytes(b"x" * 10)
    two_days_ago = time.time() - 48 * 3600
    for path in media_dir.rglob("*"):
        if path.is_file() and path.name != "fresh.png":
            os.utime(path, (two_days_ago, two_days_ago))

    listed = runner.invoke(args=["media", "prune"])
    assert listed.exit_code == 0, listed.output
    assert "replaced.png" in listed.output and "gone.jpg" in listed.output
    assert "2 unused file(s)" in listed.output
    assert (media_dir / "replaced.png").exists()  # listing deletes nothing

    db.session.delete(first)
    db.session.commit()
    assert db.session.scalar(select(func.count(CourseMedia.id))) > 0
    deleted = runner.invoke(args=["media", "prune", "--delete"])
    assert "deleted 2 unused file(s)" in deleted.output
    assert not (media_dir / "replaced.png").exists() and not (media_dir / "session-photos/gone.jpg").exists()
    assert (media_dir / "exports/keep.csv").exists() and (media_dir / "fresh.png").exists()
    assert all((media_dir / name).exists() for name in shared)  # the copy still names them

    db.session.delete(db.session.scalar(select(Course)))
    db.session.commit()
    deleted = runner.invoke(args=["media", "prune", "--delete"])
    assert f"deleted {len(shared)} unused file(s)" in deleted.output
    assert not any((media_dir / name).exists() for name in shared)
    assert (media_dir / "fresh.png").exists()


def test_a_file_stored_again_is_not_pruned_before_its_row_commits(app, app_ctx):
    """Importing a file already on disk (named by content, unused and old) refreshes its time,
    so a prune running before the import commits leaves it alone."""
    import os
    import time
    from pathlib import Path

    from training.services import media_prune
    from training.services.authoring import media

    media_dir = Path(app.config["MEDIA_DIR"])
    old = media.store(media_dir, "0123abcd.png", b"picture")
    os.utime(old, (time.time() - 48 * 3600,) * 2)
    assert old in media_prune.unused_files(db.session, media_dir).files
    media.store(media_dir, "0123abcd.png", b"picture")  # the import, its row not committed yet
    assert old not in media_prune.unused_files(db.session, media_dir).files
