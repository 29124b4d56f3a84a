"""Publishing checks the whole course and lists every problem in plain words."""
from flask_babel import force_locale
from sqlalchemy import select

from training.extensions import db
from training.models import Course, CourseStatus, Lesson, Question, Quiz
from training.services.authoring import authoring, course_checks

from .test_flow import add_lesson, create_course


def test_course_problems_lists_every_problem(app_ctx, trainer):
    """Does the publish check name an empty lesson, an empty quiz, a question without a correct
    answer and a missing explanation, all at once?"""
    course = authoring.create_course(db.session, trainer, "Course", "en", "beginner")
    course.lessons.append(Lesson(key="empty", title="Empty one", body_md="  "))
    course.lessons.append(Lesson(key="pics", title="Pictures", body_md="![](images/nope.png)"))
    with db.session.no_autoflush:
        no_questions = Quiz(title="Empty quiz")
        broken = Quiz(title="Final", is_final=True)
        course.quizzes.extend([no_questions, broken])
        no_questions.lesson = course.lessons[0]
        broken.questions.append(Question(key="q1", kind="single", prompt="Which?", explanation="",
                                         answer={}))
    db.session.flush()
    with force_locale("en"):  # services outside a request speak the default language, Chinese
        problems = course_checks.course_problems(course)
    text = "\n".join(problems)
    assert "Lesson “Empty one” has no content." in text
    assert "Quiz “Empty quiz” has no questions." in text
    assert "Add an explanation" in text
    assert "Give at least two choices." in text
    assert "a picture has no text alternative" in text and "was not uploaded" in text


def test_question_problems_by_kind():
    """Is each question kind checked for its correct answer?"""
    single = course_checks.QuestionInput("single", "Q", "E", choices=[
        course_checks.ChoiceInput("a", True), course_checks.ChoiceInput("b", True)])
    assert "exactly one" in course_checks.question_problems(single)["choices"]
    multiple = course_checks.QuestionInput("multiple", "Q", "E", choices=[
        course_checks.ChoiceInput("a"), course_checks.ChoiceInput("b")])
    assert "at least one" in course_checks.question_problems(multiple)["choices"]
    assert "answer" in course_checks.question_problems(course_checks.QuestionInput("true_false", "Q", "E"))
    assert "accepted" in course_checks.question_problems(course_checks.QuestionInput("short_text", "Q", "E"))
    ordering = course_checks.QuestionInput("ordering", "Q", "E", choices=[
        course_checks.ChoiceInput("a"), course_checks.ChoiceInput("a")])
    assert "different" in course_checks.question_problems(ordering)["choices"]
    image = course_checks.QuestionInput("true_false", "Q", "E", image="images/x.png", answer=True)
    assert "image_alt" in course_checks.question_problems(image)
    assert course_checks.question_problems(course_checks.QuestionInput("true_false", "Q", "E", answer=False)) == {}


def test_publish_with_problems_is_refused_and_lists_them(app_ctx, trainer_client):
    """Does publishing a course with problems fail with every problem on the page?"""
    course = create_course(trainer_client)
    lesson_id = add_lesson(trainer_client, course, "Blank", body="")
    trainer_client.post(f"/author/lessons/{lesson_id}/quiz", data={"title": "Empty quiz"})
    response = trainer_client.post(f"/author/courses/{course.id}/publish")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Lesson “Blank” has no content." in page and "Quiz “Empty quiz” has no questions." in page
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == CourseStatus.DRAFT


def test_published_course_refuses_breaking_edits(app_ctx, trainer_client, example_course, trainer):
    """Is an edit that would break a published course refused, leaving the lesson as it was?"""
    example_course.centre_id = trainer.centre_id
    db.session.commit()
    lesson = example_course.lessons[0]
    body = lesson.body_md
    response = trainer_client.post(f"/author/lessons/{lesson.id}", data={
        "title": lesson.title, "body_md": "", "minutes": "5", "version": str(lesson.version),
        "action": "save"})
    assert response.status_code == 422 and "has no content" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lesson, lesson.id).body_md == body


def test_unpublish_and_publish_are_audited(app_ctx, trainer_client, example_course, trainer):
    """Are unpublishing and publishing recorded in the audit log and the change log?"""
    from training.models import AuditEvent, CourseChange

    example_course.centre_id = trainer.centre_id
    db.session.commit()
    trainer_client.post(f"/author/courses/{example_course.id}/unpublish")
    trainer_client.post(f"/author/courses/{example_course.id}/publish")
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["course.unpublish", "course.publish"]
    changes = list(db.session.scalars(select(CourseChange.action).order_by(CourseChange.id)))
    assert changes == ["course.unpublish", "course.publish"]
