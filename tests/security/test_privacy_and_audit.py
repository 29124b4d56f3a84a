"""PIPL: consent at registration, one's own data export, deletion requests, anonymization;
and the admins' audit log viewer."""
import csv
import io
import json
from datetime import timedelta

from sqlalchemy import func, select

from training.extensions import db
from training.models import Attempt, AuditEvent, Enrollment, LessonCompletion, QuizResult, User, utcnow
from training.services.accounts import accounts, audit, privacy

from ..factories import PASSWORD
from ..helpers import answer_form

SIGNUP = {"display_name": "李师傅", "login": "lishifu", "password": "tea-garden-88",
          "confirm": "tea-garden-88", "language": "en"}


def test_registration_shows_the_notice_and_requires_consent(client, app_ctx):
    """No ticked consent, no account; with it, the consent time is stored."""
    page = client.get("/register").get_data(as_text=True)
    assert "Privacy notice" in page and 'name="consent"' in page
    refused = client.post("/register", data=SIGNUP)
    assert refused.status_code == 200 and "Please agree to the privacy notice" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert client.post("/register", data={**SIGNUP, "consent": "y"}).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "lishifu"))
    assert user.privacy_consent_at is not None and utcnow() - user.privacy_consent_at < timedelta(minutes=1)


def _learner_with_progress(app, factory, example_course, mobile=None, display_name="王大姐", **profile):
    user = factory.user("learner", username="wangdajie", mobile=mobile, display_name=display_name)
    for name, value in profile.items():
        setattr(user, name, value)
    db.session.commit()
    factory.enrol(user, example_course)
    client = app.test_client(user=user)
    lesson = example_course.lessons[0]
    client.post(f"/courses/{example_course.slug}/lessons/{lesson.key}/complete")
    client.post(f"/courses/{example_course.slug}/quizzes/{lesson.quiz.id}", data=answer_form(lesson.quiz))
    return user, client


def test_a_learner_downloads_their_own_data_as_json_and_csv(app, factory, example_course, learner):
    """The JSON and CSV hold the person's profile, enrolments, lessons and answers, nobody else's,
    and CSV cells that a spreadsheet would run are escaped."""
    user, client = _learner_with_progress(app, factory, example_course, display_name="=HYPERLINK(\"x\")",
                                          township="城关镇")
    factory.enrol(learner, example_course)
    response = client.get("/account/data.json")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["username"] == "wangdajie" and data["profile"]["township"] == "城关镇"
    assert [e["course"] for e in data["enrolments"]] == [example_course.slug]
    assert len(data["lessons_completed"]) == 1 and len(data["quiz_attempts"]) == 1
    assert data["quiz_attempts"][0]["answers"]
    assert learner.login_name not in response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/account/data.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["section", "item", "field", "value"]
    assert ["profile", "", "display_name", "'=HYPERLINK(\"x\")"] in rows
    assert any(r[0] == "quiz_attempts" and r[2] == "score" for r in rows)


def test_asking_for_deletion_needs_the_password_and_is_audited(learner_client, learner):
    """The request is recorded once the password is confirmed, and can be withdrawn."""
    wrong = learner_client.post("/account/delete", data={"password": "nope-nope", "confirm": "y"})
    assert "not your current password" in wrong.get_data(as_text=True)
    db.session.refresh(learner)
    assert learner.deletion_requested_at is None
    assert learner_client.post("/account/delete", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    db.session.refresh(learner)
    assert learner.deletion_requested_at is not None
    assert db.session.scalar(select(AuditEvent.action)) == "user.deletion_request"
    learner_client.post("/account/delete/cancel")
    db.session.refresh(learner)
    assert learner.deletion_requested_at is None


def test_admin_anonymizes_a_person_and_statistics_remain(app, factory, example_course, admin_client, admin):
    """Name, login, mobile, profile and written answers go; the account cannot log in and its
    sessions end; enrolments, completions, attempts and results stay; the act is audited."""
    user, client = _learner_with_progress(app, factory, example_course, mobile="13800138000",
                                          gender="f", birth_year=1980, village="王家村")
    privacy.request_deletion(db.session, user)
    db.session.commit()
    counts = {m.__name__: db.session.scalar(select(func.count()).select_from(m).where(m.user_id == user.id))
              for m in (Enrollment, LessonCompletion, Attempt, QuizResult)}
    assert "wangdajie" in admin_client.get("/admin/deletion-requests").get_data(as_text=True)
    assert admin_client.post(f"/admin/users/{user.id}/anonymize").status_code == 302

    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.display_name, user.mobile, user.gender, user.birth_year, user.village) == (
        privacy.ANONYMOUS_NAME, None, None, None, None)
    assert user.username == f"deleted-{user.id}" and user.anonymized_at is not None
    assert accounts.authenticate(db.session, "13800138000", PASSWORD) is None
    assert accounts.authenticate(db.session, user.username, PASSWORD) is None
    assert "/login" in client.get("/me").headers["Location"]
    after = {m.__name__: db.session.scalar(select(func.count()).select_from(m).where(m.user_id == user.id))
             for m in (Enrollment, LessonCompletion, Attempt, QuizResult)}
    assert after == counts and all(after.values())
    answers = [a for attempt in db.session.scalars(select(Attempt).where(Attempt.user_id == user.id))
               for a in attempt.answers]
    assert all(a.response_text == "" for a in answers if a.snapshot["kind"] == "short_text")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.anonymize"))
    assert (event.actor_id, event.target_id) == (admin.id, user.id)
    assert "wangdajie" not in admin_client.get("/admin/deletion-requests").get_data(as_text=True)


def test_admins_cannot_anonymize_themselves_or_other_admins(admin_client, admin, factory):
    """An admin must be demoted before anonymization; unknown ids are 404."""
    other_admin = factory.user("admin")
    assert admin_client.post(f"/admin/users/{admin.id}/anonymize").status_code == 403
    assert admin_client.post(f"/admin/users/{other_admin.id}/anonymize").status_code == 403
    assert admin_client.post("/admin/users/999999/anonymize").status_code == 404


def test_audit_log_lists_and_filters_events(admin_client, admin, learner):
    """Admins see who did what, when and from where, filtered by action, person, target and date."""
    audit.record(db.session, "course.publish", admin.id, "course", 3, ip_address="10.1.2.3", slug="tea")
    audit.record(db.session, "user.role_change", admin.id, "user", learner.id, role="trainer")
    audit.record(db.session, "user.password_change", learner.id, "user", learner.id)
    db.session.commit()
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "<td>Course published</td>" in page and "10.1.2.3" in page and "slug: tea" in page
    by_prefix = admin_client.get("/admin/audit?action=user").get_data(as_text=True)
    assert "<td>Role or centre changed</td>" in by_prefix and "<td>Course published</td>" not in by_prefix
    by_actor = admin_client.get(f"/admin/audit?actor={learner.username}").get_data(as_text=True)
    assert "<td>Password changed</td>" in by_actor and "<td>Role or centre changed</td>" not in by_actor
    by_target = admin_client.get("/admin/audit?target_type=course&target_id=3").get_data(as_text=True)
    assert "<td>Course published</td>" in by_target and "<td>Password changed</td>" not in by_target
    future = admin_client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "No events match" in future
    assert admin_client.get("/admin/audit?since=not-a-date&page=abc").status_code == 200


def test_data_download_includes_classes_attendance_and_deleted_lessons(app, factory, example_course):
    """A person's classes, check-ins and completions of lessons deleted since are in their data."""
    from datetime import date

    from training.services.classes import sessions as class_sessions

    user, client = _learner_with_progress(app, factory, example_course)
    training_class = factory.training_class("Centre A", courses=[example_course], name="春季班")
    factory.member(training_class, user)
    meeting = factory.training_session(training_class, date(2026, 11, 2), topic="直播练习")
    class_sessions.check_in(db.session, meeting, user)
    db.session.commit()
    lesson = example_course.lessons[0]
    title = lesson.title
    db.session.execute(db.update(LessonCompletion).where(LessonCompletion.lesson_id == lesson.id)
                       .values(lesson_id=None))
    db.session.commit()
    data = json.loads(client.get("/account/data.json").get_data(as_text=True))
    assert [c["class"] for c in data["classes"]] == ["春季班"]
    assert [a["topic"] for a in data["attendance"]] == ["直播练习"]
    assert [l["title"] for l in data["lessons_completed"]] == [title]
