"""Certificates are issued once, on completion, with a snapshot of what they state."""
from sqlalchemy import func, select

from training.extensions import db
from training.models import Certificate
from training.services.learning import certificates, progress

from ..unit.test_progress import submit


def finish(learner, course):
    for lesson in course.lessons:
        progress.complete_lesson(db.session, learner.id, lesson)
        submit(learner, lesson.quiz)
    submit(learner, course.final_exam)


def test_completion_issues_one_certificate_with_its_facts(factory, learner, example_course):
    training_class = factory.training_class("Centre A", courses=[example_course], name="春季班")
    factory.member(training_class, learner)
    factory.enrol(learner, example_course)
    example_course.hours = 6
    db.session.commit()
    finish(learner, example_course)
    issued = db.session.scalars(select(Certificate)).all()
    assert len(issued) == 1
    cert = issued[0]
    assert (cert.user_id, cert.course_id, cert.learner_name) == (learner.id, example_course.id,
                                                                  learner.display_name)
    assert (cert.course_title, cert.course_language) == (example_course.title, example_course.language)
    assert cert.hours == 6 and cert.final_score == 100
    assert (cert.class_name, cert.centre_name) == ("春季班", "Centre A")
    assert certificates.normalise_code(certificates.format_code(cert.code).lower()) == cert.code
    # Passing the final exam again, or completing a lesson again, issues nothing more.
    submit(learner, example_course.final_exam)
    progress.complete_lesson(db.session, learner.id, example_course.lessons[0])
    db.session.commit()
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_no_certificate_before_completion(factory, learner, example_course):
    factory.enrol(learner, example_course)
    progress.complete_lesson(db.session, learner.id, example_course.lessons[0])
    db.session.commit()
    assert db.session.scalar(select(func.count(Certificate.id))) == 0


def test_codes_are_long_random_and_typeable():
    codes = {certificates.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 16 and not set(c) & set("01OI") for c in codes)
    assert len(certificates.CODE_ALPHABET) ** certificates.CODE_LENGTH >= 2 ** 80
    for bad in ("", None, "ABCD", "0" * 16, "ABCD-EFGH-JKLM-NPQ!", "A" * 17):
        assert certificates.normalise_code(bad) is None


def test_names_are_masked():
    assert certificates.mask_name("张小华") == "张*华"
    assert certificates.mask_name("欧阳小华") == "欧**华"
    assert certificates.mask_name("张华") == "张*"
    assert certificates.mask_name("Li Hua") == "L* H**"


def test_anonymizing_a_person_keeps_their_certificates_valid_but_nameless(factory, learner,
                                                                         example_course, admin):
    from training.services.accounts import privacy

    factory.enrol(learner, example_course)
    finish(learner, example_course)
    learner.certificate_full_name = True
    privacy.anonymize(db.session, learner, admin.id)
    db.session.commit()
    cert = db.session.scalar(select(Certificate))
    assert cert.learner_name == privacy.ANONYMOUS_NAME and cert.revoked_at is None
    assert learner.certificate_full_name is False and learner.pin_hash is None
