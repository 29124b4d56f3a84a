"""The demo-data command: deterministic, consistent with the progress rules, run once."""
from datetime import date

from sqlalchemy import func, select

from training import demo, demo_plans
from training.extensions import db
from training.models import (
    Attempt,
    AttemptAnswer,
    Attendance,
    ClassMember,
    DailyStat,
    Enrollment,
    QuizResult,
    User,
)
from training.services.learning import scoring


def _fingerprint() -> tuple:
    return tuple(db.session.execute(select(
        select(func.count(User.id)).scalar_subquery(),
        select(func.sum(Enrollment.percent)).scalar_subquery(),
        select(func.sum(Attempt.score)).scalar_subquery(),
        select(func.count(AttemptAnswer.id)).scalar_subquery(),
        select(func.count(Attendance.id)).scalar_subquery(),
        select(func.max(Enrollment.last_active_at)).scalar_subquery(),
    )).one())


def test_demo_data_is_deterministic(app_ctx):
    """The same seed and day give the same data; another seed gives other data."""
    first = demo.generate(db.session, 40, seed=7, media_dir=app_ctx.config["MEDIA_DIR"],
                          today=date(2026, 6, 30))
    one = _fingerprint()
    db.session.rollback()
    demo.generate(db.session, 40, seed=7, media_dir=app_ctx.config["MEDIA_DIR"],
                  today=date(2026, 6, 30))
    assert _fingerprint() == one
    db.session.rollback()
    demo.generate(db.session, 40, seed=8, media_dir=app_ctx.config["MEDIA_DIR"],
                  today=date(2026, 6, 30))
    assert _fingerprint() != one
    assert first.learners == 40 and first.progress_rows > 40


def test_demo_command_builds_consistent_progress(app, runner):
    """Percent, completion and attempt scores follow the platform's rules; a rerun is refused."""
    result = runner.invoke(args=["demo-data", "--learners", "60", "--seed", "3",
                                 "--today", "2026-06-30"])
    assert result.exit_code == 0, result.output
    assert "60 learners" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(ClassMember.id))) == 60
        for e in db.session.scalars(select(Enrollment)):
            assert e.percent == 100 * e.items_done // e.items_total
            assert (e.completed_at is not None) == (e.items_done == e.items_total)
        for r in db.session.scalars(select(QuizResult)):
            best = db.session.scalar(select(func.max(Attempt.score)).where(
                Attempt.user_id == r.user_id, Attempt.quiz_id == r.quiz_id))
            assert r.best_score == best
        attempt = db.session.scalar(select(Attempt).limit(1))
        answers = db.session.scalars(select(AttemptAnswer).where(
            AttemptAnswer.attempt_id == attempt.id)).all()
        assert attempt.score == scoring.percent(sum(a.is_correct for a in answers), len(answers))
        for a in answers:
            assert scoring.is_correct(a.snapshot, a.response) == a.is_correct
        assert db.session.scalar(select(func.sum(DailyStat.registered))) == 60
    again = runner.invoke(args=["demo-data", "--learners", "60"])
    assert again.exit_code != 0 and "already" in again.output


def test_demo_accounts_share_a_password_chosen_per_run(app, runner):
    """No password is written in the code: each run picks a new one and prints it, or takes
    --password-file; demo trainers and learners sign in with it and with nothing else."""
    from training.models import Role, User
    from training.services.accounts.passwords import verify_password

    result = runner.invoke(args=["demo-data", "--learners", "20", "--today", "2026-06-30"])
    assert result.exit_code == 0, result.output
    printed = result.output.rsplit("sign in with the password ", 1)[1].strip()
    assert len(printed) >= 12
    with app.app_context():
        hashes = {role: db.session.scalar(select(User.password_hash).where(User.role == role).limit(1))
                  for role in (Role.TRAINER, Role.LEARNER)}
        assert all(verify_password(h, printed) for h in hashes.values())
        assert not verify_password(hashes[Role.LEARNER], "cunbo-demo-2026")


def test_demo_password_from_a_file(app, runner, tmp_path):
    """--password-file sets the shared password (its line end dropped); an empty file is refused."""
    from training.models import Role, User
    from training.services.accounts.passwords import verify_password

    chosen = tmp_path / "password"
    chosen.write_text("a-password-for-the-demo\n")
    result = runner.invoke(args=["demo-data", "--learners", "20", "--password-file", str(chosen)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("a-password-for-the-demo")
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.role == Role.TRAINER).limit(1))
        assert verify_password(stored, "a-password-for-the-demo")
    (tmp_path / "empty").write_text("")
    empty = runner.invoke(args=["demo-data", "--password-file", str(tmp_path / "empty")])
    assert empty.exit_code != 0 and "empty" in empty.output


def test_demo_activity_reaches_the_day_it_runs(app_ctx):
    """Issue 21: the default report windows show data: a class meets on the given day and
    learning goes on up to that day's noon, never later."""
    from datetime import datetime

    from training.models import LessonCompletion, TrainingSession

    day = date(2026, 6, 30)
    demo.generate(db.session, 200, seed=5, media_dir=app_ctx.config["MEDIA_DIR"], today=day)
    noon = datetime(2026, 6, 30, 12)
    assert db.session.scalar(select(func.count(TrainingSession.id)).where(TrainingSession.held_on == day))
    assert db.session.scalar(select(func.count(Attendance.id)).join(TrainingSession)
                             .where(TrainingSession.held_on == day))
    latest = max(db.session.scalar(select(func.max(LessonCompletion.completed_at))),
                 db.session.scalar(select(func.max(Attempt.submitted_at))))
    assert latest.date() == day and latest <= noon
    assert db.session.scalar(select(func.max(Attendance.checked_in_at))) <= noon
    assert db.session.scalar(select(func.max(Enrollment.enrolled_at))) <= noon


def test_demo_without_a_day_runs_up_to_now(app_ctx):
    """Run on the real day, nothing is dated after the moment it runs, and today (in China:
    the sessions' calendar) has a session."""
    from datetime import UTC, datetime

    from training.localtime import today_in
    from training.models import TrainingSession

    demo.generate(db.session, 40, seed=2, media_dir=app_ctx.config["MEDIA_DIR"])
    now = datetime.now(UTC).replace(tzinfo=None)
    assert db.session.scalar(select(func.max(Attendance.checked_in_at))) <= now
    assert db.session.scalar(select(func.max(Attempt.submitted_at))) <= now
    assert db.session.scalar(select(func.count(TrainingSession.id)).where(
        TrainingSession.held_on == today_in(app_ctx.config["BABEL_DEFAULT_TIMEZONE"], now)))


def test_demo_true_false_answers_read_as_a_real_chinese_attempt(app_ctx):
    """A true/false answer is stored the way a real attempt stores it: 对/错 in a Chinese quiz,
    never the raw "true"/"false" the item analysis showed before."""
    demo.generate(db.session, 120, seed=4, media_dir=app_ctx.config["MEDIA_DIR"],
                  today=date(2026, 6, 30))
    texts = set()
    for answer in db.session.scalars(select(AttemptAnswer)):
        if answer.snapshot["kind"] == "true_false":
            texts.add(answer.response_text)
    assert texts and texts <= {"对", "错"}
    assert demo_plans.true_false_labels("en") == ("True", "False")


def test_demo_classes_get_courses_in_their_own_language(app_ctx):
    """Classes with Chinese names are given Chinese courses only (the seed has both languages)."""
    from training.models import Course, TrainingClass, class_course

    demo.generate(db.session, 200, seed=9, media_dir=app_ctx.config["MEDIA_DIR"],
                  today=date(2026, 6, 30))
    assert db.session.scalar(select(func.count(Course.id)).where(Course.language == "en"))
    languages = set(db.session.scalars(
        select(Course.language).join(class_course, class_course.c.course_id == Course.id)
        .join(TrainingClass, TrainingClass.id == class_course.c.class_id)))
    assert languages == {"zh"}
    enrolled = set(db.session.scalars(select(Course.language).join(Enrollment)))
    assert enrolled == {"zh"}


def test_demo_issues_a_certificate_for_every_completion(app_ctx):
    """Issue 22: one certificate per completed enrolment, stating what the live rule states."""
    from training.models import Certificate, Course, Quiz, TrainingClass
    from training.services.learning import certificates

    demo.generate(db.session, 150, seed=6, media_dir=app_ctx.config["MEDIA_DIR"],
                  today=date(2026, 6, 30))
    db.session.commit()
    completed = db.session.scalars(select(Enrollment).where(Enrollment.completed_at.is_not(None))).all()
    certs = {(c.user_id, c.course_id): c for c in db.session.scalars(select(Certificate))}
    assert completed and len(certs) == len(completed)
    for enrollment in completed:
        cert = certs[(enrollment.user_id, enrollment.course_id)]
        user, course = db.session.get(User, cert.user_id), db.session.get(Course, cert.course_id)
        klass = db.session.get(TrainingClass, cert.class_id)
        final = db.session.scalar(select(QuizResult.best_score).join(Quiz, Quiz.id == QuizResult.quiz_id)
                                  .where(QuizResult.user_id == user.id, Quiz.course_id == course.id,
                                         Quiz.is_final.is_(True)))
        assert cert.completed_at == enrollment.completed_at and cert.revoked_at is None
        assert (cert.learner_name, cert.course_title, cert.course_language) == (
            user.display_name, course.title, course.language)
        assert (cert.hours, cert.standard, cert.final_score) == (course.hours, course.standard, final)
        assert (cert.centre_id, cert.centre_name) == (klass.centre_id, klass.centre.name)
        assert (cert.class_name, cert.trainer_name) == (klass.name, klass.trainer.display_name)
        assert certificates.find(db.session, certificates.format_code(cert.code)) is cert
