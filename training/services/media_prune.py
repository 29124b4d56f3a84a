"""Files under MEDIA_DIR that no row names any more: a course picture replaced, a course
deleted, the photos of a class deleted with its sessions. Imported files are named by content
and shared between courses (a zh course and its en translation), so a file goes only when no
row at all names it, and only once it is older than a grace period: an upload writes its files
before its transaction commits the row that names them.

Only the places the app writes are looked at: MEDIA_DIR's own files (course media) and
session-photos/ (training session photos). Anything else under MEDIA_DIR is left alone.
"""
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import CourseMedia, SessionPhoto
from .classes.photos import FOLDER as PHOTO_DIR, thumb_name

DEFAULT_GRACE_HOURS = 24


@dataclass
class Unused:
    files: list[Path] = field(default_factory=list)
    total_bytes: int = 0


def names_in_use(session: Session) -> set[str]:
    """Every file name a row names, relative to MEDIA_DIR (two queries)."""
    names: set[str] = set()
    for stored_name, variants in session.execute(select(CourseMedia.stored_name, CourseMedia.variants)):
        names.add(stored_name)
        names.update(v["name"] for v in variants or [] if v.get("name"))
    for file_name in session.scalars(select(SessionPhoto.file_name)):
        names.update((file_name, thumb_name(file_name)))
    return names


def unused_files(session: Session, media_dir: str | Path, grace_hours: float = DEFAULT_GRACE_HOURS,
                 now: float | None = None) -> Unused:
    """The files no row names, last written more than grace_hours ago (also half-written
    temporary files of that age, left by a crash)."""
    root = Path(media_dir)
    in_use = names_in_use(session)
    cutoff = (now if now is not None else time.time()) - grace_hours * 3600
    found = Unused()
    for folder in (root, root / PHOTO_DIR):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.is_symlink():
                continue
            stat = path.stat()
            if path.relative_to(root).as_posix() in in_use or stat.st_mtime > cutoff:
                continue
            found.files.append(path)
            found.total_bytes += stat.st_size
    return found


def remove(unused: Unused) -> int:
    """Delete the files found; returns how many were deleted (one gone already is skipped)."""
    removed = 0
    for path in unused.files:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
