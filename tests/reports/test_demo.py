"""The demo-data command: deterministic, consistent with the progress rules, run once."""
from datetime import date

from sqlalchemy import func, select

from training import demo
from training.extensions import db
from training.models import (
    Attempt, AttemptAnswer, Attendance, ClassMember, DailyStat, Enrollment, QuizResult, User,
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
