"""Checking and storing media files by content, under MEDIA_DIR with unguessable names.

Every raster image (JPEG, PNG, WebP, GIF) is decoded and re-encoded from its pixels alone, at
web size, with smaller width variants and WebP copies for srcset: no byte of the upload is
kept, so metadata (GPS position, comments, colour profiles) and anything hidden in the file,
such as a script in a GIF/JavaScript polyglot, is dropped. Animated images keep their first
frame. SVG must be inert and is stored as it is; videos are checked by their file signature.
"""
from __future__ import annotations

import hashlib
import io
import secrets
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from ...models import Course, CourseMedia

if TYPE_CHECKING:
    from PIL import Image

# Pillow and defusedxml are imported by the functions that use them: a web worker that never
# receives an upload does not hold them in memory.

IMAGE_TYPES = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"),
               "WEBP": ("image/webp", ".webp"), "GIF": ("image/gif", ".gif")}
SVG_TYPE = ("image/svg+xml", ".svg")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
# Refuse decompression bombs before decoding: a 10 MB file may claim billions of pixels.
MAX_PIXELS = 40_000_000
# The largest width kept, and the smaller widths stored for srcset (lesson column is ~728 px).
MAX_WEB_WIDTH = 1600
VARIANT_WIDTHS = (480, 960)
VIDEO_TYPES = {"mp4": ("video/mp4", ".mp4"), "webm": ("video/webm", ".webm")}

SVG_FORBIDDEN_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "image", "use",
                      "animate", "set", "animatemotion", "animatetransform", "handler", "listener"}


class MediaError(ValueError):
    """A file that is not an acceptable image; args[0] is a short reason code."""


@dataclass
class CheckedImage:
    content_type: str
    extension: str
    width: int | None
    height: int | None


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def check_svg(data: bytes) -> CheckedImage:
    """Accept an SVG only if it is inert: no scripts, event handlers, foreign objects or
    references to other files or sites."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises several parse and security errors
        raise MediaError("svg-invalid") from exc
    if _local_name(root.tag) != "svg":
        raise MediaError("svg-invalid")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if _local_name(element.tag) in SVG_FORBIDDEN_TAGS:
            raise MediaError("svg-unsafe")
        for attr, value in element.attrib.items():
            name = _local_name(attr)
            if name.startswith("on") or name == "href":
                raise MediaError("svg-unsafe")
            compact = value.replace(" ", "").lower()
            if "url(" in compact and "url(#" not in compact:
                raise MediaError("svg-unsafe")
        if _local_name(element.tag) == "style" and element.text and (
            "@import" in element.text or "url(" in element.text
        ):
            raise MediaError("svg-unsafe")

    def number(value: str | None) -> int | None:
        try:
            return int(float((value or "").removesuffix("px")))
        except ValueError:
            return None

    width, height = number(root.get("width")), number(root.get("height"))
    if (width is None or height is None) and root.get("viewBox"):
        parts = root.get("viewBox", "").replace(",", " ").split()
        if len(parts) == 4:
            width, height = number(parts[2]), number(parts[3])
    return CheckedImage(*SVG_TYPE, width, height)


def check_image(data: bytes, allow_svg: bool = True, max_bytes: int = MAX_IMAGE_BYTES) -> CheckedImage:
    """Identify an image by its content, never by its file name."""
    if len(data) > max_bytes:
        raise MediaError("too-large")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        if not allow_svg:
            raise MediaError("svg-refused")
        return check_svg(data)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            kind = img.format
            width, height = img.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaError("not-image") from exc
    if kind not in IMAGE_TYPES:
        raise MediaError("not-image")
    if width * height > MAX_PIXELS:
        raise MediaError("too-many-pixels")
    content_type, extension = IMAGE_TYPES[kind]
    return CheckedImage(content_type, extension, width, height)


def content_name(data: bytes, extension: str) -> str:
    """Name imported files by their content hash: the same file stored twice is stored once."""
    return hashlib.sha256(data).hexdigest()[:32] + extension


def random_name(extension: str) -> str:
    return secrets.token_hex(16) + extension


# Files written inside removed_on_failure() blocks, innermost block last.
_new_files: ContextVar[list[Path] | None] = ContextVar("new_media_files", default=None)


@contextmanager
def collecting_new_files():
    """The files stored inside the block that were not there before, as a list filled in as
    they are written. An enclosing block collects them too."""
    created: list[Path] = []
    enclosing = _new_files.get()
    token = _new_files.set(created)
    try:
        yield created
    finally:
        _new_files.reset(token)
        if enclosing is not None:
            enclosing.extend(created)


@contextmanager
def removed_on_failure():
    """Delete the files stored inside the block (those that were not there before) if the block
    fails, so an import or upload refused or interrupted before its commit leaves no file that
    no database row names. Put the commit inside the block."""
    with collecting_new_files() as created:
        try:
            yield
        except BaseException:
            for path in created:
                path.unlink(missing_ok=True)
            raise


def store(media_dir: str | Path, name: str, data: bytes) -> Path:
    """Write a file into MEDIA_DIR atomically (write then rename)."""
    target = Path(media_dir) / name
    if target.exists():
        # Stored already (named by content): mark it as just used, so `flask media prune` does
        # not take it for an old unused file before this transaction commits the row naming it.
        target.touch()
        return target
    tmp = target.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    if (created := _new_files.get()) is not None:
        created.append(target)
    return target


def check_video(data: bytes, max_bytes: int = MAX_VIDEO_BYTES) -> tuple[str, str]:
    """(content type, extension) of an MP4 or WebM video, recognised by its signature."""
    if len(data) > max_bytes:
        raise MediaError("too-large")
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return VIDEO_TYPES["mp4"]
    if data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]:
        return VIDEO_TYPES["webm"]
    raise MediaError("not-video")


@dataclass
class StoredFile:
    """A file written to MEDIA_DIR, with the smaller copies made for srcset."""

    name: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None
    variants: list[dict[str, Any]] = field(default_factory=list)


def _encode(img: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "JPEG":
        img.convert("RGB").save(buffer, "JPEG", quality=82, optimize=True, progressive=True)
    elif kind == "WEBP":
        img.save(buffer, "WEBP", quality=80, method=4)
    elif kind == "GIF":
        img.save(buffer, "GIF", optimize=True)
    else:
        img.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _resized(img: Image.Image, width: int) -> Image.Image:
    from PIL import Image

    height = max(1, round(img.height * width / img.width))
    return img.resize((width, height), Image.Resampling.LANCZOS)


def _pixels_only(opened: Image.Image) -> Image.Image:
    """The first frame's pixels, upright and in sRGB, with nothing else of the file: no
    metadata, comment, colour profile, palette trick or other frames reach the encoder."""
    from PIL import ImageCms, ImageOps

    opened.seek(0)
    try:
        img = ImageOps.exif_transpose(opened)
    except (SyntaxError, ValueError, OSError, KeyError, TypeError):  # broken EXIF: leave it as drawn
        img = opened.copy()
    img.load()
    if img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "transparency" in img.info or img.mode in ("P", "PA") else "RGB")
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "RGBA"):
        try:
            img = ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                            ImageCms.createProfile("sRGB"), outputMode=img.mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile: the pixels are shown as they are
    img.info = {}  # encoders copy comments and profiles from info; keep none
    return img


def store_image(media_dir: str | Path, data: bytes, base: str | None = None,
                allow_svg: bool = True, max_bytes: int = MAX_IMAGE_BYTES) -> StoredFile:
    """Check an image by content and store it re-encoded at web size, with width variants
    and WebP copies.

    Only pixels survive: the stored files are written by the encoder from the decoded first
    frame, never copied from the upload (a GIF that is also a script stays a GIF, without the
    script). An inert SVG has no pixels to re-encode and is stored as it is.
    base names the files (base.jpg, base-480w.jpg, base-480w.webp, ...): a random name for
    uploads, the content hash for imports so the same file imported twice is stored once.
    """
    checked = check_image(data, allow_svg=allow_svg, max_bytes=max_bytes)
    base = base or secrets.token_hex(16)
    if checked.extension == ".svg":
        # check_svg refused scripts, handlers and links; /media/ serves it sandboxed besides.
        name = base + checked.extension
        store(media_dir, name, data)
        return StoredFile(name, checked.content_type, len(data), checked.width, checked.height)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            kind = opened.format or "PNG"
            img = _pixels_only(opened)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaError("not-image") from exc
    if img.width > MAX_WEB_WIDTH:
        img = _resized(img, MAX_WEB_WIDTH)
    main = _encode(img, kind)
    name = base + checked.extension
    store(media_dir, name, main)
    variants = []
    for width in [w for w in VARIANT_WIDTHS if w < img.width] + [img.width]:
        copy = img if width == img.width else _resized(img, width)
        formats = [("WEBP", ".webp", "image/webp")]
        if kind != "WEBP" and width != img.width:
            formats.insert(0, (kind, checked.extension, checked.content_type))
        for fmt, extension, content_type in formats:
            variant = f"{base}-{width}w{extension}"
            store(media_dir, variant, _encode(copy, fmt))
            variants.append({"name": variant, "width": copy.width, "height": copy.height,
                             "content_type": content_type})
    return StoredFile(name, checked.content_type, len(main), img.width, img.height, variants)


def store_video(media_dir: str | Path, data: bytes, max_bytes: int = MAX_VIDEO_BYTES,
                base: str | None = None) -> StoredFile:
    """Check a video by its signature and store it under a random name."""
    content_type, extension = check_video(data, max_bytes)
    name = (base or secrets.token_hex(16)) + extension
    store(media_dir, name, data)
    return StoredFile(name, content_type, len(data))


# ---------------------------------------------------------------- a course's media


_UNCOMMITTED_FILES = "uploaded_files_not_committed"


@event.listens_for(Session, "after_commit")
def _keep_committed_uploads(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's commit is not the end
        session.info.pop(_UNCOMMITTED_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _delete_uncommitted_uploads(session: Session, transaction) -> None:
    """Ending the outermost transaction without a commit (rollback, or the request's session
    closed) deletes the files uploaded in it: no row names them."""
    if transaction.parent is None:
        for path in session.info.pop(_UNCOMMITTED_FILES, ()):
            path.unlink(missing_ok=True)


def delete_unless_committed(session: Session, paths) -> None:
    """Files written for this transaction (uploads under random names): deleted when it ends
    without a commit, so a form refused and rolled back leaves no file behind."""
    session.info.setdefault(_UNCOMMITTED_FILES, []).extend(paths)


def store_media(session: Session, course: Course, path: str, data: bytes, media_dir: str,
                random_name: bool = False, max_video_bytes: int = MAX_VIDEO_BYTES) -> CourseMedia:
    """Store an image (at web sizes, with srcset copies) or a video of a course under path.

    Imports name files by content hash, so importing the same file twice stores it once;
    uploads (random_name=True) get random names.
    """
    base = None if random_name else hashlib.sha256(data).hexdigest()[:32]
    with collecting_new_files() as created:
        if path.startswith("videos/"):
            stored = store_video(media_dir, data, max_bytes=max_video_bytes, base=base)
        else:
            stored = store_image(media_dir, data, base=base)
    if random_name:  # an upload's files are its own: they live or die with the transaction
        delete_unless_committed(session, created)
    item = next((m for m in course.media if m.path == path), None)
    if item is None:
        item = CourseMedia(path=path)
        course.media.append(item)
    item.stored_name = stored.name
    for name in ("content_type", "size", "width", "height", "variants"):
        setattr(item, name, getattr(stored, name))
    return item
