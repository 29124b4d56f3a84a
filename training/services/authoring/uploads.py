"""Pictures and videos trainers upload in the studio, stored with the course that uses them."""
import secrets
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...models import Course, CourseMedia
from . import media
from .course_checks import MediaRefused, QuestionInput


@dataclass
class Storage:
    """Where uploads go and how large they may be (the app's configuration, as values)."""

    media_dir: str
    max_image_bytes: int
    max_video_bytes: int


@dataclass
class Upload:
    """A file a trainer uploaded: its name on their device and its content."""

    filename: str
    stream: BinaryIO


def pictures(course: Course) -> list[CourseMedia]:
    """The pictures uploaded to a course (not its videos)."""
    return [m for m in course.media if m.content_type.startswith("image/")]


def picture_problem(error: media.MediaError, name: str, max_bytes: int) -> str:
    """Why an uploaded picture was refused, naming the file."""
    code = str(error)
    if code == "too-large":
        return _("“%(name)s” is too large: pictures may be at most %(mb)d MB.",
                 name=name, mb=max_bytes // (1024 * 1024))
    if code == "too-many-pixels":
        return _("“%(name)s” has too many pixels; please use a smaller photo.", name=name)
    if code == "svg-refused":
        return _("“%(name)s” is an SVG drawing; please upload a JPEG, PNG or WebP picture.", name=name)
    return _("“%(name)s” is not a picture this site can show (JPEG, PNG, WebP or GIF).", name=name)


def store_picture(session: Session, course: Course, upload: Upload, stem: str,
                  storage: Storage) -> str:
    """Store an uploaded picture for a course; returns its path in the course (images/...).

    Pictures are checked by content; SVG uploads are refused (drawings can carry scripts).
    Raises MediaRefused.
    """
    data = upload.stream.read(storage.max_image_bytes + 1)
    try:
        checked = media.check_image(data, allow_svg=False, max_bytes=storage.max_image_bytes)
    except media.MediaError as exc:
        raise MediaRefused([picture_problem(exc, upload.filename, storage.max_image_bytes)]) from exc
    path = f"images/{stem}-{secrets.token_hex(4)}{checked.extension}"
    media.store_media(session, course, path, data, storage.media_dir, random_name=True)
    return path


def store_video(session: Session, course: Course, upload: Upload, storage: Storage) -> str:
    """Store an uploaded MP4 or WebM video for a course; returns its address. Raises MediaRefused."""
    limit = storage.max_video_bytes
    data = upload.stream.read(limit + 1)
    try:
        _type, extension = media.check_video(data, limit)
    except media.MediaError as exc:
        raise MediaRefused([_("The video is too large: at most %(mb)d MB.", mb=limit // (1024 * 1024))
                            if str(exc) == "too-large" else _("This file is not an MP4 or WebM video.")]) from exc
    # Stored under a random name, the file is deleted if the commit does not happen.
    item = media.store_media(session, course, f"videos/{secrets.token_hex(6)}{extension}", data,
                                 storage.media_dir, random_name=True, max_video_bytes=limit)
    return item.url_path


def insert_picture(body: str, path: str, alt: str, cursor: int | None) -> tuple[str, bool]:
    """The lesson text with a picture line put at the cursor, or at the end without one.

    Returns (text, placed at the cursor).
    """
    picture = f"![{alt.strip().replace('[', '(').replace(']', ')')}]({path})"
    if cursor is not None and 0 <= cursor <= len(body):
        before, after = body[:cursor].rstrip("\n"), body[cursor:].lstrip("\n")
        return "\n\n".join(part for part in (before, picture, after) if part), True
    return body.rstrip() + f"\n\n{picture}\n", False


def store_question_pictures(session: Session, course: Course, data: QuestionInput,
                            uploads: dict[str, Upload], storage: Storage) -> dict[str, str]:
    """Store a question's uploaded pictures into data ("image", "choice-N"); problems by key."""
    problems: dict[str, str] = {}
    for key, upload in uploads.items():
        try:
            path = store_picture(session, course, upload, "question", storage)
        except MediaRefused as exc:
            problems[key] = exc.args[0][0]
            continue
        if key == "image":
            data.image = path
        else:
            data.choices[int(key.rsplit("-", 1)[1])].image = path
    return problems
