"""Progress rules: what counts toward a course, percent done, completion and the next step.

A course's required items are its lessons (each must be marked complete) and its quizzes
(each lesson quiz and the final exam must be passed). Percent = items done / items, rounded
down so 100 means complete. The completion time is recorded once, the first time a learner
reaches 100%. Passing a lesson's quiz completes the lesson too (once, like marking it read).

Order: in a sequential course (Course.sequential) each step is locked until every step before
it is done; in every course the final exam is locked until every lesson is done. A locked step
knows the step to do first (Step.locked_by), so pages can say why and link to it.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Boolean, Integer, bindparam, cast, func, literal, null, select, union_all, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ...dbutil import insert_for, insert_ignore
from ...models import Course, Enrollment, Lesson, LessonCompletion, Quiz, QuizResult, utcnow
from . import certificates


def course_percent(done: int, total: int) -> int:
    if total <= 0:
        return 0
    return 100 * done // total


@dataclass
class Step:
    """One required item of a course, in the order a learner meets it."""

    kind: str  # "lesson" or "quiz"
    lesson: Lesson | None
    quiz: Quiz | None
    done: bool
    number: int = 0  # the lesson's number in the course (1, 2, ...); 0 for the final exam
    locked_by: "Step | None" = None  # the unfinished step to do first, when this one waits

    @property
    def is_final(self) -> bool:
        return self.kind == "quiz" and self.lesson is None


@dataclass(frozen=True)
class QuizStanding:
    """A learner's standing in one quiz, as their QuizResult records it."""

    quiz_id: int
    passed: bool
    best_score: int
    attempts: int


@dataclass(frozen=True)
class EnrollmentSummary:
    id: int
    percent: int


@dataclass
class CourseState:
    """A learner's progress through one course."""

    course: Course
    lessons_done: set[int] = field(default_factory=set)
    results: dict[int, QuizStanding] = field(default_factory=dict)
    enrollment: EnrollmentSummary | None = None

    def fingerprint(self) -> tuple:
        """Everything this state holds that a page may show, as a hashable value (for the
        page's ETag)."""
        return (self.enrollment.percent if self.enrollment else None, tuple(sorted(self.lessons_done)),
                tuple(sorted((r.quiz_id, r.passed, r.best_score, r.attempts) for r in self.results.values())))

    def quiz_passed(self, quiz: Quiz) -> bool:
        result = self.results.get(quiz.id)
        return bool(result and result.passed)

    @property
    def steps(self) -> list[Step]:
        """Every required item in course order, each with what it waits for (if anything)."""
        steps = []
        for number, lesson in enumerate(self.course.lessons, start=1):
            steps.append(Step("lesson", lesson, None, lesson.id in self.lessons_done, number))
            if lesson.quiz is not None:
                steps.append(Step("quiz", lesson, lesson.quiz, self.quiz_passed(lesson.quiz), number))
        final = self.course.final_exam
        if final is not None:
            steps.append(Step("quiz", None, final, self.quiz_passed(final)))
        sequential = bool(getattr(self.course, "sequential", False))
        first_open = None  # the first unfinished step so far
        first_lesson = None  # the first unfinished lesson so far
        for step in steps:
            if not step.done:
                if sequential:
                    step.locked_by = first_open
                elif step.is_final:
                    step.locked_by = first_lesson
                first_open = first_open or step
                if step.kind == "lesson":
                    first_lesson = first_lesson or step
        return steps

    def lesson_step(self, lesson_id: int) -> Step | None:
        return next((s for s in self.steps if s.kind == "lesson" and s.lesson.id == lesson_id), None)

    def quiz_step(self, quiz_id: int) -> Step | None:
        return next((s for s in self.steps if s.kind == "quiz" and s.quiz.id == quiz_id), None)

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return course_percent(self.done, self.total)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def next_step(self) -> Step | None:
        """The first unfinished item in course order; None when the course is complete."""
        return next((step for step in self.steps if not step.done), None)

    def step_after_lesson(self, lesson: Lesson) -> Step | None:
        """Where a learner goes after completing a lesson: its own quiz, unless passed
        already; otherwise the next step (as step_after)."""
        if lesson.quiz is not None and not self.quiz_passed(lesson.quiz):
            return self.quiz_step(lesson.quiz.id)
        return self.step_after(self.lesson_step(lesson.id))

    def step_after(self, step: Step | None) -> Step | None:
        """The next right thing after `step`: the first unfinished, open step after it in
        course order, else the first unfinished step (None when the course is complete)."""
        steps = self.steps
        index = next((i for i, s in enumerate(steps) if step is not None and s.kind == step.kind
                      and s.lesson is step.lesson and s.quiz is step.quiz), -1)
        later = (s for s in steps[index + 1:] if not s.done and s.locked_by is None)
        return next(later, None) or next((s for s in steps if not s.done), None)

    def step_if_done(self, lesson: Lesson) -> Step | None:
        """Where completing `lesson` now would lead (for the lesson page's main button)."""
        if lesson.id in self.lessons_done:
            return self.step_after_lesson(lesson)
        self.lessons_done.add(lesson.id)
        try:
            return self.step_after_lesson(lesson)
        finally:
            self.lessons_done.discard(lesson.id)


_enrollment, _completion, _result = Enrollment.__table__, LessonCompletion.__table__, QuizResult.__table__
_course = Course.__table__
_NO_FLAG, _NO_NUMBER = cast(null(), Boolean), cast(null(), Integer)


def _state_selects(course_id):
    """A learner's whole state in a course as rows of (kind, id, passed, number, attempts):
    kind "e" is the enrolment (number = percent), "l" a completed lesson and "q" a quiz
    result (number = best score)."""
    return (
        select(literal("e").label("kind"), _enrollment.c.id.label("id"), _NO_FLAG.label("passed"),
               _enrollment.c.percent.label("number"), _NO_NUMBER.label("attempts"))
        .where(_enrollment.c.user_id == bindparam("user_id"), _enrollment.c.course_id == course_id),
        select(literal("l"), _completion.c.lesson_id, _NO_FLAG, _NO_NUMBER, _NO_NUMBER)
        .where(_completion.c.user_id == bindparam("user_id"), _completion.c.course_id == course_id,
               _completion.c.lesson_id.is_not(None)),
        select(literal("q"), _result.c.quiz_id, _result.c.passed, _result.c.best_score, _result.c.attempts)
        .where(_result.c.user_id == bindparam("user_id"), _result.c.course_id == course_id,
               _result.c.quiz_id.is_not(None)),
    )


def stamp_and_state_selects() -> tuple[Select, ...]:
    """The learner's state in a course known by slug (bound as "slug", the learner as
    "user_id"), with the course's own row (kind "c", number = content version): what the
    course cache checks and the learner's state, for one round trip on the learner's pages."""
    return (
        select(literal("c").label("kind"), _course.c.id.label("id"), _NO_FLAG.label("passed"),
               _course.c.content_version.label("number"), _NO_NUMBER.label("attempts"))
        .where(_course.c.slug == bindparam("slug")),
        *_state_selects(select(_course.c.id).where(_course.c.slug == bindparam("slug")).scalar_subquery()),
    )


# The state in one round trip, for a course known by id.
_STATE = union_all(*_state_selects(bindparam("course_id")))


def load_state(session: Session, user_id: int, course: Course) -> CourseState:
    """A learner's state in a course in one query, whatever the course size."""
    rows = session.connection().execute(_STATE, {"user_id": user_id, "course_id": course.id})
    return state_from_rows(course, rows)


def split_stamp(rows) -> tuple[tuple[int, int] | None, list[tuple]]:
    """The rows of stamp_and_state_selects() as (the course's stamp or None, the state's rows)."""
    stamp = next(((item_id, number) for kind, item_id, _, number, _ in rows if kind == "c"), None)
    return stamp, [row for row in rows if row[0] != "c"]


def state_from_rows(course: Course, rows) -> CourseState:
    state = CourseState(course)
    for kind, item_id, passed, number, attempts in rows:
        if kind == "l":
            state.lessons_done.add(item_id)
        elif kind == "q":
            state.results[item_id] = QuizStanding(item_id, bool(passed), number, attempts)
        else:
            state.enrollment = EnrollmentSummary(item_id, number)
    # A lesson whose quiz is passed counts as read (also for passes recorded before that rule).
    state.lessons_done.update(lesson.id for lesson in course.lessons
                              if lesson.quiz is not None and state.quiz_passed(lesson.quiz))
    return state


def get_enrollment(session: Session, user_id: int, course_id: int) -> Enrollment | None:
    return session.scalar(
        select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
    )


def enrol(session: Session, user_id: int, course: Course) -> Enrollment:
    """Enrol a learner; enrolling twice is harmless."""
    insert_ignore(
        session,
        Enrollment,
        {"user_id": user_id, "course_id": course.id, "enrolled_at": utcnow(),
         "last_active_at": utcnow(), "items_total": course_item_count(session, course.id)},
    )
    enrollment = get_enrollment(session, user_id, course.id)
    assert enrollment is not None
    return enrollment


def course_item_count(session: Session, course_id: int) -> int:
    lessons = session.scalar(select(func.count(Lesson.id)).where(Lesson.course_id == course_id))
    quizzes = session.scalar(select(func.count(Quiz.id)).where(Quiz.course_id == course_id))
    return (lessons or 0) + (quizzes or 0)


def lock_enrollment(session: Session, user_id: int, course_id: int) -> Enrollment | None:
    """Lock the learner's enrolment row so concurrent progress updates for the same learner
    and course run one after another (PostgreSQL); SQLite serialises writers anyway."""
    return session.scalar(
        select(Enrollment)
        .where(Enrollment.user_id == user_id, Enrollment.course_id == course_id)
        .with_for_update()
    )


def complete_lesson_of_passed_quiz(session: Session, user_id: int, lesson_id: int, now: datetime) -> None:
    """A passed lesson quiz records its lesson complete (once: the unique constraint decides),
    in one INSERT ... SELECT that copies the lesson's title. Completions from before this rule
    were recorded by a migration."""
    lesson = Lesson.__table__
    rows = select(literal(user_id), lesson.c.id, lesson.c.course_id, func.substr(lesson.c.title, 1, 200),
                  literal(now)).where(lesson.c.id == lesson_id)
    session.execute(insert_for(session)(LessonCompletion).from_select(
        ["user_id", "lesson_id", "course_id", "lesson_title", "completed_at"], rows,
    ).on_conflict_do_nothing())


def refresh_enrollment(session: Session, enrollment: Enrollment, now: datetime | None = None) -> None:
    """Recount the cached progress of one enrolment and record completion once."""
    now = now or utcnow()
    course_id, user_id = enrollment.course_id, enrollment.user_id
    lesson_ids = select(Lesson.id).where(Lesson.course_id == course_id)
    counts = session.execute(select(
        select(func.count(LessonCompletion.id)).where(
            LessonCompletion.user_id == user_id, LessonCompletion.lesson_id.in_(lesson_ids),
        ).scalar_subquery(),
        select(func.count(QuizResult.id)).where(
            QuizResult.user_id == user_id, QuizResult.course_id == course_id,
            QuizResult.quiz_id.is_not(None), QuizResult.passed.is_(True),
        ).scalar_subquery(),
        select(func.count(Lesson.id)).where(Lesson.course_id == course_id).scalar_subquery(),
        select(func.count(Quiz.id)).where(Quiz.course_id == course_id).scalar_subquery(),
    )).one()
    done_lessons, passed_quizzes, lessons, quizzes = (n or 0 for n in counts)
    total = lessons + quizzes
    done = done_lessons + passed_quizzes
    enrollment.items_done = done
    enrollment.items_total = total
    enrollment.percent = course_percent(done, total)
    enrollment.last_active_at = now
    if total and done >= total and enrollment.completed_at is None:
        enrollment.completed_at = now
        session.flush()
        certificates.issue(session, enrollment)
    session.flush()


def complete_lesson(session: Session, user_id: int, lesson: Lesson) -> bool:
    """Mark a lesson complete for an enrolled learner. Returns False if it already was."""
    enrollment = lock_enrollment(session, user_id, lesson.course_id)
    if enrollment is None:
        raise NotEnrolled()
    created = insert_ignore(
        session,
        LessonCompletion,
        {"user_id": user_id, "lesson_id": lesson.id, "course_id": lesson.course_id,
         "lesson_title": lesson.title[:200], "completed_at": utcnow()},
    )
    refresh_enrollment(session, enrollment)
    return created


def refresh_course(session: Session, course_id: int) -> None:
    """After a course's structure changes, recount every enrolment's cached totals.

    Completion stays recorded: a learner who finished a course keeps their completion date.
    """
    total = course_item_count(session, course_id)
    lesson_ids = select(Lesson.id).where(Lesson.course_id == course_id)
    done_lessons = (
        select(func.count(LessonCompletion.id))
        .where(LessonCompletion.user_id == Enrollment.user_id,
               LessonCompletion.lesson_id.in_(lesson_ids))
        .scalar_subquery()
    )
    passed = (
        select(func.count(QuizResult.id))
        .where(QuizResult.user_id == Enrollment.user_id, QuizResult.course_id == course_id,
               QuizResult.quiz_id.is_not(None), QuizResult.passed.is_(True))
        .scalar_subquery()
    )
    session.execute(
        update(Enrollment)
        .where(Enrollment.course_id == course_id)
        .values(items_done=done_lessons + passed, items_total=total)
        .execution_options(synchronize_session=False)
    )
    percent_expr = (
        (100 * Enrollment.items_done) / Enrollment.items_total if total else 0
    )
    session.execute(
        update(Enrollment)
        .where(Enrollment.course_id == course_id)
        .values(percent=percent_expr)
        .execution_options(synchronize_session=False)
    )
    session.flush()


class NotEnrolled(Exception):
    """The learner must enrol in the course first."""
