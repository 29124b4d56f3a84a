"""Photos of a training session for the ledger: at most six per session, re-encoded on upload.

Only pixels survive (services/authoring/media.py's rule): each upload is decoded, turned
upright by its EXIF orientation, then written anew as a JPEG of at most 1600 px on its longest
side, with a small thumbnail, so no metadata (GPS position, camera, time) is kept. Files live
under MEDIA_DIR/session-photos/ with random names and are served only through a route that
checks policy.can_manage_session: these are photos of people, not public media.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import SessionPhoto, TrainingSession
from ..accounts import audit
from ..authoring import media

if TYPE_CHECKING:  # Pillow is imported where it is used (services/authoring/media.py says why)
    from PIL import Image

MAX_PHOTOS = 6
MAX_BYTES = 10 * 1024 * 1024  # a phone camera's photo is 2-8 MB
TYPES = ("JPEG", "PNG", "WEBP")
LONGEST_SIDE = 1600
THUMB_SIDE = 320
QUALITY = 80
FOLDER = "session-photos"


class PhotoError(ValueError):
    """A photo refused: args[0] is a reason code ("too-many", "too-large", "not-image",
    "too-many-pixels"), args[1] the file's name on the trainer's device."""


@dataclass
class PhotoUpload:
    """A file as uploaded: its name on the device and its content."""

    filename: str
    stream: BinaryIO


def photo_count(session: Session, session_id: int) -> int:
    return session.scalar(select(func.count(SessionPhoto.id)).where(SessionPhoto.session_id == session_id)) or 0


def photos_for_sessions(session: Session, ids) -> dict[int, list[SessionPhoto]]:
    """The photos of each session, oldest first, in one query: {session_id: [SessionPhoto]}
    (sessions without photos are missing from the dict)."""
    ids = list(ids)
    result: dict[int, list[SessionPhoto]] = {}
    if not ids:
        return result
    for photo in session.scalars(select(SessionPhoto).where(SessionPhoto.session_id.in_(ids))
                                 .order_by(SessionPhoto.session_id, SessionPhoto.id)):
        result.setdefault(photo.session_id, []).append(photo)
    return result


def thumb_name(file_name: str) -> str:
    """The thumbnail's file name beside a photo's (session-photos/abc.jpg -> .../abc-thumb.jpg)."""
    return file_name.removesuffix(".jpg") + "-thumb.jpg"


def path_of(media_dir: str | Path, file_name: str) -> Path:
    return Path(media_dir) / file_name


def _encode(img: Image.Image, longest: int) -> tuple[bytes, int, int]:
    from PIL import Image

    copy = img.copy()
    copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)  # keeps the aspect, never enlarges
    buffer = io.BytesIO()
    copy.convert("RGB").save(buffer, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return buffer.getvalue(), copy.width, copy.height


def reencode(data: bytes, filename: str = "") -> tuple[bytes, bytes, int, int]:
    """(photo, thumbnail, width, height): JPEG files made from the upload's pixels only,
    upright, the longest side at most LONGEST_SIDE. PhotoError for anything but a JPEG, PNG
    or WebP picture of acceptable size."""
    if len(data) > MAX_BYTES:
        raise PhotoError("too-large", filename)
    try:
        checked = media.check_image(data, allow_svg=False, max_bytes=MAX_BYTES)
    except media.MediaError as exc:
        reason = "too-many-pixels" if str(exc) == "too-many-pixels" else "not-image"
        raise PhotoError(reason, filename) from exc
    if checked.content_type not in ("image/jpeg", "image/png", "image/webp"):
        raise PhotoError("not-image", filename)
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.format not in TYPES:
                raise PhotoError("not-image", filename)
            try:
                img = ImageOps.exif_transpose(opened)  # upright first: the EXIF goes next
            except (SyntaxError, ValueError, OSError, KeyError, TypeError):
                img = opened.copy()  # broken EXIF: keep the pixels as drawn
            img.load()
            if img.mode not in ("RGB", "L"):
                # Transparent areas (PNG, WebP) become white, not black, in a JPEG.
                rgba = img.convert("RGBA")
                img = Image.new("RGB", rgba.size, "white")
                img.paste(rgba, mask=rgba.getchannel("A"))
            img.info = {}  # no EXIF, comment or profile reaches the encoder
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoError("not-image", filename) from exc
    photo, width, height = _encode(img, LONGEST_SIDE)
    thumb, _w, _h = _encode(img, THUMB_SIDE)
    return photo, thumb, width, height


def add_photos(session: Session, meeting: TrainingSession, uploads: list[PhotoUpload], media_dir: str,
               actor_id: int | None) -> list[SessionPhoto]:
    """Add photos to a session, all or none: PhotoError("too-many") when they would make more
    than MAX_PHOTOS, or the first file refused. Files are written before the rows; use inside
    media.removed_on_failure() with the commit, so a refused upload leaves no file behind."""
    if photo_count(session, meeting.id) + len(uploads) > MAX_PHOTOS:
        raise PhotoError("too-many", "")
    encoded = [reencode(upload.stream.read(MAX_BYTES + 1), upload.filename) for upload in uploads]
    folder = Path(media_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    added = []
    for photo, thumb, width, height in encoded:
        base = secrets.token_hex(16)
        file_name = f"{FOLDER}/{base}.jpg"
        media.store(folder, f"{base}.jpg", photo)  # atomic, and removed if the commit fails
        media.store(folder, f"{base}-thumb.jpg", thumb)
        item = SessionPhoto(session_id=meeting.id, file_name=file_name, width=width, height=height,
                            uploaded_by_id=actor_id)
        session.add(item)
        added.append(item)
    session.flush()
    return added


def delete_photo(session: Session, photo: SessionPhoto, actor_id: int | None,
                 ip_address: str = "") -> list[Path]:
    """Delete a photo's row, audited ("session.photo_delete" with the session, its class and
    centre, its date and who uploaded the photo when). Returns the files to remove once the
    transaction is committed (removing them earlier would lose them on a rollback)."""
    meeting = photo.session
    audit.record(session, "session.photo_delete", actor_id, "session", meeting.id, ip_address=ip_address,
                 centre_id=meeting.training_class.centre_id, class_id=meeting.class_id,
                 held_on=meeting.held_on.isoformat(), photo_id=photo.id,
                 uploaded_by_id=photo.uploaded_by_id,
                 uploaded_at=photo.created_at.isoformat(timespec="seconds"))
    names = [photo.file_name, thumb_name(photo.file_name)]
    session.delete(photo)
    session.flush()
    return names


def file_names(session: Session, session_id: int) -> list[str]:
    """The files of every photo of a session (photo and thumbnail), to remove after the session
    itself is deleted and committed."""
    return [name for file_name in session.scalars(
        select(SessionPhoto.file_name).where(SessionPhoto.session_id == session_id))
        for name in (file_name, thumb_name(file_name))]


def remove_files(media_dir: str | Path, names: list[str]) -> None:
    """Remove a deleted photo's files (after the commit)."""
    for name in names:
        path_of(media_dir, name).unlink(missing_ok=True)
