"""Inactive learners of a class report: activity is learning (a lesson completed, a quiz
submitted), never an import, a join or a login; learners who finished every course are not
inactive (issue 21, item 7)."""
from datetime import timedelta

from sqlalchemy import select, update

from training.extensions import db
from training.models import Enrollment, LessonCompletion, utcnow
from training.services.learning import progress
from training.services.reports import progress_reports

from .conftest import add_attempt


def _class_of(factory, course, names):
    """A class with the course, and members who joined just now (as a roster import does)."""
    training_class = factory.training_class(courses=[course])
    people = [factory.member(training_class, factory.user("learner", display_name=name)) for name in names]
    return training_class, people


def _inactive(training_class, days=14):
    report = progress_reports.class_report(db.session, training_class.id, days)
    return [row.name for row in report.inactive]


def test_joining_or_logging_in_is_not_activity(factory, example_course):
    """Members enrolled today (an import or a join) who never learned are inactive, whatever
    their last login; the "last active" column is empty for them."""
    training_class, (ann, bo) = _class_of(factory, example_course, ["Ann", "Bo"])
    ann.last_login_at = utcnow()
    db.session.commit()
    assert _inactive(training_class) == ["Ann", "Bo"]
    report = progress_reports.class_report(db.session, training_class.id, 14)
    assert [row.last_active for row in report.learners] == [None, None]


def test_a_lesson_completed_or_a_quiz_submitted_is_activity(factory, example_course):
    """A completed lesson or a submitted quiz since the cut-off makes a member active."""
    training_class, (ann, bo, cai) = _class_of(factory, example_course, ["Ann", "Bo", "Cai"])
    progress.complete_lesson(db.session, ann.id, example_course.lessons[0])
    quiz = example_course.lessons[0].quiz
    add_attempt(bo, quiz, 1, [(quiz.questions[0].id, "A", True)], utcnow() - timedelta(days=3))
    db.session.commit()
    assert _inactive(training_class) == ["Cai"]
    assert _inactive(training_class, days=2) == ["Bo", "Cai"]
    report = progress_reports.class_report(db.session, training_class.id, 14)
    done_at = db.session.scalar(select(LessonCompletion.completed_at))
    assert report.learners[0].last_active == done_at == report.learners[0].cells[0].last_active


def test_old_learning_is_not_refreshed_by_a_new_enrolment(factory, example_course):
    """A lesson 30 days ago, then enrolled again (a course added, a second import): inactive."""
    training_class, (ann,) = _class_of(factory, example_course, ["Ann"])
    progress.complete_lesson(db.session, ann.id, example_course.lessons[0])
    db.session.execute(update(LessonCompletion).values(completed_at=utcnow() - timedelta(days=30)))
    db.session.execute(update(Enrollment).values(last_active_at=utcnow()))
    db.session.commit()
    assert _inactive(training_class) == ["Ann"]


def test_learners_who_finished_every_course_are_not_inactive(factory, example_course):
    """Finished all the class's courses long ago: not listed; one course left: listed."""
    second = factory.import_course(example_course_folder(), slug="second-course")
    training_class = factory.training_class(courses=[example_course, second])
    ann, bo = (factory.member(training_class, factory.user("learner", display_name=name)) for name in ("Ann", "Bo"))
    long_ago = utcnow() - timedelta(days=60)
    db.session.execute(update(Enrollment).where(Enrollment.user_id == ann.id).values(completed_at=long_ago))
    db.session.execute(update(Enrollment).where(Enrollment.user_id == bo.id, Enrollment.course_id == second.id)
                       .values(completed_at=long_ago))
    db.session.commit()
    report = progress_reports.class_report(db.session, training_class.id, 14)
    assert [(row.name, row.finished) for row in report.learners] == [("Ann", True), ("Bo", False)]
    assert [row.name for row in report.inactive] == ["Bo"]


def test_class_page_says_how_inactive_is_counted(factory, example_course, trainer_client, trainer):
    """The page names what counts as activity, and that opening a lesson is not recorded."""
    training_class, _people = _class_of(factory, example_course, ["Ann"])
    html = trainer_client.get(f"/reports/classes/{training_class.id}").get_data(True)
    assert "completed no lesson and submitted no quiz" in html.replace("&#39;", "'")
    assert "Opening a lesson is not recorded" in html
    assert "1 learner has done nothing in the last 14 days." in html


def example_course_folder():
    from ..conftest import EXAMPLE_COURSE

    return EXAMPLE_COURSE
