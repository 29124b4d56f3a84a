"""Reading and checking a course folder (seed_courses/README.md) into course_format's dataclasses.

Every problem found is raised together in one CourseFormatError, each naming the file and the line
where possible; nothing is written to the database here (course_exchange.py does).
"""
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from ...models import COURSE_LANGUAGES, CourseStatus, Level, QuestionKind
from ..learning import standard
from . import glossary as glossary_terms
from . import media, recordings
from .content import image_paths, link_targets, normalise_path
from .course_fields import FieldReader, line_of_key, line_of_table
from .course_format import (
    KEY_RE,
    ChoiceData,
    CourseData,
    CourseFormatError,
    FileSet,
    LessonData,
    Problem,
    QuestionData,
    QuizData,
    file_size,
    files_from_directory,
    find_course_folders,
)


def _read_quiz(reader: FieldReader, path: str) -> QuizData | None:
    loaded = reader.toml(path)
    if loaded is None:
        return None
    data, text = loaded
    title = reader.string(data, "title", path, text, max_length=200) or ""
    quiz = QuizData(
        title=title,
        pass_mark=reader.integer(data, "pass_mark", path, text, 60, 0, 100),
        max_attempts=reader.integer(data, "max_attempts", path, text, 0, 0, 100),
        shuffle=reader.boolean(data, "shuffle", path, text, False),
    )
    questions = data.get("questions", [])
    if not isinstance(questions, list) or not questions:
        reader.problem(path, None, _("A quiz needs at least one [[questions]] table."))
        return quiz
    seen: set[str] = set()
    for index, raw in enumerate(questions):
        line = line_of_table(text, "questions", index)
        question = _read_question(reader, raw, path, text, line or 1, index)
        if question is None:
            continue
        if question.key in seen:
            reader.problem(path, line, _("Question key “%(key)s” is used twice.", key=question.key))
        seen.add(question.key)
        quiz.questions.append(question)
    return quiz


def _read_question(reader: FieldReader, raw: Any, path: str, text: str, line: int,
                   index: int) -> QuestionData | None:
    if not isinstance(raw, dict):
        reader.problem(path, line, _("Question %(n)d is not a table.", n=index + 1))
        return None
    label = _("question %(n)d", n=index + 1)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        reader.problem(path, line, _("%(label)s: “key” must use lowercase letters, digits and hyphens.",
                                     label=label))
        key = f"q{index + 1}"
    kind = raw.get("type")
    if kind not in {k.value for k in QuestionKind}:
        reader.problem(path, line, _("%(label)s: “type” must be one of single, multiple, true_false, "
                                     "short_text, ordering.", label=label))
        return None
    prompt = reader.string(raw, "prompt", path, text, start=line)
    explanation = reader.string(raw, "explanation", path, text, start=line)
    question = QuestionData(key=key, type=kind, prompt=prompt or "", explanation=explanation or "")
    question.image_alt = raw.get("image_alt")
    question.image = reader.media_path(raw.get("image"), path, line, question.image_alt)
    question.recordings = recordings.read_recordings(reader, raw, path, line, lesson=False)

    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        raw_choices = raw.get("choices", [])
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            reader.problem(path, line, _("%(label)s: a choice question needs at least 2 choices.",
                                         label=label))
        else:
            for choice in raw_choices:
                if not isinstance(choice, dict) or not isinstance(choice.get("text"), str) \
                        or not choice["text"].strip():
                    reader.problem(path, line, _("%(label)s: every choice needs a “text”.", label=label))
                    continue
                if not isinstance(choice.get("correct", False), bool):
                    reader.problem(path, line, _("%(label)s: “correct” must be true or false.",
                                                 label=label))
                    continue
                question.choices.append(ChoiceData(
                    text=choice["text"].strip(), correct=choice.get("correct", False),
                    image_alt=choice.get("image_alt"),
                    image=reader.media_path(choice.get("image"), path, line, choice.get("image_alt")),
                ))
            correct = sum(c.correct for c in question.choices)
            if kind == QuestionKind.SINGLE and correct != 1:
                reader.problem(path, line, _("%(label)s: a single-choice question needs exactly one "
                                             "correct choice.", label=label))
            if kind == QuestionKind.MULTIPLE and correct < 1:
                reader.problem(path, line, _("%(label)s: mark at least one choice as correct.",
                                             label=label))
    elif kind == QuestionKind.TRUE_FALSE:
        if not isinstance(raw.get("answer"), bool):
            reader.problem(path, line, _("%(label)s: a true/false question needs “answer = true” or "
                                         "“answer = false”.", label=label))
        else:
            question.answer = raw["answer"]
    elif kind == QuestionKind.SHORT_TEXT:
        accepted = raw.get("accepted")
        if not isinstance(accepted, list) or not accepted or not all(
                isinstance(a, str) and a.strip() for a in accepted):
            reader.problem(path, line, _("%(label)s: a short-answer question needs a non-empty "
                                         "“accepted” list.", label=label))
        else:
            question.accepted = [a.strip() for a in accepted]
    elif kind == QuestionKind.ORDERING:
        steps = raw.get("steps")
        if not isinstance(steps, list) or len(steps) < 2 or not all(
                isinstance(s, str) and s.strip() for s in steps):
            reader.problem(path, line, _("%(label)s: an ordering question needs at least 2 “steps”.",
                                         label=label))
        elif len(set(steps)) != len(steps):
            reader.problem(path, line, _("%(label)s: the steps must all be different.", label=label))
        else:
            question.steps = [s.strip() for s in steps]
    return question


def read_course(files: Mapping[str, bytes], origin: str = "") -> CourseData:
    """Read and validate one course. Raises CourseFormatError listing every problem found."""
    reader = FieldReader(files, origin)
    loaded = reader.toml("course.toml")
    if loaded is None:
        raise CourseFormatError(reader.problems)
    data, text = loaded
    path = "course.toml"

    slug = reader.string(data, "slug", path, text, max_length=80) or ""
    if slug and not KEY_RE.match(slug):
        reader.problem(path, line_of_key(text, "slug"),
                       _("“slug” must use lowercase letters, digits and hyphens."))
    language = data.get("language")
    if language not in COURSE_LANGUAGES:
        reader.problem(path, line_of_key(text, "language"), _("“language” must be “zh” or “en”."))
    level = data.get("level", Level.BEGINNER)
    if level not in {lv.value for lv in Level}:
        reader.problem(path, line_of_key(text, "level"),
                       _("“level” must be beginner, intermediate or advanced."))
    status = data.get("status", CourseStatus.PUBLISHED)
    if status not in {s.value for s in CourseStatus}:
        reader.problem(path, line_of_key(text, "status"), _("“status” must be draft or published."))
    group = data.get("translation_group")
    if group is not None and (not isinstance(group, str) or not KEY_RE.match(group)):
        reader.problem(path, line_of_key(text, "translation_group"),
                       _("“translation_group” must use lowercase letters, digits and hyphens."))
        group = None
    course = CourseData(
        slug=slug, language=language if isinstance(language, str) else "zh",
        title=reader.string(data, "title", path, text, max_length=200) or "",
        summary=reader.string(data, "summary", path, text, required=False) or "",
        level=level if isinstance(level, str) else Level.BEGINNER,
        status=status if isinstance(status, str) else CourseStatus.PUBLISHED,
        translation_group=group, origin=origin,
    )
    course.hours, course.standard = _read_hours_and_standard(reader, data, text)
    course.sequential, course.position = _read_order(reader, data, text)
    course.cover_alt = data.get("cover_alt")
    course.cover_image = reader.media_path(data.get("cover_image"), path,
                                           line_of_key(text, "cover_image"), course.cover_alt)

    lessons = data.get("lessons", [])
    if not isinstance(lessons, list) or not lessons:
        reader.problem(path, None, _("A course needs at least one [[lessons]] table."))
        lessons = []
    keys: set[str] = set()
    for index, raw in enumerate(lessons):
        line = line_of_table(text, "lessons", index)
        lesson = _read_lesson(reader, raw, text, line or 1, index)
        if lesson is None:
            continue
        if lesson.key in keys:
            reader.problem(path, line, _("Lesson key “%(key)s” is used twice.", key=lesson.key))
        keys.add(lesson.key)
        course.lessons.append(lesson)

    # Links to other lessons must point at a lesson of this course.
    for lesson, raw in zip(course.lessons, lessons):
        for target in link_targets(lesson.body_md):
            if target.startswith("lesson:") and target[len("lesson:"):] not in keys:
                reader.problem(raw.get("file", path), None,
                               _("Link to unknown lesson “%(target)s”.", target=target))

    course.glossary = _read_glossary(reader, data.get("glossary"), line_of_key(text, "glossary"))

    final = data.get("final_exam")
    if final is not None:
        if not isinstance(final, str):
            reader.problem(path, line_of_key(text, "final_exam"), _("“final_exam” must be a file path."))
        else:
            course.final_exam = _read_quiz(reader, final)

    if reader.problems:
        raise CourseFormatError(reader.problems)
    used = sorted(reader.used_media)
    course.files = files.subset(used) if isinstance(files, FileSet) else FileSet({p: files[p] for p in used})
    return course


def _read_glossary(reader: FieldReader, value: Any, line: int | None) -> list[dict[str, str]]:
    """The optional glossary file named by `glossary = "glossary.toml"`: [[terms]] tables."""
    if value is None:
        return []
    if not isinstance(value, str):
        reader.problem("course.toml", line, _("“glossary” must be a file path."))
        return []
    loaded = reader.toml(value)
    if loaded is None:
        return []
    entries, problems = glossary_terms.read_terms(loaded[0])
    for problem in problems:
        reader.problem(value, line_of_table(loaded[1], "terms", problem.line - 1), problem.message)
    return entries


def _read_order(reader: FieldReader, data: dict, text: str) -> tuple[bool, int]:
    """`sequential = true` (optional, a boolean) and `position = 1` (optional, 0 to 9999)."""
    path = "course.toml"
    sequential = data.get("sequential", False)
    if not isinstance(sequential, bool):
        reader.problem(path, line_of_key(text, "sequential"), _("“sequential” must be true or false."))
        sequential = False
    position = data.get("position", 0)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 9999:
        reader.problem(path, line_of_key(text, "position"),
                       _("“position” must be a whole number from 0 to 9999."))
        position = 0
    return sequential, position


def _read_hours_and_standard(reader: FieldReader, data: dict, text: str
                             ) -> tuple[Decimal | None, dict[str, Any] | None]:
    """`hours = 2.5` (optional) and the optional [standard] table: type, level, units."""
    path = "course.toml"
    hours = None
    if "hours" in data:
        hours = standard.parse_hours(data["hours"])
        if hours is None:
            reader.problem(path, line_of_key(text, "hours"),
                           _("“hours” must be a number above 0 and at most 999, with at most one "
                             "decimal (for example 2.5)."))
    raw = data.get("standard")
    if raw is None:
        return hours, None
    line = next((n for n, l in enumerate(text.splitlines(), 1) if l.strip() == "[standard]"), None)
    if not isinstance(raw, dict):
        reader.problem(path, line_of_key(text, "standard"), _("“standard” must be a table."))
        return hours, None
    unknown = sorted(set(raw) - {"type", "level", "units"})
    if unknown:
        reader.problem(path, line, _("[standard]: unknown field “%(key)s” (use type, level and "
                                     "units).", key=unknown[0]))
    problems = standard.check_mapping(raw.get("type"), raw.get("level"), raw.get("units", []))
    for message in problems:
        reader.problem(path, line, "[standard]: " + message)
    if problems or unknown:
        return hours, None
    return hours, standard.mapping(raw["type"], raw["level"], raw.get("units", []))


def _read_lesson(reader: FieldReader, raw: Any, text: str, line: int, index: int) -> LessonData | None:
    path = "course.toml"
    if not isinstance(raw, dict):
        reader.problem(path, line, _("Lesson %(n)d is not a table.", n=index + 1))
        return None
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        reader.problem(path, line, _("Lesson %(n)d: “key” must use lowercase letters, digits and hyphens.",
                                     n=index + 1))
        return None
    title = reader.string(raw, "title", path, text, max_length=200, start=line) or ""
    minutes = reader.integer(raw, "minutes", path, text, 5, 1, 240, start=line)
    file = raw.get("file")
    if not isinstance(file, str):
        reader.problem(path, line, _("Lesson “%(key)s” needs a “file”.", key=key))
        return None
    body = reader.text(file)
    if body is None:
        return None
    if not body.strip():
        reader.problem(file, None, _("The lesson has no content."))
    for src, alt in image_paths(body):
        if src.startswith("https://"):
            if not alt.strip():
                reader.problem(file, None, _("Image “%(path)s” needs a text alternative.", path=src))
            continue
        line_no = next((n for n, l in enumerate(body.splitlines(), 1) if src in l), None)
        reader.media_path(src, file, line_no, alt)
    video = raw.get("video")
    if video is not None:
        video = _read_video(reader, video, path, line_of_key(text, "video", line))
    lesson = LessonData(key=key, title=title, body_md=body, minutes=minutes, video=video)
    lesson.recordings = recordings.read_recordings(reader, raw, path, line, lesson=True)
    quiz_file = raw.get("quiz")
    if quiz_file is not None:
        if not isinstance(quiz_file, str):
            reader.problem(path, line_of_key(text, "quiz", line), _("“quiz” must be a file path."))
        else:
            lesson.quiz = _read_quiz(reader, quiz_file)
    return lesson


def _read_video(reader: FieldReader, value: Any, path: str, line: int | None) -> str | None:
    """A lesson video: an https:// link, or an MP4/WebM file of the course under videos/."""
    if isinstance(value, str) and value.startswith("https://"):
        return value
    if not isinstance(value, str) or not normalise_path(value).startswith("videos/"):
        reader.problem(path, line, _("“video” must be an https:// link or a file under videos/."))
        return None
    normalised = normalise_path(value)
    if normalised not in reader.files:
        reader.problem(path, line, _("Video “%(path)s” not found in the course.", path=value))
        return None
    try:
        if file_size(reader.files, normalised) > media.MAX_VIDEO_BYTES:
            raise media.MediaError("too-large")
        # The signature is in the first bytes: the video itself is read only when stored.
        files = reader.files
        media.check_video(files.head(normalised, 64) if isinstance(files, FileSet) else files[normalised])
    except media.MediaError:
        reader.problem(path, line, _("“%(name)s” is not an MP4 or WebM video, or is too large.",
                                     name=value))
        return None
    reader.used_media.add(normalised)
    return normalised


def read_folder(folder: Path) -> CourseData:
    return read_course(files_from_directory(folder), origin=str(folder))


def read_all(root: Path) -> list[CourseData]:
    """Read every course under root; raises one CourseFormatError listing every problem of every course."""
    folders = find_course_folders(root)
    if not folders:
        raise CourseFormatError([Problem(str(root), None, _("No course.toml found."))])
    courses, problems = [], []
    for folder in folders:
        try:
            courses.append(read_folder(folder))
        except CourseFormatError as exc:
            problems.extend(exc.problems)
    slugs = [c.slug for c in courses]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        problems.append(Problem(str(root), None, _("Two courses use the slug “%(slug)s”.", slug=slug)))
    if problems:
        raise CourseFormatError(problems)
    return courses
