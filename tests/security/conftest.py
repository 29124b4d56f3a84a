"""Fixtures for the security tests: a small world of real objects across two centres."""
import io
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import func, select

from training.extensions import db
from training.models import Certificate, CourseMedia, CourseStatus, ExportJob, User, utcnow
from training.services.accounts import privacy
from training.services.classes import classroom, photos
from training.services.learning import certificates

from ..conftest import EXAMPLE_COURSE
from ..helpers import answer_form


# A 2x2 PNG for the session photo.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
                    "0000001649444154789c63fccfc0c0c0c0c0c4c0c0c0c0c000000d1d01036ac2"
                    "9be90000000049454e44ae426082")


@dataclass
class World:
    """users: the requesting user per role (None for anon); objects: what fills URL arguments."""

    users: dict[str, User | None]
    objects: dict[str, object] = field(default_factory=dict)


@pytest.fixture
def world(app, factory, trainer, other_centre_trainer, admin):
    """Centre A owns a published course; a learner of centre A (the victim) has a quiz attempt;
    every role is enrolled, so outcomes reflect authorization rather than enrolment."""
    centre_a = factory.centre("Centre A")
    learner = factory.user("learner", centre="Centre A", username="requesting-learner")
    victim = factory.user("learner", centre="Centre A", username="victim", mobile=None,
                          display_name="Victim Learner")
    requester = factory.user("learner", centre="Centre A", username="leaving")
    privacy.request_deletion(db.session, requester)
    course = factory.import_course(EXAMPLE_COURSE)
    course.centre_id = centre_a.id
    draft = factory.import_course(EXAMPLE_COURSE, slug="draft-course", status=CourseStatus.DRAFT)
    draft.centre_id = centre_a.id
    # A second published course of centre A for actions that would change the first one's state.
    spare = factory.import_course(EXAMPLE_COURSE, slug="spare-course")
    spare.centre_id = centre_a.id
    db.session.commit()
    for user in (learner, victim, trainer, other_centre_trainer, admin):
        factory.enrol(user, course)
    lesson = course.lessons[0]
    quiz = lesson.quiz
    response = app.test_client(user=victim).post(
        f"/courses/{course.slug}/quizzes/{quiz.id}", data=answer_form(quiz))
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    media = db.session.scalar(select(CourseMedia).where(CourseMedia.course_id == course.id))
    # Centre A's class, with the victim as a member, and one of its sessions.
    training_class = factory.training_class("Centre A", courses=[course], trainer=trainer)
    factory.member(training_class, victim)
    meeting = factory.training_session(training_class, date(2026, 11, 1))
    # A classroom quiz running in a session of a second class of centre A (the learner joins
    # the first class by its code during the POST requests; this one she never joins).
    quiz_class = factory.training_class("Centre A", courses=[course], trainer=trainer,
                                        name="Classroom class")
    factory.member(quiz_class, victim)
    live_quiz = classroom.start(db.session, factory.training_session(quiz_class, date(2026, 11, 1)),
                                quiz, trainer)
    # A photo of that session (served to the staff who manage it only).
    photo = photos.add_photos(db.session, meeting, [photos.PhotoUpload("p.png", io.BytesIO(PNG))],
                              app.config["MEDIA_DIR"], trainer.id)[0]
    # A certificate of the victim, issued by centre A through its class.
    victim_certificate = Certificate(
        code=certificates.new_code(), user_id=victim.id, course_id=course.id,
        learner_name=victim.display_name, course_title=course.title,
        course_language=course.language, completed_at=utcnow(), centre_id=centre_a.id,
        centre_name=centre_a.name, class_id=training_class.id, class_name=training_class.name)
    db.session.add(victim_certificate)
    # A finished ledger export that centre A's trainer asked for (only they may open it).
    export = ExportJob(user_id=trainer.id, kind="ledger", status="done", rows_total=1, rows_done=1,
                       download_name="培训台账-2026-09-01-2026-11-30.xlsx")
    db.session.add(export)
    db.session.commit()
    objects = {
        # URL argument names, filled with centre A's objects and the victim's records.
        "slug": course.slug, "key": lesson.key, "quiz_id": quiz.id, "attempt_id": attempt_id,
        "user_id": victim.id, "name": media.stored_name, "filename": "css/app.css",
        "course_id": course.id, "lesson_id": lesson.id, "centre_id": centre_a.id,
        "question_id": quiz.questions[0].id, "class_id": training_class.id,
        "session_id": meeting.id, "code": training_class.code, "fmt": "csv",
        # Named alternatives a table line can pick with name=object.
        "victim": victim.id, "requester": requester.id, "draft_slug": draft.slug,
        "draft_id": draft.id, "checkin_code": meeting.checkin_code, "trainer_a": trainer.id,
        "spare_course": spare.id,
        "classroom": live_quiz.id, "classroom_code": live_quiz.code,
        "photo_id": photo.id, "size": "full",
        "certificate_code": victim_certificate.code, "job_id": export.id, "victim_certificate": victim_certificate.id,
    }
    users = {"anon": None, "learner": learner, "trainer": trainer, "fred": other_centre_trainer,
             "admin": admin}
    return World(users=users, objects=objects)


# Tables a read may write without changing anyone's data: the audit log and a course's change
# log record downloads and exports (issue 8 asks for it), and the report figures are a cache.
GET_MAY_WRITE = {"audit_event", "course_change", "report_daily_stat", "report_refresh"}


def row_counts() -> dict[str, int]:
    """Rows in every table holding people's data, to prove that a set of requests changed nothing."""
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name not in GET_MAY_WRITE}


