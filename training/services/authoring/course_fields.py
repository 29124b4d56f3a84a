"""Checked reading of one course's files and fields, for course_reader.py: a check that fails
records a Problem (the file, the line where possible, what is wrong) and reading goes on, so an
author sees every problem of a course at once.
"""
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from . import media
from .content import normalise_path
from .course_format import (
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    MAX_TEXT_TOTAL,
    Problem,
    file_size,
)


def line_of_table(text: str, header: str, index: int) -> int | None:
    """Line number of the index-th occurrence of a [[header]] table."""
    count = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == f"[[{header}]]":
            count += 1
            if count == index:
                return number
    return None


def line_of_key(text: str, key: str, start: int = 1) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start and pattern.match(line):
            return number
    return None


class FieldReader:
    """Collects problems while reading one course's files."""

    def __init__(self, files: Mapping[str, bytes], origin: str):
        self.files = files
        self.origin = origin
        self.problems: list[Problem] = []
        self.used_media: set[str] = set()
        self.text_bytes = 0

    def where(self, path: str) -> str:
        return f"{self.origin}/{path}" if self.origin else path

    def problem(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.where(path), line, message))

    def text(self, path: str) -> str | None:
        if path not in self.files:
            self.problem(path, None, _("File not found."))
            return None
        # Sizes are checked before reading: an archive's entries are on disk until used.
        size = file_size(self.files, path)
        self.text_bytes += size
        if size > MAX_TEXT_BYTES or self.text_bytes > MAX_TEXT_TOTAL:
            self.problem(path, None, _("The text files of a course may hold at most %(n)d characters "
                                       "each and %(mb)d MB in all.", n=MAX_TEXT_CHARS,
                                       mb=MAX_TEXT_TOTAL // (1024 * 1024)))
            return None
        try:
            text = self.files[path].decode("utf-8")
        except UnicodeDecodeError:
            self.problem(path, None, _("File is not UTF-8 text."))
            return None
        if len(text) > MAX_TEXT_CHARS:
            self.problem(path, None, _("The text files of a course may hold at most %(n)d characters "
                                       "each and %(mb)d MB in all.", n=MAX_TEXT_CHARS,
                                       mb=MAX_TEXT_TOTAL // (1024 * 1024)))
            return None
        return text

    def toml(self, path: str) -> tuple[dict[str, Any], str] | None:
        text = self.text(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text), text
        except tomllib.TOMLDecodeError as exc:
            match = re.search(r"line (\d+)", str(exc))
            self.problem(path, int(match.group(1)) if match else None,
                         _("Invalid TOML: %(error)s", error=str(exc)))
            return None

    def string(self, data: dict, key: str, path: str, text: str, required: bool = True,
               max_length: int = 10000, start: int = 1) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, start if start > 1 else None,
                             _("Missing required field “%(key)s”.", key=key))
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(path, line_of_key(text, key, start),
                         _("Field “%(key)s” must be non-empty text.", key=key))
            return None
        if len(value) > max_length:
            self.problem(path, line_of_key(text, key, start),
                         _("Field “%(key)s” is longer than %(n)d characters.", key=key, n=max_length))
            return None
        return value.strip() if max_length <= 300 else value

    def integer(self, data: dict, key: str, path: str, text: str, default: int, low: int,
                high: int, start: int = 1) -> int:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.problem(path, line_of_key(text, key, start),
                         _("Field “%(key)s” must be a whole number from %(low)d to %(high)d.",
                           key=key, low=low, high=high))
            return default
        return value

    def boolean(self, data: dict, key: str, path: str, text: str, default: bool, start: int = 1) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problem(path, line_of_key(text, key, start),
                         _("Field “%(key)s” must be true or false.", key=key))
            return default
        return value

    def media_path(self, value: str | None, path: str, line: int | None, alt: str | None) -> str | None:
        """Check a reference to a media file of the course; returns its normalised path."""
        if not value:
            return None
        normalised = normalise_path(value)
        if normalised.startswith("/") or normalised not in self.files:
            self.problem(path, line, _("Image “%(path)s” not found in the course.", path=value))
            return None
        if not (alt or "").strip():
            self.problem(path, line, _("Image “%(path)s” needs a text alternative.", path=value))
        try:
            if file_size(self.files, normalised) > media.MAX_IMAGE_BYTES:
                raise media.MediaError("too-large")
            media.check_image(self.files[normalised])
        except media.MediaError as exc:
            self.problem(path, line, media_message(str(exc), value))
            return None
        self.used_media.add(normalised)
        return normalised


def media_message(code: str, name: str) -> str:
    messages = {
        "too-large": _("“%(name)s” is larger than 10 MB.", name=name),
        "not-image": _("“%(name)s” is not a PNG, JPEG, WebP, GIF or SVG image.", name=name),
        "svg-invalid": _("“%(name)s” is not a valid SVG file.", name=name),
        "svg-unsafe": _("“%(name)s” contains scripts, event handlers or links to other files; "
                        "such SVG files are refused.", name=name),
        "svg-refused": _("“%(name)s”: SVG files are not accepted here.", name=name),
        "too-many-pixels": _("“%(name)s” has more than 40 million pixels; use a smaller image.",
                             name=name),
    }
    return messages.get(code, messages["not-image"])
