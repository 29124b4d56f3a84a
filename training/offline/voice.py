"""The learner's side of trainers' voice recordings: players on lesson and quiz pages.

A plain <audio controls preload="none"> with its label, size and length shown before playing
(works without JavaScript; nothing downloads until play). Recordings are course media, so
"save this course for offline" already lists them and counts their size. Learner pages take
them from the course's cached outline (no query).
"""
from dataclasses import dataclass, field

from flask import g, get_template_attribute
from markupsafe import Markup

from ..extensions import db
from ..models import Course, Lesson, Recording
from ..services.authoring import recordings
from ..services.learning.learner_read import CourseOutline, RecordingOutline


@dataclass
class LessonVoice:
    """A lesson's players: for the whole lesson (shown at the top) and its body with each
    section's players after its heading."""

    whole: list[Recording] = field(default_factory=list)
    body: Markup = field(default_factory=Markup)


def _course_recordings(course: Course | CourseOutline) -> list[Recording] | tuple[RecordingOutline, ...]:
    """A learner page's course is the read model's outline, which carries its recordings;
    other pages (the studio's previews) read them once per request."""
    if isinstance(course, CourseOutline):
        return course.recordings
    cache = g.setdefault("course_recordings", {})
    if course.id not in cache:
        cache[course.id] = recordings.course_recordings(db.session, course.id)
    return cache[course.id]


def lesson_voice(course: Course, lesson: Lesson) -> LessonVoice:
    found = [r for r in _course_recordings(course) if r.lesson_id == lesson.id]
    if not found:
        return LessonVoice(body=Markup(lesson.body_html or ""))
    whole, per = recordings.by_section(found, lesson)
    player = get_template_attribute("learn/_voice.html", "players")
    body = recordings.splice_sections(lesson.body_html or "", {s: str(player(items)) for s, items in per.items()})
    return LessonVoice(whole=whole, body=Markup(body))


def question_voices(course: Course) -> dict[int, list[Recording]]:
    """Each question's recordings, by question id."""
    voices: dict[int, list[Recording]] = {}
    for recording in _course_recordings(course):
        if recording.question_id is not None:
            voices.setdefault(recording.question_id, []).append(recording)
    return voices


def init_app(app) -> None:
    app.jinja_env.globals.update(lesson_voice=lesson_voice, question_voices=question_voices,
                                 voice_caption=recordings.caption)
