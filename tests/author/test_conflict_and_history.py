"""Two trainers, one lesson; and deleting what learners already used."""
from sqlalchemy import func, select

from training.extensions import db
from training.models import (
    Attempt,
    AttemptAnswer,
    AuditEvent,
    Course,
    Lesson,
    LessonCompletion,
    Question,
    Quiz,
    QuizResult,
)
from tests.helpers import answer_form

from .helpers import question_form


def own(course, trainer):
    course.centre_id = trainer.centre_id
    db.session.commit()
    return course


def test_second_save_over_newer_version_shows_both_texts(app, app_ctx, trainer, trainer_client, factory, example_course):
    """Does the second trainer saving an older version get a conflict page with both texts,
    and is the first trainer's text kept?"""
    own(example_course, trainer)
    colleague = app.test_client(user=factory.user("trainer", centre="Centre A"))
    lesson = example_course.lessons[0]
    opened = lesson.version
    form = {"title": lesson.title, "minutes": "5", "version": str(opened), "action": "save"}
    assert trainer_client.post(f"/author/lessons/{lesson.id}", data={**form, "body_md": "Mine first"}).status_code == 302
    response = colleague.post(f"/author/lessons/{lesson.id}", data={**form, "body_md": "Theirs second"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Mine first" in page and "Theirs second" in page and "NOT saved" in page
    db.session.expire_all()
    saved = db.session.get(Lesson, lesson.id)
    assert saved.body_md == "Mine first" and saved.version == opened + 1
    # "Save this text over theirs" sends the current version: an explicit overwrite.
    response = colleague.post(f"/author/lessons/{lesson.id}",
                              data={**form, "version": str(opened + 1), "body_md": "Theirs second"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).body_md == "Theirs second"


def test_question_save_over_newer_quiz_version_conflicts(app_ctx, trainer, trainer_client, example_course):
    """Is a question saved over an outdated quiz version refused with both versions shown?"""
    own(example_course, trainer)
    quiz = example_course.lessons[0].quiz
    question = quiz.questions[0]
    old = quiz.version
    assert trainer_client.post(f"/author/questions/{question.id}",
                               data=question_form(question.kind, old, prompt="New wording")).status_code == 302
    response = trainer_client.post(f"/author/questions/{question.id}",
                                   data=question_form(question.kind, old, prompt="Other wording"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "New wording" in page and "Other wording" in page
    db.session.expire_all()
    assert db.session.get(Question, question.id).prompt == "New wording"


def test_deleting_lesson_with_history_confirms_and_keeps_it(app_ctx, trainer, trainer_client, learner_client, learner, factory, example_course):
    """Does deleting a used lesson ask first, then keep completions and attempts as history?"""
    own(example_course, trainer)
    factory.enrol(learner, example_course)
    lesson = example_course.lessons[0]
    quiz = lesson.quiz
    title, quiz_title, question_count = lesson.title, quiz.title, len(quiz.questions)
    learner_client.post(f"/courses/{example_course.slug}/lessons/{lesson.key}/complete")
    learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}", data=answer_form(quiz))
    attempt_id = db.session.scalar(select(Attempt.id))

    page = trainer_client.get(f"/author/lessons/{lesson.id}/delete").get_data(as_text=True)
    assert "1 lesson completion" in page and "kept in reports" in page
    # Without the confirmation nothing is deleted.
    trainer_client.post(f"/author/lessons/{lesson.id}/delete")
    assert db.session.get(Lesson, lesson.id) is not None

    lesson_id, quiz_id = lesson.id, quiz.id
    response = trainer_client.post(f"/author/lessons/{lesson_id}/delete", data={"confirm": "yes"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lesson, lesson_id) is None and db.session.get(Quiz, quiz_id) is None
    completion = db.session.scalar(select(LessonCompletion))
    assert completion.lesson_id is None and completion.lesson_title == title
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.quiz_id is None and attempt.quiz_title == quiz_title
    assert db.session.scalar(select(func.count(AttemptAnswer.id))) == question_count
    assert db.session.scalar(select(QuizResult)).quiz_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lesson.delete"))
    # The learner still sees the result of the deleted quiz, and the course counts its new size.
    assert learner_client.get(f"/attempts/{attempt_id}").status_code == 200
    assert learner_client.get(f"/courses/{example_course.slug}").status_code == 200


def test_deleting_question_keeps_answers_snapshot(app_ctx, trainer, trainer_client, learner_client, learner, factory, example_course):
    """Are answers to a deleted question kept with their snapshot?"""
    own(example_course, trainer)
    factory.enrol(learner, example_course)
    quiz = example_course.lessons[0].quiz
    learner_client.post(f"/courses/{example_course.slug}/quizzes/{quiz.id}", data=answer_form(quiz))
    question = quiz.questions[0]
    question_id, prompt = question.id, question.prompt
    page = trainer_client.get(f"/author/questions/{question_id}/delete").get_data(as_text=True)
    assert "1 quiz answer or attempt" in page
    response = trainer_client.post(f"/author/questions/{question_id}/delete",
                                   data={"confirm": "yes", "version": str(quiz.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, question_id) is None
    kept = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.position == 0))
    assert kept.question_id is None and kept.snapshot["prompt"] == prompt


def test_last_lesson_of_published_course_cannot_be_deleted(app_ctx, trainer, trainer_client, factory):
    """Is deleting every lesson of a published course refused, so learners never get an empty course?"""
    from .test_flow import add_lesson, create_course

    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "Only")
    assert trainer_client.post(f"/author/courses/{course.id}/publish").status_code == 302
    response = trainer_client.post(f"/author/lessons/{lesson_id}/delete", data={"confirm": "yes"})
    assert response.status_code == 422 and "no lessons" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Course, course.id).lessons
