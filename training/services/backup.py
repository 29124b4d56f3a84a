"""Consistent copies of the database and bringing them back.

SQLite: the online backup API copies a consistent snapshot while the app keeps running
(readers and writers only wait for the pages being copied). Restore checks the copy first and
then copies it back over the live database through the same API, in one step.
PostgreSQL: pg_dump (custom format, consistent by MVCC snapshot) and pg_restore --clean. The
password never appears on their command line (any user of the machine can read it in `ps`) nor
in an error message: they get it in the PGPASSWORD variable of their own environment.
Media files (MEDIA_DIR) are content-named and never change once written: copy the folder
alongside (rsync -a instance/media/ DEST/media/).
"""
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    pass


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("The SQLite database is in memory; there is nothing to back up.")
    return Path(database)


def _password(url: URL) -> str | None:
    """The password, written in the URL's user part or as its ?password= option."""
    if url.password is not None:
        return str(url.password)
    option = url.query.get("password")
    return option[-1] if isinstance(option, tuple) else option


def libpq_url(url: str) -> str:
    """postgresql+psycopg://... as pg_dump understands it, without the password."""
    parsed = make_url(url)
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database,
                      parsed.query).difference_update_query(["password"])
    return bare.render_as_string(hide_password=False)


def pg_environment(url: str) -> dict[str, str]:
    """The environment for pg_dump and pg_restore: ours, with the URL's password in PGPASSWORD."""
    env = dict(os.environ)
    password = _password(make_url(url))
    if password:
        env["PGPASSWORD"] = password
    return env


def scrub(text: str, url: str) -> str:
    """text with the URL's password (as written, or URL-encoded) replaced by ***."""
    password = _password(make_url(url))
    if not password:
        return text
    for form in sorted({password, quote(password, safe=""), quote_plus(password)}, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def pg_dump_command(url: str, dest: Path) -> list[str]:
    return ["pg_dump", "--format=custom", "--no-owner", "--file", str(dest), "--dbname", libpq_url(url)]


def pg_restore_command(url: str, src: Path) -> list[str]:
    return ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "--dbname", libpq_url(url), str(src)]


def _run(command: list[str], url: str) -> None:
    """Run pg_dump or pg_restore with the password in its environment; errors name no password."""
    name = command[0]
    if shutil.which(name) is None:
        raise BackupError(f"{name} is not installed. Run (with the password in PGPASSWORD): "
                          + " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, env=pg_environment(url))
    if result.returncode != 0:
        raise BackupError(f"{name} failed: " + scrub(result.stderr.strip(), url))


def _check_sqlite_copy(path: Path) -> None:
    """A restorable copy opens, passes the integrity check and holds a migrated schema."""
    import sqlite3  # here, not at the top: web workers on PostgreSQL never load SQLite

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
    import sqlite3

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
    try:
        _run(pg_dump_command(url, dest), url)
    except BackupError:
        dest.unlink(missing_ok=True)
        raise
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
    _run(pg_restore_command(url, src), url)
