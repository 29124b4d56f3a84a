"""Demo data: centres, trainers, classes, learners and their progress, generated
deterministically from a seed, fast enough to build a province (100,000 learners, about five
million progress and attempt rows) in minutes.

Rows are written in bulk with ids assigned here (COPY on PostgreSQL, executemany on SQLite),
never as ORM objects one by one. The data follows the platform's rules: percent done is
items done / items, a quiz step is done when a quiz is passed, completion is recorded when
every step is done, and every attempt answer is graded by services.scoring.

The data is shaped for the reports' default windows: a share of the classes is running now,
with a session on the day the command runs and learning up to that moment; classes (all with
Chinese names) are given courses in Chinese; answers are stored as a real attempt stores them
(a true/false answer reads 对/错 in a Chinese quiz, True/False in an English one).
"""
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from .demo_bulk import COLUMNS, BulkWriter, next_ids, reset_sequences
from .demo_plans import CoursePlan, QuizPlan, course_plans
from .localtime import today_in, zone_name
from .models import Centre, Course, CourseStatus
from .services.accounts import accounts
from .services.authoring import course_exchange, course_reader
from .services.classes import sessions
from .services.learning import certificates, scoring
from .services.reports import admin_overview

SEED_DIR = Path(__file__).resolve().parent.parent / "seed_courses"
CENTRE_NAME = "示范{n:02d}县电商公共服务中心"  # distinct from the first characters on
TOWNSHIPS = ["城关镇", "新集镇", "马营镇", "红旗乡", "石峡镇", "杨家乡", "柳沟乡", "金山镇"]
VILLAGES = ["东村", "西村", "南沟村", "北山村", "河湾村", "王庄村", "李家村", "张寨村", "新村", "柳树村"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "秀英 建国 桂兰 志强 玉梅 海燕 红霞 国庆 春生 丽娟 长林 金花 小军 秋菊 德福 彩霞".split()
BATCH = 2000  # learners generated and written per batch
# Share of classes running when the command runs (started within the last three weeks).
RUNNING_SHARE = 0.3


@dataclass
class DemoStats:
    centres: int = 0
    classes: int = 0
    learners: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def progress_rows(self) -> int:
        keys = ("enrollment", "lesson_completion", "quiz_result", "attempt", "attempt_answer")
        return sum(self.rows.get(k, 0) for k in keys)


class DemoDataExists(Exception):
    """Demo data was generated in this database already."""


class Generator:
    """Writes one province of demo data; every random choice comes from one seeded rng."""

    def __init__(self, session: Session, learners: int, seed: int, today: date,
                 now: datetime | None = None, password: str = ""):
        self.session = session
        self.total_learners = learners
        self.rng = random.Random(seed)
        # Activity runs up to `now` (naive UTC): the moment the command runs, or noon of a
        # given day, so the same seed and day give the same data.
        self.now = now or datetime.combine(today, time(12, 0))
        self.today = today
        self.ids = next_ids(session)
        self.out = BulkWriter(session)
        self.plans = course_plans(session, self.rng)
        # The classes have Chinese names: they are given Chinese courses (any, if none).
        self.class_plans = [p for p in self.plans if p.language == "zh"] or self.plans
        # Every demo account shares one password; without one they cannot sign in.
        self.password_hash = accounts.hash_password(password) if password else "!"
        # Names of centres and trainers by (table, id), for the certificates.
        self.names: dict[tuple[str, int], str] = {}

    def take_id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def row(self, table: str, *values) -> None:
        self.out.add(table, COLUMNS[table], values)

    def run(self, echo: Callable[[str], None]) -> DemoStats:
        rng = self.rng
        if not self.plans:
            raise ValueError("no published course with lessons")
        n_centres = max(3, min(40, self.total_learners // 4000))
        centres = []
        for n in range(1, n_centres + 1):
            cid = self.take_id("centre")
            self.names[("centre", cid)] = CENTRE_NAME.format(n=n)
            self.row("centre", cid, CENTRE_NAME.format(n=n), "甘肃省", "定西市",
                     f"示范{n:02d}县", self.now - timedelta(days=400))
            trainers = []
            for t in range(2):
                uid = self.take_id("users")
                trainers.append(uid)
                self.names[("users", uid)] = f"{rng.choice(SURNAMES)}老师"
                self.row("users", uid, f"demo-trainer-{cid}-{t + 1}", None,
                         self.names[("users", uid)], self.password_hash, "trainer", "zh_CN",
                         cid, None, None, None, None, False, 1, True, False,
                         self.now - timedelta(days=400))
            centres.append((cid, trainers))
        self.out.flush(list(COLUMNS))

        made = 0
        n_class = 0
        while made < self.total_learners:
            cid, trainers = centres[n_class % n_centres]
            n_class += 1
            size = min(rng.randint(25, 55), self.total_learners - made)
            self._class(cid, trainers, n_class, size)
            made += size
            if made % BATCH < size or made >= self.total_learners:
                self.out.flush(list(COLUMNS))
                echo(f"  {made} learners")
        self.out.flush(list(COLUMNS))
        reset_sequences(self.session)
        counts = self.out.counts
        return DemoStats(centres=n_centres, classes=n_class, learners=made, rows=dict(counts))

    def _class(self, centre_id: int, trainers: list[int], number: int, size: int) -> None:
        rng = self.rng
        class_id = self.take_id("training_class")
        running = number == 1 or rng.random() < RUNNING_SHARE  # at least one class runs now
        starts = self.today - timedelta(days=rng.randint(0, 20) if running else rng.randint(10, 365))
        trainer = rng.choice(trainers)
        place = f"{rng.choice(TOWNSHIPS)}电商服务站"
        class_name = f"{starts.year}年{starts.month}月直播带货培训班（{number}）"
        self.row("training_class", class_id, centre_id, trainer, class_name, f"D{class_id:07d}",
                 place, starts, starts + timedelta(days=28), False,
                 datetime.combine(starts, time(8)) - timedelta(days=7))
        courses = rng.sample(self.class_plans, k=min(len(self.class_plans), rng.choice((1, 1, 2))))
        for plan in courses:
            self.row("class_course", class_id, plan.id)
        members = []
        for _ in range(size):
            uid = self.take_id("users")
            members.append(uid)
            created = min(self.now - timedelta(hours=2), datetime.combine(starts, time(9)) - timedelta(
                days=rng.randint(0, 6), seconds=rng.randint(0, 36000)))
            township = rng.choice(TOWNSHIPS)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            self.row("users", uid, None, f"199{uid:08d}",
                     name, self.password_hash, "learner",
                     "zh_CN", centre_id, rng.choice("fm"), rng.randint(1958, 2006), township,
                     rng.choice(VILLAGES), False, 1, True, False, created)
            self.row("class_member", self.take_id("class_member"), class_id, uid, created)
            skill = rng.uniform(0.55, 0.97)
            for plan in courses:
                if rng.random() < 0.92:
                    enrolled = min(self.now, created + timedelta(minutes=rng.randint(5, 600)))
                    self._progress(uid, plan, enrolled, skill,
                                   issuer=(name, centre_id, class_id, class_name, trainer))
        # In-person sessions, weekly from the start date, with most members checking in; a
        # running class also meets on the day the command runs.
        days = [starts + timedelta(days=7 * week) for week in range(rng.randint(2, 5))]
        days = [held for held in days if held <= self.today]
        if running and self.today not in days:
            days.append(self.today)
        for week, held in enumerate(days):
            sid = self.take_id("training_session")
            self.row("training_session", sid, class_id, held, place, f"第{week + 1}次课", trainer,
                     f"demo{sid:010d}", *sessions.default_window(held), "", False, False,
                     datetime.combine(held, time(8)))
            # Check-ins an hour from the start of the session, never after now.
            start = min(datetime.combine(held, time(1)), self.now - timedelta(hours=1))
            for uid in members:
                if rng.random() < 0.72:
                    self.row("attendance", self.take_id("attendance"), sid, uid,
                             start + timedelta(seconds=rng.randint(0, 3600)),
                             "qr" if rng.random() < 0.8 else "roll")

    def _progress(self, uid: int, plan: CoursePlan, enrolled: datetime, skill: float,
                  issuer: tuple) -> None:
        """Walk a learner through a course until they stop, get stuck or finish; a finished
        course gets its certificate. `issuer`: learner name, centre, class, class name, trainer."""
        rng = self.rng
        total = len(plan.steps)
        # A few never start; most stop somewhere; about a third finish.
        wanted = 0 if rng.random() < 0.12 else min(total, int(rng.random() ** 0.7 * total * 1.35))
        t = enrolled
        done = 0
        last = enrolled
        final_score = None
        for kind, step in plan.steps:
            if done >= wanted:
                break
            t = t + timedelta(seconds=int(rng.expovariate(1 / 90000)))
            if t > self.now:
                break
            if kind == "lesson":
                self.row("lesson_completion", self.take_id("lesson_completion"), uid, step,
                         plan.id, t, plan.lesson_titles[step])
                done += 1
                last = t
                continue
            passed_at, last_try, attempts, best = None, t, 0, 0
            while attempts < 3 and passed_at is None and last_try <= self.now:
                attempts += 1
                score, passed = self._attempt(uid, plan.id, step, attempts, skill, last_try)
                best = max(best, score)
                if passed:
                    passed_at = last_try
                else:
                    last_try = last_try + timedelta(seconds=rng.randint(120, 200000))
            last_try = min(last_try, self.now)
            self.row("quiz_result", self.take_id("quiz_result"), uid, step.id, plan.id,
                     attempts, best, passed_at is not None, passed_at,
                     passed_at or last_try)
            if step.id == plan.final_quiz_id:
                final_score = best
            last = passed_at or last_try
            if passed_at is None:
                break  # stuck on this quiz
            done += 1
            t = passed_at
        completed = last if done == total else None
        self.row("enrollment", self.take_id("enrollment"), uid, plan.id, enrolled, last, done,
                 total, 100 * done // total, completed)
        if completed is not None:
            name, centre_id, class_id, class_name, trainer = issuer
            standard = (json.dumps(plan.standard, ensure_ascii=False)
                        if plan.standard is not None else None)
            self.row("certificate", self.take_id("certificate"), certificates.new_code(), uid,
                     plan.id, name, plan.title[:200], plan.language, completed, plan.hours,
                     standard, centre_id, self.names[("centre", centre_id)], class_id,
                     class_name, self.names[("users", trainer)],
                     final_score if plan.final_quiz_id else None, completed, "")

    def _attempt(self, uid: int, course_id: int, quiz: QuizPlan, number: int, skill: float,
                 at: datetime) -> tuple[int, bool]:
        rng = self.rng
        attempt_id = self.take_id("attempt")
        right = 0
        for position, q in enumerate(quiz.questions):
            correct = rng.random() < skill - q.difficulty + 0.08 * (number - 1)
            if correct:
                response, shown = q.right
                right += 1
            else:
                # The tempting wrong answer is chosen half the time.
                response, shown = q.wrong[0] if rng.random() < 0.5 else rng.choice(q.wrong)
            self.row("attempt_answer", self.take_id("attempt_answer"), attempt_id, q.id,
                     position, q.snapshot_json, response, shown, correct)
        score = scoring.percent(right, len(quiz.questions))
        passed = score >= quiz.pass_mark
        self.row("attempt", attempt_id, f"demo-{attempt_id}", uid, quiz.id, course_id, number,
                 quiz.title, quiz.pass_mark, score, right, len(quiz.questions), passed, "self", at)
        return score, passed


def ensure_courses(session: Session, media_dir: str) -> int:
    """Import the seed courses when no published course exists yet."""
    exists = session.scalar(select(func.count(Course.id)).where(
        Course.status == CourseStatus.PUBLISHED))
    if exists:
        return 0
    courses = course_reader.read_all(SEED_DIR)
    course_exchange.import_courses(session, courses, media_dir)
    session.flush()
    return len(courses)


def generate(session: Session, learners: int, seed: int, media_dir: str,
             today: date | None = None, echo: Callable[[str], None] = lambda _: None,
             password: str = "") -> DemoStats:
    """Generate demo data into the session's database; the caller commits. Demo trainers and
    learners sign in with `password` (none can sign in when it is empty)."""
    if session.scalar(select(Centre.id).where(Centre.name == CENTRE_NAME.format(n=1))):
        raise DemoDataExists()
    ensure_courses(session, media_dir)
    now = None
    zone = zone_name()
    if today is None:
        now = datetime.now(UTC).replace(tzinfo=None)
        today = today_in(zone, now)
    stats = Generator(session, learners, seed, today, now, password).run(echo)
    admin_overview.rebuild_daily_stats(session, zone)
    return stats


def analyze(session: Session) -> None:
    """Refresh the query planner's statistics after a bulk load."""
    session.execute(text("ANALYZE"))
