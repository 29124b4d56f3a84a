"""Checking and storing media files by content, under MEDIA_DIR with unguessable names."""
import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg"),
               "WEBP": ("image/webp", ".webp"), "GIF": ("image/gif", ".gif")}
SVG_TYPE = ("image/svg+xml", ".svg")
MAX_IMAGE_BYTES = 10 * 1024 * 1024

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
            if "url(" in value.replace(" ", "").lower() and "url(#" not in value.replace(" ", "").lower():
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


def check_image(data: bytes, allow_svg: bool = True) -> CheckedImage:
    """Identify an image by its content, never by its file name."""
    if len(data) > MAX_IMAGE_BYTES:
        raise MediaError("too-large")
    head = data[:512].lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        if not allow_svg:
            raise MediaError("svg-refused")
        return check_svg(data)
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
    content_type, extension = IMAGE_TYPES[kind]
    return CheckedImage(content_type, extension, width, height)


def content_name(data: bytes, extension: str) -> str:
    """Name imported files by their content hash: the same file stored twice is stored once."""
    return hashlib.sha256(data).hexdigest()[:32] + extension


def random_name(extension: str) -> str:
    return secrets.token_hex(16) + extension


def store(media_dir: str | Path, name: str, data: bytes) -> Path:
    """Write a file into MEDIA_DIR atomically (write then rename)."""
    target = Path(media_dir) / name
    if target.exists():
        return target
    tmp = target.with_name(f".{name}.{secrets.token_hex(4)}.tmp")
    tmp.write_bytes(data)
    tmp.replace(target)
    return target
