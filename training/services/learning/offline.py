"""What saving a course for offline costs, and sizes shown before big downloads."""
import re
from pathlib import Path

from ...models import Course

# A lesson or quiz page's HTML around its body, compressed (measured by benchmarks/pageweight.py).
PAGE_OVERHEAD_BYTES = 3_000
MEDIA_URL_RE = re.compile(r"^/media/(?P<name>[0-9a-f]{32}\.[a-z0-9]+)$")


def course_download_bytes(course: Course) -> int:
    """An upper estimate of the bytes saved by "save this course for offline": every lesson and
    quiz page (body text uncompressed, plus the page around it), the course page and its media."""
    pages = 1 + len(course.lessons) + len(course.quizzes)
    text = sum(len(lesson.body_html.encode()) for lesson in course.lessons)
    return pages * PAGE_OVERHEAD_BYTES + text + sum(m.size for m in course.media)


def local_media_size(media_dir: str | Path, url: str | None) -> int | None:
    """The size of a file served from /media/, or None for other links (size unknown)."""
    match = MEDIA_URL_RE.match(url or "")
    if not match:
        return None
    path = Path(media_dir) / match["name"]
    return path.stat().st_size if path.is_file() else None


def size_parts(size: int) -> tuple[str, str]:
    """A rounded number and its unit, e.g. (12, "MB"), for "about 12 MB"."""
    if size < 1024 * 1024:
        return str(max(1, round(size / 1024))), "KB"
    megabytes = size / (1024 * 1024)
    return (f"{megabytes:.1f}" if megabytes < 10 else str(round(megabytes))), "MB"
