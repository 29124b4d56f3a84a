"""Progress reports for trainers and admins, as SQL aggregates: the class report here, the
course report in course_report.py, the admin overview in admin_overview.py.

Every report runs a fixed number of grouped queries, whatever the number of learners, and
returns plain dataclasses (no ORM objects with lazy relations, so templates cannot trigger
queries). Who may see what is decided by the caller through training.policy: these functions
take the centre to limit learners to (None = every centre).

"Learners of a centre" are users whose centre_id is that centre; a class's learners are its
members.

Activity, in the class report, is learning: a lesson completed or a quiz submitted (their
LessonCompletion and Attempt rows). Opening a lesson is not recorded anywhere, and
Enrollment.last_active_at is not used because enrolling (a roster import, joining, a course
added to the class) sets it too; a login or a check-in is not learning either.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, case, cast, func, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ...models import (
    Attempt, AttemptAnswer, Centre, ClassMember, Course, CourseStatus, Enrollment, Lesson, LessonCompletion,
    Question, Quiz, QuizResult, TrainingClass, User, class_course, utcnow,
)
from ..accounts.accounts import mask_mobile
from ..learning import catalogue  # courses in catalogue order: level, position, title
from ..learning.scoring import percent


# ---------------------------------------------------------------- SQL that differs by database

def dialect_name(session: Session) -> str:
    return session.get_bind().dialect.name


def month_of(session: Session, column) -> ColumnElement:
    """'YYYY-MM' of a date or datetime column."""
    if dialect_name(session) == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.substr(column, 1, 7)  # SQLite keeps dates as 'YYYY-MM-DD...' text


def days_between(session: Session, start, end) -> ColumnElement:
    """Whole days from start to end (datetimes)."""
    if dialect_name(session) == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 86400), Integer)
    return cast(func.julianday(end) - func.julianday(start), Integer)


# ---------------------------------------------------------------- class report

@dataclass
class CourseColumn:
    id: int
    title: str


@dataclass
class Cell:
    """One learner in one course."""

    enrolled: bool = False
    percent: int = 0
    completed: bool = False
    final_best: int | None = None  # best score on the final exam
    quiz_average: int | None = None  # average of best scores over quizzes attempted
    last_active: datetime | None = None  # last lesson completed or quiz submitted


@dataclass
class LearnerRow:
    user_id: int
    name: str
    mobile: str  # masked
    village: str
    cells: list[Cell]
    last_active: datetime | None  # last lesson completed or quiz submitted, in any course of the class
    finished: bool = False  # completed every course of the class

    def inactive_since(self, cutoff: datetime) -> bool:
        """No learning since cutoff (or ever), and courses of the class left to finish."""
        return not self.finished and (self.last_active is None or self.last_active < cutoff)


@dataclass
class ItemRow:
    """One question of a quiz: how often it was answered right, and the top wrong answer."""

    question_id: int
    position: int
    prompt: str
    answers: int
    correct: int
    top_wrong: str
    top_wrong_count: int

    @property
    def percent_correct(self) -> int:
        return percent(self.correct, self.answers)

    @property
    def confusing(self) -> bool:
        """Fewer than six in ten answers right, on enough answers to tell."""
        return self.answers >= 5 and self.percent_correct < 60


@dataclass
class QuizItems:
    quiz_id: int
    title: str
    course_title: str
    items: list[ItemRow]


@dataclass
class ClassReport:
    class_id: int
    courses: list[CourseColumn]
    learners: list[LearnerRow]
    quizzes: list[QuizItems]
    inactive_days: int
    cutoff: datetime

    @property
    def inactive(self) -> list[LearnerRow]:
        return [row for row in self.learners if row.inactive_since(self.cutoff)]


def class_report(session: Session, class_id: int, inactive_days: int = 14,
                 now: datetime | None = None) -> ClassReport:
    """Members × courses, inactive members and item analysis of one class: eight queries.

    A member is inactive when they completed no lesson and submitted no quiz of the class's
    courses since `inactive_days` ago and have not finished all of them."""
    now = now or utcnow()
    members = select(ClassMember.user_id).where(ClassMember.class_id == class_id)
    course_ids = select(class_course.c.course_id).where(class_course.c.class_id == class_id)

    courses = [CourseColumn(*row) for row in session.execute(
        select(Course.id, Course.title).where(Course.id.in_(course_ids)).order_by(*catalogue.ORDER))]
    people = session.execute(
        select(User.id, User.display_name, User.mobile, User.village)
        .join(ClassMember, ClassMember.user_id == User.id)
        .where(ClassMember.class_id == class_id)
        .order_by(User.display_name, User.id)
    ).all()

    cells: dict[tuple[int, int], Cell] = {}
    for user_id, course_id, pct, completed_at in session.execute(
        select(Enrollment.user_id, Enrollment.course_id, Enrollment.percent, Enrollment.completed_at)
        .where(Enrollment.user_id.in_(members), Enrollment.course_id.in_(course_ids))
    ):
        cells[(user_id, course_id)] = Cell(True, pct, completed_at is not None)
    for user_id, course_id, last_active in session.execute(_last_learning(members, course_ids)):
        cells.setdefault((user_id, course_id), Cell()).last_active = last_active
    for user_id, course_id, final_best, average in session.execute(
        select(QuizResult.user_id, QuizResult.course_id,
               func.max(case((Quiz.is_final, QuizResult.best_score))),
               func.avg(QuizResult.best_score))
        .join(Quiz, Quiz.id == QuizResult.quiz_id)
        .where(QuizResult.user_id.in_(members), QuizResult.course_id.in_(course_ids),
               QuizResult.attempts > 0)
        .group_by(QuizResult.user_id, QuizResult.course_id)
    ):
        cell = cells.setdefault((user_id, course_id), Cell())
        cell.final_best = final_best
        cell.quiz_average = round(float(average)) if average is not None else None

    learners = []
    for user_id, name, mobile, village in people:
        row_cells = [cells.get((user_id, c.id), Cell()) for c in courses]
        seen = [c.last_active for c in row_cells if c.last_active is not None]
        finished = bool(row_cells) and all(c.completed for c in row_cells)
        learners.append(LearnerRow(user_id, name, mask_mobile(mobile), village or "", row_cells,
                                   max(seen) if seen else None, finished))

    return ClassReport(class_id, courses, learners,
                       _item_analysis(session, members, course_ids),
                       inactive_days, now - timedelta(days=inactive_days))


def _last_learning(members, course_ids):
    """(user, course, time of the last lesson completed or quiz submitted) of the members in
    the courses: one grouped query over both records."""
    learning = union_all(
        select(LessonCompletion.user_id, LessonCompletion.course_id, LessonCompletion.completed_at.label("at"))
        .where(LessonCompletion.user_id.in_(members), LessonCompletion.course_id.in_(course_ids)),
        select(Attempt.user_id, Attempt.course_id, Attempt.submitted_at.label("at"))
        .where(Attempt.user_id.in_(members), Attempt.course_id.in_(course_ids)),
    ).subquery()
    return (select(learning.c.user_id, learning.c.course_id, func.max(learning.c.at))
            .group_by(learning.c.user_id, learning.c.course_id))


def _item_analysis(session: Session, members, course_ids) -> list[QuizItems]:
    """Percent correct per question and its most chosen wrong answer, over the members'
    attempts: three queries."""
    answered = (
        select(AttemptAnswer.question_id, func.count().label("answers"),
               func.sum(case((AttemptAnswer.is_correct, 1), else_=0)).label("correct"))
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.user_id.in_(members), Attempt.course_id.in_(course_ids),
               AttemptAnswer.question_id.is_not(None))
        .group_by(AttemptAnswer.question_id)
    )
    totals = {qid: (n, int(right or 0)) for qid, n, right in session.execute(answered)}
    if not totals:
        return []
    wrong: dict[int, tuple[str, int]] = {}
    for qid, text, n in session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.response_text, func.count())
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(Attempt.user_id.in_(members), Attempt.course_id.in_(course_ids),
               AttemptAnswer.question_id.is_not(None), AttemptAnswer.is_correct.is_(False),
               # A question left unanswered (in a classroom quiz) is wrong but no answer.
               AttemptAnswer.response_text != "")
        .group_by(AttemptAnswer.question_id, AttemptAnswer.response_text)
    ):
        best = wrong.get(qid)
        # Ties go to the alphabetically first answer, so the report is stable.
        if best is None or n > best[1] or (n == best[1] and text < best[0]):
            wrong[qid] = (text, n)

    quizzes: dict[int, QuizItems] = {}
    for qid, position, prompt, quiz_id, quiz_title, course_title in session.execute(
        select(Question.id, Question.position, Question.prompt, Quiz.id, Quiz.title,
               Course.title)
        .join(Quiz, Quiz.id == Question.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .outerjoin(Lesson, Lesson.id == Quiz.lesson_id)
        .where(Question.id.in_(list(totals)))
        .order_by(*catalogue.ORDER, Quiz.is_final, Lesson.position, Quiz.id, Question.position)
    ):
        group = quizzes.setdefault(quiz_id, QuizItems(quiz_id, quiz_title, course_title, []))
        n, right = totals[qid]
        text, count = wrong.get(qid, ("", 0))
        group.items.append(ItemRow(qid, position + 1, prompt, n, right, text, count))
    return list(quizzes.values())


# ---------------------------------------------------------------- choosing what to report on

@dataclass
class ClassSummary:
    id: int
    name: str
    centre: str
    starts_on: date | None
    members: int


def class_list(session: Session, centre_id: int, limit: int = 200) -> list[ClassSummary]:
    """A centre's classes, newest first, with their member counts: one query."""
    rows = session.execute(
        select(TrainingClass.id, TrainingClass.name, Centre.name, TrainingClass.starts_on,
               func.count(ClassMember.id))
        .join(Centre, Centre.id == TrainingClass.centre_id)
        .outerjoin(ClassMember, ClassMember.class_id == TrainingClass.id)
        .where(TrainingClass.centre_id == centre_id, TrainingClass.archived.is_(False))
        .group_by(TrainingClass.id, TrainingClass.name, Centre.name, TrainingClass.starts_on)
        .order_by(TrainingClass.starts_on.is_(None), TrainingClass.starts_on.desc(),
                  TrainingClass.id.desc())
        .limit(limit)
    )
    return [ClassSummary(*row) for row in rows]


def centre_choices(session: Session) -> list[tuple[int, str]]:
    return [(cid, name) for cid, name in session.execute(
        select(Centre.id, Centre.name).order_by(Centre.name))]


def course_choices(session: Session, drafts_of_centre: int | None,
                   all_drafts: bool = False) -> list[tuple[int, str]]:
    """Courses to report on: published ones, plus drafts of one centre (or every draft)."""
    visible = Course.status == CourseStatus.PUBLISHED
    if all_drafts:
        visible = True  # type: ignore[assignment]
    elif drafts_of_centre is not None:
        visible = visible | (Course.centre_id == drafts_of_centre)
    return [(cid, title) for cid, title in session.execute(
        select(Course.id, Course.title).where(visible).order_by(*catalogue.ORDER))]
