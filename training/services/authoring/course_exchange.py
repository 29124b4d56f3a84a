"""Courses in and out of the database: import what course_reader.py read (all or nothing, by
slug, so importing twice changes nothing) and export a course as its files."""
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ...models import Choice, Course, CourseStatus, Lesson, Question, QuestionKind, Quiz, utcnow
from ..learning import progress, standard
from .content import render_lesson
from .course_format import ChoiceData, CourseData, FileSet, QuizData
from . import recordings
from .media import store_media

QUIZ_SETTINGS = ("title", "pass_mark", "max_attempts", "shuffle")


def _apply_quiz(quiz: Quiz, data: QuizData) -> None:
    for name in QUIZ_SETTINGS:
        setattr(quiz, name, getattr(data, name))
    existing = {q.key: q for q in quiz.questions}
    questions = []
    for position, qd in enumerate(data.questions):
        question = existing.pop(qd.key, None) or Question(key=qd.key)
        question.position = position
        question.kind = qd.type
        question.prompt = qd.prompt
        question.explanation = qd.explanation
        question.image, question.image_alt = qd.image, qd.image_alt if qd.image else None
        question.answer = {QuestionKind.TRUE_FALSE: {"answer": qd.answer},
                           QuestionKind.SHORT_TEXT: {"accepted": list(qd.accepted)}}.get(qd.type, {})
        wanted = [ChoiceData(text=s) for s in qd.steps] if qd.type == QuestionKind.ORDERING else qd.choices
        # Choices are replaced wholesale: past attempts keep their own snapshot.
        question.choices = [
            Choice(position=i, text=c.text, is_correct=c.correct, image=c.image,
                   image_alt=c.image_alt if c.image else None)
            for i, c in enumerate(wanted)
        ]
        questions.append(question)
    quiz.questions = questions


def _replace_quiz(course: Course, quiz: Quiz | None, data: QuizData | None, **new) -> Quiz | None:
    """The quiz updated from data (created with `new` when missing), or removed when data is None."""
    if data is None:
        if quiz is not None:
            course.quizzes.remove(quiz)
        return None
    if quiz is None:
        quiz = Quiz(title=data.title, **new)
        course.quizzes.append(quiz)
    _apply_quiz(quiz, data)
    return quiz


def import_course(session: Session, data: CourseData, media_dir: str,
                  author_id: int | None = None, centre_id: int | None = None) -> Course:
    """Create or update (by slug) one course from validated data. Flushes; the caller commits.

    Lessons and questions are matched by key, so progress and attempts survive a re-import.
    """
    course = session.scalar(select(Course).where(Course.slug == data.slug))
    if course is None:
        course = Course(slug=data.slug, author_id=author_id, centre_id=centre_id)
        session.add(course)
    for name in ("language", "translation_group", "title", "summary", "level", "hours", "standard",
                 "sequential", "position"):
        setattr(course, name, getattr(data, name))
    if data.status == CourseStatus.PUBLISHED and course.status != CourseStatus.PUBLISHED:
        course.published_at = utcnow()
    course.status = data.status
    for path, blob in data.files.items():
        store_media(session, course, path, blob, media_dir)
    course.cover_image = data.cover_image
    course.cover_alt = data.cover_alt if data.cover_image else None
    course.glossary = list(data.glossary)  # before the lessons: rendering marks its terms

    existing = {l.key: l for l in course.lessons}
    lessons = []
    for position, ld in enumerate(data.lessons):
        lesson = existing.pop(ld.key, None) or Lesson(key=ld.key)
        lesson.position = position
        lesson.title = ld.title
        lesson.body_md = ld.body_md
        lesson.minutes = ld.minutes
        lesson.video_url = ld.video
        if ld.video and not ld.video.startswith("https://"):
            lesson.video_url = next(m.url_path for m in course.media if m.path == ld.video)
        lessons.append(lesson)
        lesson.quiz = _replace_quiz(course, lesson.quiz, ld.quiz)
    for removed in existing.values():
        if removed.quiz is not None:
            course.quizzes.remove(removed.quiz)
    course.lessons = lessons
    for lesson in lessons:
        render_lesson(course, lesson)
    _replace_quiz(course, course.final_exam, data.final_exam, is_final=True)
    session.flush()
    recordings.import_recordings(session, course, *_recording_targets(course, data), media_dir)
    progress.refresh_course(session, course.id)
    return course


def _recording_targets(course: Course, data: CourseData) -> tuple[list, list]:
    """(lesson, its recordings) and (question, its recordings) pairs of the imported course."""
    lessons = {l.key: l for l in course.lessons}
    pairs = [(lessons[ld.key], ld.recordings) for ld in data.lessons]
    quizzes = [(lessons[ld.key].quiz, ld.quiz) for ld in data.lessons if ld.quiz is not None]
    if data.final_exam is not None:
        quizzes.append((course.final_exam, data.final_exam))
    questions = []
    for quiz, quiz_data in quizzes:
        by_key = {q.key: q for q in quiz.questions}
        questions += [(by_key[qd.key], qd.recordings) for qd in quiz_data.questions]
    return pairs, questions


def import_courses(session: Session, courses: list[CourseData], media_dir: str) -> list[Course]:
    return [import_course(session, c, media_dir) for c in courses]


# ---------------------------------------------------------------- export


def _quiz_dict(quiz: Quiz, voices: dict[int, list] | None = None) -> dict[str, Any]:
    questions = []
    for q in quiz.questions:
        item: dict[str, Any] = {"key": q.key, "type": q.kind, "prompt": q.prompt,
                                "explanation": q.explanation}
        if (voices or {}).get(q.id):
            item["recordings"] = recordings.export_entries(voices[q.id])
        if q.image:
            item["image"] = q.image
            item["image_alt"] = q.image_alt or ""
        if q.kind == QuestionKind.TRUE_FALSE:
            item["answer"] = bool(q.answer.get("answer"))
        elif q.kind == QuestionKind.SHORT_TEXT:
            item["accepted"] = list(q.answer.get("accepted", []))
        elif q.kind == QuestionKind.ORDERING:
            item["steps"] = [c.text for c in q.choices]
        else:
            choices = []
            for c in q.choices:
                choice: dict[str, Any] = {"text": c.text}
                if c.is_correct:
                    choice["correct"] = True
                if c.image:
                    choice["image"] = c.image
                    choice["image_alt"] = c.image_alt or ""
                choices.append(choice)
            item["choices"] = choices
        questions.append(item)
    return {**{name: getattr(quiz, name) for name in QUIZ_SETTINGS}, "questions": questions}


def export_files(course: Course, media_dir: str) -> FileSet:
    """The course as files in the course format, media included (read from MEDIA_DIR one at a
    time, when used)."""
    files: dict[str, bytes | Path] = {}
    # Recordings by question and by lesson (one query).
    voices: dict[int, list] = {}
    lesson_voices: dict[int, list] = {}
    session = object_session(course)
    for r in recordings.course_recordings(session, course.id) if session is not None else []:
        if r.question_id:
            voices.setdefault(r.question_id, []).append(r)
        else:
            lesson_voices.setdefault(r.lesson_id, []).append(r)
    meta: dict[str, Any] = {"slug": course.slug, "language": course.language}
    if course.translation_group:
        meta["translation_group"] = course.translation_group
    meta.update({"title": course.title, "summary": course.summary, "level": course.level,
                 "status": course.status})
    if course.hours is not None:
        meta["hours"] = float(course.hours)
    if course.sequential:
        meta["sequential"] = True
    if course.position:
        meta["position"] = course.position
    if course.cover_image:
        meta["cover_image"] = course.cover_image
        meta["cover_alt"] = course.cover_alt or ""
    final = course.final_exam
    if final is not None:
        meta["final_exam"] = "quizzes/final-exam.toml"
        files["quizzes/final-exam.toml"] = _toml(_quiz_dict(final, voices))
    lessons = []
    for number, lesson in enumerate(course.lessons, start=1):
        stem = f"{number:02d}-{lesson.key}"
        entry: dict[str, Any] = {"key": lesson.key, "title": lesson.title,
                                 "file": f"lessons/{stem}.md", "minutes": lesson.minutes}
        files[f"lessons/{stem}.md"] = lesson.body_md.encode("utf-8")
        if lesson.quiz is not None:
            entry["quiz"] = f"quizzes/{stem}.toml"
            files[f"quizzes/{stem}.toml"] = _toml(_quiz_dict(lesson.quiz, voices))
        if lesson.video_url:
            stored = next((m.path for m in course.media if m.url_path == lesson.video_url), None)
            entry["video"] = stored or lesson.video_url
        if lesson_voices.get(lesson.id):
            entry["recordings"] = recordings.export_entries(lesson_voices[lesson.id])
        lessons.append(entry)
    meta["lessons"] = lessons
    if course.glossary:
        meta["glossary"] = "glossary.toml"
        files["glossary.toml"] = _toml({"terms": [{"term": e["term"], "explanation": e["explanation"]}
                                                  for e in course.glossary]})
    mapping = standard.read_mapping(course.standard)
    if mapping is not None:
        meta["standard"] = mapping
    files["course.toml"] = _toml(meta)
    for item in course.media:
        files[item.path] = Path(media_dir) / item.stored_name
    return FileSet(files)


def _toml(data: dict[str, Any]) -> bytes:
    return tomli_w.dumps(data, multiline_strings=True).encode("utf-8")


def write_files(files: Mapping[str, bytes], folder: Path) -> None:
    for rel, blob in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
