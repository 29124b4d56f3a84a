"""Courses as .zip archives: export, import (within limits) and duplication."""
import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Course, CourseStatus, User
from . import course_exchange, course_format, course_reader
from .authoring import log_change, record_change, unique_slug
from .course_checks import NotAllowed


@dataclass
class ZipLimits:
    max_entries: int = 500
    max_total_bytes: int = 200 * 1024 * 1024


def read_zip(source: bytes | BinaryIO, limits: ZipLimits, folder: Path) -> course_format.FileSet:
    """The files of a course .zip by path, unpacked into folder, refusing anything that could
    escape or explode.

    Refused: not a zip, path traversal (../), absolute paths, backslashes, too many entries,
    and more than limits.max_total_bytes uncompressed (counted while unpacking, so a zip that
    lies about its sizes is caught too). Entries are copied to disk in small chunks and read
    later one at a time, so memory stays small whatever the archive holds. A single top folder
    (slug/course.toml) is removed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise NotAllowed([_("This file is not a .zip archive.")]) from exc
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) > limits.max_entries:
            raise NotAllowed([_("The archive holds %(n)d files; at most %(max)d are accepted.",
                                n=len(entries), max=limits.max_entries)])
        for info in archive.infolist():
            name = info.filename
            parts = name.split("/")
            if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) \
                    or ".." in parts or "\x00" in name:
                raise NotAllowed([_("The archive contains an unsafe file name: “%(name)s”. "
                                    "Nothing was imported.", name=name[:200])])
        if sum(i.file_size for i in entries) > limits.max_total_bytes:
            raise NotAllowed([_too_big(limits)])
        files: dict[str, Path] = {}
        total = 0
        for number, info in enumerate(entries):
            if any(p.startswith(".") or p == "__MACOSX" for p in info.filename.split("/")):
                continue
            # Numbered names on disk: the entry's own name never reaches the file system.
            target = folder / f"{number:04d}"
            try:
                with archive.open(info) as stream, target.open("wb") as out:
                    while chunk := stream.read(64 * 1024):
                        total += len(chunk)
                        if total > limits.max_total_bytes:
                            raise NotAllowed([_too_big(limits)])
                        out.write(chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError,
                    RuntimeError, ValueError) as exc:  # damaged, encrypted or unsupported entries
                raise NotAllowed([_("This file is not a .zip archive.")]) from exc
            files[info.filename] = target
    if "course.toml" not in files:
        tops = {name.split("/", 1)[0] for name in files}
        if len(tops) == 1 and all("/" in name for name in files):
            prefix = tops.pop() + "/"
            files = {name[len(prefix):]: path for name, path in files.items()}
    if "course.toml" not in files:
        raise NotAllowed([_("The archive has no course.toml: export a course from the studio "
                            "or zip a course folder.")])
    return course_format.FileSet(files)


@contextmanager
def unpacked(source: bytes | BinaryIO, limits: ZipLimits) -> Iterator[course_format.FileSet]:
    """read_zip into a temporary folder that is removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="course-import-"))
    try:
        yield read_zip(source, limits, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _too_big(limits: ZipLimits) -> str:
    return _("The archive unpacks to more than %(mb)d MB; nothing was imported.",
             mb=limits.max_total_bytes // (1024 * 1024))


def _read_course(files) -> course_format.CourseData:
    try:
        return course_reader.read_course(files)
    except course_format.CourseFormatError as exc:
        raise NotAllowed([str(p) for p in exc.problems]) from exc


def export_zip(course: Course, media_dir: str) -> bytes:
    """The course as a .zip in the course file format, media included, under a slug/ folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        files = course_exchange.export_files(course, media_dir)
        for path in sorted(files):  # one file in memory at a time
            archive.writestr(f"{course.slug}/{path}", files[path])
    return buffer.getvalue()


def import_zip(session: Session, source: bytes | BinaryIO, user: User, media_dir: str, limits: ZipLimits,
               replace: bool, can_replace) -> tuple[Course, bool]:
    """Import a course .zip (bytes or a seekable file) with the CLI importer's validation, all
    or nothing. The archive is unpacked to a temporary folder and its files are read one at
    a time, so a worker's memory does not grow with the archive.

    A new course is created as a draft of the trainer's centre. A course with the same slug
    is updated only when replace is true and can_replace(existing) allows it.
    Returns (course, created). Raises NotAllowed with every problem found.
    """
    with unpacked(source, limits) as files:
        return _import(session, _read_course(files), user, media_dir, replace, can_replace)


def _import(session: Session, data: course_format.CourseData, user: User, media_dir: str,
            replace: bool, can_replace) -> tuple[Course, bool]:
    existing = session.scalar(select(Course).where(Course.slug == data.slug))
    if existing is not None:
        if not can_replace(existing):
            raise NotAllowed([_("A course with the short name “%(slug)s” already exists and belongs to "
                                "someone else. Change “slug” in course.toml and import again.",
                                slug=data.slug)])
        if not replace:
            raise NotAllowed([_("A course with the short name “%(slug)s” already exists. Tick "
                                "“Replace the existing course” to update it.", slug=data.slug)])
        data.status = existing.status
    else:
        data.status = CourseStatus.DRAFT
    course = course_exchange.import_course(session, data, media_dir, author_id=user.id,
                                     centre_id=user.centre_id)
    record_change(session, course, user.id, "course.import", data.slug)
    return course, existing is None


def duplicate(session: Session, course: Course, user: User, media_dir: str, title: str,
              language: str, slug: str = "") -> Course:
    """Copy a course as a new draft (for a translation or a new edition), media included.

    The copy and the original share a translation group.
    """
    data = _read_course(course_exchange.export_files(course, media_dir))
    if not course.translation_group:
        course.translation_group = course.slug
    data.slug = unique_slug(session, slug or f"{course.slug}-copy")
    data.title = title.strip()
    data.language = language
    data.status = CourseStatus.DRAFT
    data.translation_group = course.translation_group
    copy = course_exchange.import_course(session, data, media_dir, author_id=user.id,
                                   centre_id=course.centre_id if user.centre_id is None else user.centre_id)
    log_change(session, copy, user.id, "course.duplicate", course.slug)
    return copy
