"""The course report: how far learners of one course got (the funnel), their quiz scores and
how long they took to complete it; for every centre or one (centre_id, decided by the caller
through training.policy). Four grouped queries whatever the number of learners; plain
dataclasses out (see progress_reports.py for the rules all reports share)."""
from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...models import Enrollment, Lesson, Quiz, QuizResult, User
from ..learning.scoring import percent
from .progress_reports import days_between

SCORE_BANDS = [f"{10 * i}–{10 * i + 9}" for i in range(9)] + ["90–100"]
DAY_BANDS = [(0, 0, "same day"), (1, 7, "1–7"), (8, 14, "8–14"), (15, 30, "15–30"),
             (31, 60, "31–60"), (61, None, "61+")]


@dataclass
class Funnel:
    enrolled: int = 0
    started: int = 0
    half_done: int = 0
    completed: int = 0

    def steps(self) -> list[tuple[str, int, int]]:
        """(key, count, percent of enrolled) for each funnel step."""
        return [(key, n, percent(n, self.enrolled)) for key, n in (
            ("enrolled", self.enrolled), ("started", self.started),
            ("half_done", self.half_done), ("completed", self.completed))]


@dataclass
class QuizScoreRow:
    quiz_id: int
    title: str
    is_final: bool
    learners: int
    average: int | None
    passed: int
    attempts: int

    @property
    def pass_rate(self) -> int:
        return percent(self.passed, self.learners)


@dataclass
class CourseReport:
    course_id: int
    centre_id: int | None
    funnel: Funnel
    quizzes: list[QuizScoreRow]
    score_bands: list[int]  # learners' best scores on every quiz, in SCORE_BANDS
    score_average: int | None
    completion_days: list[int]  # counts in DAY_BANDS
    completion_average: float | None
    completion_median: float | None


def _scoped(query, user_column, centre_id: int | None):
    """Limit a query to learners of one centre (None: every centre)."""
    if centre_id is None:
        return query
    return query.join(User, User.id == user_column).where(User.centre_id == centre_id)


def course_report(session: Session, course_id: int, centre_id: int | None = None) -> CourseReport:
    """Funnel, quiz scores and time to completion of one course: four queries."""
    funnel_row = session.execute(_scoped(
        select(func.count(),
               func.sum(case((Enrollment.items_done > 0, 1), else_=0)),
               func.sum(case((Enrollment.percent >= 50, 1), else_=0)),
               func.count(Enrollment.completed_at))
        .where(Enrollment.course_id == course_id),
        Enrollment.user_id, centre_id)).one()
    funnel = Funnel(*(int(v or 0) for v in funnel_row))

    quizzes = {qid: QuizScoreRow(qid, title, is_final, 0, None, 0, 0)
               for qid, title, is_final in session.execute(
                   select(Quiz.id, Quiz.title, Quiz.is_final)
                   .outerjoin(Lesson, Lesson.id == Quiz.lesson_id)
                   .where(Quiz.course_id == course_id)
                   .order_by(Quiz.is_final, Lesson.position, Quiz.id))}
    band = case((QuizResult.best_score >= 90, 9), else_=QuizResult.best_score // 10)
    bands = [0] * 10
    sums: dict[int, int] = defaultdict(int)
    for qid, b, n, total, passed, attempts in session.execute(_scoped(
        select(QuizResult.quiz_id, band, func.count(), func.sum(QuizResult.best_score),
               func.sum(case((QuizResult.passed, 1), else_=0)), func.sum(QuizResult.attempts))
        .where(QuizResult.course_id == course_id, QuizResult.attempts > 0)
        .group_by(QuizResult.quiz_id, band),
        QuizResult.user_id, centre_id)):
        bands[int(b)] += n
        row = quizzes.get(qid)
        if row is None:
            continue
        row.learners += n
        row.passed += int(passed or 0)
        row.attempts += int(attempts or 0)
        sums[qid] += int(total or 0)
    for qid, row in quizzes.items():
        row.average = round(sums[qid] / row.learners) if row.learners else None
    scored = sum(r.learners for r in quizzes.values())
    score_average = round(sum(sums.values()) / scored) if scored else None

    days = days_between(session, Enrollment.enrolled_at, Enrollment.completed_at)
    # (days to complete, learners), never below zero days.
    by_day = [(max(int(d or 0), 0), n) for d, n in session.execute(_scoped(
        select(days, func.count())
        .where(Enrollment.course_id == course_id, Enrollment.completed_at.is_not(None))
        .group_by(days), Enrollment.user_id, centre_id))]
    day_counts = [0] * len(DAY_BANDS)
    for d, n in by_day:
        # Bands are in order and without gaps: the last one starting at or before d.
        day_counts[max(i for i, (low, _high, _label) in enumerate(DAY_BANDS) if d >= low)] += n
    total = sum(n for _, n in by_day)
    average = round(sum(d * n for d, n in by_day) / total, 1) if total else None
    return CourseReport(course_id, centre_id, funnel, list(quizzes.values()), bands, score_average,
                        day_counts, average, _weighted_median(by_day))


def _weighted_median(pairs: list[tuple[int, int]]) -> float | None:
    """Median of values given as (value, count) pairs."""
    total = sum(n for _, n in pairs)
    if not total:
        return None
    middle = ((total - 1) // 2, total // 2)  # the same position twice when total is odd
    found, seen = [], 0
    for value, n in sorted(pairs):
        found += [value for position in middle if seen <= position < seen + n]
        seen += n
    return float(median(found))
