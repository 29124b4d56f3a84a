"""Consistent copies of the database and bringing them back.

SQLite: the online backup API copies a consistent snapshot while the app keeps running
(readers and writers only wait for the pages being copied). Restore checks the copy first and
then copies it back over the live database through the same API, in one step.
PostgreSQL: pg_dump (custom format, consistent by MVCC snapshot) and pg_restore --clean.
Media files (MEDIA_DIR) are content-named and never change once written: copy the folder
alongside (rsync -a instance/media/ DEST/media/).
"""
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("The SQLite database is in memory; there is nothing to back up.")
    return Path(database)


def libpq_url(url: str) -> str:
    """postgresql+psycopg://... as pg_dump understands it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_dump_command(url: str, dest: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", "--file", str(dest), "--dbname", libpq_url(url)]


def pg_restore_command(url: str, src: Path) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--dbname", libpq_url(url), str(src)]


def _check_sqlite_copy(path: Path) -> None:
    """A restorable copy opens, passes the integrity check and holds a migrated schema."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (status,) = conn.execute("PRAGMA integrity_check").fetchone()
        has_schema = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='users'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from exc
    finally:
        conn.close()
    if status != "ok":
        raise BackupError(f"{path} failed the integrity check: {status}")
    if not has_schema:
        raise BackupError(f"{path} does not hold a CunBo Academy database.")


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(target, timeout=15)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(url: str, dest: Path) -> Path:
    """Write a consistent copy of the database to dest (a file); returns dest."""
    dest = Path(dest)
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new file name.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        _sqlite_copy(sqlite_path(url), dest)
        _check_sqlite_copy(dest)
        return dest
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed. Run: " + " ".join(pg_dump_command(url, dest)))
    result = subprocess.run(pg_dump_command(url, dest), capture_output=True, text=True)
    if result.returncode != 0:
        dest.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return dest


def restore(url: str, src: Path) -> None:
    """Replace the database's contents with the copy in src."""
    src = Path(src)
    if not src.is_file():
        raise BackupError(f"{src} does not exist.")
    if is_sqlite(url):
        _check_sqlite_copy(src)
        _sqlite_copy(src, sqlite_path(url))
        return
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed. Run: " + " ".join(pg_restore_command(url, src)))
    result = subprocess.run(pg_restore_command(url, src), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
