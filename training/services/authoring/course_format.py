"""The course file format (seed_courses/README.md): what a course's files hold, as plain
dataclasses, the limits they must keep, and the set of files a course is read from.

course_reader.py reads and checks a course folder into these; course_exchange.py stores them.
"""
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from ...models import CourseStatus, Level

KEY_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 500
# Text files (course.toml, lessons, quizzes) are read whole, and Markdown parsing takes about
# 500 bytes per character of a list: a lesson is at most what the editor accepts (100,000
# characters), and all text of a course together at most MAX_TEXT_TOTAL bytes.
MAX_TEXT_CHARS = 100_000
MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS
MAX_TEXT_TOTAL = 8 * 1024 * 1024


@dataclass
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class CourseFormatError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ChoiceData:
    text: str
    correct: bool = False
    image: str | None = None
    image_alt: str | None = None


@dataclass
class QuestionData:
    key: str
    type: str
    prompt: str
    explanation: str
    image: str | None = None
    image_alt: str | None = None
    choices: list[ChoiceData] = field(default_factory=list)
    answer: bool | None = None
    accepted: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    # Trainers' voice recordings of the question (recordings.RecordingData).
    recordings: list[Any] = field(default_factory=list)


@dataclass
class QuizData:
    title: str
    pass_mark: int = 60
    max_attempts: int = 0
    shuffle: bool = False
    questions: list[QuestionData] = field(default_factory=list)


@dataclass
class LessonData:
    key: str
    title: str
    body_md: str
    minutes: int = 5
    quiz: QuizData | None = None
    video: str | None = None
    # Trainers' voice recordings of the lesson or its sections (recordings.RecordingData).
    recordings: list[Any] = field(default_factory=list)


@dataclass
class CourseData:
    slug: str
    language: str
    title: str
    summary: str = ""
    level: str = Level.BEGINNER
    status: str = CourseStatus.PUBLISHED
    translation_group: str | None = None
    cover_image: str | None = None
    cover_alt: str | None = None
    # `sequential = true`: each step waits for the one before it (learning/progress.py).
    sequential: bool = False
    # `position = 1`: the catalogue order within a level (then the title).
    position: int = 0
    lessons: list[LessonData] = field(default_factory=list)
    final_exam: QuizData | None = None
    # `glossary = "glossary.toml"`: [{"term", "explanation"}, ...] (authoring/glossary.py).
    glossary: list[dict[str, str]] = field(default_factory=list)
    # Study hours (学时) and the mapping to the national standard (learning/standard.py).
    hours: Decimal | None = None
    standard: dict[str, Any] | None = None
    # Media files the course uses, by path inside the course folder (read when stored).
    files: Mapping[str, bytes] = field(default_factory=dict)
    origin: str = ""


# ---------------------------------------------------------------- a course's files


class FileSet(Mapping[str, bytes]):
    """A course's files by path, each either in memory or on disk. Files on disk are read only
    when asked for, one at a time, so a course's media never sit in memory together."""

    def __init__(self, sources: Mapping[str, bytes | Path]):
        self._sources = dict(sources)

    def __getitem__(self, name: str) -> bytes:
        source = self._sources[name]
        return source.read_bytes() if isinstance(source, Path) else source

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, name: object) -> bool:  # Mapping's default would read the file
        return name in self._sources

    def size(self, name: str) -> int:
        source = self._sources[name]
        return source.stat().st_size if isinstance(source, Path) else len(source)

    def head(self, name: str, length: int) -> bytes:
        source = self._sources[name]
        if isinstance(source, Path):
            with source.open("rb") as handle:
                return handle.read(length)
        return source[:length]

    def subset(self, names: Iterable[str]) -> "FileSet":
        return FileSet({name: self._sources[name] for name in names})


def file_size(files: Mapping[str, bytes], name: str) -> int:
    """The size of one file, without reading it when it is on disk."""
    return files.size(name) if isinstance(files, FileSet) else len(files[name])


def files_from_directory(folder: Path) -> FileSet:
    """Every file of a course folder by its relative POSIX path (read when used)."""
    files: dict[str, Path] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
            if len(files) >= MAX_FILES:
                raise CourseFormatError([Problem(str(folder), None, _("Too many files in the course folder."))])
            if path.stat().st_size > MAX_FILE_BYTES:
                raise CourseFormatError([Problem(str(path), None, _("File is larger than 10 MB."))])
            files[path.relative_to(folder).as_posix()] = path
    return FileSet(files)


def find_course_folders(root: Path) -> list[Path]:
    """root itself when it is a course folder, else each direct subfolder holding a course.toml."""
    if (root / "course.toml").is_file():
        return [root]
    return sorted(p.parent for p in root.glob("*/course.toml"))
