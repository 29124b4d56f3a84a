"""Trainers' voice recordings of lesson sections and quiz questions.

An upload (a file, or what the browser recorded with MediaRecorder) is checked and transcoded
by ffmpeg in a subprocess with a timeout, to AAC in MP4 (.m4a) at 24 kbit/s mono: every phone
plays it, the iPhone's WeChat browser included (iOS WebKit before 17 cannot play Opus in Ogg or
WebM, and the village phones are old). Nothing of the upload is kept but its sound. The result
is stored as CourseMedia (so "save for offline" and the size estimate include it) with a
Recording row naming what it reads and its label ("普通话", "四川话").

A lesson section is its h2 heading, named by the heading's text; "" is the whole lesson.
Functions flush; the view commits.
"""
import html
import json
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Course, CourseMedia, Lesson, Question, Recording
from . import media

AUDIO_TYPE = ("audio/mp4", ".m4a")
BITRATE = "24k"
MAX_SECONDS = 10 * 60
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
MAX_LABEL = 20
TIMEOUT_SECONDS = 120
# Demuxers ffmpeg may use on an upload: audio files and what phones and browsers record. No
# playlists (HLS, concat), which could make ffmpeg read other files.
INPUT_FORMATS = ("ogg,matroska,webm,mov,mp4,m4a,3gp,3g2,mj2,mp3,wav,aac,flac,amr,caf,"
                 "asf,opus")
HEADING_RE = re.compile(r"<h2\b[^>]*>(.*?)</h2>", re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")


class RecordingRefused(ValueError):
    """An upload that is not usable audio; args[0] is the message for the trainer."""


@dataclass
class Transcoded:
    data: bytes
    duration_ms: int


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def probe(path: Path) -> dict:
    """ffprobe's view of a file (format and streams), or {} when it cannot read it."""
    try:
        result = subprocess.run(
            ["ffprobe", "-v", "error", "-protocol_whitelist", "file", "-format_whitelist", INPUT_FORMATS,
             "-show_entries", "format=duration,format_name,bit_rate:stream=codec_type,codec_name,channels,bit_rate",
             "-of", "json", str(path)],
            capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if result.returncode != 0:
        return {}
    try:
        return json.loads(result.stdout or b"{}")
    except ValueError:
        return {}


def duration_seconds(info: dict) -> float | None:
    try:
        return float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        return None


def transcode(data: bytes) -> Transcoded:
    """The upload as AAC 24 kbit/s mono in .m4a. Raises RecordingRefused with the reason."""
    if not data:
        raise RecordingRefused(_("The file is empty. Record again or choose another file."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise RecordingRefused(_("The file is too large: at most %(mb)d MB.", mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if not ffmpeg_available():
        raise RecordingRefused(_("This server cannot convert sound files yet (ffmpeg is missing). "
                                 "Ask the site's administrator."))
    with tempfile.TemporaryDirectory(prefix="cunbo-audio-") as tmp:
        source, target = Path(tmp) / "upload", Path(tmp) / "voice.m4a"
        source.write_bytes(data)
        info = probe(source)
        if not any(s.get("codec_type") == "audio" for s in info.get("streams", [])):
            raise RecordingRefused(_("This file is not a sound recording. Record again, or choose a "
                                     "sound file (for example from the phone's recorder)."))
        seconds = duration_seconds(info)
        if seconds is not None and seconds > MAX_SECONDS:
            raise RecordingRefused(_("The recording is too long: at most %(minutes)d minutes. Record "
                                     "each section on its own.", minutes=MAX_SECONDS // 60))
        command = ["ffmpeg", "-nostdin", "-v", "error", "-protocol_whitelist", "file",
                   "-format_whitelist", INPUT_FORMATS, "-i", str(source),
                   "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1",
                   "-t", str(MAX_SECONDS + 1),
                   "-c:a", "aac", "-b:a", BITRATE, "-ac", "1", "-ar", "24000",
                   "-movflags", "+faststart", "-f", "mp4", str(target)]
        try:
            result = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RecordingRefused(_("Converting the recording took too long. Try a shorter recording.")) from exc
        if result.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            raise RecordingRefused(_("This file is not a sound recording. Record again, or choose a "
                                     "sound file (for example from the phone's recorder)."))
        out = probe(target)
        seconds = duration_seconds(out)
        if seconds is None or seconds <= 0:
            raise RecordingRefused(_("The recording has no sound. Record again."))
        if seconds > MAX_SECONDS:
            raise RecordingRefused(_("The recording is too long: at most %(minutes)d minutes. Record "
                                     "each section on its own.", minutes=MAX_SECONDS // 60))
        return Transcoded(target.read_bytes(), round(seconds * 1000))


# ---------------------------------------------------------------- sections


def heading_text(inner_html: str) -> str:
    """A heading's text, as written (tags removed, entities decoded, spaces collapsed)."""
    return " ".join(html.unescape(TAG_RE.sub("", inner_html)).split())[:100]


def sections(lesson: Lesson) -> list[str]:
    """The lesson's sections a recording can read: its h2 headings' texts, in order."""
    return [heading_text(m.group(1)) for m in HEADING_RE.finditer(lesson.body_html or "")]


def clean_label(label: str) -> str:
    return " ".join((label or "").split())[:MAX_LABEL]


# ---------------------------------------------------------------- storing and deleting


def add_recording(session: Session, course: Course, audio: Transcoded, label: str, media_dir: str, *,
                  lesson: Lesson | None = None, question: Question | None = None,
                  section: str = "", random_name: bool = True, path: str | None = None) -> Recording:
    """Store transcoded audio as the course's media and record what it reads. Flushes."""
    if (lesson is None) == (question is None):
        raise ValueError("a recording reads a lesson or a question")
    path = path or f"audio/{secrets.token_hex(6)}{AUDIO_TYPE[1]}"
    base = secrets.token_hex(16) if random_name else media.content_name(audio.data, "")
    name = base + AUDIO_TYPE[1]
    with media.collecting_new_files() as created:
        media.store(media_dir, name, audio.data)
    if random_name:
        media.delete_unless_committed(session, created)
    item = next((m for m in course.media if m.path == path), None)
    if item is None:
        item = CourseMedia(path=path)
        course.media.append(item)
    item.stored_name, item.content_type, item.size = name, AUDIO_TYPE[0], len(audio.data)
    item.width = item.height = None
    item.variants = []
    recording = Recording(course_id=course.id, lesson_id=lesson.id if lesson else None,
                          question_id=question.id if question else None,
                          section=section if lesson is not None else "", label=clean_label(label),
                          media=item, duration_ms=audio.duration_ms)
    session.add(recording)
    session.flush()
    return recording


def delete_recording(session: Session, course: Course, recording: Recording) -> dict:
    """Remove a recording and its sound file's row; returns its old values (for the audit log)."""
    old = {"label": recording.label, "section": recording.section, "lesson_id": recording.lesson_id,
           "question_id": recording.question_id, "path": recording.media.path,
           "size": recording.media.size, "duration_ms": recording.duration_ms}
    item = recording.media
    session.delete(recording)
    session.flush()
    if item in course.media:
        course.media.remove(item)
    session.flush()
    return old


def course_recordings(session: Session, course_id: int) -> list[Recording]:
    """Every recording of a course with its media (one query), in the order they were made."""
    from sqlalchemy.orm import joinedload
    return list(session.scalars(select(Recording).where(Recording.course_id == course_id)
                                .options(joinedload(Recording.media)).order_by(Recording.id)))


# ---------------------------------------------------------------- shown to learners


def size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def duration_text(ms: int) -> str:
    """1分30秒 / 1 min 30 s."""
    seconds = max(1, round(ms / 1000))
    minutes, seconds = divmod(seconds, 60)
    if minutes and seconds:
        return _("%(m)d min %(s)d s", m=minutes, s=seconds)
    if minutes:
        return _("%(m)d min", m=minutes)
    return _("%(s)d s", s=seconds)


def caption(recording: Recording) -> str:
    """What a learner sees before playing: "四川话 · 120 KB · 1分30秒"."""
    parts = [recording.label or _("Trainer's voice"), size_text(recording.media.size),
             duration_text(recording.duration_ms)]
    return " · ".join(parts)


def by_section(recordings: list[Recording], lesson: Lesson) -> tuple[list[Recording], dict[str, list[Recording]]]:
    """A lesson's recordings: (those for the whole lesson, or for a heading no longer there;
    those for each present heading)."""
    present = set(sections(lesson))
    whole: list[Recording] = []
    per: dict[str, list[Recording]] = {}
    for recording in recordings:
        if recording.lesson_id != lesson.id:
            continue
        if recording.section and recording.section in present:
            per.setdefault(recording.section, []).append(recording)
        else:
            whole.append(recording)
    return whole, per


def splice_sections(body_html: str, per_section: dict[str, str]) -> str:
    """The stored lesson HTML with each section's player markup put right after its h2."""
    if not per_section:
        return body_html

    def insert(match: re.Match) -> str:
        extra = per_section.get(heading_text(match.group(1)), "")
        return match.group(0) + extra

    return HEADING_RE.sub(insert, body_html)


# ---------------------------------------------------------------- course files


@dataclass
class RecordingData:
    """A recording named in a course file: `[[lessons.recordings]]` or `[[questions.recordings]]`
    with section (lessons only), label and file (a sound file of the course under audio/)."""

    label: str
    file: str
    section: str = ""
    source: object = None  # the course's files (read when imported)


def read_recordings(reader, raw: dict, path: str, line: int | None, lesson: bool) -> list[RecordingData]:
    """Check the recordings a lesson or question table lists; problems go to the reader."""
    from .content import normalise_path

    items = raw.get("recordings", [])
    if not isinstance(items, list):
        reader.problem(path, line, _("“recordings” must be a list of tables."))
        return []
    found = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            reader.problem(path, line, _("Every recording needs a “file” under audio/."))
            continue
        label, section = item.get("label", ""), item.get("section", "")
        if not isinstance(label, str) or not label.strip() or len(label.strip()) > MAX_LABEL:
            reader.problem(path, line, _("A recording's “label” must be 1 to %(n)d characters, for "
                                         "example 普通话 or 四川话.", n=MAX_LABEL))
            continue
        if not isinstance(section, str) or len(section) > 100 or (section and not lesson):
            reader.problem(path, line, _("A recording's “section” must be the text of one of the "
                                         "lesson's headings (lessons only)."))
            continue
        name = normalise_path(item["file"])
        if not name.startswith("audio/") or name not in reader.files:
            reader.problem(path, line, _("Sound file “%(path)s” not found in the course (put it "
                                         "under audio/).", path=item["file"]))
            continue
        size = reader.files.size(name) if hasattr(reader.files, "size") else len(reader.files[name])
        if size > MAX_UPLOAD_BYTES:
            reader.problem(path, line, _("Sound file “%(path)s” is too large: at most %(mb)d MB.",
                                         path=item["file"], mb=MAX_UPLOAD_BYTES // (1024 * 1024)))
            continue
        found.append(RecordingData(label=clean_label(label), file=name, section=" ".join(section.split()),
                                   source=reader.files))
    return found


def conforms(data: bytes) -> int | None:
    """The duration (ms) of a sound file already stored as this site stores recordings (AAC in
    MP4, mono, at most 24 kbit/s); None when it must be transcoded."""
    with tempfile.TemporaryDirectory(prefix="cunbo-audio-") as tmp:
        path = Path(tmp) / "voice.m4a"
        path.write_bytes(data)
        info = probe(path)
    streams = info.get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    seconds = duration_seconds(info)
    if (len(streams) != 1 or len(audio) != 1 or audio[0].get("codec_name") != "aac"
            or audio[0].get("channels") != 1 or "mp4" not in info.get("format", {}).get("format_name", "")
            or seconds is None or not 0 < seconds <= MAX_SECONDS):
        return None
    try:
        if int(audio[0].get("bit_rate") or 0) > 25_000:
            return None
    except ValueError:
        return None
    return round(seconds * 1000)


def import_recordings(session: Session, course: Course, lessons: list, quizzes: list, media_dir: str) -> None:
    """Make the course's recordings match its files: lessons are (Lesson, [RecordingData]) and
    quizzes (Question, [RecordingData]) pairs. A recording already there (same target, section,
    label and file) is kept; others are added or removed. Files already in the site's format
    are stored as they are (no second lossy encoding); others are transcoded.
    Raises RecordingRefused naming the file."""
    session.flush()
    existing = {(r.lesson_id, r.question_id, r.section, r.label, r.media.path): r
                for r in course_recordings(session, course.id)}
    wanted: list[tuple[tuple, RecordingData, Lesson | None, Question | None]] = []
    for lesson, items in lessons:
        wanted += [((lesson.id, None, d.section, d.label, d.file), d, lesson, None) for d in items]
    for question, items in quizzes:
        wanted += [((None, question.id, "", d.label, d.file), d, None, question) for d in items]
    keys = {key for key, *_rest in wanted}
    for key, recording in existing.items():
        if key not in keys:
            session.delete(recording)
    for key, data, lesson, question in wanted:
        if key in existing:
            continue
        blob = data.source[data.file]
        duration = conforms(blob)
        if duration is not None:
            audio = Transcoded(blob, duration)
        else:
            try:
                audio = transcode(blob)
            except RecordingRefused as exc:
                raise RecordingRefused(f"{data.file}: {exc.args[0]}") from exc
        add_recording(session, course, audio, data.label, media_dir, lesson=lesson, question=question,
                      section=data.section, random_name=False, path=data.file)
    session.flush()


def export_entries(recordings_: list[Recording]) -> list[dict]:
    """The `recordings` list of a lesson or question table in a course file."""
    return [{**({"section": r.section} if r.section else {}), "label": r.label, "file": r.media.path}
            for r in recordings_]
