"""The authoring studio's rules: creating and editing courses, publish checks, versions,
history-keeping deletes, duplication and .zip exchange.

Functions take the SQLAlchemy session and flush; the view commits. Messages are written
for trainers, in plain words.
"""
import io
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ...models import (
    Attempt,
    AttemptAnswer,
    Choice,
    Course,
    CourseChange,
    CourseMedia,
    CourseStatus,
    Enrollment,
    Lesson,
    LessonCompletion,
    Question,
    QuestionKind,
    Quiz,
    QuizResult,
    User,
    utcnow,
)
from . import content, course_exchange, course_files, media
from ..learning import progress

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.ORDERING)


class VersionConflict(Exception):
    """Someone saved a newer version since the form was opened."""


class NotAllowed(Exception):
    """A change refused for a reason given in plain words (args[0])."""


class BreaksLiveCourse(NotAllowed):
    """A change that would leave a published course unpublishable (args[0]: its problems)."""


class MediaRefused(NotAllowed):
    """An uploaded file refused (args[0]: one message naming the file)."""


@dataclass
class Storage:
    """Where uploads go and how large they may be (the app's configuration, as values)."""

    media_dir: str
    max_image_bytes: int
    max_video_bytes: int


@dataclass
class Upload:
    """A file a trainer uploaded: its name on their device and its content."""

    filename: str
    stream: BinaryIO


# ---------------------------------------------------------------- change log


def log_change(session: Session, course: Course, user_id: int | None, action: str,
               subject: str = "") -> CourseChange:
    """Record who changed what in a course (shown on the course's history page)."""
    change = CourseChange(course_id=course.id, user_id=user_id, action=action,
                          subject=(subject or "")[:300], created_at=utcnow())
    session.add(change)
    return change


def history(session: Session, course: Course, limit: int = 200) -> list[CourseChange]:
    """The course's latest changes, newest first, with who made them (one query)."""
    return list(session.scalars(
        select(CourseChange).where(CourseChange.course_id == course.id)
        .options(joinedload(CourseChange.user))
        .order_by(CourseChange.created_at.desc(), CourseChange.id.desc()).limit(limit)
    ))


# ---------------------------------------------------------------- names


def slugify(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens; empty for text without any (e.g. Chinese)."""
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug[:60].strip("-")


def unique_slug(session: Session, wanted: str) -> str:
    """wanted if free, else wanted-2, wanted-3, ...; a random slug when wanted is empty."""
    base = slugify(wanted) or f"course-{secrets.token_hex(3)}"
    taken = set(session.scalars(select(Course.slug).where(Course.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _unique_key(wanted: str, taken: set[str], fallback: str) -> str:
    base = slugify(wanted) or fallback
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


# ---------------------------------------------------------------- validation


@dataclass
class ChoiceInput:
    text: str = ""
    correct: bool = False
    image: str | None = None
    image_alt: str = ""


@dataclass
class QuestionInput:
    """A question as the trainer wrote it in the form (not yet saved)."""

    kind: str
    prompt: str = ""
    explanation: str = ""
    image: str | None = None
    image_alt: str = ""
    choices: list[ChoiceInput] = field(default_factory=list)
    answer: bool | None = None
    accepted: list[str] = field(default_factory=list)


def question_input(question: Question) -> QuestionInput:
    """A stored question as form input."""
    return QuestionInput(
        kind=question.kind, prompt=question.prompt, explanation=question.explanation,
        image=question.image, image_alt=question.image_alt or "",
        choices=[ChoiceInput(c.text, c.is_correct, c.image, c.image_alt or "") for c in question.choices],
        answer=question.answer.get("answer"), accepted=list(question.answer.get("accepted", [])),
    )


def new_question_input(kind: str) -> QuestionInput:
    """An empty question of a kind, with three empty choices where it has choices."""
    data = QuestionInput(kind=kind)
    if kind in CHOICE_KINDS:
        data.choices = [ChoiceInput() for _n in range(3)]
    return data


def question_problems(data: QuestionInput) -> dict[str, str]:
    """What is missing or wrong in a question, by form field; empty when it can be used."""
    problems: dict[str, str] = {}
    if not data.prompt.strip():
        problems["prompt"] = _("Write the question.")
    if not data.explanation.strip():
        problems["explanation"] = _("Add an explanation: learners read it after answering.")
    if data.image and not data.image_alt.strip():
        problems["image_alt"] = _("Describe the picture in a few words for learners who cannot see it.")
    if data.kind in CHOICE_KINDS:
        for n, choice in enumerate(data.choices, start=1):
            if not choice.text.strip():
                problems[f"choice-{n - 1}"] = _("Choice %(n)d has no text.", n=n)
            elif choice.image and not choice.image_alt.strip():
                problems[f"choice-{n - 1}"] = _("Describe the picture of choice %(n)d in a few words.", n=n)
        if len(data.choices) < 2:
            problems["choices"] = (_("Give at least two steps, in the right order.")
                                   if data.kind == QuestionKind.ORDERING
                                   else _("Give at least two choices."))
        elif data.kind == QuestionKind.SINGLE and sum(c.correct for c in data.choices) != 1:
            problems["choices"] = _("Mark exactly one choice as the correct answer.")
        elif data.kind == QuestionKind.MULTIPLE and not any(c.correct for c in data.choices):
            problems["choices"] = _("Mark at least one choice as a correct answer.")
        elif data.kind == QuestionKind.ORDERING:
            texts = [c.text.strip() for c in data.choices]
            if len(set(texts)) != len(texts):
                problems["choices"] = _("The steps must all be different.")
    elif data.kind == QuestionKind.TRUE_FALSE:
        if data.answer is None:
            problems["answer"] = _("Choose whether the statement is true or false.")
    elif data.kind == QuestionKind.SHORT_TEXT:
        if not [a for a in data.accepted if a.strip()]:
            problems["accepted"] = _("Give at least one accepted answer.")
    return problems


def _lesson_problems(course: Course, lesson: Lesson) -> list[str]:
    problems = []
    title = lesson.title or _("(untitled)")
    if not (lesson.body_md or "").strip():
        problems.append(_("Lesson “%(title)s” has no content.", title=title))
    paths = {m.path for m in course.media}
    for src, alt in content.image_paths(lesson.body_md):
        if not alt.strip():
            problems.append(_("Lesson “%(title)s”: a picture has no text alternative "
                              "(write a few words between the square brackets).", title=title))
        if not src.startswith("https://") and content.normalise_path(src) not in paths:
            problems.append(_("Lesson “%(title)s”: the picture “%(src)s” was not uploaded.",
                              title=title, src=src))
    keys = {l.key for l in course.lessons}
    for target in content.link_targets(lesson.body_md):
        if target.startswith("lesson:") and target[len("lesson:"):] not in keys:
            problems.append(_("Lesson “%(title)s” links to a lesson that does not exist: %(target)s.",
                              title=title, target=target))
    return problems


def _quiz_problems(quiz: Quiz) -> list[str]:
    title = quiz.title or _("(untitled)")
    if not quiz.questions:
        return [_("Quiz “%(title)s” has no questions.", title=title)]
    problems = []
    for n, question in enumerate(quiz.questions, start=1):
        for message in question_problems(question_input(question)).values():
            problems.append(_("Quiz “%(title)s”, question %(n)d: %(problem)s",
                              title=title, n=n, problem=message))
    return problems


def course_problems(course: Course) -> list[str]:
    """Every reason the course cannot be published, in plain words; empty when it can."""
    problems = []
    if not course.title.strip():
        problems.append(_("The course has no title."))
    if course.cover_image and not (course.cover_alt or "").strip():
        problems.append(_("The cover picture needs a text alternative."))
    if not course.lessons:
        problems.append(_("The course has no lessons yet."))
    for lesson in course.lessons:
        problems.extend(_lesson_problems(course, lesson))
        if lesson.quiz is not None:
            problems.extend(_quiz_problems(lesson.quiz))
    if course.final_exam is not None:
        problems.extend(_quiz_problems(course.final_exam))
    return problems


def check_live(session: Session, course: Course) -> None:
    """A published course must stay publishable: refuse a change that would break it."""
    if course.is_published:
        session.flush()
        session.expire(course, ["lessons", "quizzes", "media"])
        problems = course_problems(course)
        if problems:
            raise BreaksLiveCourse(problems)


def _changed(session: Session, course: Course, user_id: int | None, action: str,
             subject: str = "") -> None:
    """The one way out of every content change: check a published course, then log it.

    Raises BreaksLiveCourse (the caller rolls back) instead of leaving learners a broken course.
    """
    session.flush()
    check_live(session, course)
    log_change(session, course, user_id, action, subject)


# ---------------------------------------------------------------- uploads


def pictures(course: Course) -> list[CourseMedia]:
    """The pictures uploaded to a course (not its videos)."""
    return [m for m in course.media if m.content_type.startswith("image/")]


def picture_problem(error: media.MediaError, name: str, max_bytes: int) -> str:
    """Why an uploaded picture was refused, naming the file."""
    code = str(error)
    if code == "too-large":
        return _("“%(name)s” is too large: pictures may be at most %(mb)d MB.",
                 name=name, mb=max_bytes // (1024 * 1024))
    if code == "too-many-pixels":
        return _("“%(name)s” has too many pixels; please use a smaller photo.", name=name)
    if code == "svg-refused":
        return _("“%(name)s” is an SVG drawing; please upload a JPEG, PNG or WebP picture.", name=name)
    return _("“%(name)s” is not a picture this site can show (JPEG, PNG, WebP or GIF).", name=name)


def store_picture(session: Session, course: Course, upload: Upload, stem: str,
                  storage: Storage) -> str:
    """Store an uploaded picture for a course; returns its path in the course (images/...).

    Pictures are checked by content; SVG uploads are refused (drawings can carry scripts).
    Raises MediaRefused.
    """
    data = upload.stream.read(storage.max_image_bytes + 1)
    try:
        checked = media.check_image(data, allow_svg=False, max_bytes=storage.max_image_bytes)
    except media.MediaError as exc:
        raise MediaRefused([picture_problem(exc, upload.filename, storage.max_image_bytes)]) from exc
    path = f"images/{stem}-{secrets.token_hex(4)}{checked.extension}"
    media.store_media(session, course, path, data, storage.media_dir, random_name=True)
    return path


def store_video(session: Session, course: Course, upload: Upload, storage: Storage) -> str:
    """Store an uploaded MP4 or WebM video for a course; returns its address. Raises MediaRefused."""
    limit = storage.max_video_bytes
    data = upload.stream.read(limit + 1)
    try:
        _type, extension = media.check_video(data, limit)
    except media.MediaError as exc:
        raise MediaRefused([_("The video is too large: at most %(mb)d MB.", mb=limit // (1024 * 1024))
                            if str(exc) == "too-large" else _("This file is not an MP4 or WebM video.")]) from exc
    # Stored under a random name, the file is deleted if the commit does not happen.
    item = media.store_media(session, course, f"videos/{secrets.token_hex(6)}{extension}", data,
                                 storage.media_dir, random_name=True, max_video_bytes=limit)
    return item.url_path


def insert_picture(body: str, path: str, alt: str, cursor: int | None) -> tuple[str, bool]:
    """The lesson text with a picture line put at the cursor, or at the end without one.

    Returns (text, placed at the cursor).
    """
    picture = f"![{alt.strip().replace('[', '(').replace(']', ')')}]({path})"
    if cursor is not None and 0 <= cursor <= len(body):
        before, after = body[:cursor].rstrip("\n"), body[cursor:].lstrip("\n")
        return "\n\n".join(part for part in (before, picture, after) if part), True
    return body.rstrip() + f"\n\n{picture}\n", False


def store_question_pictures(session: Session, course: Course, data: "QuestionInput",
                            uploads: dict[str, Upload], storage: Storage) -> dict[str, str]:
    """Store a question's uploaded pictures into data ("image", "choice-N"); problems by key."""
    problems: dict[str, str] = {}
    for key, upload in uploads.items():
        try:
            path = store_picture(session, course, upload, "question", storage)
        except MediaRefused as exc:
            problems[key] = exc.args[0][0]
            continue
        if key == "image":
            data.image = path
        else:
            data.choices[int(key.rsplit("-", 1)[1])].image = path
    return problems


# ---------------------------------------------------------------- courses


def create_course(session: Session, user: User, title: str, language: str, level: str,
                  summary: str = "", slug: str = "", *, cover: Upload | None = None,
                  cover_alt: str = "", storage: Storage | None = None) -> Course:
    """A new draft course of the trainer's centre. Raises MediaRefused for a bad cover."""
    course = Course(
        slug=unique_slug(session, slug or title), title=title.strip(), language=language,
        level=level, summary=summary.strip(), status=CourseStatus.DRAFT, author_id=user.id,
        centre_id=user.centre_id, translation_group=None,
    )
    session.add(course)
    session.flush()
    _set_cover(session, course, cover, cover_alt, storage)
    log_change(session, course, user.id, "course.create", course.title)
    return course


@dataclass
class CourseDetails:
    title: str
    summary: str
    language: str
    level: str
    cover_alt: str = ""


def save_course_details(session: Session, course: Course, user_id: int, details: CourseDetails,
                        cover: Upload | None = None, storage: Storage | None = None) -> None:
    """Change a course's title, summary, language, level and cover.

    Raises MediaRefused for a bad cover, BreaksLiveCourse when a published course would break.
    """
    course.title = details.title.strip()
    course.summary = details.summary.strip()
    course.language = details.language
    course.level = details.level
    _set_cover(session, course, cover, details.cover_alt, storage)
    _changed(session, course, user_id, "course.edit", course.title)


def _set_cover(session: Session, course: Course, cover: Upload | None, alt: str,
               storage: Storage | None) -> None:
    if cover is not None:
        course.cover_image = store_picture(session, course, cover, "cover", storage)
    course.cover_alt = (alt or "").strip() or None


def publish(session: Session, course: Course, user_id: int) -> list[str]:
    """Publish a course unless it has problems; returns the problems (nothing changes then)."""
    problems = course_problems(course)
    if problems:
        return problems
    course.status = CourseStatus.PUBLISHED
    course.published_at = course.published_at or utcnow()
    log_change(session, course, user_id, "course.publish", course.title)
    session.flush()
    return []


def unpublish(session: Session, course: Course, user_id: int) -> None:
    course.status = CourseStatus.DRAFT
    log_change(session, course, user_id, "course.unpublish", course.title)
    session.flush()


def claim_version(session: Session, model: type, obj: Any, expected: int) -> None:
    """Move obj from version `expected` to the next one, or raise VersionConflict.

    A conditional UPDATE, so of two trainers saving the same version only one wins,
    on PostgreSQL as on SQLite.
    """
    result = session.execute(
        update(model).where(model.id == obj.id, model.version == expected)
        .values(version=expected + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(obj)
        raise VersionConflict()
    set_committed_value(obj, "version", expected + 1)


# ---------------------------------------------------------------- lessons


@dataclass
class LessonInput:
    title: str
    body_md: str
    minutes: int
    video_url: str | None = None


def add_lesson(session: Session, course: Course, user_id: int, data: LessonInput) -> Lesson:
    lesson = Lesson(key=_unique_key(data.title, {l.key for l in course.lessons},
                                    f"lesson-{len(course.lessons) + 1}"),
                    position=len(course.lessons))
    course.lessons.append(lesson)
    _apply_lesson(course, lesson, data)
    _changed(session, course, user_id, "lesson.add", lesson.title)
    progress.refresh_course(session, course.id)
    return lesson


def _apply_lesson(course: Course, lesson: Lesson, data: LessonInput) -> None:
    lesson.title = data.title.strip()
    lesson.body_md = data.body_md
    lesson.minutes = data.minutes
    lesson.video_url = data.video_url or None
    content.render_lesson(course, lesson)


def save_lesson(session: Session, lesson: Lesson, user_id: int, data: LessonInput,
                expected_version: int) -> None:
    """Save a lesson over the version the trainer opened, or raise VersionConflict."""
    claim_version(session, Lesson, lesson, expected_version)
    _apply_lesson(lesson.course, lesson, data)
    _changed(session, lesson.course, user_id, "lesson.edit", lesson.title)


def preview_lesson(course: Course, data: LessonInput) -> SimpleNamespace:
    """An unsaved lesson rendered exactly as learners will see it."""
    return SimpleNamespace(title=data.title, minutes=data.minutes, video_url=data.video_url,
                           body_html=content.render_body(course, data.body_md))


def move(items: list, item: Any, direction: str) -> bool:
    """Swap an item with its neighbour (direction "up" or "down") and renumber positions."""
    # Work on a copy: swapping inside an ORM collection would orphan (delete) an item.
    ordered = list(items)
    index = ordered.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, entry in enumerate(ordered):
        entry.position = position
    return True


def move_lesson(session: Session, lesson: Lesson, user_id: int, direction: str) -> bool:
    """Move a lesson up or down in its course; False when it cannot go that way."""
    course = lesson.course
    if not move(course.lessons, lesson, direction):
        return False
    _changed(session, course, user_id, "lesson.move", lesson.title)
    return True


@dataclass
class History:
    """Learner history that a deletion keeps (as records without the deleted item)."""

    completions: int = 0
    attempts: int = 0

    @property
    def any(self) -> bool:
        return bool(self.completions or self.attempts)


def lesson_history(session: Session, lesson: Lesson) -> History:
    completions = session.scalar(
        select(func.count(LessonCompletion.id)).where(LessonCompletion.lesson_id == lesson.id)) or 0
    attempts = quiz_history(session, lesson.quiz).attempts if lesson.quiz else 0
    return History(completions, attempts)


def quiz_history(session: Session, quiz: Quiz) -> History:
    return History(0, session.scalar(select(func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id)) or 0)


def delete_lesson(session: Session, lesson: Lesson, user_id: int) -> None:
    """Delete a lesson and its quiz. Completions and attempts stay as history (their link is
    set to NULL by the database; attempts keep their snapshot)."""
    course = lesson.course
    title = lesson.title
    if lesson.quiz is not None:
        course.quizzes.remove(lesson.quiz)
    course.lessons.remove(lesson)
    for position, entry in enumerate(course.lessons):
        entry.position = position
    _changed(session, course, user_id, "lesson.delete", title)
    progress.refresh_course(session, course.id)


# ---------------------------------------------------------------- quizzes


@dataclass
class QuizSettings:
    title: str
    pass_mark: int = 60
    max_attempts: int = 0
    shuffle: bool = False


def add_quiz(session: Session, course: Course, user_id: int, title: str,
             lesson: Lesson | None = None) -> Quiz:
    """A lesson's quiz, or the course's final exam when lesson is None."""
    if lesson is not None and lesson.quiz is not None:
        raise NotAllowed([_("This lesson already has a quiz.")])
    if lesson is None and course.final_exam is not None:
        raise NotAllowed([_("This course already has a final exam.")])
    quiz = Quiz(title=title.strip(), is_final=lesson is None, lesson=lesson)
    course.quizzes.append(quiz)
    _changed(session, course, user_id, "quiz.add", quiz.title)
    progress.refresh_course(session, course.id)
    return quiz


def save_quiz_settings(session: Session, quiz: Quiz, user_id: int, data: QuizSettings,
                       expected_version: int) -> None:
    claim_version(session, Quiz, quiz, expected_version)
    quiz.title = data.title.strip()
    quiz.pass_mark = data.pass_mark
    quiz.max_attempts = data.max_attempts
    quiz.shuffle = data.shuffle
    _changed(session, quiz.course, user_id, "quiz.edit", quiz.title)


def delete_quiz(session: Session, quiz: Quiz, user_id: int) -> None:
    """Delete a quiz; its attempts and results stay as history (quiz link set to NULL)."""
    course = quiz.course
    title = quiz.title
    if quiz.lesson is not None:
        quiz.lesson.quiz = None
    course.quizzes.remove(quiz)
    _changed(session, course, user_id, "quiz.delete", title)
    progress.refresh_course(session, course.id)


def save_question(session: Session, quiz: Quiz, question: Question | None, user_id: int,
                  data: QuestionInput, expected_version: int) -> Question:
    """Create or update a question over the quiz version the trainer opened.

    Choices are replaced: past attempts keep their own snapshot of the question as asked.
    """
    claim_version(session, Quiz, quiz, expected_version)
    if question is None:
        question = Question(kind=data.kind, key=_unique_key(
            "", {q.key for q in quiz.questions}, f"q{len(quiz.questions) + 1}"),
            position=len(quiz.questions))
        quiz.questions.append(question)
        action = "question.add"
    else:
        action = "question.edit"
    question.kind = data.kind
    question.prompt = data.prompt.strip()
    question.explanation = data.explanation.strip()
    question.image = data.image or None
    question.image_alt = data.image_alt.strip() if data.image else None
    if data.kind == QuestionKind.TRUE_FALSE:
        question.answer = {"answer": data.answer}
        wanted: list[ChoiceInput] = []
    elif data.kind == QuestionKind.SHORT_TEXT:
        question.answer = {"accepted": [a.strip() for a in data.accepted if a.strip()]}
        wanted = []
    else:
        question.answer = {}
        wanted = data.choices
    question.choices = [
        Choice(position=i, text=c.text.strip(),
               is_correct=c.correct and data.kind != QuestionKind.ORDERING,
               image=c.image or None, image_alt=c.image_alt.strip() if c.image else None)
        for i, c in enumerate(wanted)
    ]
    _changed(session, quiz.course, user_id, action, _question_subject(quiz, question))
    return question


def move_question(session: Session, question: Question, user_id: int, direction: str) -> bool:
    """Move a question up or down in its quiz; False when it cannot go that way.

    The quiz version moves on, so an editor opened before the move sees a conflict.
    """
    quiz = question.quiz
    if not move(quiz.questions, question, direction):
        return False
    quiz.version += 1
    _changed(session, quiz.course, user_id, "question.move", question.prompt[:120])
    return True


def _question_subject(quiz: Quiz, question: Question) -> str:
    return f"{quiz.title}: {question.prompt[:120]}"


def question_history(session: Session, question: Question) -> History:
    return History(0, session.scalar(
        select(func.count(AttemptAnswer.id)).where(AttemptAnswer.question_id == question.id)) or 0)


def delete_question(session: Session, question: Question, user_id: int, expected_version: int) -> None:
    """Delete a question; answers given to it keep their snapshot (question link set to NULL)."""
    quiz = question.quiz
    claim_version(session, Quiz, quiz, expected_version)
    subject = _question_subject(quiz, question)
    quiz.questions.remove(question)
    for position, entry in enumerate(quiz.questions):
        entry.position = position
    _changed(session, quiz.course, user_id, "question.delete", subject)


# ---------------------------------------------------------------- exchange


@dataclass
class ZipLimits:
    max_entries: int = 500
    max_total_bytes: int = 200 * 1024 * 1024


def read_zip(blob: bytes, limits: ZipLimits) -> dict[str, bytes]:
    """The files of a course .zip by path, refusing anything that could escape or explode.

    Refused: not a zip, path traversal (../), absolute paths, backslashes, too many entries,
    and more than limits.max_total_bytes uncompressed (counted while reading, so a zip that
    lies about its sizes is caught too). A single top folder (slug/course.toml) is removed.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise NotAllowed([_("This file is not a .zip archive.")]) from exc
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) > limits.max_entries:
            raise NotAllowed([_("The archive holds %(n)d files; at most %(max)d are accepted.",
                                n=len(entries), max=limits.max_entries)])
        for info in archive.infolist():
            name = info.filename
            parts = name.split("/")
            if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name) \
                    or ".." in parts or "\x00" in name:
                raise NotAllowed([_("The archive contains an unsafe file name: “%(name)s”. "
                                    "Nothing was imported.", name=name[:200])])
        if sum(i.file_size for i in entries) > limits.max_total_bytes:
            raise NotAllowed([_too_big(limits)])
        files: dict[str, bytes] = {}
        total = 0
        for info in entries:
            if any(p.startswith(".") or p == "__MACOSX" for p in info.filename.split("/")):
                continue
            chunks = []
            with archive.open(info) as stream:
                while chunk := stream.read(64 * 1024):
                    total += len(chunk)
                    if total > limits.max_total_bytes:
                        raise NotAllowed([_too_big(limits)])
                    chunks.append(chunk)
            files[info.filename] = b"".join(chunks)
    if "course.toml" not in files:
        tops = {name.split("/", 1)[0] for name in files}
        if len(tops) == 1 and all("/" in name for name in files):
            prefix = tops.pop() + "/"
            files = {name[len(prefix):]: blob for name, blob in files.items()}
    if "course.toml" not in files:
        raise NotAllowed([_("The archive has no course.toml: export a course from the studio "
                            "or zip a course folder.")])
    return files


def _too_big(limits: ZipLimits) -> str:
    return _("The archive unpacks to more than %(mb)d MB; nothing was imported.",
             mb=limits.max_total_bytes // (1024 * 1024))


def export_zip(course: Course, media_dir: str) -> bytes:
    """The course as a .zip in the course file format, media included, under a slug/ folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, blob in sorted(course_exchange.export_files(course, media_dir).items()):
            archive.writestr(f"{course.slug}/{path}", blob)
    return buffer.getvalue()


def import_zip(session: Session, blob: bytes, user: User, media_dir: str, limits: ZipLimits,
               replace: bool, can_replace) -> tuple[Course, bool]:
    """Import a course .zip with the CLI importer's validation, all or nothing.

    A new course is created as a draft of the trainer's centre. A course with the same slug
    is updated only when replace is true and can_replace(existing) allows it.
    Returns (course, created). Raises NotAllowed with every problem found.
    """
    files = read_zip(blob, limits)
    try:
        data = course_files.read_course(files)
    except course_files.CourseFormatError as exc:
        raise NotAllowed([str(p) for p in exc.problems]) from exc
    existing = session.scalar(select(Course).where(Course.slug == data.slug))
    if existing is not None:
        if not can_replace(existing):
            raise NotAllowed([_("A course with the short name “%(slug)s” already exists and belongs to "
                                "someone else. Change “slug” in course.toml and import again.",
                                slug=data.slug)])
        if not replace:
            raise NotAllowed([_("A course with the short name “%(slug)s” already exists. Tick "
                                "“Replace the existing course” to update it.", slug=data.slug)])
        data.status = existing.status
    else:
        data.status = CourseStatus.DRAFT
    course = course_exchange.import_course(session, data, media_dir, author_id=user.id,
                                     centre_id=user.centre_id)
    _changed(session, course, user.id, "course.import", data.slug)
    return course, existing is None


def duplicate(session: Session, course: Course, user: User, media_dir: str, title: str,
              language: str, slug: str = "") -> Course:
    """Copy a course as a new draft (for a translation or a new edition), media included.

    The copy and the original share a translation group.
    """
    files = course_exchange.export_files(course, media_dir)
    try:
        data = course_files.read_course(files)
    except course_files.CourseFormatError as exc:
        raise NotAllowed([str(p) for p in exc.problems]) from exc
    if not course.translation_group:
        course.translation_group = course.slug
    data.slug = unique_slug(session, slug or f"{course.slug}-copy")
    data.title = title.strip()
    data.language = language
    data.status = CourseStatus.DRAFT
    data.translation_group = course.translation_group
    copy = course_exchange.import_course(session, data, media_dir, author_id=user.id,
                                   centre_id=course.centre_id if user.centre_id is None else user.centre_id)
    log_change(session, copy, user.id, "course.duplicate", course.slug)
    return copy


def result_counts(session: Session, course: Course) -> dict[str, int]:
    """Learners enrolled and quiz results, shown on the course page before risky edits."""
    enrolled = session.scalar(select(func.count(Enrollment.id)).where(Enrollment.course_id == course.id)) or 0
    results = session.scalar(select(func.count(QuizResult.id)).where(QuizResult.course_id == course.id)) or 0
    return {"enrolled": enrolled, "results": results}
