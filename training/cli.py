"""Command line: flask --app training courses|users|setup ..."""
import secrets
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .dbutil import dispose_engines
from .extensions import db
from .models import Centre, Course, Role
from .services import backup
from .services.accounts import accounts
from .services.authoring import course_exchange, course_format, course_reader, media

courses_cli = AppGroup("courses", help="Import, check and export courses in the course file format.")
users_cli = AppGroup("users", help="Manage user accounts.")
reports_cli = AppGroup("reports", help="Maintain the figures behind the progress reports.")
media_cli = AppGroup("media", help="Maintain the files under MEDIA_DIR.")

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_courses"


def _read(path: Path) -> list[course_format.CourseData]:
    try:
        return course_reader.read_all(path)
    except course_format.CourseFormatError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s) found; nothing was imported.")


@courses_cli.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def check_courses(path: Path):
    """Validate course folders without writing anything."""
    courses = _read(path)
    for course in courses:
        questions = sum(len(l.quiz.questions) for l in course.lessons if l.quiz) + (
            len(course.final_exam.questions) if course.final_exam else 0)
        click.echo(f"ok: {course.slug} ({course.language}): {len(course.lessons)} lessons, "
                   f"{questions} questions")


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_courses(path: Path):
    """Import one course folder, or every course folder below PATH, in one transaction."""
    courses = _read(path)
    with media.removed_on_failure():
        course_exchange.import_courses(db.session, courses, current_app.config["MEDIA_DIR"])
        db.session.commit()
    for course in courses:
        click.echo(f"imported {course.slug}: {len(course.lessons)} lessons")


@courses_cli.command("export")
@click.argument("slug")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def export_course(slug: str, dest: Path):
    """Write course SLUG to DEST/SLUG in the course file format."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"No course with slug {slug!r}.")
    folder = dest / slug
    course_exchange.write_files(course_exchange.export_files(course, current_app.config["MEDIA_DIR"]), folder)
    click.echo(f"exported {slug} to {folder}")


@users_cli.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="learner", show_default=True)
@click.option("--username", default=None, help="Login name.")
@click.option("--mobile", default=None, help="Mainland mobile number (can be used to log in).")
@click.option("--name", "display_name", default=None, help="Display name (default: the username).")
@click.option("--centre", default=None, help="Name of the user's centre (created if missing).")
@click.option("--password-file", type=click.File("r"), default=None,
              help="Read the password from this file instead of prompting.")
def create_user(role, username, mobile, display_name, centre, password_file):
    """Create a user; the password is prompted for, or read from --password-file."""
    if not username and not mobile:
        raise click.ClickException("Give --username or --mobile.")
    norm_username = accounts.normalise_username(username) if username else None
    norm_mobile = accounts.normalise_mobile(mobile) if mobile else None
    if username and not norm_username:
        raise click.ClickException("Username must be 3-40 letters, digits, dots or hyphens, not only digits.")
    if mobile and not norm_mobile:
        raise click.ClickException("Mobile must be an 11-digit mainland number.")
    if password_file is not None:
        password = password_file.read().strip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if accounts.check_password_strength(password, norm_username, norm_mobile):
        raise click.ClickException("Password must be at least 8 characters, not trivial and not a "
                                   "common password.")
    centre_id = None
    if centre:
        found = db.session.scalar(select(Centre).where(Centre.name == centre))
        if found is None:
            found = Centre(name=centre)
            db.session.add(found)
            db.session.flush()
        centre_id = found.id
    try:
        user = accounts.create_user(
            db.session, username=norm_username, mobile=norm_mobile, password=password,
            display_name=display_name or norm_username or norm_mobile, role=role, centre_id=centre_id,
        )
    except accounts.AccountError:
        raise click.ClickException("That username or mobile number is already registered.")
    db.session.commit()
    click.echo(f"created {role} {user.login_name}")


@reports_cli.command("refresh")
def refresh_reports():
    """Recompute every day of the admin overview's figures (run nightly, e.g. from cron)."""
    from .localtime import zone_name
    from .services.reports import admin_overview

    started = time.perf_counter()
    admin_overview.rebuild_daily_stats(db.session, zone_name())
    db.session.commit()
    click.echo(f"report figures recomputed in {time.perf_counter() - started:.1f} s")


@click.command("demo-data")
@with_appcontext
@click.option("--learners", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Date the data ends on (default: today), for identical data on any day.")
@click.option("--password-file", type=click.File("r"), default=None,
              help="The demo accounts' shared password (default: a new random one, printed).")
def demo_data(learners: int, seed: int, today, password_file):
    """Generate demo centres, classes, learners, progress and attempts (deterministic per seed).

    Demo accounts share the password printed at the end: never run this on a live database."""
    from . import demo

    password = password_file.read().strip("\r\n") if password_file else secrets.token_urlsafe(9)
    if not password:
        raise click.BadParameter("the password file is empty", param_hint="--password-file")
    started = time.perf_counter()
    try:
        stats = demo.generate(db.session, learners, seed, current_app.config["MEDIA_DIR"],
                              today=today.date() if today else None, echo=click.echo,
                              password=password)
    except demo.DemoDataExists:
        raise click.ClickException("Demo data is already in this database.")
    db.session.commit()
    demo.analyze(db.session)
    db.session.commit()
    seconds = time.perf_counter() - started
    click.echo(f"demo data: {stats.centres} centres, {stats.classes} classes, "
               f"{stats.learners} learners, {stats.progress_rows} progress and attempt rows "
               f"in {seconds:.0f} s")
    for table, count in sorted(stats.rows.items()):
        click.echo(f"  {table}: {count}")
    click.echo(f"Demo learners and trainers sign in with the password {password}")


@media_cli.command("prune")
@click.option("--older-than", "hours", type=click.FloatRange(min=1), default=24, show_default=True,
              help="Leave files written in the last HOURS hours (an upload writes before it commits).")
@click.option("--delete", is_flag=True, help="Delete the files listed (without it, only list them).")
def prune_media(hours: float, delete: bool):
    """List (or delete) files under MEDIA_DIR that no course media or session photo names any
    more: pictures replaced, courses and classes deleted. Back up MEDIA_DIR first."""
    from .services import media_prune

    unused = media_prune.unused_files(db.session, current_app.config["MEDIA_DIR"], hours)
    for path in unused.files:
        click.echo(str(path))
    size = f"{unused.total_bytes / 1024 / 1024:.1f} MB"
    if not delete:
        click.echo(f"{len(unused.files)} unused file(s), {size}; run again with --delete to remove them")
        return
    click.echo(f"deleted {media_prune.remove(unused)} unused file(s), {size}")


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(dest: Path):
    """Write a consistent copy of the database to DEST (SQLite online backup, or pg_dump)."""
    db.session.remove()
    try:
        written = backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], dest)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"backup written to {written}")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(src: Path, yes: bool):
    """Replace the database's contents with the backup in SRC. Stop the app first."""
    if not yes:
        click.confirm(f"Replace everything in the database with {src}?", abort=True)
    db.session.remove()
    dispose_engines(db)
    try:
        backup.restore(current_app.config["SQLALCHEMY_DATABASE_URI"], src)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc))
    dispose_engines(db)
    click.echo(f"restored from {src}")


def init_app(app: Flask) -> None:
    app.cli.add_command(courses_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_data)
    app.cli.add_command(reports_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    @app.cli.command("setup")
    @click.option("--seed/--no-seed", default=True, help="Import the courses in seed_courses/.")
    def setup(seed: bool):
        """Upgrade the database, create the first admin if none exists and import the seed courses."""
        from flask_migrate import upgrade  # Alembic: imported only by the commands that need it

        upgrade(directory=app.extensions["migrate"].directory)
        with media.removed_on_failure():
            if seed and SEED_DIR.is_dir():
                courses = _read(SEED_DIR)
                course_exchange.import_courses(db.session, courses, app.config["MEDIA_DIR"])
                click.echo(f"seed courses: {len(courses)} imported or updated")
            password_file = accounts.ensure_first_admin(db.session, app.instance_path)
            db.session.commit()
        if password_file:
            click.echo(f"First admin created. Username and password are in {password_file}")
