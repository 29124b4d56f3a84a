"""PostgreSQL backups never show the database password: not in pg_dump's or pg_restore's
command line (readable by every user of the machine in `ps`), not in an error message."""
import os
import stat
import sys
from pathlib import Path

import pytest

from training.services import backup

PASSWORD = "s3cr@t/pa ss"
URL = "postgresql+psycopg://cunbo:s3cr%40t%2Fpa%20ss@db.example:5432/cunbo?sslmode=require"
FORMS = (PASSWORD, "s3cr%40t%2Fpa%20ss", "s3cr%40t%2Fpa+ss")


def _fake_tools(folder: Path, exit_code: int) -> Path:
    """pg_dump and pg_restore stand-ins that record their argv and PGPASSWORD, and on failure
    complain the way a server might: with the connection string and the password in it."""
    log = folder / "calls.txt"
    for name in ("pg_dump", "pg_restore"):
        script = folder / name
        script.write_text(
            f"#!{sys.executable}\n"
            "import os, sys\n"
            f"with open({str(log)!r}, 'a') as f:\n"
            "    f.write(repr((sys.argv, os.environ.get('PGPASSWORD'))) + '\\n')\n"
            f"if {exit_code}:\n"
            f"    sys.stderr.write('connection to postgresql://cunbo:{FORMS[1]}@db.example failed: '\n"
            f"                     'password \"{PASSWORD}\" rejected')\n"
            f"sys.exit({exit_code})\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return log


@pytest.fixture
def tools(tmp_path, monkeypatch):
    def install(exit_code: int) -> Path:
        folder = tmp_path / "bin"
        folder.mkdir(exist_ok=True)
        log = _fake_tools(folder, exit_code)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        return log
    return install


def _calls(log: Path) -> list:
    from ast import literal_eval

    return [literal_eval(line) for line in log.read_text().splitlines()]


def _shows_password(text: str) -> bool:
    return any(form in text for form in FORMS)


def test_commands_carry_no_password():
    """The URL given to pg_dump and pg_restore has the user, host and options, not the password."""
    for argv in (backup.pg_dump_command(URL, Path("x.dump")), backup.pg_restore_command(URL, Path("x.dump"))):
        assert not _shows_password(" ".join(argv))
        assert "postgresql://cunbo@db.example:5432/cunbo?sslmode=require" in argv


def test_password_option_in_the_url_is_moved_too():
    """A password given as ?password=... leaves the command line for PGPASSWORD as well."""
    url = "postgresql://cunbo@db.example/cunbo?password=hunter2&sslmode=require"
    assert "hunter2" not in " ".join(backup.pg_dump_command(url, Path("x.dump")))
    assert backup.pg_environment(url)["PGPASSWORD"] == "hunter2"


def test_no_password_leaves_the_environment_alone(monkeypatch):
    """Without a password in the URL (peer or .pgpass authentication) nothing is added."""
    monkeypatch.delenv("PGPASSWORD", raising=False)
    assert "PGPASSWORD" not in backup.pg_environment("postgresql://cunbo@/cunbo?host=/var/run/postgresql")


def test_backup_and_restore_pass_the_password_in_the_environment(tools, tmp_path):
    """pg_dump and pg_restore run with PGPASSWORD set and no password in their argv."""
    log = tools(0)
    backup.backup(URL, tmp_path / "cunbo.dump")
    (tmp_path / "cunbo.dump").write_bytes(b"dump")
    backup.restore(URL, tmp_path / "cunbo.dump")
    calls = _calls(log)
    assert [Path(argv[0]).name for argv, _ in calls] == ["pg_dump", "pg_restore"]
    for argv, password in calls:
        assert password == PASSWORD
        assert not _shows_password(" ".join(argv))


def test_failures_name_no_password(tools, tmp_path):
    """When pg_dump or pg_restore fails, their message is passed on without the password."""
    tools(1)
    with pytest.raises(backup.BackupError) as dumped:
        backup.backup(URL, tmp_path / "cunbo.dump")
    src = tmp_path / "old.dump"
    src.write_bytes(b"dump")
    with pytest.raises(backup.BackupError) as restored:
        backup.restore(URL, src)
    for error in (dumped.value, restored.value):
        assert "rejected" in str(error) and "***" in str(error)
        assert not _shows_password(str(error))
    assert not (tmp_path / "cunbo.dump").exists()


def test_missing_tools_are_named_without_the_password(monkeypatch, tmp_path):
    """Without pg_dump installed the error shows the command to run, minus the password."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(backup.BackupError, match="pg_dump is not installed") as error:
        backup.backup(URL, tmp_path / "cunbo.dump")
    assert not _shows_password(str(error.value))
